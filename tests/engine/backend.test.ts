/**
 * Backend choice without a GPU: chooseBackend over fake capabilities, and probeEnvironment over a fake
 * navigator.gpu. The reasons are shown to the user, so they must say why.
 */

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { canFallBackToWasm, chooseBackend } from '../../src/engine/backend.js';
import { probeEnvironment } from '../../src/engine/engine.js';
import type { Capabilities } from '../../src/engine/types.js';
import { ModelSignatureError } from '../../src/runtime/errors.js';
import { parsePackManifest } from '../../src/runtime/pack/manifest.js';
import { PACK_DIR } from './support.js';

function caps(webgpu: Capabilities['webgpu'], threads = 4): Capabilities {
  return { webgpu, wasm: { threads, crossOriginIsolated: true } };
}

const HARDWARE = caps({ available: true, shaderF16: true, fallbackAdapter: false, adapter: 'nvidia ampere RTX 3060' });
const HARDWARE_NO_F16 = caps({ available: true, shaderF16: false, fallbackAdapter: false, adapter: 'intel gen-12lp' });
const SOFTWARE = caps({ available: true, shaderF16: true, fallbackAdapter: true, adapter: 'google swiftshader' });
const NO_WEBGPU = caps({ available: false, reason: 'this browser does not expose WebGPU (navigator.gpu is missing).' }, 1);

describe('chooseBackend', () => {
  it('no WebGPU → WASM, with the reason and the thread count', () => {
    for (const requested of ['auto', 'webgpu'] as const) {
      const c = chooseBackend(requested, NO_WEBGPU, 'fp32');
      expect(c.backend).toBe('wasm');
      expect(c.reason).toBe(
        'Running on WASM (CPU, 1 thread) because WebGPU is unavailable: this browser does not expose WebGPU (navigator.gpu is missing).',
      );
    }
    expect(chooseBackend('auto', caps({ available: false }, 2), 'fp32').reason).toMatch(
      /2 threads\) because WebGPU is unavailable: no adapter/,
    );
  });

  it('an fp16 pack without shader-f16 → WASM, saying shader-f16 is missing (even when WebGPU is asked for)', () => {
    for (const requested of ['auto', 'webgpu'] as const) {
      const c = chooseBackend(requested, HARDWARE_NO_F16, 'fp16');
      expect(c.backend).toBe('wasm');
      expect(c.reason).toMatch(/Running on WASM \(CPU, 4 threads\) because this pack is fp16/);
      expect(c.reason).toMatch(/lacks the shader-f16 feature/);
      expect(c.reason).toMatch(/An fp32 pack can use WebGPU here/);
    }
    // The same adapter runs an fp32 pack, and an fp16 pack runs where shader-f16 exists.
    expect(chooseBackend('auto', HARDWARE_NO_F16, 'fp32')).toEqual({
      backend: 'webgpu',
      reason: 'Running on WebGPU (intel gen-12lp).',
    });
    expect(chooseBackend('auto', HARDWARE, 'fp16')).toEqual({
      backend: 'webgpu',
      reason: 'Running on WebGPU (nvidia ampere RTX 3060, shader-f16).',
    });
  });

  it("a software adapter: 'auto' → WASM saying it is software; explicit 'webgpu' → WebGPU", () => {
    const auto = chooseBackend('auto', SOFTWARE, 'fp32');
    expect(auto.backend).toBe('wasm');
    expect(auto.reason).toMatch(/only WebGPU adapter is a software one \(google swiftshader\), which is much slower than WASM/);
    const explicit = chooseBackend('webgpu', SOFTWARE, 'fp32');
    expect(explicit.backend).toBe('webgpu');
    expect(explicit.reason).toMatch(/Running on WebGPU \(google swiftshader/);
  });

  it('a hardware adapter with an fp32 pack → WebGPU, naming the adapter', () => {
    for (const requested of ['auto', 'webgpu'] as const) {
      expect(chooseBackend(requested, HARDWARE, 'fp32')).toEqual({
        backend: 'webgpu',
        reason: 'Running on WebGPU (nvidia ampere RTX 3060, shader-f16).',
      });
    }
  });

  it("'wasm' requested → WASM whatever the GPU", () => {
    for (const c of [HARDWARE, HARDWARE_NO_F16, SOFTWARE, NO_WEBGPU]) {
      for (const precision of ['fp32', 'fp16'] as const) {
        expect(chooseBackend('wasm', c, precision)).toEqual({ backend: 'wasm', reason: 'WASM (CPU) was selected.' });
      }
    }
  });
});

