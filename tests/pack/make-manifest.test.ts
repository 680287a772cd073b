/**
 * scripts/make-manifest.mjs on a pack folder built from the parity-v1 models (plus the CLIP-shaped test
 * tokenizer and a minimal pack-info.json): the manifest it writes is accepted by parsePackManifest, its
 * sizes and hashes are those of the files, and what it reads from the graphs is right.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { parsePackManifest } from '../../src/runtime/pack/manifest.js';
import { PackTokenizer } from '../../src/runtime/tokenizer.js';
import { PARITY_MODELS } from '../helpers/fixtures.js';
import { externalModel } from './onnx-external.js';

const SCRIPT = join(import.meta.dirname, '..', '..', 'scripts', 'make-manifest.mjs');
const FIXTURES = join(import.meta.dirname, 'fixtures');
const temp = mkdtempSync(join(tmpdir(), 'ivmix-make-manifest-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

/** A pack folder: the parity models, the test tokenizer, and the given pack-info.json. */
function packFolder(name: string, info: object | null): string {
  const dir = join(temp, name);
  cpSync(PARITY_MODELS, dir, { recursive: true });
  mkdirSync(join(dir, 'tokenizer'));
  cpSync(join(FIXTURES, 'clip-bpe-tokenizer.json'), join(dir, 'tokenizer', 'tokenizer.json'));
  cpSync(join(FIXTURES, 'clip-bpe-tokenizer_config.json'), join(dir, 'tokenizer', 'tokenizer_config.json'));
  if (info) writeFileSync(join(dir, 'pack-info.json'), JSON.stringify(info));
  return dir;
}

async function makeManifest(...args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [SCRIPT, ...args]);
    return { stdout, stderr, code: 0 };
  } catch (error) {
    const e = error as { stdout: string; stderr: string; code: number };
    return { stdout: e.stdout, stderr: e.stderr, code: e.code };
  }
}

const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

