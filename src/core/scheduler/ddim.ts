import { alphasCumprodFor } from './alphas.js';
import type { PredictionType, SchedulerConfig } from './config.js';
import { stepDelta } from './timesteps.js';

const f32 = Math.fround;

/**
 * The DDIM pair as stateless functions over a precomputed alpha table, mirroring diffusers'
 * DDIMScheduler.step and DDIMInverseScheduler.step (v0.30.x). All arithmetic is rounded to float32
 * after every operation, in the order torch evaluates it, so results match the official float32
 * pipeline to the last bit where the inputs do.
 */
export interface DdimSchedule {
  readonly config: SchedulerConfig;
  readonly alphasCumprod: Float32Array;
  /** Alpha used where a DDIM step would land below timestep 0. */
  readonly finalAlphaCumprod: number;
  readonly numInferenceSteps: number;
  /** Δ = num_train_timesteps // num_inference_steps. */
  readonly delta: number;
}

export interface DdimInverseSchedule {
  readonly config: SchedulerConfig;
  readonly alphasCumprod: Float32Array;
  /** Alpha used where an inversion would start below timestep 0. */
  readonly initialAlphaCumprod: number;
  readonly numInferenceSteps: number;
  readonly delta: number;
}

export function makeDdimSchedule(config: SchedulerConfig, numInferenceSteps: number, alphasCumprod?: Float32Array): DdimSchedule {
  const ac = alphasCumprod ?? alphasCumprodFor(config);
  return {
    config,
    alphasCumprod: ac,
    finalAlphaCumprod: config.setAlphaToOne ? 1 : (ac[0] as number),
    numInferenceSteps,
    delta: stepDelta(config, numInferenceSteps),
  };
}

export function makeDdimInverseSchedule(
  config: SchedulerConfig,
  numInferenceSteps: number,
  alphasCumprod?: Float32Array,
): DdimInverseSchedule {
  const ac = alphasCumprod ?? alphasCumprodFor(config);
  return {
    config,
    alphasCumprod: ac,
    initialAlphaCumprod: config.setAlphaToOne ? 1 : (ac[0] as number),
    numInferenceSteps,
    delta: stepDelta(config, numInferenceSteps),
  };
}

function alphaAt(table: Float32Array, index: number, fallback: number): number {
  if (index < 0) return fallback;
  const a = table[index];
  if (a === undefined) throw new RangeError(`timestep ${index} is outside the scheduler's ${table.length} training timesteps`);
  return a;
}

/**
 * Convert a model output into (x0, ε) per prediction type, writing into the given buffers.
 * Each line is the diffusers expression with float32 rounding at every operator.
 */
function predictX0AndEps(
  prediction: PredictionType,
  sample: Float32Array,
  modelOutput: Float32Array,
  sqrtA: number,
  sqrtB: number,
  x0: Float32Array,
  eps: Float32Array,
): void {
  const n = sample.length;
  switch (prediction) {
    case 'epsilon':
      for (let i = 0; i < n; i++) {
        const e = modelOutput[i] as number;
        x0[i] = f32(f32((sample[i] as number) - f32(sqrtB * e)) / sqrtA);
        eps[i] = e;
      }
      return;
    case 'sample':
      for (let i = 0; i < n; i++) {
        const x = modelOutput[i] as number;
        x0[i] = x;
        eps[i] = f32(f32((sample[i] as number) - f32(sqrtA * x)) / sqrtB);
      }
      return;
    case 'v_prediction':
      for (let i = 0; i < n; i++) {
        const v = modelOutput[i] as number;
        const x = sample[i] as number;
        x0[i] = f32(f32(sqrtA * x) - f32(sqrtB * v));
        eps[i] = f32(f32(sqrtA * v) + f32(sqrtB * x));
      }
      return;
  }
}

function clipInPlace(x0: Float32Array, range: number): void {
  for (let i = 0; i < x0.length; i++) x0[i] = Math.min(range, Math.max(-range, x0[i] as number));
}

/**
 * The per-step numbers of one DDIM or DDIM-inversion step, each rounded to float32 as diffusers computes
 * them: the element-wise part is then `x0 = f(sample, output; √ᾱ, √(1−ᾱ))`, optional clip, and
 * `out = √ᾱ'·x0 + dir·ε (+ std·noise)`. The CPU loops below and the WebGPU kernels (src/runtime/webgpu)
 * both start from these, so the two paths cannot drift apart.
 */
export interface DdimCoefficients {
  predictionType: PredictionType;
  /** clip_sample_range when clip_sample is on, else null. */
  clipRange: number | null;
  /** √ᾱ and √(1−ᾱ) at the level the sample is at. */
  sqrtAlpha: number;
  sqrtBeta: number;
  /** √ᾱ' of the level stepped to. */
  sqrtAlphaNext: number;
  /** Coefficient of ε: √(1 − ᾱ' − std²). */
  dirCoef: number;
  /** η·σ: the scale of the variance noise (0 for inversions and eta = 0). */
  noiseStd: number;
  /** eta > 0: the step adds variance noise (one standard normal draw per element). */
  needsNoise: boolean;
}

