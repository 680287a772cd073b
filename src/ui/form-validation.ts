import { InvalidSettingsError } from '../core/errors.js';
import { DEFAULT_SAMPLER_SETTINGS, type SamplerSettings, validateSettings } from '../core/sampler/settings.js';
import { VARIANTS } from '../core/sampler/variants.js';
import type { GenerateRequest, PackInfo } from '../engine/types.js';
import { type FieldErrors, type FieldName, type FormValues, MAX_SEED, randomSeed } from './form-store.js';

/** The most steps the UI accepts (the scheduler's num_train_timesteps for SD-like packs). */
export const MAX_STEPS = 1000;

interface NumberRule {
  /** How the message names the field: "Steps", "The seed". */
  label: string;
  integer?: boolean;
  min?: number;
  max?: number;
  /** min is excluded (rho > 0). */
  above?: number;
  /** Message for a value above max. */
  tooBig?: string;
  /** Message for a value below min. */
  tooSmall?: string;
}

type Parsed = { value: number; error?: undefined } | { value?: undefined; error: string };

export function readNumber(raw: string, rule: NumberRule): Parsed {
  const text = raw.trim();
  if (text === '') return { error: `${rule.label} is empty: enter a number.` };
  const value = Number(text);
  if (!Number.isFinite(value)) return { error: `${rule.label} must be a number.` };
  if (rule.integer && !Number.isInteger(value)) return { error: `${rule.label} must be a whole number.` };
  if (rule.min !== undefined && value < rule.min)
    return { error: rule.tooSmall ?? `${rule.label} must be at least ${rule.min}.` };
  if (rule.above !== undefined && value <= rule.above) return { error: `${rule.label} must be greater than ${rule.above}.` };
  if (rule.max !== undefined && value > rule.max) return { error: rule.tooBig ?? `${rule.label} must be at most ${rule.max}.` };
  return { value };
}

/** Which knobs a sampler reads; the others are shown disabled and not validated. */
export function knobsInUse(variant: FormValues['variant']): { interval: boolean; imageModel: boolean; video: boolean } {
  const def = VARIANTS[variant];
  const mixes = def.subSteps.length > 0;
  return { interval: mixes, imageModel: mixes && def.usesImageModel, video: mixes };
}

const GUIDANCE = { min: 0, max: 50 } as const;

/**
 * The sampler settings the form describes, and what is wrong with them. A field that does not parse falls
 * back to its default, so the estimate and the curve can still be drawn while the user types.
 */
export function readSettings(values: FormValues): { settings: SamplerSettings; errors: FieldErrors } {
  const errors: FieldErrors = {};
  const d = DEFAULT_SAMPLER_SETTINGS;
  const num = (name: FieldName, fallback: number, rule: NumberRule): number => {
    const parsed = readNumber(values[name] as string, rule);
    if (parsed.error !== undefined) {
      errors[name] = parsed.error;
      return fallback;
    }
    return parsed.value;
  };
  const use = knobsInUse(values.variant);
  const steps = num('steps', d.steps, {
    label: 'Steps',
    integer: true,
    min: 1,
    max: MAX_STEPS,
    tooSmall: 'Steps must be at least 1.',
  });
  const guidanceScale = num('guidanceScale', d.guidanceScale, { label: 'Guidance scale', ...GUIDANCE });
  const rho = use.video ? num('rho', d.rho, { label: 'Rho', above: 0 }) : d.rho;
  const zz = use.imageModel ? num('zz', d.zz, { label: 'zz', integer: true, min: 1 }) : d.zz;
  const imageGuidance = use.imageModel
    ? {
        begin: num('imageBegin', d.imageGuidance.begin, { label: 'IDM guidance begin', ...GUIDANCE }),
        end: num('imageEnd', d.imageGuidance.end, { label: 'IDM guidance end', ...GUIDANCE }),
      }
    : { ...d.imageGuidance };
  const videoGuidance = use.video
    ? {
        begin: num('videoBegin', d.videoGuidance.begin, { label: 'VDM guidance begin', ...GUIDANCE }),
        end: num('videoEnd', d.videoGuidance.end, { label: 'VDM guidance end', ...GUIDANCE }),
      }
    : { ...d.videoGuidance };

  let interval: [number, number] | null = null;
  if (use.interval && (values.intervalBegin.trim() !== '' || values.intervalEnd.trim() !== '')) {
    const [defaultBegin, defaultEnd] = VARIANTS[values.variant].defaultInterval(steps);
    const read = (name: 'intervalBegin' | 'intervalEnd', fallback: number, label: string) =>
      values[name].trim() === '' ? fallback : num(name, fallback, { label, integer: true, min: 0 });
    const begin = read('intervalBegin', defaultBegin, 'Interval begin');
    const end = read('intervalEnd', Math.max(defaultEnd, begin), 'Interval end');
    if (!errors.intervalBegin && !errors.intervalEnd && end < begin) {
      errors.intervalEnd = `Interval end must be at or after its begin (${begin}).`;
    }
    interval = [begin, Math.max(begin, end)];
  }

  const settings: SamplerSettings = {
    variant: values.variant,
    steps,
    guidanceScale,
    eta: d.eta,
    interval,
    zz,
    imageGuidance,
    videoGuidance,
    rho,
  };
  return { settings, errors };
}

