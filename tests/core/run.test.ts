import { describe, expect, it } from 'vitest';
import { ModelOutputError, SamplingCancelledError } from '../../src/core/errors.js';
import { TorchGenerator } from '../../src/core/rng/torch-generator.js';
import type { SamplerEvent } from '../../src/core/sampler/events.js';
import type { CfgMode, NoisePredictor, SamplerModels } from '../../src/core/sampler/models.js';
import { planSampling, type SamplerPlan } from '../../src/core/sampler/plan.js';
import { combineGuidance, sample } from '../../src/core/sampler/run.js';
import { type SamplerSettings, withDefaults } from '../../src/core/sampler/settings.js';
import type { SchedulerConfig } from '../../src/core/scheduler/config.js';
import { makeDdimInverseSchedule, makeDdimSchedule } from '../../src/core/scheduler/ddim.js';
import type { Tensor } from '../../src/core/tensor/tensor.js';
import { ab, at, FIXTURE_ALPHAS, fixtureConfig, maxRel, move, wave } from './support.js';

const f32 = Math.fround;

// Small video latents [B, C, F, h, w] so that every element can be checked by hand.
const B = 2;
const C = 2;
const F = 3;
const H = 2;
const W = 2;
const D = 3; // text width
const SHAPE = [B, C, F, H, W];
const NUMEL = B * C * F * H * W;
const INIT = wave(NUMEL, 1, 0.3);

/** Text rows: uncond row b is filled with −(b+1), cond row b with +(b+1), so a model can tell which row it got. */
function textRows(sign: 1 | -1): Tensor {
  const data = new Float32Array(B * 77 * D);
  for (let b = 0; b < B; b++) data.fill(sign * (b + 1), b * 77 * D, (b + 1) * 77 * D);
  return { data, shape: [B, 77, D] };
}
const TEXT = { uncond: textRows(-1), cond: textRows(1) };

/**
 * The fake models' outputs: a constant per model and text kind, plus a per-row term. The image model adds
 * 0.001 × (its frame row index within the CFG half), i.e. 0.001·(b·F + f) in einops (b f) order; the video
 * model adds 0.0007·b. Both terms cancel in c − u, so CFG gives K_u + row term + w·(K_c − K_u).
 */
const K = { image: { u: 0.1, c: 0.35 }, video: { u: -0.2, c: 0.05 } } as const;

interface RecordedCall {
  model: 'image' | 'video';
  shape: number[];
  sample: Float32Array;
  timestep: number;
  textShape: number[];
  text: Float32Array;
  signal: AbortSignal | undefined;
}

class FakeModel implements NoisePredictor {
  constructor(
    readonly kind: 'image' | 'video',
    readonly log: RecordedCall[],
    readonly hooks: { afterCall?: (n: number) => void; respond?: (x: Tensor, timestep: number) => Tensor } = {},
  ) {}

  async predictNoise(x: Tensor, timestep: number, text: Tensor, signal?: AbortSignal): Promise<Tensor> {
    this.log.push({
      model: this.kind,
      shape: [...x.shape],
      sample: Float32Array.from(x.data),
      timestep,
      textShape: [...text.shape],
      text: Float32Array.from(text.data),
      signal,
    });
    await Promise.resolve();
    this.hooks.afterCall?.(this.log.length);
    if (this.hooks.respond) return this.hooks.respond(x, timestep);
    const rows = x.shape[0] as number;
    if (text.shape[0] !== rows) throw new Error(`text has ${text.shape[0]} rows for ${rows} samples`);
    const rowSize = x.data.length / rows;
    const textRow = text.data.length / rows;
    const out = new Float32Array(x.data.length);
    for (let r = 0; r < rows; r++) {
      const v = at(text.data, r * textRow);
      const kind = v < 0 ? 'u' : 'c';
      const b = Math.abs(v) - 1;
      const extra = this.kind === 'image' ? 0.001 * (r % (B * F)) : 0.0007 * b;
      out.fill(K[this.kind][kind] + extra, r * rowSize, (r + 1) * rowSize);
    }
    return { data: out, shape: [...x.shape] };
  }
}

