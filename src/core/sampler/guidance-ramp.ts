import { linspaceF32 } from '../scheduler/alphas.js';

const f32 = Math.fround;

/**
 * The official code's ramp length (`pre_inference_timesteps`): its guidance arrays always have 50
 * entries and are indexed by the loop index, so with fewer steps only the first N entries are used
 * (a 6→2 ramp at 25 steps stops near 3.5) and with more than 50 steps it raises an index error.
 */
export const OFFICIAL_RAMP_LENGTH = 50;

export interface GuidanceRamp {
  begin: number;
  end: number;
}

/**
 * Karras-style guidance ramp, `get_sigmas_karras(n, begin, end, rho)` of the official AnimateDiff
 * IV code, evaluated in float32 like torch: (b^(1/ρ) + ramp·(e^(1/ρ) − b^(1/ρ)))^ρ with
 * ramp = linspace(0, 1, n). Even the "constant 4" ramp is 4.00000095 in float32.
 */
export function karrasRamp(n: number, begin: number, end: number, rho: number): Float32Array {
  const ramp = linspaceF32(0, 1, n);
  const beginInvRho = begin ** (1 / rho);
  const endInvRho = end ** (1 / rho);
  const span = f32(endInvRho - beginInvRho);
  const base = f32(beginInvRho);
  const exponent = f32(rho);
  return ramp.map((r) => f32(f32(base + f32(r * span)) ** exponent));
}

/**
 * The per-step guidance weights for `steps` steps. We keep the official indexing (entry i of a
 * 50-long ramp) so results match the official code for every N ≤ 50; for N > 50, where the official
 * code fails, the ramp is stretched to N entries instead.
 */
export function guidanceRampForSteps(steps: number, ramp: GuidanceRamp, rho: number): Float32Array {
  const length = Math.max(OFFICIAL_RAMP_LENGTH, steps);
  return karrasRamp(length, ramp.begin, ramp.end, rho).subarray(0, steps);
}
