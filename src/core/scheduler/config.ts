/**
 * A diffusers scheduler_config.json, reduced to the fields the DDIM family reads. Unknown fields
 * (PNDM's skip_prk_steps, _class_name, ...) are ignored, as diffusers' from_config ignores them.
 */
export type BetaSchedule = 'linear' | 'scaled_linear' | 'squaredcos_cap_v2';
export type TimestepSpacing = 'linspace' | 'leading' | 'trailing';
export type PredictionType = 'epsilon' | 'v_prediction' | 'sample';

export interface SchedulerConfig {
  numTrainTimesteps: number;
  betaStart: number;
  betaEnd: number;
  betaSchedule: BetaSchedule;
  /** Explicit betas override the schedule (diffusers `trained_betas`). */
  trainedBetas: number[] | null;
  /** DDIM: alpha used past the last step (t - Δ < 0). DDIMInverse: alpha used before the first. */
  setAlphaToOne: boolean;
  stepsOffset: number;
  clipSample: boolean;
  clipSampleRange: number;
  predictionType: PredictionType;
  timestepSpacing: TimestepSpacing;
  rescaleBetasZeroSnr: boolean;
}

export class SchedulerConfigError extends Error {
  override name = 'SchedulerConfigError';
}

/**
 * Class defaults differ: DDIMScheduler defaults to clip_sample=true and set_alpha_to_one=true, and so
 * does DDIMInverseScheduler. Real configs (SD1.5's) override both to false; the official IV code builds
 * its inverse scheduler from such a config, so the values in the file always win.
 */
const DEFAULTS: SchedulerConfig = {
  numTrainTimesteps: 1000,
  betaStart: 0.0001,
  betaEnd: 0.02,
  betaSchedule: 'linear',
  trainedBetas: null,
  setAlphaToOne: true,
  stepsOffset: 0,
  clipSample: true,
  clipSampleRange: 1.0,
  predictionType: 'epsilon',
  timestepSpacing: 'leading',
  rescaleBetasZeroSnr: false,
};

const BETA_SCHEDULES: readonly BetaSchedule[] = ['linear', 'scaled_linear', 'squaredcos_cap_v2'];
const SPACINGS: readonly TimestepSpacing[] = ['linspace', 'leading', 'trailing'];
const PREDICTION_TYPES: readonly PredictionType[] = ['epsilon', 'v_prediction', 'sample'];

export function parseSchedulerConfig(json: unknown, overrides: Partial<SchedulerConfig> = {}): SchedulerConfig {
  if (typeof json !== 'object' || json === null) throw new SchedulerConfigError('scheduler config is not a JSON object');
  const raw = json as Record<string, unknown>;
  const num = (key: string, fallback: number): number => {
    const v = raw[key];
    if (v === undefined || v === null) return fallback;
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new SchedulerConfigError(`scheduler config: ${key} must be a number`);
    return v;
  };
  const bool = (key: string, fallback: boolean): boolean => {
    const v = raw[key];
    if (v === undefined || v === null) return fallback;
    if (typeof v !== 'boolean') throw new SchedulerConfigError(`scheduler config: ${key} must be true or false`);
    return v;
  };
  const oneOf = <T extends string>(key: string, allowed: readonly T[], fallback: T): T => {
    const v = raw[key];
    if (v === undefined || v === null) return fallback;
    if (typeof v !== 'string' || !allowed.includes(v as T)) {
      throw new SchedulerConfigError(
        `scheduler config: ${key} "${String(v)}" is not supported (use one of ${allowed.join(', ')})`,
      );
    }
    return v as T;
  };
  if (raw.thresholding === true) {
    throw new SchedulerConfigError('scheduler config: dynamic thresholding is for pixel-space models and is not supported');
  }
  const trained = raw.trained_betas;
  if (trained !== undefined && trained !== null && !(Array.isArray(trained) && trained.every((b) => typeof b === 'number'))) {
    throw new SchedulerConfigError('scheduler config: trained_betas must be a list of numbers');
  }
  const config: SchedulerConfig = {
    numTrainTimesteps: num('num_train_timesteps', DEFAULTS.numTrainTimesteps),
    betaStart: num('beta_start', DEFAULTS.betaStart),
    betaEnd: num('beta_end', DEFAULTS.betaEnd),
    betaSchedule: oneOf('beta_schedule', BETA_SCHEDULES, DEFAULTS.betaSchedule),
    trainedBetas: Array.isArray(trained) ? (trained as number[]) : null,
    setAlphaToOne: bool('set_alpha_to_one', DEFAULTS.setAlphaToOne),
    stepsOffset: num('steps_offset', DEFAULTS.stepsOffset),
    clipSample: bool('clip_sample', DEFAULTS.clipSample),
    clipSampleRange: num('clip_sample_range', DEFAULTS.clipSampleRange),
    predictionType: oneOf('prediction_type', PREDICTION_TYPES, DEFAULTS.predictionType),
    timestepSpacing: oneOf('timestep_spacing', SPACINGS, DEFAULTS.timestepSpacing),
    rescaleBetasZeroSnr: bool('rescale_betas_zero_snr', DEFAULTS.rescaleBetasZeroSnr),
    ...overrides,
  };
  if (!Number.isInteger(config.numTrainTimesteps) || config.numTrainTimesteps < 2) {
    throw new SchedulerConfigError('scheduler config: num_train_timesteps must be an integer ≥ 2');
  }
  return config;
}
