import type { EngineClient } from '../engine/client.js';
import type { LoadEvent, LoadedPackSummary, LoadOptions, PackSource } from '../engine/types.js';

/** What the Studio hears about loads, whoever started them (the app, the console or a test). */
export type EngineActivity =
  | { type: 'load-start'; source: PackSource; options: LoadOptions }
  | { type: 'load-progress'; event: LoadEvent }
  | { type: 'load-end'; summary: LoadedPackSummary }
  | { type: 'load-error'; error: unknown }
  | { type: 'unload' };

/** The engine client the Studio and `window.ivmix.engine` share. */
export interface StudioEngine extends EngineClient {
  /** Listen to loads and unloads; returns the unsubscribe function. */
  subscribe(listener: (activity: EngineActivity) => void): () => void;
  /** How many loads were asked for so far, by anyone (the Studio skips its automatic load if one was). */
  loadsRequested(): number;
}

/**
 * Wrap the worker client so that load, generate and unload run one after the other instead of failing
 * with EngineBusyError when two callers overlap (the Studio's automatic load and a console or test call).
 * cancel(), probe() and the lifecycle calls are never queued: cancel() stops whatever runs now. Methods are looked up on this object at call time,
 * so a test may wrap one of them (e.g. count generate calls).
 */
export function createStudioEngine(client: EngineClient): StudioEngine {
  const listeners = new Set<(activity: EngineActivity) => void>();
  const emit = (activity: EngineActivity) => {
    for (const listener of listeners) listener(activity);
  };
  let tail: Promise<void> = Promise.resolve();
  let loads = 0;
  const exclusive = <T>(op: () => Promise<T>): Promise<T> => {
    const run = tail.then(op);
    tail = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  };

  return {
    probe: () => client.probe(),
    load: (source, options = {}, onProgress) => {
      loads++;
      return exclusive(async () => {
        emit({ type: 'load-start', source, options });
        try {
          const summary = await client.load(source, options, (event) => {
            onProgress?.(event);
            emit({ type: 'load-progress', event });
          });
          emit({ type: 'load-end', summary });
          return summary;
        } catch (error) {
          emit({ type: 'load-error', error });
          throw error;
        }
      });
    },
    generate: (request, onProgress) => exclusive(() => client.generate(request, onProgress)),
    cancel: () => client.cancel(),
    unload: () =>
      exclusive(async () => {
        await client.unload();
        emit({ type: 'unload' });
      }),
    // Not queued: the engine itself refuses to remove the pack it is generating with, and says so.
    listCachedPacks: () => client.listCachedPacks(),
    removeCachedPack: (key) => client.removeCachedPack(key),
    simulateDeviceLoss: () => client.simulateDeviceLoss(),
    onLifecycle: (listener) => client.onLifecycle(listener),
    terminate: () => client.terminate(),
    loadsRequested: () => loads,
    subscribe: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
