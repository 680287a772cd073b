import { describe, expect, it } from 'vitest';
import { ddimInverseStep, ddimStep, makeDdimInverseSchedule, makeDdimSchedule } from '../../src/core/scheduler/ddim.js';
import { ab, at, FIXTURE_ALPHAS, fixtureConfig, maxRel, move, wave } from './support.js';

const N = 64;
const x = wave(N, 1.2);
const eps = wave(N, 0.9, 2);

/** Spec §1.0 in float64: DENOISE(x, ε, s) = move(x, ε, ab[s], ab[s−Δ]). */
function denoiseRef(xs: Float32Array, e: Float32Array, aFrom: number, aTo: number): number[] {
  return Array.from(xs, (v, i) => move(v, at(e, i), aFrom, aTo));
}

describe('makeDdimSchedule / makeDdimInverseSchedule', () => {
  it('Δ = 1000 // N and the past-the-end alphas follow set_alpha_to_one', () => {
    const d = makeDdimSchedule(fixtureConfig(), 50, FIXTURE_ALPHAS);
    expect(d.delta).toBe(20);
    expect(d.finalAlphaCumprod).toBe(FIXTURE_ALPHAS[0]);
    expect(makeDdimSchedule(fixtureConfig({ setAlphaToOne: true }), 50, FIXTURE_ALPHAS).finalAlphaCumprod).toBe(1);
    const inv = makeDdimInverseSchedule(fixtureConfig(), 25, FIXTURE_ALPHAS);
    expect(inv.delta).toBe(40);
    expect(inv.initialAlphaCumprod).toBe(FIXTURE_ALPHAS[0]);
    expect(makeDdimInverseSchedule(fixtureConfig({ setAlphaToOne: true }), 25, FIXTURE_ALPHAS).initialAlphaCumprod).toBe(1);
  });

  it('computes the alpha table from the config when none is passed', () => {
    const d = makeDdimSchedule(fixtureConfig(), 50);
    expect(d.alphasCumprod.length).toBe(1000);
    expect(at(d.alphasCumprod, 999)).toBeCloseTo(0.0046601, 7);
  });
});

