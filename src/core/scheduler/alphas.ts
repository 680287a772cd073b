import { fmaF32 } from '../float32.js';
import type { SchedulerConfig } from './config.js';

const f32 = Math.fround;

/**
 * float32 torch.linspace(start, end, steps) as ATen computes it on the CPU: the step is computed in
 * float32, the first half counts up from `start` and the second half counts down from `end` (so both
 * ends are exact), each value `start + step·i` rounded once (the compiled kernel uses an FMA).
 */
export function linspaceF32(start: number, end: number, steps: number): Float32Array {
  const out = new Float32Array(steps);
  if (steps === 1) {
    out[0] = f32(start);
    return out;
  }
  const s = f32(start);
  const e = f32(end);
  const step = f32(f32(e - s) / (steps - 1));
  const halfway = Math.floor(steps / 2);
  for (let i = 0; i < steps; i++) {
    out[i] = i < halfway ? fmaF32(step, i, s) : fmaF32(-step, steps - i - 1, e);
  }
  return out;
}

/** Betas in float32, as diffusers builds them (`torch.linspace(..., dtype=torch.float32)`). */
export function betasFor(config: SchedulerConfig): Float32Array {
  const n = config.numTrainTimesteps;
  if (config.trainedBetas) {
    if (config.trainedBetas.length !== n) {
      throw new RangeError(`trained_betas has ${config.trainedBetas.length} values, expected num_train_timesteps = ${n}`);
    }
    return Float32Array.from(config.trainedBetas);
  }
  switch (config.betaSchedule) {
    case 'linear':
      return linspaceF32(config.betaStart, config.betaEnd, n);
    case 'scaled_linear': {
      const roots = linspaceF32(Math.sqrt(config.betaStart), Math.sqrt(config.betaEnd), n);
      return roots.map((r) => f32(r * r));
    }
    case 'squaredcos_cap_v2': {
      // betas_for_alpha_bar(cosine): computed in float64, then stored as float32.
      const alphaBar = (t: number) => Math.cos(((t + 0.008) / 1.008) * (Math.PI / 2)) ** 2;
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = Math.min(1 - alphaBar((i + 1) / n) / alphaBar(i / n), 0.999);
      return out;
    }
  }
}

/**
 * alphas_cumprod as diffusers/torch compute it on the CPU: alphas = 1 - betas in float32, then a
 * cumulative product accumulated in float64 with every partial product rounded to float32 on store.
 * A pure float32 running product drifts by an ulp on some entries; this matches torch bit for bit.
 */
export function alphasCumprodFor(config: SchedulerConfig): Float32Array {
  let betas = betasFor(config);
  if (config.rescaleBetasZeroSnr) betas = rescaleZeroTerminalSnr(betas);
  const out = new Float32Array(betas.length);
  let acc = 1;
  for (let i = 0; i < betas.length; i++) {
    acc *= f32(1 - (betas[i] as number));
    out[i] = acc;
  }
  return out;
}

/** diffusers `rescale_zero_terminal_snr` (Lin et al. 2023, Algorithm 1). */
function rescaleZeroTerminalSnr(betas: Float32Array): Float32Array {
  const alphasBarSqrt = new Float64Array(betas.length);
  let acc = 1;
  for (let i = 0; i < betas.length; i++) {
    acc *= 1 - (betas[i] as number);
    alphasBarSqrt[i] = Math.sqrt(acc);
  }
  const first = alphasBarSqrt[0] as number;
  const last = alphasBarSqrt[alphasBarSqrt.length - 1] as number;
  const scaled = alphasBarSqrt.map((a) => ((a - last) * first) / (first - last));
  const out = new Float32Array(betas.length);
  let prev = 1;
  for (let i = 0; i < scaled.length; i++) {
    const alphaBar = (scaled[i] as number) ** 2;
    out[i] = 1 - alphaBar / prev;
    prev = alphaBar;
  }
  return out;
}
