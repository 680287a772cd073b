import type { SchedulerConfig } from './config.js';

/** numpy's round(): half to even. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * DDIMScheduler.set_timesteps (diffusers HEAD, same as 0.30.x): the descending list of timesteps at
 * which the UNet is evaluated. Note that `linspace` ignores steps_offset, `leading` adds it.
 */
export function ddimTimesteps(config: SchedulerConfig, steps: number): number[] {
  const T = config.numTrainTimesteps;
  if (!Number.isInteger(steps) || steps < 1) throw new RangeError(`number of steps must be a positive integer, got ${steps}`);
  if (steps > T) throw new RangeError(`number of steps ${steps} exceeds num_train_timesteps ${T}`);
  const out: number[] = [];
  switch (config.timestepSpacing) {
    case 'linspace': {
      // np.linspace(0, T − 1, N): i · ((T − 1)/(N − 1)) in float64 with the endpoint set exactly, then
      // rounded half to even. Dividing first matters: at N = 27, i = 13 numpy gets 499.49999999999994 → 499.
      const step = steps === 1 ? 0 : (T - 1) / (steps - 1);
      for (let i = steps - 1; i >= 0; i--) out.push(i === steps - 1 && steps > 1 ? T - 1 : roundHalfEven(i * step));
      return out;
    }
    case 'leading': {
      const ratio = Math.floor(T / steps);
      for (let i = steps - 1; i >= 0; i--) out.push(i * ratio + config.stepsOffset);
      return out;
    }
    case 'trailing': {
      const ratio = T / steps;
      for (let t = T; t > 0; t -= ratio) out.push(roundHalfEven(t) - 1);
      return out.slice(0, steps);
    }
  }
}

/**
 * Δ = num_train_timesteps // num_inference_steps. diffusers' DDIM step always lands on s - Δ, even
 * when that is not the next listed timestep (linspace: 979 steps to 959, the next call is at 958).
 */
export function stepDelta(config: SchedulerConfig, steps: number): number {
  return Math.floor(config.numTrainTimesteps / steps);
}
