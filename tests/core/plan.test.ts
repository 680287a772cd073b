import { describe, expect, it } from 'vitest';
import { InvalidSettingsError } from '../../src/core/errors.js';
import { type PlannedSubStep, planSampling } from '../../src/core/sampler/plan.js';
import { type SamplerSettings, withDefaults } from '../../src/core/sampler/settings.js';
import { at, fixtureConfig, readCase } from './support.js';

const config = fixtureConfig();
const plan = (partial: Partial<SamplerSettings> = {}) => planSampling(config, withDefaults(partial));
const W4 = 4 + 2 ** -20; // 4.00000095367431640625, float32 "4" of the Karras ramp (spec Corrections item 1)

type Pairing = Record<string, [string, 'image' | 'video', 'denoise' | 'invert', 't' | 'p' | 'pp', 't' | 'p' | 'pp', 1 | -1]>;

/** Spec §1.1 / §1.4: the AnimateDiff pairing, label → model, op, eval timestep, step timestep, CFG sign. */
const ANIMATEDIFF: Pairing = {
  'I-denoise': ['I-denoise', 'image', 'denoise', 'p', 'p', 1],
  'V-denoise': ['V-denoise', 'video', 'denoise', 't', 't', 1],
  'I-invert': ['I-invert', 'image', 'invert', 'pp', 'p', -1],
  'V-invert': ['V-invert', 'video', 'invert', 'p', 't', -1],
};
/** Spec §1.2: the self-consistent chain t → p → pp → p → t. */
const CHAIN: Pairing = {
  'I-denoise': ['I-denoise', 'image', 'denoise', 't', 't', 1],
  'V-denoise': ['V-denoise', 'video', 'denoise', 'p', 'p', 1],
  'I-invert': ['I-invert', 'image', 'invert', 'pp', 'p', -1],
  'V-invert': ['V-invert', 'video', 'invert', 'p', 't', -1],
};

function expectedSubSteps(order: string[], pairing: Pairing, t: number, w: { i: number; v: number }): PlannedSubStep[] {
  const at_ = { t, p: Math.max(0, t - 20), pp: Math.max(0, t - 40) };
  return order.map((label) => {
    const [l, model, op, evalAt, stepAt, sign] = pairing[label] as Pairing[string];
    return {
      label: l,
      model,
      op,
      evalTimestep: at_[evalAt],
      stepTimestep: at_[stepAt],
      guidance: sign * (model === 'image' ? w.i : w.v),
    };
  });
}

const ddimSub = (t: number): PlannedSubStep => ({
  label: 'DDIM',
  model: 'video',
  op: 'denoise',
  evalTimestep: t,
  stepTimestep: t,
  guidance: 7.5,
});

describe('planSampling: iv-iv with the defaults (spec §1.1, case v1-ivmix-default)', () => {
  const p = plan();
  const c = readCase('v1-ivmix-default');

  it('has the fixture timesteps, Δ = 20 and CFG on', () => {
    expect(p.timesteps).toEqual(c.timesteps);
    expect(p.delta).toBe(20);
    expect(p.cfg).toBe(true);
    expect(p.steps.length).toBe(50);
    expect(p.settings.interval).toEqual([0, 49]);
  });

  it('every step uses p = max(0, t−20) and pp = max(0, t−40), matching case.json steps[i]', () => {
    p.steps.forEach((step, i) => {
      const cs = c.steps[i];
      if (!cs) throw new Error(`case has no step ${i}`);
      expect(step.index).toBe(i);
      expect(step.timestep).toBe(cs.t);
      expect(cs.p).toBe(Math.max(0, cs.t - 20));
      expect(cs.pp).toBe(Math.max(0, cs.t - 40));
      const [iDen, vDen, iInv, vInv] = step.subSteps;
      // I-denoise is evaluated and stepped at p; I-invert evaluated at pp, stepped at p; V-invert evaluated at p.
      expect(iDen?.evalTimestep).toBe(cs.p);
      expect(iDen?.stepTimestep).toBe(cs.p);
      expect(vDen?.evalTimestep).toBe(cs.t);
      expect(iInv?.evalTimestep).toBe(cs.pp);
      expect(iInv?.stepTimestep).toBe(cs.p);
      expect(vInv?.evalTimestep).toBe(cs.p);
      expect(vInv?.stepTimestep).toBe(cs.t);
    });
  });

  it('the step at 979 uses p = 959 and pp = 939, not the next listed timestep 958', () => {
    const s = p.steps[1];
    expect(s?.timestep).toBe(979);
    expect(s?.subSteps[0]?.evalTimestep).toBe(959);
    expect(s?.subSteps[2]?.evalTimestep).toBe(939);
  });

  it('runs I-denoise, V-denoise, I-invert, V-invert, DDIM on every step with the case CFG weights and signs', () => {
    p.steps.forEach((step, i) => {
      const cs = c.steps[i];
      if (!cs?.w_i || !cs.w_v) throw new Error('case lacks weights');
      expect(cs.use_idm).toBe(true);
      expect(step.subSteps).toEqual([
        ...expectedSubSteps(['I-denoise', 'V-denoise', 'I-invert', 'V-invert'], ANIMATEDIFF, step.timestep, {
          i: cs.w_i,
          v: cs.w_v,
        }),
        ddimSub(step.timestep),
      ]);
      expect(step.subSteps[0]?.guidance).toBe(W4);
      expect(step.subSteps[2]?.guidance).toBe(-W4);
      expect(step.subSteps[4]?.guidance).toBe(cs.guidance_scale);
    });
  });

  it('makes 150 video and 100 image model calls (spec §5)', () => {
    expect(p.modelCalls).toEqual({ video: 150, image: 100 });
  });

  it('at t = 20 and t = 0 the degenerate steps still plan every call (p = pp = 0)', () => {
    for (const i of [48, 49]) {
      const s = p.steps[i];
      expect(s?.subSteps.length).toBe(5);
      expect(s?.subSteps[0]?.evalTimestep).toBe(0);
      expect(s?.subSteps[2]?.evalTimestep).toBe(0);
    }
  });
});

