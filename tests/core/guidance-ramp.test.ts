import { describe, expect, it } from 'vitest';
import { guidanceRampForSteps, karrasRamp, OFFICIAL_RAMP_LENGTH } from '../../src/core/sampler/guidance-ramp.js';
import { VISIBLE_CASES } from '../helpers/fixtures.js';
import { at, readCase } from './support.js';

const f32 = Math.fround;
// Spec "Corrections" item 1: the "constant 4" ramp is 4.00000095 = 0x40800002 in float32.
const FOUR_F32 = 4 + 2 ** -20; // = 4.00000095367431640625 (exact)

describe('karrasRamp', () => {
  it('4 → 4 at rho 7 is float32 4.00000095367431640625 everywhere, not 4.0', () => {
    expect(FOUR_F32).toBe(f32(FOUR_F32));
    expect(FOUR_F32).toBe(4.000000953674316); // two float32 ulps (2^-21 each) above 4: 0x40800002
    const r = karrasRamp(50, 4, 4, 7);
    expect(r.length).toBe(50);
    for (const w of r) expect(w).toBe(FOUR_F32);
  });

  it('4 → 4 equals the fixture case i_guidance_scale_sigmas and v_guidance_scale_sigmas', () => {
    const c = readCase('v1-ivmix-default');
    const r = Array.from(karrasRamp(50, 4, 4, 7));
    expect(r).toEqual(c.i_guidance_scale_sigmas);
    expect(r).toEqual(c.v_guidance_scale_sigmas);
  });

  it('6 → 2 at rho 7: the spec §2.5 / Corrections values', () => {
    const r = karrasRamp(50, 6, 2, 7);
    expect(r[0]).toBe(f32(6.0000005)); // 6 + 1 ulp
    expect(r[0]).toBe(6.000000476837158);
    expect(at(r, 1)).toBeCloseTo(5.88, 2);
    expect(at(r, 10)).toBeCloseTo(4.86, 2);
    expect(at(r, 25)).toBeCloseTo(3.5, 2);
    expect(at(r, 40)).toBeCloseTo(2.48, 2);
    expect(r[49]).toBe(f32(1.9999998)); // 2 − 2 ulp
    expect(r[49]).toBe(1.999999761581421);
    for (let i = 1; i < 50; i++) expect(at(r, i)).toBeLessThan(at(r, i - 1));
  });

  it('6 → 2 at rho 7 matches the formula (b^(1/ρ) + i/49·(e^(1/ρ) − b^(1/ρ)))^ρ in float64 within float32 rounding', () => {
    const r = karrasRamp(50, 6, 2, 7);
    for (let i = 0; i < 50; i++) {
      const exact = (6 ** (1 / 7) + (i / 49) * (2 ** (1 / 7) - 6 ** (1 / 7))) ** 7;
      expect(Math.abs(at(r, i) - exact) / exact).toBeLessThan(2e-6);
    }
  });

  it('2 → 6 is the mirror image of 6 → 2', () => {
    const up = karrasRamp(50, 2, 6, 7);
    const down = karrasRamp(50, 6, 2, 7);
    expect(at(up, 0)).toBeCloseTo(2, 5);
    expect(at(up, 49)).toBeCloseTo(6, 5);
    for (let i = 0; i < 50; i++) expect(Math.abs(at(up, i) - at(down, 49 - i)) / at(down, 49 - i)).toBeLessThan(2e-6);
  });

  it('rho changes the curvature: rho 1 is a straight line', () => {
    const r = karrasRamp(5, 6, 2, 1);
    expect(Array.from(r).map((v) => Number(v.toFixed(5)))).toEqual([6, 5, 4, 3, 2]);
  });
});

describe('guidanceRampForSteps', () => {
  it('the official ramp length is 50', () => {
    expect(OFFICIAL_RAMP_LENGTH).toBe(50);
  });

  it('50 steps gives the 50-long ramp', () => {
    expect(Array.from(guidanceRampForSteps(50, { begin: 6, end: 2 }, 7))).toEqual(Array.from(karrasRamp(50, 6, 2, 7)));
  });

  it('25 steps gives the first 25 entries of the 50-long ramp (spec Corrections item 2): 6 → 2 stops near 3.5', () => {
    const r = guidanceRampForSteps(25, { begin: 6, end: 2 }, 7);
    expect(r.length).toBe(25);
    expect(Array.from(r)).toEqual(Array.from(karrasRamp(50, 6, 2, 7)).slice(0, 25));
    const last = at(r, 24);
    expect(last).toBeGreaterThan(3.5);
    expect(last).toBeLessThan(3.6);
  });

  it('more than 50 steps gives a ramp of length N that still runs from begin to end', () => {
    const r = guidanceRampForSteps(80, { begin: 6, end: 2 }, 7);
    expect(r.length).toBe(80);
    expect(r[0]).toBe(f32(6.0000005));
    expect(at(r, 79)).toBeCloseTo(2, 5);
    expect(Array.from(r)).toEqual(Array.from(karrasRamp(80, 6, 2, 7)));
  });

  it.each(VISIBLE_CASES.slice(0, 1))('4 → 4 gives the per-step w_i / w_v of %s', (name) => {
    const c = readCase(name);
    const r = guidanceRampForSteps(50, { begin: 4, end: 4 }, 7);
    c.steps.forEach((s, i) => {
      expect(r[i]).toBe(s.w_i);
      expect(r[i]).toBe(s.w_v);
    });
  });
});
