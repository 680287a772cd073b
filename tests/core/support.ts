/**
 * Shared helpers for the core unit tests: the fixture scheduler config and alpha table, the case
 * tables, and the spec's scheduler math written out in float64 (spec §1.0 and §2.3–2.4) as an
 * independent reference for the float32 implementation.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseSchedulerConfig, type SchedulerConfig } from '../../src/core/scheduler/config.js';
import type { Tensor } from '../../src/core/tensor/tensor.js';
import { caseDir, maxRelativeError, PARITY_MODELS, readF32 } from '../helpers/fixtures.js';

export const SCHEDULER_DIR = join(PARITY_MODELS, 'scheduler');

export function readJson(path: string): unknown {
  return JSON.parse(readFileSync(path, 'utf8'));
}

/** The fixture's DDIMScheduler config (SD1.5 betas, linspace, set_alpha_to_one false, clip_sample false). */
export function fixtureConfig(overrides: Partial<SchedulerConfig> = {}): SchedulerConfig {
  return parseSchedulerConfig(readJson(join(SCHEDULER_DIR, 'scheduler_config.json')), overrides);
}

/** The exact float32 alphas_cumprod table torch computes (fixture). */
export const FIXTURE_ALPHAS: Float32Array = readF32(join(SCHEDULER_DIR, 'alphas_cumprod.f32'));

export interface CaseStep {
  i: number;
  t: number;
  guidance_scale: number;
  iv?: boolean;
  p?: number;
  pp?: number;
  use_idm?: boolean;
  w_i?: number;
  w_v?: number;
}

export interface CaseJson {
  timesteps: number[];
  steps: CaseStep[];
  latent_shape: number[];
  num_inference_steps: number;
  step_delta: number;
  guidance_scale: number;
  i_guidance_scale_sigmas?: number[];
  v_guidance_scale_sigmas?: number[];
}

export function readCase(name: string): CaseJson {
  return readJson(join(caseDir(name), 'case.json')) as CaseJson;
}

export function initLatents(name: string): Float32Array {
  return readF32(join(caseDir(name), 'init_latents.f32'));
}

/** Spec §1.0: move(x, ε, aFrom, aTo) = √aTo·(x − √(1−aFrom)·ε)/√aFrom + √(1−aTo)·ε, in float64. */
export function move(x: number, eps: number, aFrom: number, aTo: number): number {
  return (Math.sqrt(aTo) * (x - Math.sqrt(1 - aFrom) * eps)) / Math.sqrt(aFrom) + Math.sqrt(1 - aTo) * eps;
}

/** ab[s] with the set_alpha_to_one=false rule of spec §1.0: any index < 0 resolves to ab[0]. */
export function ab(s: number, table: Float32Array = FIXTURE_ALPHAS): number {
  const v = table[Math.max(0, s)];
  if (v === undefined) throw new RangeError(`no alpha at ${s}`);
  return v;
}

/** max |a − b| / max |b| (the fixture README's latent metric), on plain arrays. */
export const maxRel = maxRelativeError;

/** Deterministic, smooth, sign-changing test data (no RNG under test involved). */
export function wave(n: number, scale = 1, phase = 0): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = scale * Math.sin(1.3 * i + phase) + 0.1 * Math.cos(0.7 * i);
  return out;
}

export function t(data: Float32Array, shape: number[]): Tensor {
  return { data, shape };
}

export function at(a: ArrayLike<number>, i: number): number {
  const v = a[i];
  if (v === undefined) throw new RangeError(`index ${i} out of range`);
  return v;
}
