import { create } from 'zustand';
import type { SamplerVariant } from '../../core/sampler/variants.js';
import type { EngineProgress, PackInfo } from '../../engine/types.js';
import { randomSeed } from '../form-store.js';
import { type CompareErrors, type CompareField, type CompareValues, packDefaultValues } from './compare-validation.js';
import type { ComparisonOrigin, ComparisonSettings, FinishedComparison } from './comparison.js';

export type ComparisonStatus = 'idle' | 'running' | 'done' | 'cancelled' | 'error';

/** Where a running comparison is: which of its two runs, and that run's step and model calls. */
export interface ComparisonProgress {
  /** 0 = the DDIM run, 1 = the IV-mixed run. */
  run: 0 | 1;
  variant: SamplerVariant;
  title: string;
  phase: 'encoding' | 'sampling' | 'decoding' | 'measuring';
  step: number;
  steps: number;
  label: string;
  /** Model calls finished and planned in this run (split CFG halves count separately, as the engine reports them). */
  callsDone: number;
  totalCalls: number;
}

interface CompareState {
  status: ComparisonStatus;
  /** The page whose comparison runs now, or whose latest one failed or was cancelled. */
  origin: ComparisonOrigin | null;
  input: ComparisonSettings | null;
  startedAt: number | null;
  progress: ComparisonProgress | null;
  cancelRequested: boolean;
  error: string | null;
  /** Warnings of the finished runs (prompt truncated), each said once. */
  warnings: string[];
  /** Each page's latest finished comparison: a failure or a cancel never replaces it. */
  results: Record<ComparisonOrigin, FinishedComparison | null>;
  /** The Compare page's form. */
  values: CompareValues;
  errors: CompareErrors;
  /** The pack whose defaults the Compare form took last (taken once per pack). */
  defaultsFor: string | null;
  /** The Demo page's prompt and its message. */
  demoPrompt: string;
  demoError: string | null;

  setValue(name: CompareField, value: string): void;
  setErrors(errors: CompareErrors): void;
  randomizeSeed(): void;
  applyPackDefaults(pack: PackInfo): void;
  setDemoPrompt(prompt: string): void;
  setDemoError(message: string | null): void;

  start(origin: ComparisonOrigin, input: ComparisonSettings): void;
  runStarted(run: 0 | 1, variant: SamplerVariant, title: string): void;
  onEvent(event: EngineProgress): void;
  measuring(): void;
  finish(comparison: Omit<FinishedComparison, 'id'>, warnings: string[]): void;
  fail(origin: ComparisonOrigin, message: string): void;
  cancelled(): void;
  requestCancel(): void;
  /** Forget a failed or cancelled run's message (a new attempt is being checked). */
  clearError(): void;
}

export const useCompareStore = create<CompareState>((set, get) => ({
  status: 'idle',
  origin: null,
  input: null,
  startedAt: null,
  progress: null,
  cancelRequested: false,
  error: null,
  warnings: [],
  results: { compare: null, demo: null },
  values: { prompt: '', seed: String(randomSeed()), steps: '25', frames: '16' },
  errors: {},
  defaultsFor: null,
  demoPrompt: '',
  demoError: null,

  setValue: (name, value) =>
    set((state) => {
      const { [name]: _cleared, ...errors } = state.errors;
      return { values: { ...state.values, [name]: value }, errors };
    }),
  setErrors: (errors) => set({ errors }),
  randomizeSeed: () => get().setValue('seed', String(randomSeed())),
  applyPackDefaults: (pack) =>
    set((state) =>
      state.defaultsFor === pack.id ? {} : { defaultsFor: pack.id, values: { ...state.values, ...packDefaultValues(pack) } },
    ),
  setDemoPrompt: (demoPrompt) => set({ demoPrompt, demoError: null }),
  setDemoError: (demoError) => set({ demoError }),

  start: (origin, input) =>
    set({
      status: 'running',
      origin,
      input,
      startedAt: performance.now(),
      progress: null,
      cancelRequested: false,
      error: null,
      warnings: [],
    }),
  runStarted: (run, variant, title) =>
    set({
      progress: {
        run,
        variant,
        title,
        phase: 'encoding',
        step: 0,
        steps: 0,
        label: 'Encoding the prompt',
        callsDone: 0,
        totalCalls: 0,
      },
    }),
  onEvent: (event) => {
    const { status, progress: p } = get();
    if (status !== 'running' || !p) return;
    switch (event.type) {
      case 'model-call-start':
        set({
          progress: {
            ...p,
            phase: 'sampling',
            step: event.step,
            steps: event.steps,
            label: event.label,
            totalCalls: event.totalCalls,
          },
        });
        break;
      case 'model-call-end':
        set({ progress: { ...p, callsDone: event.call, totalCalls: event.totalCalls } });
        break;
      case 'step-end':
        // After the last step the VAE decodes the frames.
        if (event.step === event.steps - 1)
          set({ progress: { ...p, phase: 'decoding', label: 'Decoding frames', callsDone: p.totalCalls } });
        break;
      case 'decode':
        set({ progress: { ...p, phase: 'decoding', label: `Decoding frame ${event.frame}/${event.frames}` } });
        break;
      default:
        break;
    }
  },
  measuring: () => {
    const { progress: p } = get();
    if (p) set({ progress: { ...p, phase: 'measuring', label: 'Measuring quality' } });
  },
  finish: (comparison, warnings) => {
    const { results } = get();
    const latest = Math.max(results.compare?.id ?? 0, results.demo?.id ?? 0);
    set({
      status: 'done',
      progress: null,
      cancelRequested: false,
      warnings,
      results: { ...results, [comparison.origin]: { ...comparison, id: latest + 1 } },
    });
  },
  fail: (origin, error) => set({ status: 'error', origin, error, progress: null, cancelRequested: false }),
  cancelled: () => set({ status: 'cancelled', progress: null, cancelRequested: false }),
  requestCancel: () => set({ cancelRequested: true }),
  clearError: () => {
    if (get().status === 'error' || get().status === 'cancelled') set({ status: 'idle', error: null });
  },
}));
