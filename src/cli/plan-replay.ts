import { subStepCoefficients } from '../core/sampler/latent-space.js';
import { planSampling } from '../core/sampler/plan.js';
import { type SamplerSettings, withDefaults } from '../core/sampler/settings.js';
import type { SchedulerConfig } from '../core/scheduler/config.js';
import { makeDdimInverseSchedule, makeDdimSchedule } from '../core/scheduler/ddim.js';

/**
 * A sampler plan written out with every scheduler step's coefficients, so that another implementation (the
 * PyTorch benchmark, tools/bench/torch_bench.py) runs exactly the same sub-steps as the engine: same model
 * calls in the same order, same timesteps, same signed CFG weights, same DDIM / inversion numbers.
 *
 * Replaying one sub-step with batched CFG ([x; x] in, [u; c] out), for ε-prediction without clipping:
 *   x  = latents, or latents as frames `b c f h w -> (b f) c h w` for the image model
 *   e  = u + guidance·(c − u)
 *   x0 = (x − sqrtBeta·e) / sqrtAlpha
 *   x' = sqrtAlphaNext·x0 + dirCoef·e          (then frames back to `b c f h w` for the image model)
 */
export interface ReplayPlan {
  format: 'ivmix-plan-replay/1';
  schedulerConfig: SchedulerConfig;
  settings: SamplerSettings & { interval: [number, number] };
  cfg: boolean;
  timesteps: number[];
  modelCalls: { image: number; video: number };
  subSteps: ReplaySubStep[];
}

export interface ReplaySubStep {
  step: number;
  label: string;
  model: 'image' | 'video';
  op: 'denoise' | 'invert';
  evalTimestep: number;
  guidance: number;
  sqrtAlpha: number;
  sqrtBeta: number;
  sqrtAlphaNext: number;
  dirCoef: number;
}

export class ReplayPlanError extends Error {
  override name = 'ReplayPlanError';
}

/** The plan of `settings` (defaults filled in) with the coefficients of each sub-step's scheduler step. */
export function replayablePlan(config: SchedulerConfig, settings: Partial<SamplerSettings>): ReplayPlan {
  const plan = planSampling(config, withDefaults(settings));
  // The replay formula above covers what the benchmarks run; anything else would need more than these numbers.
  if (plan.settings.eta !== 0) throw new ReplayPlanError('a replay plan needs eta = 0 (eta > 0 draws noise at every step)');
  if (config.predictionType !== 'epsilon' || config.clipSample) {
    throw new ReplayPlanError(
      `a replay plan covers ε-prediction without clip_sample (got ${config.predictionType}, clip_sample ${config.clipSample})`,
    );
  }
  const n = plan.settings.steps;
  const schedules = { denoise: makeDdimSchedule(config, n), invert: makeDdimInverseSchedule(config, n) };
  const subSteps: ReplaySubStep[] = [];
  for (const step of plan.steps) {
    for (const s of step.subSteps) {
      const k = subStepCoefficients(schedules, s.op, s.stepTimestep, 0);
      subSteps.push({
        step: step.index,
        label: s.label,
        model: s.model,
        op: s.op,
        evalTimestep: s.evalTimestep,
        guidance: s.guidance,
        sqrtAlpha: k.sqrtAlpha,
        sqrtBeta: k.sqrtBeta,
        sqrtAlphaNext: k.sqrtAlphaNext,
        dirCoef: k.dirCoef,
      });
    }
  }
  return {
    format: 'ivmix-plan-replay/1',
    schedulerConfig: config,
    settings: plan.settings,
    cfg: plan.cfg,
    timesteps: plan.timesteps,
    modelCalls: plan.modelCalls,
    subSteps,
  };
}
