import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseSchedulerConfig, SchedulerConfigError } from '../../src/core/scheduler/config.js';
import { fixtureConfig, readJson, SCHEDULER_DIR } from './support.js';

function errorOf(fn: () => unknown): Error {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a throw');
}

describe('parseSchedulerConfig', () => {
  it('reads the fixture DDIMScheduler config (fields of models/scheduler/scheduler_config.json)', () => {
    const c = fixtureConfig();
    expect(c).toMatchObject({
      numTrainTimesteps: 1000,
      betaStart: 0.00085,
      betaEnd: 0.012,
      betaSchedule: 'scaled_linear',
      trainedBetas: null,
      setAlphaToOne: false,
      stepsOffset: 1,
      clipSample: false,
      clipSampleRange: 1,
      predictionType: 'epsilon',
      timestepSpacing: 'linspace',
      rescaleBetasZeroSnr: false,
    });
  });

  it('reads the SD1.5 PNDM config the inverse scheduler is built from, ignoring PNDM-only fields', () => {
    const c = parseSchedulerConfig(readJson(join(SCHEDULER_DIR, 'inverse_scheduler_config.json')));
    // The file sets these explicitly (spec §2.4): no clamp, initial alpha = ab[0].
    expect(c.clipSample).toBe(false);
    expect(c.setAlphaToOne).toBe(false);
    expect(c.stepsOffset).toBe(1);
    expect(c.betaSchedule).toBe('scaled_linear');
    // Absent in the PNDM file, so the DDIM class defaults apply.
    expect(c.timestepSpacing).toBe('leading');
    expect(c.predictionType).toBe('epsilon');
  });

  it('uses the DDIM class defaults when fields are absent: set_alpha_to_one and clip_sample true (spec §2.4)', () => {
    const c = parseSchedulerConfig({});
    expect(c.setAlphaToOne).toBe(true);
    expect(c.clipSample).toBe(true);
    // Remaining diffusers DDIMScheduler.__init__ defaults.
    expect(c).toMatchObject({
      numTrainTimesteps: 1000,
      betaStart: 0.0001,
      betaEnd: 0.02,
      betaSchedule: 'linear',
      stepsOffset: 0,
      clipSampleRange: 1,
      predictionType: 'epsilon',
      timestepSpacing: 'leading',
      rescaleBetasZeroSnr: false,
      trainedBetas: null,
    });
  });

  it('treats null like absent and lets overrides win over the file', () => {
    const c = parseSchedulerConfig({ set_alpha_to_one: null, clip_sample: true }, { clipSample: false });
    expect(c.setAlphaToOne).toBe(true);
    expect(c.clipSample).toBe(false);
  });

  it('keeps trained_betas when given as a list of numbers', () => {
    expect(parseSchedulerConfig({ trained_betas: [0.1, 0.2], num_train_timesteps: 2 }).trainedBetas).toEqual([0.1, 0.2]);
  });

  it.each([
    ['a non-object (string)', 'nope', /not a JSON object/],
    ['null', null, /not a JSON object/],
    ['a number', 3, /not a JSON object/],
  ])('rejects %s with SchedulerConfigError', (_what, json, message) => {
    const e = errorOf(() => parseSchedulerConfig(json));
    expect(e).toBeInstanceOf(SchedulerConfigError);
    expect(e.name).toBe('SchedulerConfigError');
    expect(e.message).toMatch(message);
  });

  it.each([
    ['unknown beta_schedule', { beta_schedule: 'sigmoid' }, 'beta_schedule'],
    ['thresholding true', { thresholding: true }, 'thresholding'],
    ['unknown timestep_spacing', { timestep_spacing: 'uniform' }, 'timestep_spacing'],
    ['unknown prediction_type', { prediction_type: 'flow' }, 'prediction_type'],
    ['non-numeric beta_start', { beta_start: '0.1' }, 'beta_start'],
    ['non-boolean clip_sample', { clip_sample: 'false' }, 'clip_sample'],
    ['non-boolean set_alpha_to_one', { set_alpha_to_one: 0 }, 'set_alpha_to_one'],
    ['trained_betas with a string', { trained_betas: [0.1, 'x'] }, 'trained_betas'],
    ['num_train_timesteps 1', { num_train_timesteps: 1 }, 'num_train_timesteps'],
    ['num_train_timesteps 10.5', { num_train_timesteps: 10.5 }, 'num_train_timesteps'],
  ])('rejects %s with a SchedulerConfigError naming the field', (_what, json, field) => {
    const e = errorOf(() => parseSchedulerConfig(json));
    expect(e).toBeInstanceOf(SchedulerConfigError);
    expect(e.message).toContain(field);
  });

  it('accepts thresholding false (the fixture file has it)', () => {
    expect(() => parseSchedulerConfig({ thresholding: false })).not.toThrow();
  });

  it('names the offending value of an unsupported beta_schedule', () => {
    expect(() => parseSchedulerConfig({ beta_schedule: 'sigmoid' })).toThrow(/sigmoid/);
  });
});
