import { describe, expect, it } from 'vitest';
import { alphasCumprodFor, betasFor, linspaceF32 } from '../../src/core/scheduler/alphas.js';
import { parseSchedulerConfig } from '../../src/core/scheduler/config.js';
import { at, FIXTURE_ALPHAS, fixtureConfig } from './support.js';

const f32 = Math.fround;

describe('alphasCumprodFor', () => {
  it('reproduces the fixture alphas_cumprod.f32 (torch float32) bit for bit from scheduler_config.json', () => {
    const ours = alphasCumprodFor(fixtureConfig());
    expect(ours.length).toBe(1000);
    expect(FIXTURE_ALPHAS.length).toBe(1000);
    const mismatches: string[] = [];
    for (let i = 0; i < 1000; i++) {
      if (ours[i] !== FIXTURE_ALPHAS[i]) mismatches.push(`ab[${i}]: ours ${ours[i]} torch ${FIXTURE_ALPHAS[i]}`);
    }
    expect(mismatches.slice(0, 5), `${mismatches.length} of 1000 entries differ`).toEqual([]);
  });

  // Spec §2.1 spot values. Compared to one unit in the last digit the spec gives (ab[500] = 0.27633247 in
  // torch float32, which the spec writes as 0.276333).
  it.each([
    [0, 0.99915, 5],
    [1, 0.998296, 6],
    [20, 0.981314, 6],
    [40, 0.961886, 6],
    [500, 0.276333, 6],
    [958, 0.0075348, 7],
    [959, 0.0074496, 7],
    [979, 0.0059128, 7],
    [999, 0.0046601, 7],
  ])('ab[%i] ≈ %f (spec §2.1, %i decimals)', (index, value, decimals) => {
    const ours = alphasCumprodFor(fixtureConfig());
    expect(Math.abs(at(ours, index) - value)).toBeLessThanOrEqual(10 ** -decimals);
    expect(Math.abs(at(FIXTURE_ALPHAS, index) - value)).toBeLessThanOrEqual(10 ** -decimals);
  });

  it('is strictly decreasing and inside (0, 1)', () => {
    const ac = alphasCumprodFor(fixtureConfig());
    for (let i = 1; i < ac.length; i++) expect(at(ac, i)).toBeLessThan(at(ac, i - 1));
    expect(at(ac, 999)).toBeGreaterThan(0);
    expect(at(ac, 0)).toBeLessThan(1);
  });

  it('starts with 1 − β₀ for the linear class-default schedule (β from 0.0001 to 0.02)', () => {
    const ac = alphasCumprodFor(parseSchedulerConfig({}));
    // float32: alphas = 1 − betas, and the first cumulative product is alphas[0] itself.
    expect(ac[0]).toBe(f32(1 - f32(0.0001)));
    expect(ac[1]).toBe(f32(f32(1 - f32(0.0001)) * f32(1 - at(betasFor(parseSchedulerConfig({})), 1))));
  });

  it('honours rescale_betas_zero_snr: the last alpha_cumprod is 0 and the first is kept (Lin et al. 2023)', () => {
    const plain = alphasCumprodFor(fixtureConfig());
    const rescaled = alphasCumprodFor(fixtureConfig({ rescaleBetasZeroSnr: true }));
    expect(rescaled[999]).toBe(0);
    // √ab[0] maps to itself under the affine rescale, so ab[0] is unchanged up to float rounding.
    expect(at(rescaled, 0)).toBeCloseTo(at(plain, 0), 6);
  });
});

