import { parseSchedulerConfig } from '../core/scheduler/config.js';
import { formatShape } from '../core/tensor/tensor.js';
import type { Schedulers } from '../pipeline/text-to-video.js';
import type { BlobStore } from '../runtime/download/blob-store.js';
import { type DownloadSetFile, type DownloadSetProgress, downloadFiles } from '../runtime/download/download-set.js';
import { ModelSignatureError } from '../runtime/errors.js';
import { createModelSet, type ModelBytes, type ModelPart, type ModelSet, type ModelSetOptions } from '../runtime/model-set.js';
import type { OnnxUnet } from '../runtime/onnx-unet.js';
import type { OrtModule } from '../runtime/ort.js';
import { type ExternalDataOption, externalDataOption } from '../runtime/pack/external-data.js';
import {
  BORROWED_IMAGE_MODEL_DIR,
  MANIFEST_FILE,
  ManifestError,
  type OnnxComponent,
  type PackManifest,
  parsePackManifest,
} from '../runtime/pack/manifest.js';
import { PackLayoutError, type PackReader, readPack } from '../runtime/pack-reader.js';
import { declaredInputShapes, freeDimensionOverrides, type GenerationShape } from '../runtime/shape-specialization.js';
import { PackTokenizer } from '../runtime/tokenizer.js';
import { type BorrowedImageModel, planBorrowedImageModel } from './borrowed-image-model.js';
import type { Backend, PackInfo, WebgpuBufferCache, WebgpuLayout } from './types.js';
import { verifyBytes } from './verify-bytes.js';

/** What loading reports, in order: reading the manifest, fetching files, compiling each part. */
export type LoadProgress =
  | { phase: 'manifest' }
  | ({ phase: 'download' } & DownloadSetProgress)
  | { phase: 'verify'; file: string }
  /** What the downloader did about a problem: resumed, refetched a corrupt copy, reused the cache. */
  | { phase: 'notice'; message: string }
  | { phase: 'compile'; part: ModelPart };

export interface LoadedPack {
  info: PackInfo;
  manifest: PackManifest | null;
  models: ModelSet;
  tokenizer: PackTokenizer | null;
  schedulers: Schedulers;
  /**
   * New sessions of the same bytes with the graphs' symbolic dims pinned to a generation's shapes (the bytes are
   * kept for it): on WASM, and on WebGPU for small packs (WEBGPU_SPECIALIZE_MAX_BYTES); null where the bytes are
   * let go.
   */
  respecialize: ((shape: GenerationShape) => Promise<ModelSet>) | null;
  /** Bytes of the model files (external data not held in memory counts as infinite): what sizes the defaults. */
  modelBytes: number;
}

export interface LoadPackOptions {
  ort: OrtModule;
  backend: Backend;
  /** Where downloaded files are kept (OPFS in the browser). Without one, files are read straight from the reader. */
  store?: BlobStore;
  /** URL prefix to download from when `store` is set (the reader's location for URL packs). */
  downloadBase?: string;
  fetch?: typeof fetch;
  signal?: AbortSignal;
  onProgress?: (progress: LoadProgress) => void;
  /**
   * Where a manifest's `imageModel.baseUrl` (an SD1.5 diffusers-ONNX folder lending its unet/ as the IDM) is
   * read from: the engine resolves it against the pack's own location. Without it such packs are refused.
   */
  imageModelReader?: (baseUrl: string) => PackReader;
  /** onnxruntime's WebGPU `preferredLayout` (LoadOptions.webgpuLayout). */
  webgpuLayout?: WebgpuLayout;
  /** onnxruntime's WebGPU `storageBufferCacheMode` (LoadOptions.webgpuBufferCache). */
  webgpuBufferCache?: WebgpuBufferCache;
  /** LoadOptions.specializeShapes: unset follows shapeSpecialization's rule. */
  specializeShapes?: boolean;
  /** LoadOptions.graphCapture: captured UNet sessions in the shape-pinned model sets (WebGPU); unset follows graphCaptureByDefault. */
  graphCapture?: boolean;
}