function coefficients(
  config: SchedulerConfig,
  alphaProd: number,
  sqrtAlphaNext: number,
  dirCoef: number,
  std: number,
  needsNoise: boolean,
): DdimCoefficients {
  return {
    predictionType: config.predictionType,
    clipRange: config.clipSample ? config.clipSampleRange : null,
    sqrtAlpha: f32(Math.sqrt(alphaProd)),
    sqrtBeta: f32(Math.sqrt(f32(1 - alphaProd))),
    sqrtAlphaNext,
    dirCoef,
    noiseStd: std,
    needsNoise,
  };
}

/** DDIMScheduler.step's numbers from level s to level s − Δ (or the final alpha). */
export function ddimStepCoefficients(schedule: DdimSchedule, timestep: number, eta = 0): DdimCoefficients {
  const prev = timestep - schedule.delta;
  const alphaProd = alphaAt(schedule.alphasCumprod, timestep, schedule.finalAlphaCumprod);
  const alphaProdPrev = alphaAt(schedule.alphasCumprod, prev, schedule.finalAlphaCumprod);
  // _get_variance: (β_prev / β_t) · (1 − α_t / α_prev), then σ = η·√variance.
  const betaProd = f32(1 - alphaProd);
  const betaProdPrev = f32(1 - alphaProdPrev);
  const variance = f32(f32(betaProdPrev / betaProd) * f32(1 - f32(alphaProd / alphaProdPrev)));
  const std = f32(f32(eta) * f32(Math.sqrt(variance)));
  const dirCoef = f32(Math.sqrt(f32(f32(1 - alphaProdPrev) - f32(std * std))));
  return coefficients(schedule.config, alphaProd, f32(Math.sqrt(alphaProdPrev)), dirCoef, eta > 0 ? std : 0, eta > 0);
}

/** DDIMInverseScheduler.step's numbers from level min(s − Δ, T − 1) (or the initial alpha) up to level s. */
export function ddimInverseStepCoefficients(schedule: DdimInverseSchedule, timestep: number): DdimCoefficients {
  const from = Math.min(timestep - schedule.delta, schedule.config.numTrainTimesteps - 1);
  const alphaProd = alphaAt(schedule.alphasCumprod, from, schedule.initialAlphaCumprod);
  const alphaProdNext = alphaAt(schedule.alphasCumprod, timestep, schedule.initialAlphaCumprod);
  return coefficients(
    schedule.config,
    alphaProd,
    f32(Math.sqrt(alphaProdNext)),
    f32(Math.sqrt(f32(1 - alphaProdNext))),
    0,
    false,
  );
}

/** The element-wise part of a step, in float32 with rounding after every operation (torch's order). */
export function applyDdimCoefficients(
  k: DdimCoefficients,
  modelOutput: Float32Array,
  sample: Float32Array,
  varianceNoise?: Float32Array,
): Float32Array {
  const n = sample.length;
  const x0 = new Float32Array(n);
  const eps = new Float32Array(n);
  predictX0AndEps(k.predictionType, sample, modelOutput, k.sqrtAlpha, k.sqrtBeta, x0, eps);
  if (k.clipRange !== null) clipInPlace(x0, k.clipRange);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    out[i] = f32(f32(k.sqrtAlphaNext * (x0[i] as number)) + f32(k.dirCoef * (eps[i] as number)));
  }
  if (k.needsNoise) {
    if (!varianceNoise || varianceNoise.length !== n) {
      throw new RangeError('ddimStep with eta > 0 needs one noise value per element');
    }
    for (let i = 0; i < n; i++) out[i] = f32((out[i] as number) + f32(k.noiseStd * (varianceNoise[i] as number)));
  }
  return out;
}

/**
 * DDIMScheduler.step(model_output, s, sample): from level s to level s - Δ (or the final alpha).
 * With eta > 0, `varianceNoise` must hold one standard normal draw per element (diffusers draws it
 * with the pipeline's generator in the shape of the sample being stepped).
 */
export function ddimStep(
  schedule: DdimSchedule,
  modelOutput: Float32Array,
  timestep: number,
  sample: Float32Array,
  eta = 0,
  varianceNoise?: Float32Array,
): Float32Array {
  return applyDdimCoefficients(ddimStepCoefficients(schedule, timestep, eta), modelOutput, sample, varianceNoise);
}

/**
 * DDIMInverseScheduler.step(model_output, s, sample): from level min(s - Δ, T - 1) (or the initial
 * alpha when that is below 0) up to level s. Deterministic: inversion has no eta.
 */
export function ddimInverseStep(
  schedule: DdimInverseSchedule,
  modelOutput: Float32Array,
  timestep: number,
  sample: Float32Array,
): Float32Array {
  return applyDdimCoefficients(ddimInverseStepCoefficients(schedule, timestep), modelOutput, sample);
}
