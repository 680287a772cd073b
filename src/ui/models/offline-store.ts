import { create } from 'zustand';
import type { OfflineState } from '../../offline/register.js';

interface OfflineStore {
  state: OfflineState;
  set(state: OfflineState): void;
}

/** What the offline service worker reports (src/offline/register.ts), for the Models page. */
export const useOfflineStore = create<OfflineStore>((set) => ({
  state: { status: 'off', reason: 'The offline copy has not been checked yet.' },
  set: (state) => set({ state }),
}));