function models(log: RecordedCall[], hooks: FakeModel['hooks'] = {}): SamplerModels {
  return { image: new FakeModel('image', log, hooks), video: new FakeModel('video', log, hooks) };
}

function setup(settings: Partial<SamplerSettings>, config: SchedulerConfig = fixtureConfig()) {
  const plan = planSampling(config, withDefaults(settings));
  const schedules = {
    denoise: makeDdimSchedule(config, plan.settings.steps, FIXTURE_ALPHAS),
    invert: makeDdimInverseSchedule(config, plan.settings.steps, FIXTURE_ALPHAS),
  };
  return { plan, schedules };
}

function run(
  settings: Partial<SamplerSettings>,
  opts: { cfgMode?: CfgMode; hooks?: FakeModel['hooks']; signal?: AbortSignal; onEvent?: (e: SamplerEvent) => void } = {},
) {
  const log: RecordedCall[] = [];
  const { plan, schedules } = setup(settings);
  const promise = sample({
    plan,
    schedules,
    initLatents: { data: INIT, shape: SHAPE },
    text: TEXT,
    models: models(log, opts.hooks),
    cfgMode: opts.cfgMode,
    signal: opts.signal,
    onEvent: opts.onEvent,
  });
  return { log, plan, promise };
}

/** Index of [b, c, f, y, x] in NCFHW memory. */
const vidx = (b: number, c: number, f: number, y: number, x: number) => (((b * C + c) * F + f) * H + y) * W + x;

/**
 * Spec §1.1 written out in float64 for N = 5 (τ = 999, 749, 500, 250, 0; Δ = 200; p = max(0, t−200),
 * pp = max(0, t−400)), with the fake models' CFG noise computed by hand. `weights` gives the CFG weight of
 * each sub-step (signs included); with CFG off every call is cond-only, which is weight +1.
 */
function referenceIvIv(weights: { wI: number; wV: number; g: number; cfgOff?: boolean }): number[] {
  const tau = [999, 749, 500, 250, 0];
  const delta = 200;
  const epsImage = (b: number, f: number, w: number) => K.image.u + 0.001 * (b * F + f) + w * (K.image.c - K.image.u);
  const epsVideo = (b: number, w: number) => K.video.u + 0.0007 * b + w * (K.video.c - K.video.u);
  const signed = (w: number) => (weights.cfgOff ? 1 : w);
  const x = Array.from(INIT);
  const apply = (eps: (b: number, f: number) => number, aFrom: number, aTo: number) => {
    for (let b = 0; b < B; b++)
      for (let c = 0; c < C; c++)
        for (let f = 0; f < F; f++)
          for (let y = 0; y < H; y++)
            for (let xx = 0; xx < W; xx++) {
              const k = vidx(b, c, f, y, xx);
              x[k] = move(at(x, k), eps(b, f), aFrom, aTo);
            }
  };
  const alphaAt = (s: number) => ab(Math.min(s, 999));
  for (const t of tau) {
    const p = Math.max(0, t - delta);
    // pp = max(0, t − 2Δ) is only an evaluation timestep; the fake models ignore timesteps.
    apply((b, f) => epsImage(b, f, signed(weights.wI)), alphaAt(p), alphaAt(p - delta)); // (1) I-denoise, step p
    apply((b) => epsVideo(b, signed(weights.wV)), alphaAt(t), alphaAt(t - delta)); // (2) V-denoise, step t
    apply((b, f) => epsImage(b, f, signed(-weights.wI)), alphaAt(p - delta), alphaAt(p)); // (3) I-invert, step p
    apply((b) => epsVideo(b, signed(-weights.wV)), alphaAt(t - delta), alphaAt(t)); // (4) V-invert, step t
    apply((b) => epsVideo(b, signed(weights.g)), alphaAt(t), alphaAt(t - delta)); // (5) plain DDIM, step t
  }
  return x;
}