describe('probeEnvironment', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it('in Node: no WebGPU, and says navigator.gpu is missing', async () => {
    const c = await probeEnvironment();
    expect(c.webgpu.available).toBe(false);
    expect(c.webgpu.reason).toMatch(/navigator\.gpu is missing/);
    expect(c.wasm.threads).toBeGreaterThanOrEqual(1);
    expect(chooseBackend('auto', c, 'fp32').backend).toBe('wasm');
  });

  function fakeAdapter(info: Partial<GPUAdapterInfo> & { isFallbackAdapter?: boolean }, features: string[]) {
    return { info, features: new Set(features), limits: { maxBufferSize: 1 << 30 } };
  }

  it('no adapter → unavailable, saying so', async () => {
    vi.stubGlobal('navigator', { hardwareConcurrency: 8, gpu: { requestAdapter: async () => null } });
    const c = await probeEnvironment();
    expect(c.webgpu).toEqual({ available: false, reason: 'no GPU adapter is available (the GPU is blocklisted or disabled).' });
  });

  it('a rejecting requestAdapter counts as no adapter', async () => {
    vi.stubGlobal('navigator', { gpu: { requestAdapter: async () => Promise.reject(new Error('boom')) } });
    expect((await probeEnvironment()).webgpu.available).toBe(false);
  });

  it('a hardware adapter: shader-f16, name, buffer limit; threads capped at 4 when cross-origin isolated', async () => {
    vi.stubGlobal('crossOriginIsolated', true);
    vi.stubGlobal('navigator', {
      hardwareConcurrency: 16,
      gpu: { requestAdapter: async () => fakeAdapter({ vendor: 'nvidia', architecture: 'ampere', device: '' }, ['shader-f16']) },
    });
    const c = await probeEnvironment();
    expect(c).toEqual({
      webgpu: { available: true, shaderF16: true, fallbackAdapter: false, adapter: 'nvidia ampere', maxBufferSize: 1 << 30 },
      wasm: { threads: 4, crossOriginIsolated: true },
    });
    expect(chooseBackend('auto', c, 'fp16').backend).toBe('webgpu');
  });

  it('SwiftShader is recognised as a software adapter (by architecture or isFallbackAdapter); no isolation → 1 thread', async () => {
    vi.stubGlobal('crossOriginIsolated', false);
    for (const info of [
      { vendor: 'google', architecture: 'swiftshader' },
      { vendor: 'someone', architecture: 'x', isFallbackAdapter: true },
    ]) {
      vi.stubGlobal('navigator', { hardwareConcurrency: 8, gpu: { requestAdapter: async () => fakeAdapter(info, []) } });
      const c = await probeEnvironment();
      expect(c.webgpu).toMatchObject({ available: true, fallbackAdapter: true, shaderF16: false });
      expect(c.wasm).toEqual({ threads: 1, crossOriginIsolated: false });
      expect(chooseBackend('auto', c, 'fp32').backend).toBe('wasm');
      expect(chooseBackend('webgpu', c, 'fp32').backend).toBe('webgpu');
    }
  });
});

describe('canFallBackToWasm', () => {
  /** The bundled manifest with the video and image UNets' files claiming these sizes. */
  const manifest = (videoBytes: number, imageBytes = 1_000_000) => {
    const m = parsePackManifest(JSON.parse(readFileSync(join(PACK_DIR, 'manifest.json'), 'utf8')));
    const sizes: Record<string, number> = { 'motion_unet/model.onnx': videoBytes, 'unet/model.onnx': imageBytes };
    return { ...m, files: m.files.map((f) => (f.path in sizes ? { ...f, size: sizes[f.path] as number } : f)) };
  };
  const sessionFailure = new ModelSignatureError('motion_unet', '', 'motion_unet: onnxruntime could not load the model (boom).');

  it('falls back when onnxruntime could not create a WebGPU session for a pack WASM can hold', () => {
    expect(canFallBackToWasm(sessionFailure, 'webgpu', manifest(5_000_000))).toBe(true);
    expect(canFallBackToWasm(sessionFailure, 'webgpu', null)).toBe(true);
  });

  it('does not fall back for other failures, from WASM, or with a pack too large for WASM', () => {
    expect(canFallBackToWasm(new Error('network down'), 'webgpu', manifest(5_000_000))).toBe(false);
    expect(canFallBackToWasm(sessionFailure, 'wasm', manifest(5_000_000))).toBe(false);
    // 4.6 GB of models, each file under 4 GiB: WASM cannot hold them, so WebGPU's own error is the one to show.
    expect(canFallBackToWasm(sessionFailure, 'webgpu', manifest(2.6e9, 2.0e9))).toBe(false);
    expect(canFallBackToWasm(sessionFailure, 'webgpu', manifest(2.0e9, 2.0e9))).toBe(true);
  });
});