describe('ddimStep (DDIMScheduler.step)', () => {
  const schedule = makeDdimSchedule(fixtureConfig(), 50, FIXTURE_ALPHAS);

  it.each([999, 979, 500, 41, 20])('eta 0 at s=%i equals move(x, ε, ab[s], ab[s−20]) in float64 within 1e-6', (s) => {
    const ours = ddimStep(schedule, eps, s, x);
    expect(maxRel(ours, denoiseRef(x, eps, ab(s), ab(s - 20)))).toBeLessThan(1e-6);
  });

  it('the step at 979 lands on ab[959], not on the next listed timestep 958 (spec §2.3 quirk)', () => {
    const ours = ddimStep(schedule, eps, 979, x);
    expect(maxRel(ours, denoiseRef(x, eps, ab(979), ab(959)))).toBeLessThan(1e-6);
    // ab[958] would give a visibly different result.
    expect(maxRel(ours, denoiseRef(x, eps, ab(979), ab(958)))).toBeGreaterThan(1e-4);
  });

  it('s − Δ < 0 lands on ab[0] when set_alpha_to_one is false', () => {
    for (const s of [0, 10, 19]) {
      expect(maxRel(ddimStep(schedule, eps, s, x), denoiseRef(x, eps, ab(s), ab(0)))).toBeLessThan(1e-6);
    }
  });

  it('s − Δ < 0 lands on alpha 1 when set_alpha_to_one is true: the result is the predicted x0', () => {
    const one = makeDdimSchedule(fixtureConfig({ setAlphaToOne: true }), 50, FIXTURE_ALPHAS);
    const ours = ddimStep(one, eps, 10, x);
    // aTo = 1: x' = (x − √(1−ab[10])·ε)/√ab[10].
    const expected = Array.from(x, (v, i) => (v - Math.sqrt(1 - ab(10)) * at(eps, i)) / Math.sqrt(ab(10)));
    expect(maxRel(ours, expected)).toBeLessThan(1e-6);
  });

  it('at t = 0 with set_alpha_to_one false, aFrom = aTo = ab[0]: the identity up to float32 rounding', () => {
    const ours = ddimStep(schedule, eps, 0, x);
    expect(maxRel(ours, x)).toBeLessThan(1e-6);
  });

  it('does not modify its inputs', () => {
    const xc = new Float32Array(x);
    const ec = new Float32Array(eps);
    ddimStep(schedule, eps, 500, x);
    expect(x).toEqual(xc);
    expect(eps).toEqual(ec);
  });

  it('v_prediction: x0 = √a·x − √(1−a)·v, ε = √a·v + √(1−a)·x (diffusers), then √a_p·x0 + √(1−a_p)·ε', () => {
    const vs = makeDdimSchedule(fixtureConfig({ predictionType: 'v_prediction' }), 50, FIXTURE_ALPHAS);
    const v = eps;
    const s = 500;
    const a = ab(s);
    const ap = ab(s - 20);
    const expected = Array.from(x, (xi, i) => {
      const vi = at(v, i);
      const x0 = Math.sqrt(a) * xi - Math.sqrt(1 - a) * vi;
      const e = Math.sqrt(a) * vi + Math.sqrt(1 - a) * xi;
      return Math.sqrt(ap) * x0 + Math.sqrt(1 - ap) * e;
    });
    expect(maxRel(ddimStep(vs, v, s, x), expected)).toBeLessThan(1e-6);
  });

  it('sample prediction: x0 = model output, ε = (x − √a·x0)/√(1−a)', () => {
    const ss = makeDdimSchedule(fixtureConfig({ predictionType: 'sample' }), 50, FIXTURE_ALPHAS);
    const x0 = wave(N, 0.5, 1);
    const s = 700;
    const a = ab(s);
    const ap = ab(s - 20);
    const expected = Array.from(x, (xi, i) => {
      const e = (xi - Math.sqrt(a) * at(x0, i)) / Math.sqrt(1 - a);
      return Math.sqrt(ap) * at(x0, i) + Math.sqrt(1 - ap) * e;
    });
    expect(maxRel(ddimStep(ss, x0, s, x), expected)).toBeLessThan(1e-6);
  });

  it('clip_sample clamps the predicted x0 to ±clip_sample_range before the move', () => {
    const s = 999; // x0 = (x − √(1−a)ε)/√a is large here (√a ≈ 0.068)
    const a = ab(s);
    const ap = ab(s - 20);
    for (const range of [1, 0.5]) {
      const clip = makeDdimSchedule(fixtureConfig({ clipSample: true, clipSampleRange: range }), 50, FIXTURE_ALPHAS);
      const expected = Array.from(x, (xi, i) => {
        const x0 = Math.min(range, Math.max(-range, (xi - Math.sqrt(1 - a) * at(eps, i)) / Math.sqrt(a)));
        return Math.sqrt(ap) * x0 + Math.sqrt(1 - ap) * at(eps, i);
      });
      const ours = ddimStep(clip, eps, s, x);
      expect(maxRel(ours, expected)).toBeLessThan(1e-6);
      // And it really clipped: without the clamp the result differs.
      expect(maxRel(ours, denoiseRef(x, eps, a, ap))).toBeGreaterThan(1e-3);
    }
  });

  it('eta > 0 adds σ·z with σ = η·√((1−a_p)/(1−a_t))·√(1−a_t/a_p) and shrinks the ε direction to √(1−a_p−σ²)', () => {
    const s = 500;
    const eta = 0.7;
    const a = ab(s);
    const ap = ab(s - 20);
    // diffusers _get_variance, by hand.
    const sigma = eta * Math.sqrt((1 - ap) / (1 - a)) * Math.sqrt(1 - a / ap);
    expect(sigma).toBeGreaterThan(0.01);
    const z = wave(N, 1, 4);
    const expected = Array.from(x, (xi, i) => {
      const x0 = (xi - Math.sqrt(1 - a) * at(eps, i)) / Math.sqrt(a);
      return Math.sqrt(ap) * x0 + Math.sqrt(1 - ap - sigma * sigma) * at(eps, i) + sigma * at(z, i);
    });
    expect(maxRel(ddimStep(schedule, eps, s, x, eta, z), expected)).toBeLessThan(1e-6);
  });

  it('eta > 0 without noise (or with the wrong amount) throws', () => {
    expect(() => ddimStep(schedule, eps, 500, x, 0.5)).toThrow(RangeError);
    expect(() => ddimStep(schedule, eps, 500, x, 0.5, new Float32Array(3))).toThrow(RangeError);
  });

  it('eta 0 ignores any noise passed', () => {
    expect(ddimStep(schedule, eps, 500, x, 0, wave(N, 5))).toEqual(ddimStep(schedule, eps, 500, x));
  });

  it('rejects a timestep outside the alpha table', () => {
    expect(() => ddimStep(schedule, eps, 1000, x)).toThrow(RangeError);
  });
});

