import { DEFAULT_SAMPLER_SETTINGS } from '../../core/sampler/settings.js';
import type { SamplerVariant } from '../../core/sampler/variants.js';
import type { PackInfo } from '../../engine/types.js';
import { INITIAL_VALUES } from '../form-store.js';
import { checkForm } from '../form-validation.js';
import { type ComparisonSettings, DEFAULT_MIXED_VARIANT, isMixedVariant } from './comparison.js';

/** The Compare form as typed (numbers stay strings until checked, so nothing half-typed is lost). */
export interface CompareValues {
  prompt: string;
  /** Empty = draw one at random when running (and show it). */
  seed: string;
  steps: string;
  frames: string;
}

export type CompareField = keyof CompareValues;
export type CompareErrors = Partial<Record<CompareField, string>>;

export const COMPARE_FIELDS: readonly CompareField[] = ['prompt', 'seed', 'steps', 'frames'];

export type CompareCheck =
  | { ok: true; value: ComparisonSettings; seedDrawn: boolean }
  /** `general` is a problem no field of the form can fix (the pack has no image model). */
  | { ok: false; errors: CompareErrors; general: string | null };

/** The IV-mixed sampler to compare: the pack's default when it mixes, else the official IV-IV. */
export function mixedVariantFor(pack: PackInfo | null): SamplerVariant {
  const preferred = pack?.defaults.sampler;
  return preferred !== undefined && isMixedVariant(preferred) ? preferred : DEFAULT_MIXED_VARIANT;
}

/** The pack's own steps and frames: what the Demo runs and what the Compare form starts from. */
export function packDefaultValues(pack: PackInfo): Pick<CompareValues, 'steps' | 'frames'> {
  return {
    steps: String(pack.defaults.steps ?? DEFAULT_SAMPLER_SETTINGS.steps),
    frames: String(Math.min(pack.frames.default, pack.frames.max)),
  };
}

/**
 * The Studio's checks (src/ui/form-validation.ts) applied to a comparison: the IV-mixed run's settings with
 * the pack's sampler and guidance defaults and every other knob at the official values. Errors on the
 * fields this form has are returned per field; anything else is a general message.
 */
export function checkComparison(values: CompareValues, pack: PackInfo | null): CompareCheck {
  const checked = checkForm(
    {
      ...INITIAL_VALUES,
      prompt: values.prompt,
      seed: values.seed,
      steps: values.steps,
      frames: values.frames,
      variant: mixedVariantFor(pack),
      guidanceScale: String(pack?.defaults.guidanceScale ?? DEFAULT_SAMPLER_SETTINGS.guidanceScale),
    },
    pack,
  );
  if (!checked.ok) {
    const errors: CompareErrors = {};
    const others: string[] = [];
    for (const [name, message] of Object.entries(checked.errors)) {
      if ((COMPARE_FIELDS as readonly string[]).includes(name)) errors[name as CompareField] = message;
      else if (name === 'variant' && pack && !pack.hasImageModel)
        others.push(`“${pack.name}” has no image model, so it cannot run the IV-mixed sampler: load a pack with one to compare.`);
      else others.push(message);
    }
    return { ok: false, errors, general: others.length > 0 ? others.join(' ') : null };
  }
  const { request, settings, frames, seedDrawn } = checked.value;
  return {
    ok: true,
    seedDrawn,
    value: { prompt: request.prompt, negativePrompt: '', seed: request.seed, frames, settings },
  };
}
