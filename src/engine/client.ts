import * as Comlink from 'comlink';
import { GpuDeviceLostError } from './errors.js';
import type { EngineApi, LoadOptions, PackSource } from './types.js';

/** Posted by the worker (outside comlink's protocol) when its GPU device is lost. */
export const DEVICE_LOST_MESSAGE = 'ivmix:device-lost';

export type EngineLifecycleEvent =
  | { type: 'device-lost'; reason: string }
  | { type: 'restarted'; reloaded: boolean }
  | { type: 'reload-failed'; message: string };

/** The page's handle on the engine worker: the same EngineApi, with progress callbacks proxied. */
export interface EngineClient extends EngineApi {
  /** Lifecycle events: a lost GPU device, and the restart that follows. Returns an unsubscribe function. */
  onLifecycle(listener: (event: EngineLifecycleEvent) => void): () => void;
  /** Diagnostics and tests: make the worker's GPU device lost. */
  simulateDeviceLoss(): Promise<void>;
  terminate(): void;
}

interface WorkerApi extends EngineApi {
  simulateDeviceLoss(): Promise<void>;
}

/**
 * Starts the engine worker and keeps it usable: when the GPU device is lost, calls in flight reject with
 * GpuDeviceLostError, the worker is replaced and the last pack is loaded again (from the browser's cache),
 * all without reloading the page.
 */
export function startEngineWorker(): EngineClient {
  const listeners = new Set<(event: EngineLifecycleEvent) => void>();
  const emit = (event: EngineLifecycleEvent) => {
    for (const l of listeners) l(event);
  };
  let lastLoad: { source: PackSource; options: LoadOptions | undefined } | null = null;
  let current = spawn();

  function spawn() {
    const worker = new Worker(new URL('../../workers/engine.worker.ts', import.meta.url), {
      type: 'module',
      name: 'ivmix-engine',
    });
    const remote = Comlink.wrap<WorkerApi>(worker);
    let rejectLost: (error: Error) => void = () => {};
    const lost = new Promise<never>((_, reject) => {
      rejectLost = reject;
    });
    lost.catch(() => {}); // observed through race() only
    const instance = { worker, remote, lost, rejectLost };
    worker.addEventListener('message', (ev: MessageEvent) => {
      if (ev.data?.type === DEVICE_LOST_MESSAGE) void restart(instance, String(ev.data.reason));
    });
    return instance;
  }

  async function restart(instance: ReturnType<typeof spawn>, reason: string) {
    if (instance !== current) return;
    emit({ type: 'device-lost', reason });
    instance.rejectLost(new GpuDeviceLostError(reason));
    instance.remote[Comlink.releaseProxy]();
    instance.worker.terminate();
    current = spawn();
    if (!lastLoad) {
      emit({ type: 'restarted', reloaded: false });
      return;
    }
    try {
      await current.remote.load(lastLoad.source, lastLoad.options);
      emit({ type: 'restarted', reloaded: true });
    } catch (error) {
      emit({ type: 'reload-failed', message: error instanceof Error ? error.message : String(error) });
    }
  }

  /** Every call loses the race against its worker's device loss. */
  const call = <T>(fn: (remote: Comlink.Remote<WorkerApi>) => Promise<T>): Promise<T> => {
    const instance = current;
    return Promise.race([fn(instance.remote), instance.lost]);
  };

  return {
    probe: () => call((r) => r.probe()),
    load: async (source, options, onProgress) => {
      const summary = await call((r) => r.load(source, options, onProgress ? Comlink.proxy(onProgress) : undefined));
      lastLoad = { source, options };
      return summary;
    },
    generate: (request, onProgress) => call((r) => r.generate(request, onProgress ? Comlink.proxy(onProgress) : undefined)),
    cancel: () => void current.remote.cancel(),
    unload: async () => {
      lastLoad = null;
      await call((r) => r.unload());
    },
    listCachedPacks: () => call((r) => r.listCachedPacks()),
    removeCachedPack: (key) => call((r) => r.removeCachedPack(key)),
    simulateDeviceLoss: () => call((r) => r.simulateDeviceLoss()),
    onLifecycle: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    terminate: () => {
      current.remote[Comlink.releaseProxy]();
      current.worker.terminate();
    },
  };
}
