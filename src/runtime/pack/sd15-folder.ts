/**
 * An existing SD1.5 diffusers-ONNX folder (e.g. nmkd/stable-diffusion-1.5-onnx-fp16 with
 * unet/model.onnx + unet/weights.pb, or aislamov/lcm-dreamshaper-v7-onnx with unet/model.onnx +
 * unet/model.onnx_data) used as the IDM without conversion. Such a folder has no manifest, so this
 * describes it from a file listing alone.
 *
 * Sizes and sha256 are unknown here: a pack that borrows the folder may list them (manifest
 * imageModel.files, checked by src/engine/borrowed-image-model.ts); without that list a truncated or corrupt
 * file is caught only by the size the server states, or by onnxruntime's own checks when it parses the graph
 * and maps the external data (offsets and lengths written in the graph must fit inside the file). The graph's signature
 * (latent channels, text width 768, fp16/fp32) is still checked by resolveUnetSignature when the session
 * opens, which is what catches a folder that is not SD1.5-compatible.
 */
import type { PackReader } from '../pack-reader.js';
import {
  ExternalDataError,
  type ExternalDataFile,
  type ExternalDataOption,
  externalDataOption,
  KNOWN_EXTERNAL_DATA_NAMES,
  resolveExternalData,
} from './external-data.js';
import { packPathProblem } from './manifest.js';
import { externalDataLocations } from './onnx-external-refs.js';

export class Sd15FolderError extends Error {
  override name = 'Sd15FolderError';
}

export interface Sd15OnnxPart {
  model: string;
  /** Resolved from the folder's files by name; the graph's own references win when it is read. */
  externalData: ExternalDataFile[];
}

/** What an SD1.5 diffusers-ONNX folder offers. Only the IDM is required; the rest is optional. */
export interface Sd15FolderDescription {
  kind: 'sd15-diffusers-onnx';
  /** Always false: there is no manifest, so no sizes or hashes to check downloads against. */
  verified: false;
  imageUnet: Sd15OnnxPart;
  textEncoder?: Sd15OnnxPart;
  vaeDecoder?: Sd15OnnxPart;
  tokenizer?: { json?: string; vocab?: string; merges?: string; config?: string };
  scheduler?: { config: string };
  /** The facts every SD1.5 checkpoint shares (the graph signature confirms channels and text width). */
  latentChannels: 4;
  vaeScalingFactor: 0.18215;
  textEmbeddingWidth: 768;
  nativeResolution: { width: 512; height: 512 };
  /** Every path this description uses, for fetching or caching the folder. */
  paths: string[];
}

/**
 * Describe an SD1.5 diffusers-ONNX folder from the relative paths of its files (as listed by a directory
 * walk, a server index, or a folder picker with the picked folder's own name stripped).
 */