const IVIV5: Partial<SamplerSettings> = { steps: 5, imageGuidance: { begin: 3, end: 3 }, videoGuidance: { begin: 5, end: 5 } };

describe('combineGuidance', () => {
  it('is u + w·(c − u), with negative w giving u − |w|·(c − u)', () => {
    const u = Float32Array.of(1, -2, 0.5);
    const c = Float32Array.of(3, 2, 0.5);
    expect(Array.from(combineGuidance(u, c, 4))).toEqual([9, 14, 0.5]); // 1 + 4·2, −2 + 4·4, 0.5 + 0
    expect(Array.from(combineGuidance(u, c, -4))).toEqual([-7, -18, 0.5]); // 1 − 4·2, −2 − 4·4
    expect(Array.from(combineGuidance(u, c, 1))).toEqual([3, 2, 0.5]); // w = 1 gives cond
    expect(Array.from(combineGuidance(u, c, 0))).toEqual([1, -2, 0.5]); // w = 0 gives uncond
  });

  it('evaluates in float32 like torch: w is rounded to float32 and each operation rounds', () => {
    const u = Float32Array.of(0.1);
    const c = Float32Array.of(0.35);
    const w = 4 + 2 ** -20; // 4.00000095367431640625, the float32 "4" of the Karras ramp
    const expected = f32(f32(0.1) + f32(f32(w) * f32(f32(0.35) - f32(0.1))));
    expect(combineGuidance(u, c, w)[0]).toBe(expected);
    expect(combineGuidance(u, c, 7.3)[0]).toBe(f32(f32(0.1) + f32(f32(7.3) * f32(f32(0.35) - f32(0.1)))));
  });
});

