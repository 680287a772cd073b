import type { PackSource } from '../../engine/types.js';
import type { StudioEngine } from '../engine.js';
import { formatBytes } from '../format.js';
import { usePackStore } from '../pack-store.js';
import { gpuLoadOptions } from './gpu-settings-store.js';
import { useLoadTrackStore } from './load-track-store.js';
import { type StorageUse, useModelManagerStore } from './model-manager-store.js';

let engine: StudioEngine | null = null;

function requireEngine(): StudioEngine {
  if (!engine) throw new Error('The model manager is not connected to an engine.');
  return engine;
}

function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === 'object' && error !== null && 'message' in error) return String(error.message);
  return String(error);
}

/** Follow every pack load (file by file) and keep the list of cached packs fresh after loads. */
export function connectModelManager(studioEngine: StudioEngine): void {
  engine = studioEngine;
  studioEngine.subscribe((activity) => {
    const track = useLoadTrackStore.getState();
    switch (activity.type) {
      case 'load-start':
        track.started(activity.source);
        break;
      case 'load-progress':
        track.progress(activity.event);
        break;
      case 'load-end':
        track.finished();
        void refreshCachedPacks();
        break;
      case 'load-error':
        track.failed(messageOf(activity.error));
        void refreshCachedPacks();
        break;
      default:
        break;
    }
  });
}

async function storageEstimate(): Promise<StorageUse | null> {
  const estimate = await navigator.storage?.estimate?.().catch(() => undefined);
  if (!estimate || estimate.usage === undefined || estimate.quota === undefined) return null;
  return { usage: estimate.usage, quota: estimate.quota };
}

/** Ask the engine which packs its store holds, and the browser how much storage the site uses. */
export async function refreshCachedPacks(): Promise<void> {
  const store = useModelManagerStore.getState();
  try {
    const [packs, storage] = await Promise.all([requireEngine().listCachedPacks(), storageEstimate()]);
    store.setPacks(packs, storage);
  } catch (error) {
    store.setListError(`The stored packs could not be listed: ${messageOf(error)}`);
  }
}

/** Load a pack; the outcome is shown by the pack status and the load progress. */
export async function loadPack(source: PackSource): Promise<void> {
  useModelManagerStore.getState().setMessage(null);
  try {
    await requireEngine().load(source, { backend: 'auto', ...gpuLoadOptions() });
  } catch {
    // Shown by the load progress ("failed") and the pack status.
  }
}

/** Remove a stored pack. The engine refuses the one generating right now, with a message shown here. */
export async function removePack(key: string, name: string): Promise<void> {
  const store = useModelManagerStore.getState();
  store.setRemoving(key);
  store.setMessage(null);
  try {
    const removed = await requireEngine().removeCachedPack(key);
    const loaded = usePackStore.getState().summary?.pack.id === key;
    store.setMessage({
      kind: 'status',
      text:
        `Removed ${name} (${formatBytes(removed.bytes)}).` +
        (loaded ? ' It stays loaded until another pack is; loading it again downloads it again.' : ''),
    });
  } catch (error) {
    store.setMessage({ kind: 'error', text: `${name} was not removed: ${messageOf(error)}` });
  } finally {
    useModelManagerStore.getState().setRemoving(null);
    await refreshCachedPacks();
  }
}
