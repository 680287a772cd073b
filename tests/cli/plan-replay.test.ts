import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type ReplayPlan, ReplayPlanError, replayablePlan } from '../../src/cli/plan-replay.js';
import { TorchGenerator } from '../../src/core/rng/torch-generator.js';
import type { NoisePredictor } from '../../src/core/sampler/models.js';
import { planSampling } from '../../src/core/sampler/plan.js';
import { sample } from '../../src/core/sampler/run.js';
import { withDefaults } from '../../src/core/sampler/settings.js';
import { parseSchedulerConfig } from '../../src/core/scheduler/config.js';
import { makeDdimInverseSchedule, makeDdimSchedule } from '../../src/core/scheduler/ddim.js';
import type { Tensor } from '../../src/core/tensor/tensor.js';

// The full-size pack's scheduler (tools/export/random_full_size.py), SD1.5's.
const CONFIG = parseSchedulerConfig({
  beta_start: 0.00085,
  beta_end: 0.012,
  beta_schedule: 'scaled_linear',
  set_alpha_to_one: false,
  steps_offset: 1,
  clip_sample: false,
  timestep_spacing: 'linspace',
});
const SHAPE = [1, 4, 3, 2, 2];
const TEXT = [1, 2, 3];
const f32 = Math.fround;

/**
 * A model anyone can rebuild: out[r] = scale·x[r] + (0.001·t + 0.01·text[r][0]), in float32, per batch row r.
 * The uncond rows are zeros and the cond rows ones, so CFG sees different halves.
 */
function fakeModel(scale: number): NoisePredictor {
  return {
    predictNoise: async (x: Tensor, t: number, text: Tensor) => {
      const rows = x.shape[0] as number;
      const per = x.data.length / rows;
      const textPer = text.data.length / rows;
      const out = new Float32Array(x.data.length);
      for (let r = 0; r < rows; r++) {
        const k = f32(f32(0.001 * t) + f32(f32(0.01) * (text.data[r * textPer] as number)));
        for (let i = 0; i < per; i++) out[r * per + i] = f32(f32(f32(scale) * (x.data[r * per + i] as number)) + k);
      }
      return { data: out, shape: [...x.shape] };
    },
  };
}

async function runCore(variant: 'ddim' | 'iv-iv', steps: number, init: Float32Array): Promise<Float32Array> {
  const plan = planSampling(CONFIG, withDefaults({ variant, steps }));
  const out = await sample({
    plan,
    schedules: { denoise: makeDdimSchedule(CONFIG, steps), invert: makeDdimInverseSchedule(CONFIG, steps) },
    initLatents: { data: init, shape: SHAPE },
    text: { uncond: { data: new Float32Array(6), shape: TEXT }, cond: { data: new Float32Array(6).fill(1), shape: TEXT } },
    models: { image: fakeModel(0.2), video: fakeModel(0.1) },
    cfgMode: 'batched',
  });
  return out.data;
}

const CASES = [
  { variant: 'iv-iv', steps: 3 },
  { variant: 'ddim', steps: 4 },
] as const;

async function fixtureCases() {
  return Promise.all(
    CASES.map(async ({ variant, steps }, i) => {
      const init = new TorchGenerator(10 + i).randn(SHAPE.reduce((a, b) => a * b, 1));
      return {
        plan: replayablePlan(CONFIG, { variant, steps }),
        shape: SHAPE,
        initLatents: [...init],
        expected: [...(await runCore(variant, steps, init))],
      };
    }),
  );
}

const FIXTURE = join(import.meta.dirname, '../fixtures/plan-replay/cases.json');