describe('sample: iv-iv with fake models', () => {
  it('follows spec §1.1 with u + w(c − u) on denoise and u − w(c − u) on both inversions', async () => {
    const { promise } = run(IVIV5);
    const out = await promise;
    expect(out.shape).toEqual(SHAPE);
    const expected = referenceIvIv({ wI: 3, wV: 5, g: 7.5 });
    expect(maxRel(out.data, expected)).toBeLessThan(1e-5);
    // A sign error on the inversions is far outside that tolerance.
    expect(maxRel(out.data, referenceIvIv({ wI: -3, wV: -5, g: 7.5 }))).toBeGreaterThan(1e-2);
  });

  it('does not modify the initial latents', async () => {
    const before = Float32Array.from(INIT);
    await run(IVIV5).promise;
    expect(INIT).toEqual(before);
  });

  it('calls the models in sub-step order at the planned evaluation timesteps', async () => {
    const { log, promise } = run(IVIV5);
    await promise;
    const expected: [string, number][] = [];
    for (const t of [999, 749, 500, 250, 0]) {
      const p = Math.max(0, t - 200);
      const pp = Math.max(0, t - 400);
      expected.push(['image', p], ['video', t], ['image', pp], ['video', p], ['video', t]);
    }
    expect(log.map((c) => [c.model, c.timestep])).toEqual(expected);
  });

  it('gives the image model [2·B·F, C, h, w] frames in einops (b f) order and per-frame text rows [u×F, c×F]', async () => {
    const { log, promise } = run(IVIV5);
    await promise;
    const first = log[0];
    if (!first) throw new Error('no call');
    expect(first.model).toBe('image');
    expect(first.shape).toEqual([2 * B * F, C, H, W]);
    const half = B * F * C * H * W;
    for (let b = 0; b < B; b++)
      for (let f = 0; f < F; f++)
        for (let c = 0; c < C; c++)
          for (let y = 0; y < H; y++)
            for (let x = 0; x < W; x++) {
              const r = b * F + f; // frames[(b·F + f), c, y, x] = video[b, c, f, y, x]
              const k = ((r * C + c) * H + y) * W + x;
              expect(first.sample[k]).toBe(INIT[vidx(b, c, f, y, x)]);
              expect(first.sample[k + half]).toBe(INIT[vidx(b, c, f, y, x)]);
            }
    expect(first.textShape).toEqual([2 * B * F, 77, D]);
    for (let r = 0; r < 2 * B * F; r++) {
      // Rows 0..BF−1: uncond of video floor(r/F); rows BF..2BF−1: cond of video floor((r−BF)/F).
      const value = r < B * F ? -(Math.floor(r / F) + 1) : Math.floor((r - B * F) / F) + 1;
      const row = first.text.subarray(r * 77 * D, (r + 1) * 77 * D);
      expect(row.every((v) => v === value)).toBe(true);
    }
  });

  it('gives the video model [2B, C, F, h, w] = [x; x] and text [u; c] with one row per video', async () => {
    const { log, promise } = run(IVIV5);
    await promise;
    const v = log[1];
    if (!v) throw new Error('no call');
    expect(v.model).toBe('video');
    expect(v.shape).toEqual([2 * B, C, F, H, W]);
    expect(v.sample.subarray(0, NUMEL)).toEqual(v.sample.subarray(NUMEL));
    expect(v.textShape).toEqual([2 * B, 77, D]);
    expect([0, 1, 2, 3].map((r) => v.text[r * 77 * D])).toEqual([-1, -2, 1, 2]);
  });

  it('split CFG gives the same latents as batched CFG with twice the calls, each on half the batch', async () => {
    const batched = run(IVIV5);
    const split = run(IVIV5, { cfgMode: 'split' });
    const [a, b] = await Promise.all([batched.promise, split.promise]);
    expect(b.data).toEqual(a.data);
    expect(split.log.length).toBe(2 * batched.log.length);
    const [u, c] = split.log as [RecordedCall, RecordedCall];
    expect(u.model).toBe('image');
    expect(u.shape).toEqual([B * F, C, H, W]);
    expect(u.textShape).toEqual([B * F, 77, D]);
    expect(u.text.every((x) => x < 0)).toBe(true);
    expect(c.text.every((x) => x > 0)).toBe(true);
    expect(c.sample).toEqual(u.sample);
  });

  it('with CFG off (guidance ≤ 1) every call is cond-only on the unduplicated batch', async () => {
    const { log, promise } = run({ ...IVIV5, guidanceScale: 1 });
    const out = await promise;
    expect(log.length).toBe(25);
    expect(log[0]?.shape).toEqual([B * F, C, H, W]);
    expect(log[1]?.shape).toEqual(SHAPE);
    expect(log.every((c) => c.text.every((x) => x > 0))).toBe(true);
    expect(maxRel(out.data, referenceIvIv({ wI: 3, wV: 5, g: 1, cfgOff: true }))).toBeLessThan(1e-5);
  });

  it('passes the abort signal to the models', async () => {
    const controller = new AbortController();
    const { log, promise } = run({ variant: 'ddim', steps: 2 }, { signal: controller.signal });
    await promise;
    expect(log.every((c) => c.signal === controller.signal)).toBe(true);
  });
});

