/**
 * Packs onnxruntime-web cannot hold (its WebAssembly memory is 4 GiB) are refused from their manifest, before any
 * download, with a message that names the file or the total and says what to use instead.
 */
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as ort from 'onnxruntime-web';
import { afterAll, describe, expect, it } from 'vitest';
import { dirPackReader } from '../../src/cli/models-dir.js';
import { Engine } from '../../src/engine/engine.js';
import { checkPackFitsRuntime, PackTooLargeError, WASM_MEMORY_LIMIT_BYTES } from '../../src/engine/pack-limits.js';
import { type PackManifest, parsePackManifest } from '../../src/runtime/pack/manifest.js';
import { copyPack, NODE_CAPS, PACK_DIR, readManifest, rejection, removeTempDirs } from './support.js';

const bundled = (): PackManifest => parsePackManifest(JSON.parse(readFileSync(join(PACK_DIR, 'manifest.json'), 'utf8')));

/** The bundled manifest with these files' sizes replaced (and precision, when given). */
function resized(sizes: Record<string, number>, precision?: 'fp16' | 'fp32'): PackManifest {
  const m = bundled();
  return {
    ...m,
    ...(precision ? { precision } : {}),
    files: m.files.map((f) => (f.path in sizes ? { ...f, size: sizes[f.path] as number } : f)),
  };
}

const GB = 1e9;

afterAll(removeTempDirs);

describe('checkPackFitsRuntime', () => {
  it('lets the bundled pack through on both backends', () => {
    expect(() => checkPackFitsRuntime(bundled(), 'wasm')).not.toThrow();
    expect(() => checkPackFitsRuntime(bundled(), 'webgpu')).not.toThrow();
  });

  it('refuses a model file of 4 GiB or more on every backend, naming it and pointing to a re-export (split files, or fp16)', () => {
    const m = resized({ 'motion_unet/model.onnx': 5.25 * GB }, 'fp32');
    for (const backend of ['webgpu', 'wasm'] as const) {
      const error = (() => {
        try {
          checkPackFitsRuntime(m, backend);
        } catch (e) {
          return e as Error;
        }
        return null;
      })();
      expect(error).toBeInstanceOf(PackTooLargeError);
      expect(error?.message).toMatch(/^motion_unet\/model\.onnx is 5\.25 GB, more than onnxruntime-web can load as one file/);
      expect(error?.message).toMatch(
        /Export it again with this project's exporter, which splits external data into files of at most 1 GiB, or in fp16/,
      );
    }
    // One byte under the limit is allowed on WebGPU.
    expect(() =>
      checkPackFitsRuntime(resized({ 'motion_unet/model.onnx': WASM_MEMORY_LIMIT_BYTES - 1 }, 'fp32'), 'webgpu'),
    ).not.toThrow();
  });

  it('refuses, on WASM only, model files that add up to 4 GiB (the full-size fp16 pack: 4.79 GB)', () => {
    const m = resized(
      {
        'motion_unet/model.onnx': 2.62 * GB,
        'unet/model.onnx': 1.72 * GB,
        'text_encoder/model.onnx': 0.25 * GB,
        'vae_decoder/model.onnx': 0.2 * GB,
      },
      'fp16',
    );
    expect(() => checkPackFitsRuntime(m, 'webgpu')).not.toThrow();
    expect(() => checkPackFitsRuntime(m, 'wasm')).toThrow(PackTooLargeError);
    expect(() => checkPackFitsRuntime(m, 'wasm')).toThrow(/add up to 4\.79 GB.*Use it with WebGPU/);
  });

  it('counts a borrowed image model where the manifest lists its files', () => {
    const m: PackManifest = {
      ...bundled(),
      imageModel: { baseUrl: '../sd15/', files: [{ path: 'unet/weights.pb', size: 4.5 * GB, sha256: 'a'.repeat(64) }] },
    };
    expect(() => checkPackFitsRuntime(m, 'webgpu')).toThrow(/^\.\.\/sd15\/unet\/weights\.pb is 4\.50 GB/);
  });
});

describe('Engine.load with a pack too large for onnxruntime-web', () => {
  it('fails with PackTooLargeError before reading any model file', async () => {
    const dir = await copyPack();
    const manifest = await readManifest(dir);
    for (const f of manifest.files) if (f.path === 'motion_unet/model.onnx') f.size = 5.25 * GB;
    manifest.precision = 'fp32';
    await writeFile(join(dir, 'manifest.json'), JSON.stringify(manifest));
    const reads: string[] = [];
    ort.env.wasm.numThreads = 1;
    const engine = new Engine(ort, {
      readerFor: () => {
        const reader = dirPackReader(`${dir}/`);
        return {
          ...reader,
          location: reader.location,
          read: (path: string) => {
            reads.push(path);
            return reader.read(path);
          },
        };
      },
      probe: async () => NODE_CAPS,
    });
    const error = await rejection(engine.load({ kind: 'url', baseUrl: `${dir}/` }));
    expect(error.name).toBe('PackTooLargeError');
    expect(error.message).toMatch(/motion_unet\/model\.onnx is 5\.25 GB/);
    expect(reads.filter((p) => p !== 'manifest.json')).toEqual([]);
  });
});
