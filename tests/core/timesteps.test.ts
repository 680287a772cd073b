import { describe, expect, it } from 'vitest';
import { parseSchedulerConfig } from '../../src/core/scheduler/config.js';
import { ddimTimesteps, roundHalfEven, stepDelta } from '../../src/core/scheduler/timesteps.js';
import { VISIBLE_CASES } from '../helpers/fixtures.js';
import { fixtureConfig, readCase } from './support.js';

// Spec §1.0: τ, the 50-step linspace schedule.
const SPEC_TAU_50 = [
  999, 979, 958, 938, 917, 897, 877, 856, 836, 816, 795, 775, 754, 734, 714, 693, 673, 652, 632, 612, 591, 571, 550, 530, 510,
  489, 469, 449, 428, 408, 387, 367, 347, 326, 306, 285, 265, 245, 224, 204, 183, 163, 143, 122, 102, 82, 61, 41, 20, 0,
];

describe('ddimTimesteps', () => {
  it('linspace, 50 steps: the list of spec §1.0', () => {
    expect(ddimTimesteps(fixtureConfig(), 50)).toEqual(SPEC_TAU_50);
  });

  it.each(VISIBLE_CASES)('linspace, 50 steps: equals case.json timesteps of %s', (name) => {
    expect(ddimTimesteps(fixtureConfig(), 50)).toEqual(readCase(name).timesteps);
  });

  it('linspace ignores steps_offset (spec §2.2)', () => {
    for (const offset of [0, 1, 7]) {
      expect(ddimTimesteps(fixtureConfig({ stepsOffset: offset }), 50)).toEqual(SPEC_TAU_50);
    }
  });

  it('linspace, 25 steps: round-half-even of i·41.625 (exact in binary), reversed', () => {
    // i·999/24 = i·41.625: 166.5 → 166, 499.5 → 500 and 832.5 → 832 are the ties (numpy rounds half to even).
    expect(ddimTimesteps(fixtureConfig(), 25)).toEqual([
      999, 957, 916, 874, 832, 791, 749, 708, 666, 624, 583, 541, 500, 458, 416, 375, 333, 291, 250, 208, 166, 125, 83, 42, 0,
    ]);
  });

  it('linspace, 5 steps: 999, 749, 500, 250, 0 (249.75, 499.5 → 500, 749.25)', () => {
    expect(ddimTimesteps(fixtureConfig(), 5)).toEqual([999, 749, 500, 250, 0]);
  });

  /**
   * diffusers uses numpy: np.linspace(0, 999, N) = arange(N) · (999/(N−1)) in float64, then .round().
   * For N = 27, 999/26 = 38.42307692307692 and 13 × that = 499.49999999999994 in float64, which rounds
   * to 499 (numpy 2.4 gives [..., 538, 499, 461, ...]). The exact quotient 13·999/26 = 499.5 would round
   * half-to-even to 500 instead. Same for N = 31: 15 × (999/30) = 499.49999999999994 → 499.
   */
  it.each([
    [27, 13, 499],
    [31, 15, 499],
  ])('linspace, %i steps: entry i=%i rounds numpy’s float64 i·(999/(N−1)), giving %i', (steps, i, expected) => {
    const step = 999 / (steps - 1);
    expect(i * step).toBe(499.49999999999994); // the float64 value numpy rounds
    const ts = ddimTimesteps(fixtureConfig(), steps);
    // ts is reversed: entry i of the ascending linspace is at index steps − 1 − i.
    expect(ts[steps - 1 - i]).toBe(expected);
  });

  it('leading, 50 steps, steps_offset 1: 981, 961, …, 21, 1 (spec §2.2)', () => {
    const ts = ddimTimesteps(fixtureConfig({ timestepSpacing: 'leading' }), 50);
    expect(ts).toEqual(Array.from({ length: 50 }, (_, k) => 981 - 20 * k));
    expect(ts[0]).toBe(981);
    expect(ts[49]).toBe(1);
  });

  it('leading adds steps_offset (0 gives 980 … 0)', () => {
    const ts = ddimTimesteps(fixtureConfig({ timestepSpacing: 'leading', stepsOffset: 0 }), 50);
    expect(ts[0]).toBe(980);
    expect(ts[49]).toBe(0);
  });

  it('trailing, 50 steps: 999, 979, 959, …, 19 (spec §2.2)', () => {
    const ts = ddimTimesteps(fixtureConfig({ timestepSpacing: 'trailing' }), 50);
    expect(ts).toEqual(Array.from({ length: 50 }, (_, k) => 999 - 20 * k));
    expect(ts.slice(0, 3)).toEqual([999, 979, 959]);
    expect(ts[49]).toBe(19);
  });

  it('trailing, 3 steps: round(1000, 666.67, 333.33) − 1 = 999, 666, 332', () => {
    expect(ddimTimesteps(fixtureConfig({ timestepSpacing: 'trailing' }), 3)).toEqual([999, 666, 332]);
  });

  it('leading, 25 steps: k·40 + 1, reversed', () => {
    expect(ddimTimesteps(fixtureConfig({ timestepSpacing: 'leading' }), 25)).toEqual(
      Array.from({ length: 25 }, (_, k) => 961 - 40 * k),
    );
  });

  it('one step gives [0] for linspace', () => {
    expect(ddimTimesteps(fixtureConfig(), 1)).toEqual([0]);
  });

  it('rejects non-integer, zero and too many steps', () => {
    expect(() => ddimTimesteps(fixtureConfig(), 0)).toThrow(RangeError);
    expect(() => ddimTimesteps(fixtureConfig(), 2.5)).toThrow(RangeError);
    expect(() => ddimTimesteps(fixtureConfig(), 1001)).toThrow(RangeError);
  });
});

describe('stepDelta', () => {
  it('is num_train_timesteps // steps', () => {
    const c = fixtureConfig();
    expect(stepDelta(c, 50)).toBe(20);
    expect(stepDelta(c, 25)).toBe(40);
    expect(stepDelta(c, 30)).toBe(33); // 1000 / 30 = 33.3
    expect(stepDelta(c, 1000)).toBe(1);
    expect(stepDelta(parseSchedulerConfig({ num_train_timesteps: 500 }), 50)).toBe(10);
  });
});

describe('roundHalfEven (numpy round)', () => {
  it.each([
    [0.5, 0],
    [1.5, 2],
    [2.5, 2],
    [3.5, 4],
    [166.5, 166],
    [499.5, 500],
    [832.5, 832],
    [-1.5, -2],
    [-2.5, -2],
    [2.4999, 2],
    [2.5001, 3],
    [-2.6, -3],
    [7, 7],
  ])('round(%f) = %i', (x, expected) => {
    expect(roundHalfEven(x)).toBe(expected);
  });

  it('round(-0.5) is zero', () => {
    expect(roundHalfEven(-0.5) === 0).toBe(true);
  });
});