describe('sample: events', () => {
  function collect(cfgMode: CfgMode) {
    const events: SamplerEvent[] = [];
    const log: RecordedCall[] = [];
    const { plan, schedules } = setup(IVIV5);
    let clock = 0;
    const promise = sample({
      plan,
      schedules,
      initLatents: { data: INIT, shape: SHAPE },
      text: TEXT,
      models: models(log),
      cfgMode,
      onEvent: (e) =>
        events.push(
          e.type === 'step-end' && e.latents
            ? { ...e, latents: { data: Float32Array.from(e.latents.data), shape: e.latents.shape } }
            : e,
        ),
      now: () => clock++,
    });
    return { events, plan, promise, log };
  }

  function checkEvents(events: SamplerEvent[], plan: SamplerPlan, callsPerSubStep: number) {
    const totalCalls = 25 * callsPerSubStep;
    let call = 0;
    let k = 0;
    for (const step of plan.steps) {
      for (const [subStep, sub] of step.subSteps.entries()) {
        for (let half = 0; half < callsPerSubStep; half++) {
          call++;
          const info = {
            step: step.index,
            steps: 5,
            subStep,
            subSteps: 5,
            label: sub.label,
            model: sub.model,
            op: sub.op,
            timestep: sub.evalTimestep,
            guidance: sub.guidance,
            call,
            totalCalls,
          };
          expect(events[k++]).toEqual({ type: 'model-call-start', ...info });
          expect(events[k++]).toEqual({ type: 'model-call-end', ...info, durationMs: 1 });
        }
      }
      const end = events[k++];
      expect(end?.type).toBe('step-end');
      expect(end).toMatchObject({ step: step.index, steps: 5, timestep: step.timestep });
    }
    expect(k).toBe(events.length);
  }

  it('batched: one model-call-start/end per call with step, sub-step, label, model, timestep, guidance, call, totalCalls', async () => {
    const { events, plan, promise } = collect('batched');
    const out = await promise;
    checkEvents(events, plan, 1);
    expect(events.filter((e) => e.type === 'model-call-start').length).toBe(25);
    expect(events.filter((e) => e.type === 'step-end').length).toBe(5);
    // The last step-end carries the final latents.
    const last = events.at(-1);
    if (last?.type !== 'step-end') throw new Error('no step-end');
    expect(last.latents?.data).toEqual(out.data);
    expect(last.latents?.shape).toEqual(SHAPE);
  });

  it('split: two calls per sub-step, counted separately', async () => {
    const { events, plan, promise } = collect('split');
    await promise;
    checkEvents(events, plan, 2);
  });

  it('the first events name the I-denoise call at p = 799 with +w', async () => {
    const { events, promise } = collect('batched');
    await promise;
    expect(events[0]).toMatchObject({
      type: 'model-call-start',
      label: 'I-denoise',
      model: 'image',
      op: 'denoise',
      timestep: 799,
    });
    expect(events[0]?.type === 'model-call-start' && events[0].guidance).toBeCloseTo(3, 5);
    expect(events[4]).toMatchObject({ label: 'I-invert', model: 'image', op: 'invert', timestep: 599 });
    expect(events[4]?.type === 'model-call-start' && events[4].guidance).toBeCloseTo(-3, 5);
  });
});

describe('sample: cancellation and errors', () => {
  it('an AbortSignal aborted during call 3 rejects with SamplingCancelledError and makes no further calls', async () => {
    const controller = new AbortController();
    const { log, promise } = run(IVIV5, {
      signal: controller.signal,
      hooks: { afterCall: (n) => n === 3 && controller.abort() },
    });
    await expect(promise).rejects.toBeInstanceOf(SamplingCancelledError);
    await new Promise((r) => setTimeout(r, 10));
    expect(log.length).toBe(3);
  });

  it('an already aborted signal makes no call at all', async () => {
    const controller = new AbortController();
    controller.abort();
    const { log, promise } = run(IVIV5, { signal: controller.signal });
    await expect(promise).rejects.toThrow(SamplingCancelledError);
    expect(log.length).toBe(0);
  });

  it('a model returning the wrong shape gives ModelOutputError', async () => {
    const { promise } = run(IVIV5, {
      hooks: {
        respond: (x) => ({
          data: new Float32Array(x.data.length - C * H * W),
          shape: [(x.shape[0] as number) - 1, ...x.shape.slice(1)],
        }),
      },
    });
    const err = await promise.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelOutputError);
    expect((err as Error).message).toMatch(/shape/);
  });

  it('an IDM variant without an image model is refused before any call', async () => {
    const log: RecordedCall[] = [];
    const { plan, schedules } = setup(IVIV5);
    const video = new FakeModel('video', log);
    await expect(
      sample({ plan, schedules, initLatents: { data: INIT, shape: SHAPE }, text: TEXT, models: { video } }),
    ).rejects.toThrow(/image model/);
    expect(log.length).toBe(0);
  });

  it('initial latents that are not 5-D are refused', async () => {
    const { plan, schedules } = setup({ variant: 'ddim', steps: 2 });
    await expect(
      sample({ plan, schedules, initLatents: { data: INIT, shape: [B * F, C, H, W] }, text: TEXT, models: models([]) }),
    ).rejects.toThrow(RangeError);
  });

  it('eta > 0 needs a generator, and a seeded one makes the result reproducible', async () => {
    const { plan, schedules } = setup({ variant: 'ddim', steps: 5, eta: 0.5 });
    const base = { plan, schedules, initLatents: { data: INIT, shape: SHAPE }, text: TEXT };
    await expect(sample({ ...base, models: models([]) })).rejects.toThrow(/generator/);
    const a = await sample({ ...base, models: models([]), generator: new TorchGenerator(7) });
    const b = await sample({ ...base, models: models([]), generator: new TorchGenerator(7) });
    const c = await sample({ ...base, models: models([]), generator: new TorchGenerator(8) });
    expect(b.data).toEqual(a.data);
    expect(maxRel(c.data, a.data)).toBeGreaterThan(1e-3);
  });
});

