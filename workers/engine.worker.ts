/// <reference lib="webworker" />
/**
 * The engine's Web Worker: hosts the onnxruntime sessions and the sampling loop, exposed to the page
 * through comlink. `onnxruntime-web/webgpu` carries both the WebGPU and the WASM execution providers, and
 * fails loudly (instead of returning zeros) when a model needs shader-f16 the device lacks.
 */
import * as Comlink from 'comlink';
import * as ort from 'onnxruntime-web/webgpu';
import { Engine } from '../src/engine/engine.js';
import type { EngineApi, GenerateRequest, GenerateResult } from '../src/engine/types.js';
import { OpfsStore } from '../src/runtime/download/opfs-store.js';

// Threads need cross-origin isolation (the app's server sends COOP/COEP); without it ORT uses one.
ort.env.wasm.numThreads = self.crossOriginIsolated ? Math.min(4, self.navigator.hardwareConcurrency || 1) : 1;

class WorkerEngine extends Engine {
  override async generate(request: GenerateRequest, onProgress?: Parameters<EngineApi['generate']>[1]): Promise<GenerateResult> {
    const result = await super.generate(request, onProgress);
    // Hand the buffers over instead of copying them.
    return Comlink.transfer(result, [result.latents.buffer as ArrayBuffer, result.frames.rgba.buffer as ArrayBuffer]);
  }
}

// Downloaded packs live in the Origin Private File System: resumable, verified, and there when offline.
const store = typeof navigator.storage?.getDirectory === 'function' ? new OpfsStore({ directory: 'packs' }) : undefined;
Comlink.expose(new WorkerEngine(ort, store ? { store } : {}));
