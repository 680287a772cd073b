import { create } from 'zustand';
import { createJSONStorage, persist } from 'zustand/middleware';
import type { GenerateResult } from '../engine/types.js';

/** Per-call costs measured by a finished run, per pack and backend, kept on this machine. */
export interface CallTiming {
  /** Median ms of one image-model call, per frame; null until a run used the image model. */
  imageMsPerFrame: number | null;
  videoMsPerFrame: number | null;
  /** Text encoder and other per-run costs. */
  fixedMs: number;
  decodeMsPerFrame: number;
  /** Sampling time outside model calls (scheduler, copies), per call. */
  outsideMsPerCall: number;
  measuredAt: number;
}

export const timingKey = (packId: string, backend: string) => `${packId}|${backend}`;

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

interface TimingState {
  byKey: Record<string, CallTiming>;
  record(packId: string, result: GenerateResult): void;
}

export const useTimingStore = create<TimingState>()(
  persist(
    (set) => ({
      byKey: {},
      record: (packId, result) =>
        set((state) => {
          const key = timingKey(packId, result.backend);
          const previous = state.byKey[key];
          const frames = Math.max(1, result.frames.count);
          const { calls, textEncoderMs, decodeMs, outsideCallsMs } = result.timings;
          const perFrame = (model: 'image' | 'video') => {
            const ms = median(calls.filter((c) => c.model === model).map((c) => c.ms));
            return ms === null ? null : ms / frames;
          };
          const timing: CallTiming = {
            imageMsPerFrame: perFrame('image') ?? previous?.imageMsPerFrame ?? null,
            videoMsPerFrame: perFrame('video') ?? previous?.videoMsPerFrame ?? null,
            fixedMs: textEncoderMs,
            decodeMsPerFrame: decodeMs / frames,
            outsideMsPerCall: calls.length > 0 ? outsideCallsMs / calls.length : 0,
            measuredAt: Date.now(),
          };
          return { byKey: { ...state.byKey, [key]: timing } };
        }),
    }),
    {
      name: 'ivmix.call-timings.v1',
      storage: createJSONStorage(() => localStorage),
      partialize: (state) => ({ byKey: state.byKey }),
    },
  ),
);