describe('ddimInverseStep (DDIMInverseScheduler.step)', () => {
  const inv = makeDdimInverseSchedule(fixtureConfig(), 50, FIXTURE_ALPHAS);

  it.each([999, 979, 500, 40, 20])('at s=%i goes from ab[s−20] up to ab[s] (spec §2.4)', (s) => {
    const ours = ddimInverseStep(inv, eps, s, x);
    expect(maxRel(ours, denoiseRef(x, eps, ab(Math.min(s - 20, 999)), ab(s)))).toBeLessThan(1e-6);
  });

  it('s − Δ < 0 starts from ab[0] when set_alpha_to_one is false', () => {
    expect(maxRel(ddimInverseStep(inv, eps, 10, x), denoiseRef(x, eps, ab(0), ab(10)))).toBeLessThan(1e-6);
    // At s = 0: ab[0] → ab[0], the identity up to rounding (spec "Corrections" item 4).
    expect(maxRel(ddimInverseStep(inv, eps, 0, x), x)).toBeLessThan(1e-6);
  });

  it('s − Δ < 0 starts from alpha 1 when set_alpha_to_one is true: x0 = x', () => {
    const one = makeDdimInverseSchedule(fixtureConfig({ setAlphaToOne: true }), 50, FIXTURE_ALPHAS);
    const expected = Array.from(x, (xi, i) => Math.sqrt(ab(10)) * xi + Math.sqrt(1 - ab(10)) * at(eps, i));
    expect(maxRel(ddimInverseStep(one, eps, 10, x), expected)).toBeLessThan(1e-6);
  });

  it('with 25 steps Δ = 40: s = 999 starts from ab[959]', () => {
    const inv25 = makeDdimInverseSchedule(fixtureConfig(), 25, FIXTURE_ALPHAS);
    expect(maxRel(ddimInverseStep(inv25, eps, 999, x), denoiseRef(x, eps, ab(959), ab(999)))).toBeLessThan(1e-6);
  });

  it.each([979, 500, 100, 20])('undoes a DDIM step at s=%i with the same ε, within float32 rounding', (s) => {
    const den = makeDdimSchedule(fixtureConfig(), 50, FIXTURE_ALPHAS);
    const down = ddimStep(den, eps, s, x);
    expect(maxRel(down, x)).toBeGreaterThan(1e-4); // it really moved
    const back = ddimInverseStep(inv, eps, s, down);
    expect(maxRel(back, x)).toBeLessThan(2e-6);
  });

  it('clip_sample clamps x0 in the inversion too', () => {
    const clip = makeDdimInverseSchedule(fixtureConfig({ clipSample: true }), 50, FIXTURE_ALPHAS);
    const s = 999;
    const aFrom = ab(979);
    const aTo = ab(999);
    const expected = Array.from(x, (xi, i) => {
      const x0 = Math.min(1, Math.max(-1, (xi - Math.sqrt(1 - aFrom) * at(eps, i)) / Math.sqrt(aFrom)));
      return Math.sqrt(aTo) * x0 + Math.sqrt(1 - aTo) * at(eps, i);
    });
    expect(maxRel(ddimInverseStep(clip, eps, s, x), expected)).toBeLessThan(1e-6);
  });

  it('v_prediction in the inversion uses the from-level alpha for x0 and ε', () => {
    const vinv = makeDdimInverseSchedule(fixtureConfig({ predictionType: 'v_prediction' }), 50, FIXTURE_ALPHAS);
    const s = 600;
    const a = ab(580);
    const an = ab(600);
    const expected = Array.from(x, (xi, i) => {
      const v = at(eps, i);
      const x0 = Math.sqrt(a) * xi - Math.sqrt(1 - a) * v;
      const e = Math.sqrt(a) * v + Math.sqrt(1 - a) * xi;
      return Math.sqrt(an) * x0 + Math.sqrt(1 - an) * e;
    });
    expect(maxRel(ddimInverseStep(vinv, eps, s, x), expected)).toBeLessThan(1e-6);
  });

  it('rejects a timestep outside the alpha table', () => {
    expect(() => ddimInverseStep(inv, eps, 1000, x)).toThrow(RangeError);
  });
});