/**
 * The largest pack (model files and external data together) whose sessions are re-created per generation shape on
 * WebGPU. On an H100 the bundled pack's UNet calls, which are CPU-bound, got 8-50 % faster with the shapes pinned
 * and gave the same outputs (docs/performance.md, "Graph capture and fixed shapes"). A full-size pack would keep
 * gigabytes of bytes in memory and recompile for 10-20 s per new shape, for a gain not measured yet (its calls are
 * GPU-bound at 512²).
 */
export const WEBGPU_SPECIALIZE_MAX_BYTES = 256 * 2 ** 20;

/** A pack small enough to keep its bytes for re-created sessions (model bytes as modelBytesTotal counts them). */
export function isSmallPack(modelBytes: number): boolean {
  return modelBytes <= WEBGPU_SPECIALIZE_MAX_BYTES;
}

/** Whether a pack of these bytes gets shape-pinned sessions on `backend` (LoadOptions.specializeShapes unset). */
export function shapeSpecialization(backend: Backend, bytes: ModelBytes): boolean {
  if (backend === 'wasm') return true;
  return isSmallPack(modelBytesTotal(bytes));
}

/**
 * Whether a pack gets graph-captured UNet sessions when LoadOptions.graphCapture is unset: on WebGPU, for the packs
 * whose shapes are pinned by default (capture needs them). On an H100 (docs/performance.md, "GPU, fourth run") the
 * bundled pack's captured calls took 5.6-8.9 ms against 55-73 ms with pinned shapes alone, the whole 16-frame
 * IV-mixed generation 1.1-1.7 s against 7.5-9.9 s, outputs identical; each captured session's first call is checked
 * against the plain one and any fault turns it off. Full-size packs are GPU-bound (capture gained 0-7 % there for
 * twice the sessions and GPU memory), so they keep plain sessions unless asked.
 */
export function graphCaptureByDefault(backend: Backend, bytes: ModelBytes): boolean {
  return backend === 'webgpu' && shapeSpecialization(backend, bytes);
}

/** Bytes of every model file in memory; a part whose external data is not in memory counts as too large. */
function modelBytesTotal(bytes: ModelBytes): number {
  const parts = [bytes.textEncoder, bytes.videoUnet, bytes.vaeDecoder, ...(bytes.imageUnet ? [bytes.imageUnet] : [])];
  let total = parts.reduce((n, p) => n + p.byteLength, 0);
  for (const files of Object.values(bytes.externalData ?? {})) {
    for (const file of files ?? []) {
      const data = typeof file === 'string' ? undefined : file.data;
      total += data instanceof Uint8Array || data instanceof ArrayBuffer ? data.byteLength : Number.POSITIVE_INFINITY;
    }
  }
  return total;
}

/**
 * SD's approximate latent → RGB map (rows: R, G, B over the 4 latent channels), used for previews when a
 * 4-channel pack does not fit its own.
 */
const SD_LATENT_TO_RGB = {
  latentToRgb: [
    [0.298, 0.187, -0.158, -0.184],
    [0.207, 0.286, 0.189, -0.271],
    [0.208, 0.173, 0.264, -0.473],
  ],
  bias: [0.5, 0.5, 0.5],
};

/**
 * Load a pack: its manifest (when it has one; a plain diffusers-ONNX folder still loads, unverified), every
 * file verified against the manifest's size and sha256 before onnxruntime sees it, the tokenizer, the
 * scheduler configs, and the sessions on the chosen backend.
 */
