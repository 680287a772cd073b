import { create } from 'zustand';
import { createJSONStorage, persist } from 'zustand/middleware';
import type { LoadOptions } from '../../engine/types.js';

/**
 * GPU choices the user makes for the next pack load, kept on this machine. One so far: whether onnxruntime keeps
 * every GPU buffer its kernels release for reuse ('simple' cache) instead of destroying the large ones after each
 * model call (its default). Measured on an H100 with a full-size pack: 512² generations about a quarter faster,
 * about twice the GPU memory (docs/performance.md, "GPU, fourth run"). A page cannot ask how much memory the GPU
 * has, so the user decides.
 */
interface GpuSettingsState {
  keepGpuBuffers: boolean;
  setKeepGpuBuffers(keep: boolean): void;
}

export const useGpuSettingsStore = create<GpuSettingsState>()(
  persist(
    (set) => ({
      keepGpuBuffers: false,
      setKeepGpuBuffers: (keepGpuBuffers) => set({ keepGpuBuffers }),
    }),
    {
      name: 'ivmix.gpu-settings.v1',
      storage: createJSONStorage(() => localStorage),
      partialize: (state) => ({ keepGpuBuffers: state.keepGpuBuffers }),
    },
  ),
);

/** The load options these settings ask for (the engine ignores them on WASM). */
export function gpuLoadOptions(settings: Pick<GpuSettingsState, 'keepGpuBuffers'> = useGpuSettingsStore.getState()): LoadOptions {
  return settings.keepGpuBuffers ? { webgpuBufferCache: 'simple' } : {};
}
