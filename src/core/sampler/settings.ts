import { InvalidSettingsError } from '../errors.js';
import type { GuidanceRamp } from './guidance-ramp.js';
import { isSamplerVariant, SAMPLER_VARIANTS, type SamplerVariant, VARIANTS } from './variants.js';

/** Every knob of the samplers. Defaults are the official AnimateDiff IV-mixed settings. */
export interface SamplerSettings {
  variant: SamplerVariant;
  /** num_inference_steps. */
  steps: number;
  /** CFG weight of the plain DDIM step (7.5). CFG is off entirely when ≤ 1, as in diffusers. */
  guidanceScale: number;
  /** DDIM eta of the denoising steps (0 = deterministic). Inversions never use it. */
  eta: number;
  /** Inclusive loop indices [begin, end] of the steps that run the IV sub-steps; null = variant default. */
  interval: [number, number] | null;
  /** On steps with i mod zz = zz − 1 the IDM sub-steps are done by the VDM instead (1000 = never at 50 steps). */
  zz: number;
  /** IDM guidance ramp (i_sigma_begin, i_sigma_end). */
  imageGuidance: GuidanceRamp;
  /** VDM guidance ramp of the IV sub-steps (v_sigma_begin, v_sigma_end). */
  videoGuidance: GuidanceRamp;
  /** Ramp curvature ρ. */
  rho: number;
}

export const DEFAULT_SAMPLER_SETTINGS: Readonly<SamplerSettings> = Object.freeze({
  variant: 'iv-iv',
  steps: 50,
  guidanceScale: 7.5,
  eta: 0,
  interval: null,
  zz: 1000,
  imageGuidance: { begin: 4, end: 4 },
  videoGuidance: { begin: 4, end: 4 },
  rho: 7,
});

export function withDefaults(partial: Partial<SamplerSettings>): SamplerSettings {
  return {
    ...DEFAULT_SAMPLER_SETTINGS,
    ...partial,
    imageGuidance: { ...DEFAULT_SAMPLER_SETTINGS.imageGuidance, ...partial.imageGuidance },
    videoGuidance: { ...DEFAULT_SAMPLER_SETTINGS.videoGuidance, ...partial.videoGuidance },
  };
}

/** Throws InvalidSettingsError naming the first bad knob; returns the settings with the interval resolved. */
export function validateSettings(settings: SamplerSettings, maxSteps = 1000): SamplerSettings & { interval: [number, number] } {
  const fail = (setting: string, message: string): never => {
    throw new InvalidSettingsError(setting, message);
  };
  if (!isSamplerVariant(settings.variant)) {
    fail('variant', `Unknown sampler "${String(settings.variant)}". Choose one of: ${SAMPLER_VARIANTS.join(', ')}.`);
  }
  if (!Number.isInteger(settings.steps) || settings.steps < 1 || settings.steps > maxSteps) {
    fail('steps', `Steps must be a whole number from 1 to ${maxSteps} (got ${settings.steps}).`);
  }
  if (!Number.isFinite(settings.guidanceScale) || settings.guidanceScale < 0 || settings.guidanceScale > 50) {
    fail('guidanceScale', `Guidance scale must be between 0 and 50 (got ${settings.guidanceScale}).`);
  }
  if (!Number.isFinite(settings.eta) || settings.eta < 0 || settings.eta > 1) {
    fail('eta', `Eta must be between 0 (deterministic DDIM) and 1 (got ${settings.eta}).`);
  }
  if (!Number.isInteger(settings.zz) || settings.zz < 1) {
    fail('zz', `zz must be a whole number ≥ 1 (got ${settings.zz}); 1 means the video model does every sub-step.`);
  }
  if (!Number.isFinite(settings.rho) || settings.rho <= 0) fail('rho', `rho must be a positive number (got ${settings.rho}).`);
  for (const [name, ramp] of [
    ['imageGuidance', settings.imageGuidance],
    ['videoGuidance', settings.videoGuidance],
  ] as const) {
    for (const end of ['begin', 'end'] as const) {
      const w = ramp[end];
      if (!Number.isFinite(w) || w < 0 || w > 50) fail(name, `${name} ${end} must be between 0 and 50 (got ${w}).`);
    }
  }
  const interval = settings.interval ?? VARIANTS[settings.variant].defaultInterval(settings.steps);
  const [begin, end] = interval;
  if (!Number.isInteger(begin) || !Number.isInteger(end) || begin < 0 || (settings.interval !== null && end < begin)) {
    fail('interval', `The mixing interval must be two whole step indices with 0 ≤ begin ≤ end (got [${begin}, ${end}]).`);
  }
  return { ...settings, interval: [begin, end] };
}
