/**
 * Which adapters get a device without subgroups (src/runtime/webgpu/ort-device.ts), and what that device asks for.
 * The browser side, that the fused attention then matches WASM on SwiftShader, is e2e/webgpu-attention.
 */
import { describe, expect, it } from 'vitest';
import { deviceWithoutSubgroups, needsSubgroupsWithheld } from '../../src/runtime/webgpu/ort-device.js';

function adapter(features: string[], subgroupMinSize?: number) {
  return {
    features: new Set(features) as unknown as GPUSupportedFeatures,
    info: (subgroupMinSize === undefined ? {} : { subgroupMinSize }) as GPUAdapterInfo,
  };
}

describe('needsSubgroupsWithheld', () => {
  it('is true only where subgroups are offered and may be narrower than 8 lanes', () => {
    expect(needsSubgroupsWithheld(adapter(['subgroups', 'shader-f16'], 4))).toBe(true); // SwiftShader
    for (const lanes of [8, 16, 32, 64]) expect(needsSubgroupsWithheld(adapter(['subgroups'], lanes)), `${lanes}`).toBe(false);
    expect(needsSubgroupsWithheld(adapter(['shader-f16'], 4))).toBe(false);
    expect(needsSubgroupsWithheld(adapter(['subgroups']))).toBe(false);
  });
});

describe('deviceWithoutSubgroups', () => {
  it("asks for every feature but the subgroup ones and for the adapter's limits", async () => {
    let asked: GPUDeviceDescriptor | undefined;
    const limits = Object.create({
      maxBufferSize: 2 ** 32,
      maxStorageBufferBindingSize: 2 ** 30,
      minUniformBufferOffsetAlignment: 256,
    });
    const fake = {
      ...adapter(['subgroups', 'subgroup-size-control', 'shader-f16', 'timestamp-query'], 4),
      limits,
      requestDevice: async (descriptor: GPUDeviceDescriptor) => {
        asked = descriptor;
        return {} as GPUDevice;
      },
    } as unknown as GPUAdapter;
    await deviceWithoutSubgroups(fake);
    expect([...(asked?.requiredFeatures ?? [])].sort()).toEqual(['shader-f16', 'timestamp-query']);
    expect(asked?.requiredLimits).toEqual({
      maxBufferSize: 2 ** 32,
      maxStorageBufferBindingSize: 2 ** 30,
      minUniformBufferOffsetAlignment: 256,
    });
  });
});