describe('replay plans (scripts/dawn/plan.ts)', () => {
  it('hold every sub-step of the core plan with the coefficients the core steps with', () => {
    const plan = replayablePlan(CONFIG, { variant: 'iv-iv', steps: 25 });
    const core = planSampling(CONFIG, withDefaults({ variant: 'iv-iv', steps: 25 }));
    expect(plan.modelCalls).toEqual({ image: 50, video: 75 });
    expect(plan.subSteps).toHaveLength(125);
    expect(plan.subSteps.map((s) => [s.model, s.op, s.evalTimestep, s.guidance])).toEqual(
      core.steps.flatMap((st) => st.subSteps.map((s) => [s.model, s.op, s.evalTimestep, s.guidance])),
    );
    // The last sub-step of step 0 is the plain DDIM step at t = 999 → 959 with CFG 7.5.
    const last = plan.subSteps[4] as ReplayPlan['subSteps'][number];
    expect(last).toMatchObject({ label: 'DDIM', model: 'video', op: 'denoise', evalTimestep: 999, guidance: 7.5 });
    expect(replayablePlan(CONFIG, { variant: 'ddim', steps: 50 }).modelCalls).toEqual({ image: 0, video: 50 });
  });

  it('replayed with plain float32 arithmetic give the core loop’s final latents', async () => {
    for (const c of await fixtureCases()) {
      const { plan } = c;
      let x = Float32Array.from(c.initLatents);
      const [b, ch, fr, h, w] = SHAPE as [number, number, number, number, number];
      const hw = h * w;
      const toFrames = (v: Float32Array) => {
        const o = new Float32Array(v.length);
        for (let bb = 0; bb < b; bb++)
          for (let cc = 0; cc < ch; cc++)
            for (let ff = 0; ff < fr; ff++)
              o.set(
                v.subarray(((bb * ch + cc) * fr + ff) * hw, ((bb * ch + cc) * fr + ff + 1) * hw),
                ((bb * fr + ff) * ch + cc) * hw,
              );
        return o;
      };
      const toVideo = (v: Float32Array) => {
        const o = new Float32Array(v.length);
        for (let bb = 0; bb < b; bb++)
          for (let cc = 0; cc < ch; cc++)
            for (let ff = 0; ff < fr; ff++)
              o.set(
                v.subarray(((bb * fr + ff) * ch + cc) * hw, ((bb * fr + ff) * ch + cc + 1) * hw),
                ((bb * ch + cc) * fr + ff) * hw,
              );
        return o;
      };
      for (const s of plan.subSteps) {
        const image = s.model === 'image';
        const input = image ? toFrames(x) : x;
        const n = input.length;
        // Batched CFG: [x; x] with text rows [0…; 1…] → halves u (text 0) and c (text 1).
        const k = (text: number) => f32(f32(0.001 * s.evalTimestep) + f32(f32(0.01) * text));
        const scale = f32(image ? 0.2 : 0.1);
        const out = new Float32Array(n);
        for (let i = 0; i < n; i++) {
          const u = f32(f32(scale * (input[i] as number)) + k(0));
          const c1 = f32(f32(scale * (input[i] as number)) + k(1));
          const e = f32(u + f32(f32(s.guidance) * f32(c1 - u)));
          const x0 = f32(f32((input[i] as number) - f32(s.sqrtBeta * e)) / s.sqrtAlpha);
          out[i] = f32(f32(s.sqrtAlphaNext * x0) + f32(s.dirCoef * e));
        }
        x = image ? toVideo(out) : out;
      }
      expect([...x]).toEqual(c.expected);
    }
  });

  it('refuse what the replay formula does not cover', () => {
    expect(() => replayablePlan(CONFIG, { variant: 'ddim', steps: 5, eta: 0.5 })).toThrow(ReplayPlanError);
    const v = parseSchedulerConfig({ beta_schedule: 'scaled_linear', prediction_type: 'v_prediction', clip_sample: false });
    expect(() => replayablePlan(v, { variant: 'ddim', steps: 5 })).toThrow(/ε-prediction/);
  });

  it('tests/fixtures/plan-replay/cases.json (replayed by tools/bench/test_torch_replay.py) is what the core computes now', async () => {
    const cases = await fixtureCases();
    if (process.env.UPDATE_PLAN_REPLAY_FIXTURE === '1') {
      writeFileSync(
        FIXTURE,
        `${JSON.stringify({ fake: 'out[r] = scale·x[r] + 0.001·t + 0.01·text[r][0]; image scale 0.2, video 0.1', cases })}\n`,
      );
    }
    expect(existsSync(FIXTURE), 'regenerate with UPDATE_PLAN_REPLAY_FIXTURE=1 npx vitest run tests/cli/plan-replay.test.ts').toBe(
      true,
    );
    expect(JSON.parse(readFileSync(FIXTURE, 'utf8')).cases).toEqual(cases);
  });
});