describe('make-manifest.mjs', () => {
  it('writes a manifest that parsePackManifest accepts, for the parity models', async () => {
    const dir = packFolder('tiny', {
      name: 'Tiny parity pack',
      nativeResolution: { width: 64, height: 64 },
      frames: { default: 8, max: 32 },
      suggestedPrompts: ['a photo of a cat'],
    });
    const result = await makeManifest(dir, '--id', 'tiny-parity', '--license', 'MIT');
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/wrote .*manifest\.json: 11 files/);

    const m = parsePackManifest(JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')), 'tiny/manifest.json');
    expect(m).toMatchObject({ id: 'tiny-parity', name: 'Tiny parity pack', license: 'MIT', description: '' });
    expect(m.components).toEqual({
      textEncoder: { model: 'text_encoder/model.onnx', externalData: [] },
      tokenizer: { json: 'tokenizer/tokenizer.json', config: 'tokenizer/tokenizer_config.json' },
      imageUnet: { model: 'unet/model.onnx', externalData: [] },
      videoUnet: { model: 'motion_unet/model.onnx', externalData: [] },
      vaeDecoder: { model: 'vae_decoder/model.onnx', externalData: [] },
      scheduler: { config: 'scheduler/scheduler_config.json', inverseConfig: 'scheduler/inverse_scheduler_config.json' },
    });
    // From the VDM graph's inputs: sample [batch, 4, frames, h, w], encoder_hidden_states [batch, 77, 32].
    expect(m).toMatchObject({
      latentChannels: 4,
      textEmbeddingWidth: 32,
      precision: 'fp32',
      videoTextEmbeddings: 'per-video',
      vaeScalingFactor: 0.18215,
      nativeResolution: { width: 64, height: 64 },
      frames: { default: 8, max: 32 },
      tokenizer: { maxLength: 77, bos: 998, eos: 999, pad: 999 },
      suggestedPrompts: ['a photo of a cat'],
    });
    expect(result.stdout).toMatch(/assumed vaeScalingFactor = 0\.18215 \(SD1\.5\)/);

    // Every file but manifest.json and pack-info.json, with its real size and hash.
    const paths = m.files.map((f) => f.path);
    expect(paths).not.toContain('manifest.json');
    expect(paths).not.toContain('pack-info.json');
    expect(paths).toContain('scheduler/alphas_cumprod.f32');
    const vdm = m.files.find((f) => f.path === 'motion_unet/model.onnx');
    expect(vdm?.size).toBe(readFileSync(join(dir, 'motion_unet/model.onnx')).length);
    expect(vdm?.sha256).toBe(sha256(join(dir, 'motion_unet/model.onnx')));

    // The pack's tokenizer with the manifest's ids gives ids the parity text encoder (vocab 1000) takes.
    const tokenizer = PackTokenizer.fromJson(JSON.parse(readFileSync(join(dir, m.components.tokenizer.json), 'utf8')), {
      spec: m.tokenizer,
    });
    expect(tokenizer.encodeForModel('a photo of a cat').ids.slice(0, 8)).toEqual([998, 26, 61, 62, 26, 57, 999, 999]);
  });

  it('lists the external data a graph refers to, and borrows the IDM when pack-info.json says so', async () => {
    const dir = packFolder('external', { videoTextEmbeddings: 'per-frame', imageModel: { baseUrl: '../sd15/' } });
    const { model, data } = externalModel('model.onnx_data');
    writeFileSync(join(dir, 'vae_decoder', 'model.onnx'), model);
    writeFileSync(join(dir, 'vae_decoder', 'model.onnx_data'), data);
    const result = await makeManifest(dir, '--out', join(temp, 'external.json'));
    expect(result.code, result.stderr).toBe(0);
    const m = parsePackManifest(JSON.parse(readFileSync(join(temp, 'external.json'), 'utf8')));
    expect(m.components.vaeDecoder).toEqual({ model: 'vae_decoder/model.onnx', externalData: ['vae_decoder/model.onnx_data'] });
    expect(m.components.imageUnet).toBeUndefined();
    expect(m.imageModel).toEqual({ baseUrl: '../sd15/' });
    expect(m.videoTextEmbeddings).toBe('per-frame'); // pack-info.json wins over the graph
    expect(m.id).toBe('external');
  });

  it('lists the borrowed IDM with sizes and hashes when given its folder (--image-model-dir)', async () => {
    const sd15 = join(temp, 'sd15');
    mkdirSync(join(sd15, 'unet'), { recursive: true });
    const { model, data } = externalModel('weights.pb');
    writeFileSync(join(sd15, 'unet', 'model.onnx'), model);
    writeFileSync(join(sd15, 'unet', 'weights.pb'), data);
    writeFileSync(join(sd15, 'model_index.json'), '{}');
    const dir = packFolder('borrowing', { videoTextEmbeddings: 'per-frame' });
    const out = join(temp, 'borrowing.json');
    const args = [dir, '--out', out, '--image-model-dir', sd15];

    const noUrl = await makeManifest(...args);
    expect(noUrl.code).toBe(1);
    expect(noUrl.stderr).toMatch(/--image-model-dir needs the URL the app will fetch that folder from: --image-model-url/);

    const result = await makeManifest(...args, '--image-model-url', '../sd15/');
    expect(result.code, result.stderr).toBe(0);
    const m = parsePackManifest(JSON.parse(readFileSync(out, 'utf8')));
    expect(m.components.imageUnet).toBeUndefined();
    // Only the graph and the file it refers to: model_index.json and the rest of the folder are not the IDM.
    expect(m.imageModel).toEqual({
      baseUrl: '../sd15/',
      files: ['unet/model.onnx', 'unet/weights.pb'].map((path) => ({
        path,
        size: readFileSync(join(sd15, path)).byteLength,
        sha256: sha256(join(sd15, path)),
      })),
    });

    rmSync(join(sd15, 'unet', 'weights.pb'));
    const missing = await makeManifest(...args, '--image-model-url', '../sd15/');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(
      /unet\/model\.onnx stores weights in "weights\.pb", but .*sd15\/unet\/weights\.pb is not there/,
    );
  });

  it('works without pack-info.json', async () => {
    const dir = packFolder('No Info', null);
    const result = await makeManifest(dir);
    expect(result.code, result.stderr).toBe(0);
    const m = parsePackManifest(JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')));
    expect(m).toMatchObject({ id: 'no-info', name: 'No Info', nativeResolution: { width: 512, height: 512 } });
  });

  it('fails with a message naming what is missing', async () => {
    const dir = packFolder('broken', null);
    rmSync(join(dir, 'motion_unet'), { recursive: true });
    const result = await makeManifest(dir);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/motion_unet\/model\.onnx is missing: a pack needs the video model/);

    const external = packFolder('missing-data', null);
    writeFileSync(join(external, 'unet', 'model.onnx'), externalModel('weights.pb').model);
    const missing = await makeManifest(external);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(
      /unet\/model\.onnx stores weights in "weights\.pb", but unet\/weights\.pb is not in the folder/,
    );
  });
});