export async function loadPack(
  reader: PackReader,
  options: LoadPackOptions,
  manifest?: PackManifest | null,
): Promise<LoadedPack> {
  if (manifest === undefined) {
    options.onProgress?.({ phase: 'manifest' });
    manifest = await readPackManifest(reader);
  }
  if (!manifest) return loadPlainFolder(reader, options);

  // A borrowed IDM is planned first so that its files join the pack's download (one progress, one quota check).
  const borrowing = manifest.imageModel ? await planBorrowed(manifest, options) : undefined;
  const read = await verifiedReader(reader, manifest, options, borrowing?.downloads ?? []);
  const part = async (c: OnnxComponent): Promise<{ model: Uint8Array; externalData: ExternalDataOption }> => ({
    model: await read(c.model),
    externalData: await externalDataOption(
      c.externalData.map((p) => ({ packPath: p, location: p.slice(p.lastIndexOf('/') + 1) })),
      read,
    ),
  });
  const c = manifest.components;
  const [textEncoder, videoUnet, vaeDecoder] = [await part(c.textEncoder), await part(c.videoUnet), await part(c.vaeDecoder)];
  const borrowed = borrowing ? await borrowing.read() : undefined;
  const imageUnet = c.imageUnet ? await part(c.imageUnet) : borrowed;
  const bytes: ModelBytes = {
    textEncoder: textEncoder.model,
    videoUnet: videoUnet.model,
    vaeDecoder: vaeDecoder.model,
    ...(imageUnet ? { imageUnet: imageUnet.model } : {}),
    externalData: {
      textEncoder: textEncoder.externalData,
      videoUnet: videoUnet.externalData,
      vaeDecoder: vaeDecoder.externalData,
      ...(imageUnet ? { imageUnet: imageUnet.externalData } : {}),
    },
  };
  const json = async (path: string): Promise<unknown> => JSON.parse(new TextDecoder().decode(await read(path)));
  const tokenizer = PackTokenizer.fromJson(await json(c.tokenizer.json), {
    ...(c.tokenizer.config ? { config: await json(c.tokenizer.config) } : {}),
    spec: manifest.tokenizer,
    source: `${manifest.id}/${c.tokenizer.json}`,
  });
  const schedulers: Schedulers = {
    config: parseSchedulerConfig(await json(c.scheduler.config)),
    ...(c.scheduler.inverseConfig ? { inverseConfig: parseSchedulerConfig(await json(c.scheduler.inverseConfig)) } : {}),
  };
  const sessionOptions: ModelSetOptions = {
    ...baseSessionOptions(options),
    videoTextPerFrame: manifest.videoTextEmbeddings === 'per-frame',
  };
  const models = await createModelSet(options.ort, bytes, sessionOptions);
  if (borrowed && models.image) {
    try {
      checkBorrowedImageModel(models.image, manifest, (borrowing as BorrowedImageModel).location);
    } catch (error) {
      await models.release();
      throw error;
    }
  }
  const info: PackInfo = {
    id: manifest.id,
    name: manifest.name,
    description: manifest.description,
    // A borrowed SD1.5 folder has no manifest of its own: its files are checked only when this one lists them.
    verified: !borrowing || borrowing.verified,
    precision: manifest.precision,
    nativeResolution: manifest.nativeResolution,
    frames: manifest.frames,
    latentChannels: manifest.latentChannels,
    vaeScalingFactor: manifest.vaeScalingFactor,
    hasImageModel: !!models.image,
    hasTokenizer: true,
    preview: manifest.preview ?? (manifest.latentChannels === 4 ? SD_LATENT_TO_RGB : null),
    defaults: manifest.defaults ?? {},
    suggestedPrompts: manifest.suggestedPrompts ?? [],
    totalBytes: [...manifest.files, ...(borrowing?.files ?? [])].reduce((n, f) => n + f.size, 0),
    files: [
      ...manifest.files.map((f) => ({ path: f.path, sha256: f.sha256 })),
      // The borrowed IDM's hashes, when listed, so that a recipe names the exact image model too.
      ...(manifest.imageModel?.files ?? []).map((f) => ({ path: `${BORROWED_IMAGE_MODEL_DIR}/${f.path}`, sha256: f.sha256 })),
    ],
  };
  return {
    info,
    manifest,
    models,
    tokenizer,
    schedulers,
    respecialize: respecializer(options, bytes, sessionOptions, models),
    modelBytes: modelBytesTotal(bytes),
  };
}

