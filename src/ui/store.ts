import { create } from 'zustand';
import type { Capabilities } from '../engine/types.js';

interface EngineState {
  status: 'starting' | 'ready' | 'error';
  capabilities: Capabilities | null;
  error: string | null;
  setCapabilities(c: Capabilities): void;
  setError(message: string): void;
}

export const useEngineStore = create<EngineState>((set) => ({
  status: 'starting',
  capabilities: null,
  error: null,
  setCapabilities: (capabilities) => set({ capabilities, status: 'ready', error: null }),
  setError: (error) => set({ error, status: 'error' }),
}));