describe('betasFor', () => {
  it('linear schedule: endpoints are exactly float32(beta_start) and float32(beta_end)', () => {
    const betas = betasFor(parseSchedulerConfig({ beta_schedule: 'linear', beta_start: 0.0001, beta_end: 0.02 }));
    expect(betas.length).toBe(1000);
    expect(betas[0]).toBe(f32(0.0001));
    expect(betas[999]).toBe(f32(0.02));
    // Step (0.02 − 0.0001)/999 ≈ 1.992e-5.
    expect(at(betas, 1) - at(betas, 0)).toBeCloseTo((0.02 - 0.0001) / 999, 9);
  });

  it('scaled_linear schedule: endpoints are float32(√start)² and float32(√end)² (spec §2.1)', () => {
    const betas = betasFor(fixtureConfig());
    expect(betas[0]).toBe(f32(f32(Math.sqrt(0.00085)) ** 2));
    expect(betas[999]).toBe(f32(f32(Math.sqrt(0.012)) ** 2));
    expect(at(betas, 0)).toBeCloseTo(0.00085, 9);
    expect(at(betas, 999)).toBeCloseTo(0.012, 8);
  });

  it('squaredcos_cap_v2: β_i = min(1 − ᾱ((i+1)/T)/ᾱ(i/T), 0.999) with ᾱ(t) = cos²((t+0.008)/1.008·π/2)', () => {
    const betas = betasFor(parseSchedulerConfig({ beta_schedule: 'squaredcos_cap_v2' }));
    const alphaBar = (x: number) => Math.cos(((x + 0.008) / 1.008) * (Math.PI / 2)) ** 2;
    expect(betas[0]).toBe(f32(1 - alphaBar(1 / 1000) / alphaBar(0)));
    expect(betas[500]).toBe(f32(1 - alphaBar(501 / 1000) / alphaBar(500 / 1000)));
    // The last one is capped at 0.999 (ᾱ(1) is ~0).
    expect(betas[999]).toBe(f32(0.999));
  });

  it('trained_betas override the schedule and must have num_train_timesteps entries', () => {
    const cfg = parseSchedulerConfig({ trained_betas: [0.1, 0.2, 0.3], num_train_timesteps: 3 });
    expect(Array.from(betasFor(cfg))).toEqual([f32(0.1), f32(0.2), f32(0.3)]);
    expect(Array.from(alphasCumprodFor(cfg))).toEqual([f32(0.9), f32(f32(0.9) * f32(0.8)), f32(f32(0.9) * f32(0.8) * f32(0.7))]);
    expect(() => betasFor(parseSchedulerConfig({ trained_betas: [0.1, 0.2], num_train_timesteps: 3 }))).toThrow(RangeError);
  });
});

describe('linspaceF32', () => {
  it('has exact endpoints and float32 entries', () => {
    const l = linspaceF32(0, 1, 50);
    expect(l.length).toBe(50);
    expect(l[0]).toBe(0);
    expect(l[49]).toBe(1);
    expect(linspaceF32(3, 7, 1)[0]).toBe(3);
    // Halfway split: entries before steps/2 count up from start, the rest down from end.
    const step = f32(1 / 49);
    expect(l[1]).toBe(step);
    expect(l[48]).toBe(f32(1 - step));
  });

  /**
   * ATen's CPU linspace evaluates start + step·i (first half) and end − step·(steps−1−i) (second half) in
   * float32, and the shipped x86-64 build contracts each into one fused multiply-add: one rounding, not two.
   * That is what makes the fixture alphas_cumprod.f32 come out bit for bit (computed with the once-rounded
   * formula all 1000 entries match; with a rounded product first, 121 differ). The once-rounded value is
   * f32(start + step·i) evaluated in float64, where step·i is exact (24-bit × ≤10-bit) and so is the sum.
   */
  it.each([
    ['SD1.5 √β, 1000 steps', Math.sqrt(0.00085), Math.sqrt(0.012), 1000],
    ['the guidance ramp, 50 steps', 0, 1, 50],
  ])('rounds start + step·i once, as torch.linspace does (%s)', (_name, start, end, steps) => {
    const s = f32(start);
    const e = f32(end);
    const step = f32(f32(e - s) / (steps - 1));
    const half = Math.floor(steps / 2);
    const ours = linspaceF32(start, end, steps);
    const off: string[] = [];
    for (let i = 0; i < steps; i++) {
      const expected = i < half ? f32(s + step * i) : f32(e - step * (steps - 1 - i));
      if (ours[i] !== expected) off.push(`[${i}] ours ${ours[i]} expected ${expected}`);
    }
    expect(off.slice(0, 5), `${off.length} entries rounded twice`).toEqual([]);
  });
});
