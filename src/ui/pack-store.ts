import { create } from 'zustand';
import type { LoadEvent, LoadedPackSummary } from '../engine/types.js';

export type PackStatus = 'idle' | 'loading' | 'ready' | 'error';

interface PackState {
  status: PackStatus;
  summary: LoadedPackSummary | null;
  /** The latest load event while loading. */
  progress: LoadEvent | null;
  /** Downloader notices of the current load (resumed, refetched, reused from cache). */
  notices: string[];
  error: string | null;
  /** Something the engine went through that the user should know (a lost GPU device). */
  lifecycleNotice: string | null;
  loadStarted(): void;
  loadProgress(event: LoadEvent): void;
  loaded(summary: LoadedPackSummary): void;
  loadFailed(message: string): void;
  unloaded(): void;
  deviceLost(reason: string): void;
  restarted(reloaded: boolean): void;
  reloadFailed(message: string): void;
}

export const usePackStore = create<PackState>((set, get) => ({
  status: 'idle',
  summary: null,
  progress: null,
  notices: [],
  error: null,
  lifecycleNotice: null,
  loadStarted: () => set({ status: 'loading', progress: null, notices: [], error: null, summary: null, lifecycleNotice: null }),
  loadProgress: (progress) =>
    set(progress.phase === 'notice' ? { progress, notices: [...get().notices, progress.message] } : { progress }),
  loaded: (summary) => set({ status: 'ready', summary, progress: null, error: null }),
  loadFailed: (error) => set({ status: 'error', error, progress: null, summary: null }),
  unloaded: () => set({ status: 'idle', summary: null, progress: null }),
  deviceLost: (reason) =>
    set({
      status: get().summary ? 'loading' : get().status,
      lifecycleNotice: `The GPU device was lost (${reason}). The engine restarts and reloads the pack…`,
    }),
  restarted: (reloaded) =>
    set(
      reloaded && get().summary
        ? { status: 'ready', lifecycleNotice: 'The engine restarted after a lost GPU device; the pack is loaded again.' }
        : { status: 'idle', summary: null, lifecycleNotice: 'The engine restarted after a lost GPU device.' },
    ),
  reloadFailed: (message) =>
    set({ status: 'error', summary: null, error: `Reloading after a lost GPU device failed: ${message}`, lifecycleNotice: null }),
}));