/**
 * The unet/ of an SD1.5 diffusers-ONNX folder, used as the pack's IDM as it is (no conversion): downloaded
 * with the pack into the store when the pack is, else read from the folder.
 */
async function planBorrowed(manifest: PackManifest, options: LoadPackOptions): Promise<BorrowedImageModel> {
  const baseUrl = manifest.imageModel?.baseUrl ?? '';
  if (!options.imageModelReader) {
    throw new PackLayoutError(
      `This pack takes its image model from "${baseUrl}" (imageModel.baseUrl in its manifest), which cannot be reached from here.`,
    );
  }
  const plan = await planBorrowedImageModel(manifest, {
    reader: options.imageModelReader(baseUrl),
    ...(options.store && options.downloadBase ? { store: options.store } : {}),
    ...(options.fetch ? { fetch: options.fetch } : {}),
    log: (message) => options.onProgress?.({ phase: 'notice', message }),
  });
  options.onProgress?.({ phase: 'notice', message: plan.notice });
  return plan;
}

/** The borrowed IDM must fit the pack: same latent channels, same text embedding width as the pack's encoder. */
function checkBorrowedImageModel(unet: OnnxUnet, manifest: PackManifest, location: string): void {
  const { sample, text } = unet.signature;
  const channels = sample.shape[1];
  const width = text.shape[2];
  if (typeof channels === 'number' && channels !== manifest.latentChannels) {
    throw new ModelSignatureError(
      'unet',
      sample.name,
      `${location}unet/model.onnx takes ${channels} latent channels, but this pack's latents have ${manifest.latentChannels}; it cannot be the pack's image model.`,
    );
  }
  if (typeof width === 'number' && width !== manifest.textEmbeddingWidth) {
    throw new ModelSignatureError(
      'unet',
      text.name,
      `${location}unet/model.onnx takes text embeddings ${width} wide (input "${text.name}" ${formatShape(text.shape)}), but this pack's text encoder gives ${manifest.textEmbeddingWidth}; use an image model made for the same text encoder (SD1.5 models take 768).`,
    );
  }
}

/** The session options every pack gets from the load options (backend, GPU outputs, WebGPU layout and buffer cache). */
function baseSessionOptions(options: LoadPackOptions): ModelSetOptions {
  return {
    executionProviders: [options.backend],
    unetOutputsOnGpu: options.backend === 'webgpu',
    ...(options.webgpuLayout ? { webgpuLayout: options.webgpuLayout } : {}),
    ...(options.webgpuBufferCache ? { webgpuBufferCache: options.webgpuBufferCache } : {}),
    onPart: (p) => options.onProgress?.({ phase: 'compile', part: p }),
  };
}

function respecializer(
  options: LoadPackOptions,
  bytes: ModelBytes,
  sessionOptions: ModelSetOptions,
  loaded: ModelSet,
): LoadedPack['respecialize'] {
  if (!(options.specializeShapes ?? shapeSpecialization(options.backend, bytes))) return null;
  const graphCapture = options.backend === 'webgpu' && (options.graphCapture ?? graphCaptureByDefault(options.backend, bytes));
  // The symbols as the graphs declare them, from the sessions made at load (their shapes are not pinned yet).
  const declared = declaredInputShapes(loaded);
  return (shape) =>
    createModelSet(options.ort, bytes, {
      ...sessionOptions,
      freeDimensions: freeDimensionOverrides(declared, shape),
      ...(graphCapture ? { graphCapture } : {}),
    });
}

/** The pack's validated manifest, or null for a plain diffusers-ONNX folder without one. */
export async function readPackManifest(reader: PackReader): Promise<PackManifest | null> {
  if (!(await reader.exists(MANIFEST_FILE))) return null;
  return parsePackManifest(await readManifestJson(reader), `${reader.location}${MANIFEST_FILE}`);
}

