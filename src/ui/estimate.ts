import { planSampling } from '../core/sampler/plan.js';
import type { SamplerSettings } from '../core/sampler/settings.js';
import { parseSchedulerConfig } from '../core/scheduler/config.js';
import type { CallTiming } from './timing-store.js';

/**
 * The UI has no pack scheduler config; call counts depend only on the steps, the variant and its knobs,
 * so Stable Diffusion's DDIM config gives the same counts as any pack's.
 */
const SD_SCHEDULER = parseSchedulerConfig({
  beta_schedule: 'scaled_linear',
  beta_start: 0.00085,
  beta_end: 0.012,
  timestep_spacing: 'linspace',
});

export interface CallEstimate {
  image: number;
  video: number;
  total: number;
}

/** UNet calls of a run with these settings (a batched CFG call counts once), or null when they are invalid. */
export function estimateCalls(settings: SamplerSettings): CallEstimate | null {
  try {
    const { modelCalls } = planSampling(SD_SCHEDULER, settings);
    return { ...modelCalls, total: modelCalls.image + modelCalls.video };
  } catch {
    return null;
  }
}

/**
 * Wall time of a run from per-call timings measured earlier on this machine (same pack and backend).
 * Model calls are scaled by the frame count (each call works on every frame); null when a model's
 * timing is missing.
 */
export function estimateTimeMs(calls: CallEstimate, frames: number, timing: CallTiming | undefined): number | null {
  if (!timing) return null;
  if (calls.image > 0 && timing.imageMsPerFrame === null) return null;
  if (calls.video > 0 && timing.videoMsPerFrame === null) return null;
  return (
    timing.fixedMs +
    frames *
      (calls.image * (timing.imageMsPerFrame ?? 0) + calls.video * (timing.videoMsPerFrame ?? 0) + timing.decodeMsPerFrame) +
    calls.total * timing.outsideMsPerCall
  );
}
