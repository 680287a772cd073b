import type { SchedulerConfig } from '../scheduler/config.js';
import { ddimTimesteps, stepDelta } from '../scheduler/timesteps.js';
import { guidanceRampForSteps } from './guidance-ramp.js';
import { type SamplerSettings, validateSettings } from './settings.js';
import { type ModelKind, type SchedulerOp, type SubStepTemplate, type TimestepRef, VARIANTS } from './variants.js';

/** One model call followed by one scheduler step: the shared primitive every sampler is made of. */
export interface PlannedSubStep {
  label: string;
  model: ModelKind;
  op: SchedulerOp;
  /** Timestep the UNet sees. */
  evalTimestep: number;
  /** Timestep given to DDIMScheduler.step / DDIMInverseScheduler.step. */
  stepTimestep: number;
  /** Signed float32 CFG weight: u + guidance·(c − u). Negative on the IV inversions. */
  guidance: number;
}

export interface PlannedStep {
  index: number;
  timestep: number;
  /** Sub-steps in order; the last one is always the plain DDIM step at t. */
  subSteps: PlannedSubStep[];
}

export interface SamplerPlan {
  settings: SamplerSettings & { interval: [number, number] };
  timesteps: number[];
  delta: number;
  /** Classifier-free guidance on (guidanceScale > 1, the diffusers rule); off means cond-only calls everywhere. */
  cfg: boolean;
  steps: PlannedStep[];
  /** UNet calls by model, counting a batched CFG call once. */
  modelCalls: Record<ModelKind, number>;
}

/**
 * Resolve a variant and its knobs into the exact list of model calls and scheduler steps.
 * Pure data: it can be inspected, counted for time estimates and tested without any model.
 */
export function planSampling(schedulerConfig: SchedulerConfig, input: SamplerSettings): SamplerPlan {
  const settings = validateSettings(input, schedulerConfig.numTrainTimesteps);
  const variant = VARIANTS[settings.variant];
  const T = schedulerConfig.numTrainTimesteps;
  const N = settings.steps;
  const timesteps = ddimTimesteps(schedulerConfig, N);
  const delta = stepDelta(schedulerConfig, N);
  // The official code computes pp as t − T·2 // N, which differs from t − 2Δ when T/N is not whole.
  const delta2 = Math.floor((2 * T) / N);
  const imageRamp = guidanceRampForSteps(N, settings.imageGuidance, settings.rho);
  const videoRamp = guidanceRampForSteps(N, settings.videoGuidance, settings.rho);
  const plainGuidance = Math.fround(settings.guidanceScale);
  const [begin, end] = settings.interval;

  const steps: PlannedStep[] = timesteps.map((t, i) => {
    const at: Record<TimestepRef, number> = { t, p: Math.max(0, t - delta), pp: Math.max(0, t - delta2) };
    const subSteps: PlannedSubStep[] = [];
    if (begin <= i && i <= end) {
      // i mod zz < zz − 1: the IDM is used; otherwise the VDM stands in, weighted by the VDM ramp.
      const useImage = i % settings.zz < settings.zz - 1;
      for (const tpl of variant.subSteps)
        subSteps.push(resolve(tpl, at, useImage, imageRamp[i] as number, videoRamp[i] as number));
    }
    subSteps.push({ label: 'DDIM', model: 'video', op: 'denoise', evalTimestep: t, stepTimestep: t, guidance: plainGuidance });
    return { index: i, timestep: t, subSteps };
  });

  const modelCalls: Record<ModelKind, number> = { image: 0, video: 0 };
  for (const step of steps) for (const s of step.subSteps) modelCalls[s.model]++;
  return { settings, timesteps, delta, cfg: settings.guidanceScale > 1, steps, modelCalls };
}

function resolve(
  tpl: SubStepTemplate,
  at: Record<TimestepRef, number>,
  useImage: boolean,
  imageWeight: number,
  videoWeight: number,
): PlannedSubStep {
  const model: ModelKind = tpl.model === 'image' && !useImage ? 'video' : tpl.model;
  const weight = model === 'image' ? imageWeight : videoWeight;
  const label = model === tpl.model ? tpl.label : `${tpl.label} (VDM stands in)`;
  return {
    label,
    model,
    op: tpl.op,
    evalTimestep: at[tpl.evalAt],
    stepTimestep: at[tpl.stepAt],
    guidance: tpl.sign * weight,
  };
}