async function readManifestJson(reader: PackReader): Promise<unknown> {
  const text = new TextDecoder().decode(await reader.read(MANIFEST_FILE));
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ManifestError(
      '',
      `${reader.location}${MANIFEST_FILE} is not valid JSON (${(error as Error).message}). Fix it, or regenerate it with \`node scripts/make-manifest.mjs <packDir>\`.`,
    );
  }
}

/** Files verified against the manifest: downloaded into the store (resumable, hashed) or read and hashed. */
async function verifiedReader(
  reader: PackReader,
  manifest: PackManifest,
  options: LoadPackOptions,
  extraDownloads: readonly DownloadSetFile[],
): Promise<(path: string) => Promise<Uint8Array>> {
  const entries = new Map(manifest.files.map((f) => [f.path, f]));
  const { store, downloadBase } = options;
  if (store && downloadBase) {
    const base = downloadBase.endsWith('/') ? downloadBase : `${downloadBase}/`;
    const key = (path: string) => `${manifest.id}/${path}`;
    await downloadFiles(
      [
        ...manifest.files.map((f) => ({ url: new URL(f.path, base).href, key: key(f.path), size: f.size, sha256: f.sha256 })),
        ...extraDownloads,
      ],
      {
        store,
        ...(options.fetch ? { fetch: options.fetch } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
        onProgress: (p) => options.onProgress?.({ phase: 'download', ...p }),
        log: (message) => options.onProgress?.({ phase: 'notice', message }),
      },
    );
    return (path) => store.readAll(key(path));
  }
  return async (path) => {
    const entry = entries.get(path);
    const bytes = await reader.read(path);
    if (entry) {
      options.onProgress?.({ phase: 'verify', file: path });
      await verifyBytes(
        bytes,
        path,
        `${reader.location}${path}`,
        entry,
        (actual) =>
          `${reader.location}${path} does not match the pack's manifest (expected ${entry.size} bytes with sha256 ${entry.sha256}, ` +
          `got ${actual.size} bytes with sha256 ${actual.sha256}). The file is damaged or from another version of the pack; copy it again.`,
      );
    }
    return bytes;
  };
}

/** A diffusers-ONNX folder without manifest (e.g. the parity fixture): loads, but nothing can be verified. */
async function loadPlainFolder(reader: PackReader, options: LoadPackOptions): Promise<LoadedPack> {
  const { bytes, schedulers } = await readPack(reader);
  const modelBytes = modelBytesTotal(bytes);
  const sessionOptions = baseSessionOptions(options);
  const models = await createModelSet(options.ort, bytes, sessionOptions);
  const tokenizerPath = 'tokenizer/tokenizer.json';
  const tokenizer = (await reader.exists(tokenizerPath))
    ? PackTokenizer.fromJson(JSON.parse(new TextDecoder().decode(await reader.read(tokenizerPath))), { source: tokenizerPath })
    : null;
  const latentChannels = 4;
  const info: PackInfo = {
    id: reader.location,
    name: reader.location,
    description: 'A diffusers-ONNX folder without manifest.json: files are not verified.',
    verified: false,
    precision: models.video.signature.dtype === 'float16' ? 'fp16' : 'fp32',
    nativeResolution: { width: 512, height: 512 },
    frames: { default: 16, max: 32 },
    latentChannels,
    vaeScalingFactor: 0.18215,
    hasImageModel: !!models.image,
    hasTokenizer: tokenizer !== null,
    preview: SD_LATENT_TO_RGB,
    defaults: {},
    suggestedPrompts: [],
    // No manifest lists the files: the model files read are the pack's size.
    totalBytes: modelBytes,
    files: [],
  };
  return {
    info,
    manifest: null,
    models,
    tokenizer,
    schedulers,
    respecialize: respecializer(options, bytes, sessionOptions, models),
    modelBytes,
  };
}
