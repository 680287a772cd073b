import { create } from 'zustand';
import { encodePngFrames, encodeThumbnail } from '../export/png-frames.js';
import { errorMessage } from '../format.js';
import { recipeOfRun } from '../recipe/run-recipe.js';
import type { FinishedRun } from '../run-store.js';
import { HistoryDb, type HistoryEntry } from './history-db.js';

/** What became of a finished Studio video on its way into History. */
export type SaveState = { phase: 'saving' } | { phase: 'saved'; entryId: number } | { phase: 'error'; message: string };

export interface StorageUse {
  /** The whole site's use and quota as the browser estimates them (model packs included), when it says. */
  usage: number | null;
  quota: number | null;
}

interface HistoryState {
  entries: HistoryEntry[] | null;
  /** Why the list could not be read. */
  error: string | null;
  storage: StorageUse | null;
  /** The save of each finished run, by run id. */
  saves: Record<number, SaveState>;
  refresh(): Promise<void>;
  remove(id: number): Promise<void>;
  save(run: FinishedRun): Promise<void>;
}

let opening: Promise<HistoryDb> | null = null;

/** One connection for the page; a failed open is retried on the next call. */
function historyDb(): Promise<HistoryDb> {
  if (!opening) {
    opening = HistoryDb.open();
    opening.catch(() => {
      opening = null;
    });
  }
  return opening;
}

/** A kept video's frames as stored (PNG), or null when it is gone. */
export async function historyFrames(id: number): Promise<Uint8Array[] | null> {
  return (await historyDb()).frames(id);
}

async function storageUse(): Promise<StorageUse> {
  const storage = globalThis.navigator?.storage;
  if (!storage || typeof storage.estimate !== 'function') return { usage: null, quota: null };
  const estimate = await storage.estimate().catch(() => ({}) as StorageEstimate);
  return { usage: estimate.usage ?? null, quota: estimate.quota ?? null };
}

export const useHistoryStore = create<HistoryState>((set, get) => ({
  entries: null,
  error: null,
  storage: null,
  saves: {},
  refresh: async () => {
    try {
      const db = await historyDb();
      const [entries, storage] = await Promise.all([db.list(), storageUse()]);
      set({ entries, storage, error: null });
    } catch (error) {
      set({ error: `History could not be read: ${errorMessage(error)}` });
    }
  },
  remove: async (id) => {
    try {
      await (await historyDb()).delete(id);
      set({ entries: (get().entries ?? []).filter((e) => e.id !== id), error: null });
      set({ storage: await storageUse() });
    } catch (error) {
      set({ error: `The video could not be deleted: ${errorMessage(error)}` });
    }
  },
  save: async (run) => {
    const mark = (state: SaveState) => set({ saves: { ...get().saves, [run.id]: state } });
    mark({ phase: 'saving' });
    try {
      const { frames } = run.result;
      const [recipe, pngs, thumbnail] = await Promise.all([
        recipeOfRun(run),
        encodePngFrames(frames),
        encodeThumbnail(frames, Math.floor(frames.count / 2)),
      ]);
      const entry = await (await historyDb()).add({
        createdAt: run.finishedAt,
        recipe,
        cost: {
          imageCalls: run.result.modelCalls.image,
          videoCalls: run.result.modelCalls.video,
          totalMs: run.result.timings.totalMs,
        },
        thumbnail,
        pngs,
      });
      const entries = get().entries;
      if (entries) set({ entries: [entry, ...entries.filter((e) => e.id !== entry.id)] });
      mark({ phase: 'saved', entryId: entry.id });
    } catch (error) {
      const message = errorMessage(error);
      mark({
        phase: 'error',
        message: /History/.test(message) ? message : `This video could not be kept in History: ${message}`,
      });
    }
  },
}));
