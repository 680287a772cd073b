/**
 * A pack that borrows its IDM from an SD1.5 diffusers-ONNX folder (manifest `imageModel.baseUrl`), used as it
 * is: the folder below is laid out like nmkd/stable-diffusion-1.5-onnx-fp16 (model_index.json, unet/model.onnx
 * + unet/weights.pb, text_encoder/, vae_decoder/, tokenizer/, scheduler/), made from the bundled pack's own
 * models so that the result can be compared with the bundled pack bit for bit.
 */
import { cp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
// onnx-proto is CommonJS: Node's ESM loader only offers its default export at runtime.
import onnxProto from 'onnx-proto';
import * as ort from 'onnxruntime-web';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/engine.js';
import type { GenerateRequest, LoadEvent } from '../../src/engine/types.js';
import { PARITY_MODELS } from '../helpers/fixtures.js';
import { dirSource, makeEngine, NODE_CAPS, PACK_DIR, rejection, removeTempDirs, rewriteManifest, tempDir } from './support.js';

const { onnx } = onnxProto;

/** The graph with every initializer's bytes moved into one external-data file, as diffusers' exporter writes it. */
function externalize(bytes: Uint8Array, location: string): { model: Uint8Array; data: Uint8Array; moved: number } {
  const model = onnx.ModelProto.decode(bytes);
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const t of model.graph?.initializer ?? []) {
    const raw = t.rawData;
    if (!raw || raw.length === 0) continue;
    chunks.push(raw);
    t.rawData = new Uint8Array(0);
    t.dataLocation = onnx.TensorProto.DataLocation.EXTERNAL;
    t.externalData = [
      onnx.StringStringEntryProto.create({ key: 'location', value: location }),
      onnx.StringStringEntryProto.create({ key: 'offset', value: String(offset) }),
      onnx.StringStringEntryProto.create({ key: 'length', value: String(raw.length) }),
    ];
    offset += raw.length;
  }
  const data = new Uint8Array(offset);
  let at = 0;
  for (const c of chunks) {
    data.set(c, at);
    at += c.length;
  }
  return { model: onnx.ModelProto.encode(model).finish(), data, moved: offset };
}

/** An SD1.5 diffusers-ONNX folder whose unet/ is `unetModel` with its weights in unet/weights.pb. */
async function sd15Folder(dir: string, unetModel: string): Promise<{ moved: number; unetSize: number }> {
  for (const sub of ['unet', 'text_encoder', 'vae_decoder', 'tokenizer', 'scheduler'])
    await mkdir(join(dir, sub), { recursive: true });
  const unetBytes = await readFile(unetModel);
  const { model, data, moved } = externalize(unetBytes, 'weights.pb');
  await writeFile(join(dir, 'unet', 'model.onnx'), model);
  await writeFile(join(dir, 'unet', 'weights.pb'), data);
  await cp(join(PACK_DIR, 'text_encoder', 'model.onnx'), join(dir, 'text_encoder', 'model.onnx'));
  await cp(join(PACK_DIR, 'vae_decoder', 'model.onnx'), join(dir, 'vae_decoder', 'model.onnx'));
  await cp(join(PACK_DIR, 'tokenizer', 'tokenizer.json'), join(dir, 'tokenizer', 'tokenizer.json'));
  await cp(join(PACK_DIR, 'tokenizer', 'tokenizer_config.json'), join(dir, 'tokenizer', 'tokenizer_config.json'));
  await cp(join(PACK_DIR, 'scheduler', 'scheduler_config.json'), join(dir, 'scheduler', 'scheduler_config.json'));
  await writeFile(
    join(dir, 'model_index.json'),
    JSON.stringify({
      _class_name: 'OnnxStableDiffusionPipeline',
      _diffusers_version: '0.30.3',
      text_encoder: ['onnxruntime', 'OnnxRuntimeModel'],
      tokenizer: ['transformers', 'CLIPTokenizer'],
      unet: ['onnxruntime', 'OnnxRuntimeModel'],
      vae_decoder: ['onnxruntime', 'OnnxRuntimeModel'],
      scheduler: ['diffusers', 'DDIMScheduler'],
    }),
  );
  return { moved, unetSize: unetBytes.byteLength };
}

/** The bundled pack without its unet/, borrowing the IDM from `baseUrl` instead. */
async function borrowingPack(dir: string, baseUrl: string): Promise<void> {
  await cp(PACK_DIR, dir, { recursive: true });
  await rm(join(dir, 'unet'), { recursive: true });
  await rewriteManifest(dir, (m) => {
    delete m.components.imageUnet;
    m.files = m.files.filter((f) => !f.path.startsWith('unet/'));
    m.imageModel = { baseUrl };
  });
}

const REQUEST: GenerateRequest = {
  prompt: 'a green diamond moving down on a gray background',
  seed: 5,
  frames: 4,
  settings: { variant: 'iv-iv', steps: 2 },
  previewEvery: 0,
};