const SETTING_FIELDS: Record<string, FieldName> = {
  variant: 'variant',
  steps: 'steps',
  guidanceScale: 'guidanceScale',
  zz: 'zz',
  rho: 'rho',
  imageGuidance: 'imageBegin',
  videoGuidance: 'videoBegin',
  interval: 'intervalBegin',
  prompt: 'prompt',
  frames: 'frames',
};

/** The form field an InvalidSettingsError's `setting` names, if any. */
export function fieldForSetting(setting: string | undefined): FieldName | undefined {
  return setting === undefined ? undefined : SETTING_FIELDS[setting];
}

export interface CheckedForm {
  request: GenerateRequest;
  settings: SamplerSettings;
  frames: number;
  /** True when the seed field was empty and a random seed was drawn. */
  seedDrawn: boolean;
}

export type FormCheck = { ok: true; value: CheckedForm } | { ok: false; errors: FieldErrors };

/** Everything the Studio checks before it calls the engine. */
export function checkForm(values: FormValues, pack: PackInfo | null): FormCheck {
  const { settings, errors } = readSettings(values);
  if (values.prompt.trim() === '') errors.prompt = 'Type a prompt describing the video you want.';

  let seed = 0;
  const seedDrawn = values.seed.trim() === '';
  if (seedDrawn) seed = randomSeed();
  else {
    const parsed = readNumber(values.seed, { label: 'The seed', integer: true, min: 0, max: MAX_SEED });
    if (parsed.error !== undefined) errors.seed = parsed.error;
    else seed = parsed.value;
  }

  const maxFrames = pack?.frames.max ?? Number.POSITIVE_INFINITY;
  const frames = readNumber(values.frames, {
    label: 'Frames',
    integer: true,
    min: 1,
    max: maxFrames,
    tooBig: `This pack makes at most ${maxFrames} frames.`,
  });
  if (frames.error !== undefined) errors.frames = frames.error;

  if (pack && !pack.hasImageModel && VARIANTS[settings.variant].usesImageModel) {
    errors.variant = `“${VARIANTS[settings.variant].title}” needs an image model, and this pack has none. Choose DDIM or VDM zigzag.`;
  }

  if (Object.keys(errors).length === 0) {
    // The core's own checks, so that the engine never sees settings it would refuse.
    try {
      validateSettings(settings, MAX_STEPS);
    } catch (error) {
      if (!(error instanceof InvalidSettingsError)) throw error;
      errors[fieldForSetting(error.setting) ?? 'steps'] = error.message;
    }
  }
  if (Object.keys(errors).length > 0 || frames.value === undefined) return { ok: false, errors };

  return {
    ok: true,
    value: {
      settings,
      frames: frames.value,
      seedDrawn,
      request: {
        prompt: values.prompt,
        negativePrompt: values.negativePrompt,
        seed,
        frames: frames.value,
        settings,
        previewEvery: 1,
      },
    },
  };
}
