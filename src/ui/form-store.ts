import { create } from 'zustand';
import { DEFAULT_SAMPLER_SETTINGS } from '../core/sampler/settings.js';
import type { SamplerVariant } from '../core/sampler/variants.js';
import type { PackInfo } from '../engine/types.js';

/** The form as typed: numbers stay strings until validation, so a half-typed value is never lost. */
export interface FormValues {
  prompt: string;
  negativePrompt: string;
  seed: string;
  steps: string;
  frames: string;
  variant: SamplerVariant;
  /** Empty = the variant's default interval. */
  intervalBegin: string;
  intervalEnd: string;
  zz: string;
  imageBegin: string;
  imageEnd: string;
  videoBegin: string;
  videoEnd: string;
  rho: string;
  guidanceScale: string;
}

export type FieldName = keyof FormValues;
export type FieldErrors = Partial<Record<FieldName, string>>;

/** The largest seed the generator distinguishes (seeds are taken modulo 2^32, like PyTorch's CPU generator). */
export const MAX_SEED = 0xffffffff;

export function randomSeed(): number {
  const words = new Uint32Array(1);
  crypto.getRandomValues(words);
  return words[0] as number;
}

export const fieldId = (name: FieldName) => `field-${name}`;

const s = DEFAULT_SAMPLER_SETTINGS;
export const INITIAL_VALUES: FormValues = {
  prompt: '',
  negativePrompt: '',
  seed: String(randomSeed()),
  steps: String(s.steps),
  frames: '16',
  variant: s.variant,
  intervalBegin: '',
  intervalEnd: '',
  zz: String(s.zz),
  imageBegin: String(s.imageGuidance.begin),
  imageEnd: String(s.imageGuidance.end),
  videoBegin: String(s.videoGuidance.begin),
  videoEnd: String(s.videoGuidance.end),
  rho: String(s.rho),
  guidanceScale: String(s.guidanceScale),
};

interface FormState {
  values: FormValues;
  errors: FieldErrors;
  /** The pack whose defaults were applied last (defaults are applied once per pack). */
  defaultsFor: string | null;
  setValue<K extends FieldName>(name: K, value: FormValues[K]): void;
  /** Replace the whole form (a loaded recipe); clears every message. */
  setValues(values: FormValues): void;
  setErrors(errors: FieldErrors): void;
  randomizeSeed(): void;
  applyPackDefaults(pack: PackInfo): void;
}

export const useFormStore = create<FormState>((set, get) => ({
  values: INITIAL_VALUES,
  errors: {},
  defaultsFor: null,
  setValue: (name, value) =>
    set((state) => {
      const { [name]: _cleared, ...errors } = state.errors;
      return { values: { ...state.values, [name]: value }, errors };
    }),
  setValues: (values) => set({ values, errors: {} }),
  setErrors: (errors) => set({ errors }),
  randomizeSeed: () => get().setValue('seed', String(randomSeed())),
  applyPackDefaults: (pack) =>
    set((state) => {
      if (state.defaultsFor === pack.id) return {};
      const { defaults } = pack;
      return {
        defaultsFor: pack.id,
        values: {
          ...state.values,
          frames: String(Math.min(pack.frames.default, pack.frames.max)),
          ...(defaults.steps !== undefined ? { steps: String(defaults.steps) } : {}),
          ...(defaults.guidanceScale !== undefined ? { guidanceScale: String(defaults.guidanceScale) } : {}),
          ...(defaults.sampler !== undefined ? { variant: defaults.sampler } : {}),
        },
      };
    }),
}));
