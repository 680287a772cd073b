import { create } from 'zustand';
import type { SamplerSettings } from '../core/sampler/settings.js';
import type { EngineProgress, GenerateResult, VideoFrames } from '../engine/types.js';

export type RunStatus = 'idle' | 'running' | 'done' | 'cancelled' | 'error';

/** Where a running generation is, from the engine's progress events. */
export interface RunProgress {
  step: number;
  steps: number;
  label: string;
  model: 'image' | 'video' | null;
  /** Model calls finished and planned (split CFG halves count separately, as the engine reports them). */
  callsDone: number;
  totalCalls: number;
  /** performance.now() of the first model call, and of the latest call end. */
  firstCallAt: number | null;
  lastCallEndAt: number | null;
  decoded: number;
  decodeFrames: number | null;
}

/** What a run was asked for, kept with its result (the form may change meanwhile). */
export interface RunInput {
  prompt: string;
  negativePrompt: string;
  seed: number;
  frames: number;
  settings: SamplerSettings;
  packId: string;
  /** The pack's files and their sha256, and the onnxruntime-web version: a recipe names exactly what ran. */
  packFiles: { path: string; sha256: string }[];
  onnxruntimeVersion: string;
  /** The estimate shown before running, if there was one. */
  estimatedMs: number | null;
}

export interface FinishedRun {
  /** Counts finished runs: a new id is a new video. */
  id: number;
  input: RunInput;
  result: GenerateResult;
  /** Date.now() when the video was finished. */
  finishedAt: number;
}

interface RunState {
  status: RunStatus;
  input: RunInput | null;
  startedAt: number | null;
  cancelRequested: boolean;
  progress: RunProgress | null;
  preview: { step: number; frames: VideoFrames } | null;
  warnings: string[];
  last: FinishedRun | null;
  error: string | null;
  start(input: RunInput): void;
  onEvent(event: EngineProgress): void;
  finish(result: GenerateResult): void;
  fail(message: string): void;
  cancelled(): void;
  requestCancel(): void;
  /** Clear a finished run's notice or error (e.g. when the form is submitted with errors). */
  clearError(): void;
}

const EMPTY_PROGRESS: RunProgress = {
  step: 0,
  steps: 0,
  label: 'Encoding the prompt',
  model: null,
  callsDone: 0,
  totalCalls: 0,
  firstCallAt: null,
  lastCallEndAt: null,
  decoded: 0,
  decodeFrames: null,
};

export const useRunStore = create<RunState>((set, get) => ({
  status: 'idle',
  input: null,
  startedAt: null,
  cancelRequested: false,
  progress: null,
  preview: null,
  warnings: [],
  last: null,
  error: null,
  start: (input) =>
    set({
      status: 'running',
      input,
      startedAt: performance.now(),
      cancelRequested: false,
      progress: EMPTY_PROGRESS,
      preview: null,
      warnings: [],
      error: null,
    }),
  onEvent: (event) => {
    const state = get();
    if (state.status !== 'running' || !state.progress) return;
    const p = state.progress;
    const now = performance.now();
    switch (event.type) {
      case 'model-call-start':
        set({
          progress: {
            ...p,
            step: event.step,
            steps: event.steps,
            label: event.label,
            model: event.model,
            totalCalls: event.totalCalls,
            firstCallAt: p.firstCallAt ?? now,
          },
        });
        break;
      case 'model-call-end':
        set({ progress: { ...p, callsDone: event.call, totalCalls: event.totalCalls, lastCallEndAt: now } });
        break;
      case 'step-end':
        set({
          progress: {
            ...p,
            step: event.step,
            steps: event.steps,
            // After the last step the VAE decodes the frames.
            ...(event.step === event.steps - 1 ? { label: 'Decoding frames', model: null, callsDone: p.totalCalls } : {}),
          },
        });
        break;
      case 'preview':
        set({ preview: { step: event.step, frames: event.frames } });
        break;
      case 'warning':
        set({ warnings: [...state.warnings, event.message] });
        break;
      case 'decode':
        set({
          progress: {
            ...p,
            label: 'Decoding frames',
            model: null,
            callsDone: p.totalCalls,
            decoded: event.frame,
            decodeFrames: event.frames,
          },
        });
        break;
    }
  },
  finish: (result) => {
    const { input, last } = get();
    set({
      status: 'done',
      progress: null,
      preview: null,
      cancelRequested: false,
      last: input ? { id: (last?.id ?? 0) + 1, input, result, finishedAt: Date.now() } : last,
      warnings: result.warnings,
    });
  },
  fail: (error) => set({ status: 'error', error, progress: null, preview: null, cancelRequested: false }),
  cancelled: () => set({ status: 'cancelled', progress: null, preview: null, cancelRequested: false }),
  requestCancel: () => set({ cancelRequested: true }),
  clearError: () => {
    const { status } = get();
    if (status === 'error' || status === 'cancelled') set({ status: 'idle', error: null });
  },
}));