describe('sample: DDIM with an oracle model', () => {
  /**
   * x_T = √ab[999]·x0 + √(1−ab[999])·n and a model that always predicts n. With trailing spacing every
   * DDIM step lands exactly on the next evaluated level (999, 899, …, 99; Δ = 100), so each step
   * recovers x0 exactly and moves to √ab[t−Δ]·x0 + √(1−ab[t−Δ])·n. The last step (99 → −1) lands on the
   * final alpha: 1 with set_alpha_to_one (result x0), ab[0] without it.
   */
  const x0 = wave(NUMEL, 0.8, 1.1);
  const n = wave(NUMEL, 1, 2.5);
  const xT = Float32Array.from(x0, (v, i) => Math.sqrt(ab(999)) * v + Math.sqrt(1 - ab(999)) * at(n, i));
  const oracle = (log: RecordedCall[]): SamplerModels => ({
    video: new FakeModel('video', log, {
      respond: (x) => {
        // [x; x] (uncond and cond halves) → [n; n]: CFG of equal halves is n whatever the weight.
        const out = new Float32Array(x.data.length);
        for (let h = 0; h < x.data.length / NUMEL; h++) out.set(n, h * NUMEL);
        return { data: out, shape: [...x.shape] };
      },
    }),
  });

  async function runOracle(setAlphaToOne: boolean) {
    const config = fixtureConfig({ timestepSpacing: 'trailing', setAlphaToOne });
    const { plan, schedules } = setup({ variant: 'ddim', steps: 10 }, config);
    const log: RecordedCall[] = [];
    const out = await sample({ plan, schedules, initLatents: { data: xT, shape: SHAPE }, text: TEXT, models: oracle(log) });
    return { out, log };
  }

  it('set_alpha_to_one true: recovers x0', async () => {
    const { out, log } = await runOracle(true);
    expect(log.map((c) => c.timestep)).toEqual([999, 899, 799, 699, 599, 499, 399, 299, 199, 99]);
    expect(maxRel(out.data, x0)).toBeLessThan(1e-5);
  });

  it('set_alpha_to_one false: ends at √ab[0]·x0 + √(1−ab[0])·n, deterministically', async () => {
    const { out } = await runOracle(false);
    const expected = Array.from(x0, (v, i) => Math.sqrt(ab(0)) * v + Math.sqrt(1 - ab(0)) * at(n, i));
    expect(maxRel(out.data, expected)).toBeLessThan(1e-5);
    const again = await runOracle(false);
    expect(again.out.data).toEqual(out.data);
  });
});
