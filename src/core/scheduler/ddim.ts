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
  alphaProd: number,
  x0: Float32Array,
  eps: Float32Array,
): void {
  const betaProd = f32(1 - alphaProd);
  const sqrtA = f32(Math.sqrt(alphaProd));
  const sqrtB = f32(Math.sqrt(betaProd));
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
  const { config } = schedule;
  const prev = timestep - schedule.delta;
  const alphaProd = alphaAt(schedule.alphasCumprod, timestep, schedule.finalAlphaCumprod);
  const alphaProdPrev = alphaAt(schedule.alphasCumprod, prev, schedule.finalAlphaCumprod);
  const n = sample.length;
  const x0 = new Float32Array(n);
  const eps = new Float32Array(n);
  predictX0AndEps(config.predictionType, sample, modelOutput, alphaProd, x0, eps);
  if (config.clipSample) clipInPlace(x0, config.clipSampleRange);

  // _get_variance: (β_prev / β_t) · (1 − α_t / α_prev), then σ = η·√variance.
  const betaProd = f32(1 - alphaProd);
  const betaProdPrev = f32(1 - alphaProdPrev);
  const variance = f32(f32(betaProdPrev / betaProd) * f32(1 - f32(alphaProd / alphaProdPrev)));
  const std = f32(f32(eta) * f32(Math.sqrt(variance)));
  const dirCoef = f32(Math.sqrt(f32(f32(1 - alphaProdPrev) - f32(std * std))));
  const sqrtAPrev = f32(Math.sqrt(alphaProdPrev));
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    out[i] = f32(f32(sqrtAPrev * (x0[i] as number)) + f32(dirCoef * (eps[i] as number)));
  }
  if (eta > 0) {
    if (!varianceNoise || varianceNoise.length !== n) {
      throw new RangeError('ddimStep with eta > 0 needs one noise value per element');
    }
    for (let i = 0; i < n; i++) out[i] = f32((out[i] as number) + f32(std * (varianceNoise[i] as number)));
  }
  return out;
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
  const { config } = schedule;
  const from = Math.min(timestep - schedule.delta, config.numTrainTimesteps - 1);
  const alphaProd = alphaAt(schedule.alphasCumprod, from, schedule.initialAlphaCumprod);
  const alphaProdNext = alphaAt(schedule.alphasCumprod, timestep, schedule.initialAlphaCumprod);
  const n = sample.length;
  const x0 = new Float32Array(n);
  const eps = new Float32Array(n);
  predictX0AndEps(config.predictionType, sample, modelOutput, alphaProd, x0, eps);
  if (config.clipSample) clipInPlace(x0, config.clipSampleRange);
  const dirCoef = f32(Math.sqrt(f32(1 - alphaProdNext)));
  const sqrtANext = f32(Math.sqrt(alphaProdNext));
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    out[i] = f32(f32(sqrtANext * (x0[i] as number)) + f32(dirCoef * (eps[i] as number)));
  }
  return out;
}
