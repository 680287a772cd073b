import * as Comlink from 'comlink';
import type { EngineApi } from './types.js';

/** The page's handle on the engine worker: the same EngineApi, with progress callbacks proxied. */
export interface EngineClient extends EngineApi {
  terminate(): void;
}

export function startEngineWorker(): EngineClient {
  const worker = new Worker(new URL('../../workers/engine.worker.ts', import.meta.url), { type: 'module', name: 'ivmix-engine' });
  const remote = Comlink.wrap<EngineApi>(worker);
  return {
    probe: () => remote.probe(),
    load: (source, options, onProgress) => remote.load(source, options, onProgress ? Comlink.proxy(onProgress) : undefined),
    generate: (request, onProgress) => remote.generate(request, onProgress ? Comlink.proxy(onProgress) : undefined),
    cancel: () => void remote.cancel(),
    unload: () => remote.unload(),
    terminate: () => {
      remote[Comlink.releaseProxy]();
      worker.terminate();
    },
  };
}