describe('a pack whose IDM is an SD1.5 diffusers-ONNX folder (manifest imageModel)', () => {
  let root: string;
  let engine: Engine;
  let moved: number;
  let unetSize: number;

  beforeAll(async () => {
    root = await tempDir('ivmix-sd15-');
    ({ moved, unetSize } = await sd15Folder(join(root, 'stable-diffusion-1.5-onnx'), join(PACK_DIR, 'unet', 'model.onnx')));
    await borrowingPack(join(root, 'pack'), '../stable-diffusion-1.5-onnx/');
    engine = makeEngine();
  });
  afterAll(async () => {
    await engine?.unload();
    await removeTempDirs();
  });

  it('loads the folder unconverted (external weights.pb) and generates exactly what the bundled pack does', async () => {
    // Nearly all of the UNet's bytes now live in weights.pb: the external-data path is exercised.
    expect(moved).toBeGreaterThan(0.9 * unetSize);
    const events: LoadEvent[] = [];
    const summary = await engine.load(dirSource(join(root, 'pack')), {}, (e) => events.push(e));
    expect(summary.pack.hasImageModel).toBe(true);
    expect(summary.pack.verified).toBe(false);
    const notice = events.find((e) => e.phase === 'notice');
    expect(notice).toMatchObject({
      phase: 'notice',
      message: expect.stringMatching(/SD1\.5 folder .*stable-diffusion-1\.5-onnx\/.*not verified/),
    });
    const borrowed = await engine.generate(REQUEST);
    expect(borrowed.modelCalls.image).toBe(4);

    await engine.load(dirSource(PACK_DIR));
    const bundled = await engine.generate(REQUEST);
    expect(Array.from(borrowed.latents)).toEqual(Array.from(bundled.latents));
    expect(Array.from(borrowed.frames.rgba)).toEqual(Array.from(bundled.frames.rgba));
  });

  it('resolves an absolute-path imageModel too', async () => {
    const dir = join(root, 'pack-absolute');
    await borrowingPack(dir, `${join(root, 'stable-diffusion-1.5-onnx')}/`);
    const summary = await engine.load(dirSource(dir));
    expect(summary.pack.hasImageModel).toBe(true);
  });

  it('refuses a folder without unet/model.onnx, saying what to pick', async () => {
    const dir = join(root, 'no-unet');
    await mkdir(join(dir, 'text_encoder'), { recursive: true });
    await cp(join(PACK_DIR, 'text_encoder', 'model.onnx'), join(dir, 'text_encoder', 'model.onnx'));
    await borrowingPack(join(root, 'pack-no-unet'), '../no-unet/');
    const error = await rejection(engine.load(dirSource(join(root, 'pack-no-unet'))));
    expect(error.name).toBe('Sd15FolderError');
    expect(error.message).toMatch(/no-unet\/: unet\/model\.onnx is missing, so it cannot serve as the image model/);
  });

  it('refuses a folder whose graph refers to an external-data file that is not there', async () => {
    const dir = join(root, 'sd15-no-weights');
    await sd15Folder(dir, join(PACK_DIR, 'unet', 'model.onnx'));
    await rm(join(dir, 'unet', 'weights.pb'));
    await borrowingPack(join(root, 'pack-no-weights'), '../sd15-no-weights/');
    const error = await rejection(engine.load(dirSource(join(root, 'pack-no-weights'))));
    expect(error.name).toBe('Sd15FolderError');
    expect(error.message).toMatch(/stores its weights in "weights\.pb", but unet\/weights\.pb is not in the pack/);
  });

  it('refuses an image model made for another text encoder (text width), naming both widths', async () => {
    const dir = join(root, 'sd15-other-width');
    // The parity fixture's IDM takes 32-wide text embeddings; the bundled pack's encoder gives 64.
    await sd15Folder(dir, join(PARITY_MODELS, 'unet', 'model.onnx'));
    await borrowingPack(join(root, 'pack-other-width'), '../sd15-other-width/');
    const error = await rejection(engine.load(dirSource(join(root, 'pack-other-width'))));
    expect(error.name).toBe('ModelSignatureError');
    expect(error.message).toMatch(/takes text embeddings 32 wide .* this pack's text encoder gives 64/);
    // The engine still works afterwards.
    const summary = await engine.load(dirSource(PACK_DIR));
    expect(summary.pack.verified).toBe(true);
  });

  it('refuses the borrowed IDM for a pack picked as files, which cannot reach another folder', async () => {
    const files: File[] = [];
    const dir = join(root, 'pack');
    const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as { files: { path: string }[] };
    for (const path of ['manifest.json', ...manifest.files.map((f) => f.path)]) {
      const file = new File([await readFile(join(dir, path))], path.slice(path.lastIndexOf('/') + 1));
      Object.defineProperty(file, 'webkitRelativePath', { value: `pack/${path}` });
      files.push(file);
    }
    const picking = new Engine(ort, { probe: async () => NODE_CAPS });
    const error = await rejection(picking.load({ kind: 'files', files }));
    expect(error.name).toBe('PackLayoutError');
    expect(error.message).toMatch(/picked files cannot reach/);
  });
});
