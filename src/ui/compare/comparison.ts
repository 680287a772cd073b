import type { SamplerSettings } from '../../core/sampler/settings.js';
import { type SamplerVariant, VARIANTS } from '../../core/sampler/variants.js';
import type { GenerateRequest, GenerateResult } from '../../engine/types.js';
import type { VideoQuality } from './quality-summary.js';

/** The baseline every comparison runs first. */
export const BASELINE_VARIANT: SamplerVariant = 'ddim';
/** The IV-mixed sampler compared against it when the pack names no IV-mixed default. */
export const DEFAULT_MIXED_VARIANT: SamplerVariant = 'iv-iv';

/** What one comparison is asked for: one prompt, one seed, the knobs of the IV-mixed run. */
export interface ComparisonSettings {
  prompt: string;
  negativePrompt?: string;
  seed: number;
  frames: number;
  /** The IV-mixed run's settings; the DDIM run uses the same ones with the variant swapped. */
  settings: SamplerSettings;
}

/** Which page asked for a comparison: each page shows its own latest result. */
export type ComparisonOrigin = 'compare' | 'demo';

export type SideId = 'baseline' | 'mixed';

/** One sampler's finished run inside a comparison. */
export interface ComparisonSide {
  id: SideId;
  variant: SamplerVariant;
  /** "DDIM", "IV-mixed (IV-IV)". */
  title: string;
  result: GenerateResult;
  quality: VideoQuality;
}

export interface FinishedComparison {
  /** Counts finished comparisons: a new id is a new pair of videos. */
  id: number;
  origin: ComparisonOrigin;
  input: ComparisonSettings;
  packId: string;
  baseline: ComparisonSide;
  mixed: ComparisonSide;
}

/** Whether a sampler mixes in the image model, i.e. can stand as the IV-mixed side of a comparison. */
export function isMixedVariant(variant: SamplerVariant): boolean {
  const definition = VARIANTS[variant];
  return definition.subSteps.length > 0 && definition.usesImageModel;
}

/**
 * The two engine requests of a comparison, in running order: DDIM then IV-mixed. They differ only in the
 * sampler variant; the seed (hence the engine's initial noise x_T), prompt, frames and knobs are the same.
 * No latent previews: the comparison shows only the finished videos, and previews cost a decode each step.
 */
export function comparisonRequests(input: ComparisonSettings): [GenerateRequest, GenerateRequest] {
  const base: Omit<GenerateRequest, 'settings'> = {
    prompt: input.prompt,
    negativePrompt: input.negativePrompt ?? '',
    seed: input.seed,
    frames: input.frames,
    previewEvery: 0,
  };
  return [
    { ...base, settings: { ...input.settings, variant: BASELINE_VARIANT } },
    { ...base, settings: { ...input.settings } },
  ];
}