export function describeSd15Folder(listing: readonly string[], location = 'the SD1.5 folder'): Sd15FolderDescription {
  for (const path of listing) {
    const problem = packPathProblem(path);
    if (problem) throw new Sd15FolderError(`${location}: file "${path}" ${problem}.`);
  }
  const has = new Set(listing);
  const part = (model: string): Sd15OnnxPart | undefined => {
    if (!has.has(model)) return undefined;
    try {
      return { model, externalData: resolveExternalData(model, listing) };
    } catch (error) {
      if (error instanceof ExternalDataError) throw new Sd15FolderError(`${location}: ${error.message}`);
      throw error;
    }
  };
  const imageUnet = part('unet/model.onnx');
  if (!imageUnet) {
    const hint = listing.some((p) => p.endsWith('/unet/model.onnx'))
      ? ' The listing seems to include a parent folder: list paths relative to the folder that holds unet/.'
      : ' Pick the folder that contains unet/, text_encoder/, vae_decoder/ (the diffusers-ONNX layout).';
    throw new Sd15FolderError(`${location}: unet/model.onnx is missing, so it cannot serve as the image model.${hint}`);
  }
  const textEncoder = part('text_encoder/model.onnx');
  const vaeDecoder = part('vae_decoder/model.onnx');
  const optional = (path: string) => (has.has(path) ? path : undefined);
  const tokenizerFiles = {
    json: optional('tokenizer/tokenizer.json'),
    vocab: optional('tokenizer/vocab.json'),
    merges: optional('tokenizer/merges.txt'),
    config: optional('tokenizer/tokenizer_config.json'),
  };
  const tokenizer = Object.fromEntries(Object.entries(tokenizerFiles).filter(([, v]) => v !== undefined)) as NonNullable<
    Sd15FolderDescription['tokenizer']
  >;
  const schedulerConfig = optional('scheduler/scheduler_config.json');

  const paths: string[] = [];
  for (const p of [imageUnet, textEncoder, vaeDecoder]) {
    if (p) paths.push(p.model, ...p.externalData.map((e) => e.packPath));
  }
  paths.push(...Object.values(tokenizer));
  if (schedulerConfig) paths.push(schedulerConfig);

  return {
    kind: 'sd15-diffusers-onnx',
    verified: false,
    imageUnet,
    ...(textEncoder ? { textEncoder } : {}),
    ...(vaeDecoder ? { vaeDecoder } : {}),
    ...(Object.keys(tokenizer).length > 0 ? { tokenizer } : {}),
    ...(schedulerConfig ? { scheduler: { config: schedulerConfig } } : {}),
    latentChannels: 4,
    vaeScalingFactor: 0.18215,
    textEmbeddingWidth: 768,
    nativeResolution: { width: 512, height: 512 },
    paths,
  };
}

/** Files an SD1.5 diffusers-ONNX folder may hold, probed one by one when the source cannot list a folder (HTTP). */
const SD15_CANDIDATES = [
  'model_index.json',
  ...['unet', 'text_encoder', 'vae_decoder'].flatMap((dir) => [
    `${dir}/model.onnx`,
    ...KNOWN_EXTERNAL_DATA_NAMES.map((name) => `${dir}/${name}`),
  ]),
  'tokenizer/tokenizer.json',
  'tokenizer/vocab.json',
  'tokenizer/merges.txt',
  'tokenizer/tokenizer_config.json',
  'scheduler/scheduler_config.json',
];

/** The files of an SD1.5 folder that exist, found with the reader's `exists` (no directory listing needed). */
export async function probeSd15Folder(reader: Pick<PackReader, 'exists'>): Promise<string[]> {
  const present = await Promise.all(SD15_CANDIDATES.map((p) => reader.exists(p)));
  return SD15_CANDIDATES.filter((_, i) => present[i]);
}

/**
 * The IDM of a pack from an SD1.5 diffusers-ONNX folder, as it is: unet/model.onnx and the external-data file
 * its graph refers to (weights.pb, model.onnx_data, ...). The folder's text encoder, VAE and tokenizer are not
 * needed: as in the official AnimateDiff code, the IDM is conditioned on the pack's own text embeddings.
 */
export async function readSd15ImageUnet(
  reader: PackReader,
): Promise<{ description: Sd15FolderDescription; model: Uint8Array; externalData: ExternalDataOption }> {
  const listing = await probeSd15Folder(reader);
  const description = describeSd15Folder(listing, reader.location);
  const model = await reader.read(description.imageUnet.model);
  let files: ExternalDataFile[];
  try {
    // The graph's own references are authoritative (they are what onnxruntime looks up).
    files = resolveExternalData(description.imageUnet.model, listing, {
      referenced: externalDataLocations(model, `${reader.location}${description.imageUnet.model}`),
    });
  } catch (error) {
    if (error instanceof ExternalDataError) throw new Sd15FolderError(`${reader.location}: ${error.message}`);
    throw error;
  }
  return { description, model, externalData: await externalDataOption(files, (p) => reader.read(p)) };
}