describe('planSampling: other variants and knobs', () => {
  it('ddim: one video DDIM call per step at t with 7.5, 50 calls (case v2-ddim-50)', () => {
    const p = plan({ variant: 'ddim' });
    const c = readCase('v2-ddim-50');
    expect(p.modelCalls).toEqual({ video: 50, image: 0 });
    p.steps.forEach((step, i) => {
      expect(step.timestep).toBe(c.steps[i]?.t);
      expect(step.subSteps).toEqual([ddimSub(step.timestep)]);
    });
  });

  it('zz = 3: on i mod 3 = 2 the image sub-steps become video calls weighted by the video ramp', () => {
    // Distinct ramps so that the image and video weights differ on every step.
    const p = plan({ zz: 3, imageGuidance: { begin: 6, end: 2 }, videoGuidance: { begin: 2, end: 6 } });
    let standIns = 0;
    p.steps.forEach((step, i) => {
      const [iDen, vDen, iInv, vInv, ddim] = step.subSteps as [
        PlannedSubStep,
        PlannedSubStep,
        PlannedSubStep,
        PlannedSubStep,
        PlannedSubStep,
      ];
      expect(ddim.label).toBe('DDIM');
      const p_ = Math.max(0, step.timestep - 20);
      const pp = Math.max(0, step.timestep - 40);
      if (i % 3 === 2) {
        standIns++;
        expect(iDen.model).toBe('video');
        expect(iInv.model).toBe('video');
        expect(iDen.guidance).toBe(vDen.guidance); // +wV[i]
        expect(iInv.guidance).toBe(vInv.guidance); // −wV[i]
        expect(iDen.label).toContain('I-denoise');
      } else {
        expect(iDen.model).toBe('image');
        expect(iInv.model).toBe('image');
        expect(iDen.guidance).not.toBe(vDen.guidance);
      }
      // Timesteps are the same either way (spec §1.1: epsV(x, p, +wV) stepped at p; epsV(x, pp, −wV) stepped at p).
      expect([iDen.evalTimestep, iDen.stepTimestep, iInv.evalTimestep, iInv.stepTimestep]).toEqual([p_, p_, pp, p_]);
      expect(iDen.op).toBe('denoise');
      expect(iInv.op).toBe('invert');
    });
    // i = 2, 5, …, 47: 16 stand-in steps; 34 IDM steps (spec §5: 182 V + 68 I).
    expect(standIns).toBe(16);
    expect(p.modelCalls).toEqual({ video: 182, image: 68 });
  });

  it('zz = 1: the video model does every sub-step', () => {
    expect(plan({ zz: 1 }).modelCalls).toEqual({ video: 250, image: 0 });
  });

  it('zz = 1000 (default): i mod 1000 < 999 for all 50 steps, so the image model is always used', () => {
    expect(plan({ zz: 1000 }).modelCalls.image).toBe(100);
  });

  it('interval [10, 20] restricts the IV sub-steps to those inclusive indices', () => {
    const p = plan({ interval: [10, 20] });
    p.steps.forEach((step, i) => {
      expect(step.subSteps.length).toBe(i >= 10 && i <= 20 ? 5 : 1);
      expect(step.subSteps.at(-1)).toEqual(ddimSub(step.timestep));
    });
    // 50 plain DDIM calls plus V-denoise and V-invert on the 11 IV steps; I-denoise and I-invert on those 11.
    expect(p.modelCalls).toEqual({ video: 50 + 2 * 11, image: 2 * 11 });
  });

  it.each([
    ['VIIV', ['V-denoise', 'I-denoise', 'I-invert', 'V-invert']],
    ['VIVI', ['V-denoise', 'I-denoise', 'V-invert', 'I-invert']],
    ['VVII', ['V-denoise', 'V-invert', 'I-denoise', 'I-invert']],
    ['IVVI', ['I-denoise', 'V-denoise', 'V-invert', 'I-invert']],
    ['IVIV', ['I-denoise', 'V-denoise', 'I-invert', 'V-invert']],
    ['IIVV', ['I-denoise', 'I-invert', 'V-denoise', 'V-invert']],
  ] as const)('ablation %s runs %j with the iv-iv timestep pairing (spec §1.4)', (variant, order) => {
    const p = plan({ variant });
    expect(p.modelCalls).toEqual({ video: 150, image: 100 });
    for (const step of p.steps) {
      expect(step.subSteps).toEqual([
        ...expectedSubSteps([...order], ANIMATEDIFF, step.timestep, { i: W4, v: W4 }),
        ddimSub(step.timestep),
      ]);
    }
  });

  it('ablation IVIV plans exactly what iv-iv plans', () => {
    expect(plan({ variant: 'IVIV' }).steps).toEqual(plan().steps);
  });

  it('iv-iv-chain: I-denoise t/t, V-denoise p/p, I-invert pp/p, V-invert p/t (spec §1.2)', () => {
    const p = plan({ variant: 'iv-iv-chain' });
    for (const step of p.steps) {
      expect(step.subSteps).toEqual([
        ...expectedSubSteps(['I-denoise', 'V-denoise', 'I-invert', 'V-invert'], CHAIN, step.timestep, { i: W4, v: W4 }),
        ddimSub(step.timestep),
      ]);
    }
    expect(p.modelCalls).toEqual({ video: 150, image: 100 });
  });

  it('v-zigzag: V-denoise t/t then V-invert eval p step t on steps 0..39 of 50 (spec §1.3)', () => {
    const p = plan({ variant: 'v-zigzag' });
    p.steps.forEach((step, i) => {
      if (i < 40) {
        const t = step.timestep;
        const p_ = Math.max(0, t - 20);
        expect(step.subSteps.map((s) => [s.label, s.model, s.op, s.evalTimestep, s.stepTimestep])).toEqual([
          ['V-denoise', 'video', 'denoise', t, t],
          ['V-invert', 'video', 'invert', p_, t],
          ['DDIM', 'video', 'denoise', t, t],
        ]);
        expect(at([step.subSteps[0]?.guidance ?? 0], 0)).toBeCloseTo(4, 5);
        expect(at([step.subSteps[1]?.guidance ?? 0], 0)).toBeCloseTo(-4, 5);
      } else {
        expect(step.subSteps).toEqual([ddimSub(step.timestep)]);
      }
    });
    expect(p.modelCalls).toEqual({ video: 130, image: 0 });
  });

  it('guidance ramps are indexed by the loop index (25 steps use the first 25 of 50 entries)', () => {
    const p = plan({ steps: 25, imageGuidance: { begin: 6, end: 2 } });
    const last = p.steps[24]?.subSteps[0]?.guidance ?? 0;
    expect(last).toBeGreaterThan(3.5);
    expect(last).toBeLessThan(3.6);
    expect(p.steps[0]?.subSteps[0]?.guidance).toBe(Math.fround(6.0000005));
    expect(p.delta).toBe(40);
    // p = t − 40, pp = t − 80 with 25 steps.
    expect(p.steps[0]?.subSteps[2]?.evalTimestep).toBe(999 - 80);
    expect(p.steps[0]?.subSteps[0]?.evalTimestep).toBe(999 - 40);
  });

  it('guidanceScale is stored as float32 for the plain step', () => {
    expect(plan({ guidanceScale: 7.3 }).steps[0]?.subSteps.at(-1)?.guidance).toBe(Math.fround(7.3));
  });

  it.each([
    [1, false],
    [0.5, false],
    [0, false],
    [1.01, true],
    [7.5, true],
  ])('guidanceScale %f → cfg %s (CFG is off at ≤ 1, as in diffusers)', (g, cfg) => {
    expect(plan({ guidanceScale: g }).cfg).toBe(cfg);
  });

  it.each<[string, Partial<SamplerSettings>, string]>([
    ['steps 0', { steps: 0 }, 'steps'],
    ['steps 1.5', { steps: 1.5 }, 'steps'],
    ['negative eta', { eta: -0.5 }, 'eta'],
    ['zz 0', { zz: 0 }, 'zz'],
    ['interval end < begin', { interval: [5, 4] }, 'interval'],
    ['unknown variant', { variant: 'nope' as SamplerSettings['variant'] }, 'variant'],
    ['rho 0', { rho: 0 }, 'rho'],
  ])('rejects %s with InvalidSettingsError naming the setting', (_what, partial, setting) => {
    let err: unknown;
    try {
      plan(partial);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InvalidSettingsError);
    expect((err as InvalidSettingsError).setting).toBe(setting);
  });
});
