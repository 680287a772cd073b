/**
 * A pack that borrows its IDM from an SD1.5 diffusers-ONNX folder (manifest `imageModel.baseUrl`), used as it
 * is: the folder below is laid out like nmkd/stable-diffusion-1.5-onnx-fp16 (model_index.json, unet/model.onnx
 * + unet/weights.pb, text_encoder/, vae_decoder/, tokenizer/, scheduler/), made from the bundled pack's own
 * models so that the result can be compared with the bundled pack bit for bit.
 */
import { cp, mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import * as ort from 'onnxruntime-web';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/engine.js';
import type { GenerateRequest, LoadEvent } from '../../src/engine/types.js';
import { PARITY_MODELS } from '../helpers/fixtures.js';
import { borrowingPack, sd15Folder, unetFileList } from './sd15-folder-fixture.js';
import { dirSource, flipByte, makeEngine, NODE_CAPS, PACK_DIR, rejection, removeTempDirs, tempDir } from './support.js';

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

  it('verifies the folder against imageModel.files when the manifest lists them, and refuses a damaged file', async () => {
    const folder = join(root, 'sd15-hashed');
    await sd15Folder(folder, join(PACK_DIR, 'unet', 'model.onnx'));
    const dir = join(root, 'pack-hashed');
    await borrowingPack(dir, '../sd15-hashed/', await unetFileList(folder));
    const events: LoadEvent[] = [];
    const summary = await engine.load(dirSource(dir), {}, (e) => events.push(e));
    expect(summary.pack.verified).toBe(true);
    expect(summary.pack.files.map((f) => f.path)).toContain('image-model/unet/weights.pb');
    expect(events).toContainEqual({
      phase: 'notice',
      message: expect.stringMatching(/sd15-hashed\/.*verified against the sha256/),
    });

    await flipByte(join(folder, 'unet', 'weights.pb'), 100);
    const error = await rejection(engine.load(dirSource(dir)));
    expect(error.name).toBe('IntegrityError');
    expect(error.message).toMatch(/sd15-hashed\/unet\/weights\.pb does not match the pack manifest's imageModel\.files/);
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
