/**
 * The GPU choices of the load form become load options: keeping GPU buffers asks the engine for onnxruntime's
 * 'simple' storage-buffer cache; left off, nothing is asked (onnxruntime's default).
 */
import { describe, expect, it } from 'vitest';
import { gpuLoadOptions, useGpuSettingsStore } from '../../src/ui/models/gpu-settings-store.js';

describe('gpuLoadOptions', () => {
  it('asks for the simple buffer cache only when buffers are to be kept', () => {
    expect(gpuLoadOptions({ keepGpuBuffers: true })).toEqual({ webgpuBufferCache: 'simple' });
    expect(gpuLoadOptions({ keepGpuBuffers: false })).toEqual({});
  });

  it('reads the store by default, off until the user turns it on', () => {
    expect(useGpuSettingsStore.getState().keepGpuBuffers).toBe(false);
    expect(gpuLoadOptions()).toEqual({});
    useGpuSettingsStore.getState().setKeepGpuBuffers(true);
    expect(gpuLoadOptions()).toEqual({ webgpuBufferCache: 'simple' });
    useGpuSettingsStore.getState().setKeepGpuBuffers(false);
  });
});
