import { create } from 'zustand';
import type { CachedPack } from '../../engine/types.js';

export interface StorageUse {
  usage: number;
  quota: number;
}

interface ModelManagerState {
  packs: CachedPack[] | null;
  /** The browser's storage estimate for this site (packs, the offline copy of the app, history). */
  storage: StorageUse | null;
  listError: string | null;
  /** The outcome of the last removal or load asked for on this page. */
  message: { kind: 'status' | 'error'; text: string } | null;
  /** A pack key being removed. */
  removing: string | null;
  setPacks(packs: CachedPack[], storage: StorageUse | null): void;
  setListError(message: string): void;
  setMessage(message: ModelManagerState['message']): void;
  setRemoving(key: string | null): void;
}

export const useModelManagerStore = create<ModelManagerState>((set) => ({
  packs: null,
  storage: null,
  listError: null,
  message: null,
  removing: null,
  setPacks: (packs, storage) => set({ packs, storage, listError: null }),
  setListError: (listError) => set({ listError }),
  setMessage: (message) => set({ message }),
  setRemoving: (removing) => set({ removing }),
}));
