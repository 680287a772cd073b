/// <reference lib="webworker" />
/**
 * The engine's Web Worker: hosts the onnxruntime sessions and the sampling loop, exposed to the page
 * through comlink. `onnxruntime-web/webgpu` carries both the WebGPU and the WASM execution providers, and
 * fails loudly (instead of returning zeros) when a model needs shader-f16 the device lacks.
 */
import * as Comlink from 'comlink';
import * as ort from 'onnxruntime-web/webgpu';
import { DEVICE_LOST_MESSAGE } from '../src/engine/client.js';
import { Engine } from '../src/engine/engine.js';
import type { EngineApi, GenerateRequest, GenerateResult, LoadedPackSummary } from '../src/engine/types.js';
import { OpfsStore } from '../src/runtime/download/opfs-store.js';

// Threads need cross-origin isolation (the app's server sends COOP/COEP); without it ORT uses one.
ort.env.wasm.numThreads = self.crossOriginIsolated ? Math.min(4, self.navigator.hardwareConcurrency || 1) : 1;

let watchedDevice: GPUDevice | null = null;
/** Devices the engine let go of (unload): onnxruntime destroys its device with the last session, and that
 * "destroyed" loss is no failure to recover from. */
const releasedDevices = new WeakSet<GPUDevice>();
const listenedDevices = new WeakSet<GPUDevice>();

/**
 * A lost GPU device (out of memory, driver reset, tab in the background too long) cannot be revived inside
 * onnxruntime; tell the page, which restarts this worker and reloads the pack from the cache.
 */
async function watchDevice(): Promise<void> {
  const device = (await ort.env.webgpu.device) as GPUDevice;
  // A pack loaded again on the same device makes its loss a failure again.
  releasedDevices.delete(device);
  watchedDevice = device;
  if (listenedDevices.has(device)) return;
  listenedDevices.add(device);
  void device.lost.then((info) => {
    if (releasedDevices.has(device)) return;
    self.postMessage({ type: DEVICE_LOST_MESSAGE, reason: info.message || info.reason || 'unknown' });
  });
}

class WorkerEngine extends Engine {
  override async load(...args: Parameters<EngineApi['load']>): Promise<LoadedPackSummary> {
    const summary = await super.load(...args);
    if (summary.backend === 'webgpu') await watchDevice();
    return summary;
  }

  override async unload(): Promise<void> {
    // Also reached from load() when another pack replaces this one. Marked before the sessions go, since the
    // device may be destroyed while they are released; unmarked if the engine refuses (a generation runs).
    const device = watchedDevice;
    if (device) releasedDevices.add(device);
    try {
      await super.unload();
    } catch (error) {
      if (device) releasedDevices.delete(device);
      throw error;
    }
    if (device === watchedDevice) watchedDevice = null;
  }

  override async generate(request: GenerateRequest, onProgress?: Parameters<EngineApi['generate']>[1]): Promise<GenerateResult> {
    const result = await super.generate(request, onProgress);
    // Hand the buffers over instead of copying them.
    return Comlink.transfer(result, [result.latents.buffer as ArrayBuffer, result.frames.rgba.buffer as ArrayBuffer]);
  }

  /** Diagnostics and tests: destroy the GPU device as a driver reset or an out-of-memory would. */
  async simulateDeviceLoss(): Promise<void> {
    if (!watchedDevice) throw new Error('No WebGPU device in use: load a pack on the WebGPU backend first.');
    watchedDevice.destroy();
  }
}

// Downloaded packs live in the Origin Private File System: resumable, verified, and there when offline.
const store = typeof navigator.storage?.getDirectory === 'function' ? new OpfsStore({ directory: 'packs' }) : undefined;
Comlink.expose(new WorkerEngine(ort, store ? { store } : {}));
