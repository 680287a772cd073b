/**
 * Which packs get shape-pinned sessions (pack-loader.ts, shapeSpecialization): every pack on WASM; on WebGPU only
 * packs small enough to keep their bytes for it, where the H100 measured faster calls with the same outputs. And
 * which get graph-captured UNet sessions by default (graphCaptureByDefault): those same packs, on WebGPU only.
 */
import { describe, expect, it } from 'vitest';
import { graphCaptureByDefault, shapeSpecialization, WEBGPU_SPECIALIZE_MAX_BYTES } from '../../src/engine/pack-loader.js';
import type { ModelBytes } from '../../src/runtime/model-set.js';

const MiB = 2 ** 20;
/** Stand-ins with the sizes that matter; nothing reads their contents. */
const sized = (bytes: number) => ({ byteLength: bytes }) as Uint8Array;
const pack = (unetBytes: number, externalData?: ModelBytes['externalData']): ModelBytes => ({
  textEncoder: sized(2 * MiB),
  imageUnet: sized(unetBytes),
  videoUnet: sized(unetBytes),
  vaeDecoder: sized(1 * MiB),
  ...(externalData ? { externalData } : {}),
});

describe('shapeSpecialization', () => {
  it('pins shapes on WASM whatever the size', () => {
    expect(shapeSpecialization('wasm', pack(4 * MiB))).toBe(true);
    expect(shapeSpecialization('wasm', pack(1700 * MiB))).toBe(true);
  });

  it('pins shapes on WebGPU for a pack like the bundled one (12 MB), not for a full-size one', () => {
    expect(shapeSpecialization('webgpu', pack(4 * MiB))).toBe(true);
    const justFits = (WEBGPU_SPECIALIZE_MAX_BYTES - 3 * MiB) / 2;
    expect(shapeSpecialization('webgpu', pack(justFits))).toBe(true);
    expect(shapeSpecialization('webgpu', pack(justFits + 1))).toBe(false);
    expect(shapeSpecialization('webgpu', pack(1700 * MiB))).toBe(false);
  });

  it('counts external data, and treats external data not in memory as too large to keep', () => {
    const big = { videoUnet: [{ path: 'model.onnx_data', data: sized(1024 * MiB) }] };
    expect(shapeSpecialization('webgpu', pack(4 * MiB, big))).toBe(false);
    const byUrl = { videoUnet: [{ path: 'model.onnx_data', data: 'https://example.org/model.onnx_data' }] };
    expect(shapeSpecialization('webgpu', pack(4 * MiB, byUrl))).toBe(false);
    const small = { videoUnet: [{ path: 'model.onnx_data', data: new Uint8Array(64) }] };
    expect(shapeSpecialization('webgpu', pack(4 * MiB, small))).toBe(true);
  });
});

describe('graphCaptureByDefault', () => {
  it('captures the UNets of packs whose shapes WebGPU pins by default, never on WASM, never full-size packs', () => {
    expect(graphCaptureByDefault('webgpu', pack(4 * MiB))).toBe(true);
    expect(graphCaptureByDefault('webgpu', pack(1700 * MiB))).toBe(false);
    expect(graphCaptureByDefault('wasm', pack(4 * MiB))).toBe(false);
    const justFits = (WEBGPU_SPECIALIZE_MAX_BYTES - 3 * MiB) / 2;
    expect(graphCaptureByDefault('webgpu', pack(justFits))).toBe(true);
    expect(graphCaptureByDefault('webgpu', pack(justFits + 1))).toBe(false);
  });
});
