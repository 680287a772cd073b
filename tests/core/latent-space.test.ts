import { describe, expect, it } from 'vitest';
import { TorchGenerator } from '../../src/core/rng/torch-generator.js';
import { cpuLatentSpace, type LatentSpace } from '../../src/core/sampler/latent-space.js';
import type { CfgMode, NoisePredictor } from '../../src/core/sampler/models.js';
import { planSampling } from '../../src/core/sampler/plan.js';
import { sample, sampleIn } from '../../src/core/sampler/run.js';
import { type SamplerSettings, withDefaults } from '../../src/core/sampler/settings.js';
import { makeDdimInverseSchedule, makeDdimSchedule } from '../../src/core/scheduler/ddim.js';
import type { Tensor } from '../../src/core/tensor/tensor.js';
import { FIXTURE_ALPHAS, fixtureConfig, wave } from './support.js';

/** A handle of the checking space: a box around a CPU tensor that knows whether it was released. */
interface Box {
  id: number;
  tensor: Tensor;
  released: boolean;
}

/**
 * The CPU space behind opaque handles that refuse to be used after release, counting every handle: this is
 * the contract a GPU space relies on (buffers are reused as soon as they are released).
 */
function checkingSpace(resident: boolean) {
  const cpu = cpuLatentSpace();
  let next = 0;
  const live = new Set<Box>();
  let peak = 0;
  let reads = 0;
  const box = (tensor: Tensor): Box => {
    const b = { id: next++, tensor, released: false };
    live.add(b);
    peak = Math.max(peak, live.size);
    return b;
  };
  const use = (b: Box): Tensor => {
    if (b.released) throw new Error(`handle ${b.id} used after release`);
    return b.tensor;
  };
  const space: LatentSpace<Box> = {
    resident,
    upload: (t) => box(cpu.upload(t)),
    read: async (b) => {
      reads++;
      return { data: Float32Array.from(use(b).data), shape: [...use(b).shape] };
    },
    shape: (b) => use(b).shape,
    release: (b) => {
      if (b.released) throw new Error(`handle ${b.id} released twice`);
      b.released = true;
      live.delete(b);
    },
    videoToFrames: (b) => box(cpu.videoToFrames(use(b))),
    framesToVideo: (b, batch) => box(cpu.framesToVideo(use(b), batch)),
    duplicateBatch: (b) => box(cpu.duplicateBatch(use(b))),
    guideBatched: (b, w) => box(cpu.guideBatched(use(b), w)),
    guide: (u, c, w) => box(cpu.guide(use(u), use(c), w)),
    step: (k, m, x, noise) => box(cpu.step(k, use(m), use(x), noise)),
    settle: async () => {},
  };
  return { space, live: () => live.size, peak: () => peak, reads: () => reads };
}

const SHAPE = [1, 2, 3, 2, 2];
const INIT: Tensor = { data: wave(24, 1, 0.3), shape: SHAPE };
const TEXT = {
  uncond: { data: wave(77 * 3, -0.5, 1), shape: [1, 77, 3] },
  cond: { data: wave(77 * 3, 0.5, 2), shape: [1, 77, 3] },
};

function noiseOf(x: Tensor, timestep: number, text: Tensor): Tensor {
  const rows = x.shape[0] as number;
  const per = x.data.length / rows;
  const textPer = text.data.length / rows;
  const data = x.data.map((v, i) => 0.3 * v + 0.2 * (text.data[Math.floor(i / per) * textPer] as number) + timestep * 1e-4);
  return { data, shape: x.shape };
}

const cpuModel: NoisePredictor<Tensor> = { predictNoise: async (x, t, text) => noiseOf(x, t, text) };
const boxModel = (space: LatentSpace<Box>): NoisePredictor<Box> => ({
  predictNoise: async (x, t, text) => space.upload(noiseOf(x.tensor, t, text.tensor)),
});

function setup(settings: Partial<SamplerSettings>) {
  const config = fixtureConfig();
  const plan = planSampling(config, withDefaults(settings));
  const schedules = {
    denoise: makeDdimSchedule(config, plan.settings.steps, FIXTURE_ALPHAS),
    invert: makeDdimInverseSchedule(config, plan.settings.steps, FIXTURE_ALPHAS),
  };
  return { plan, schedules, initLatents: INIT, text: TEXT };
}

describe('sampleIn: the sampler loop in a latent space with opaque handles', () => {
  const cases: [string, Partial<SamplerSettings>, CfgMode][] = [
    ['iv-iv batched, eta 0.5', { variant: 'iv-iv', steps: 4, eta: 0.5 }, 'batched'],
    ['iv-iv split', { variant: 'iv-iv', steps: 3 }, 'split'],
    ['iv-iv-chain without CFG', { variant: 'iv-iv-chain', steps: 3, guidanceScale: 1 }, 'batched'],
    ['v-zigzag batched', { variant: 'v-zigzag', steps: 5 }, 'batched'],
  ];

  it.each(cases)(
    '%s: bit-identical to the CPU loop, never uses a released handle, releases all',
    async (_, settings, cfgMode) => {
      const options = setup(settings);
      const cpu = await sample({
        ...options,
        cfgMode,
        models: { image: cpuModel, video: cpuModel },
        generator: new TorchGenerator(5),
      });
      const checked = checkingSpace(true);
      const got = await sampleIn(checked.space, {
        ...options,
        cfgMode,
        models: { image: boxModel(checked.space), video: boxModel(checked.space) },
        generator: new TorchGenerator(5),
      });
      expect(Array.from(got.data)).toEqual(Array.from(cpu.data));
      expect(got.shape).toEqual(SHAPE);
      expect(checked.live()).toBe(0);
    },
  );

  it('holds the same number of handles at its peak whatever the step count', async () => {
    const peaks: number[] = [];
    for (const steps of [2, 6]) {
      const checked = checkingSpace(true);
      await sampleIn(checked.space, {
        ...setup({ variant: 'iv-iv', steps }),
        models: { image: boxModel(checked.space), video: boxModel(checked.space) },
      });
      peaks.push(checked.peak());
    }
    expect(peaks[1]).toBe(peaks[0]);
  });

  it('in a resident space reads latents back only at the steps readLatentsAt asks for, plus the final read', async () => {
    const checked = checkingSpace(true);
    const withLatents: number[] = [];
    await sampleIn(checked.space, {
      ...setup({ variant: 'ddim', steps: 5 }),
      models: { video: boxModel(checked.space) },
      readLatentsAt: (step) => step % 2 === 0,
      onEvent: (e) => {
        if (e.type === 'step-end' && e.latents) withLatents.push(e.step);
      },
    });
    expect(withLatents).toEqual([0, 2, 4]);
    expect(checked.reads()).toBe(3 + 1);
  });

  it('releases every handle when a model call fails midway', async () => {
    const checked = checkingSpace(true);
    let calls = 0;
    const failing: NoisePredictor<Box> = {
      predictNoise: async (x, t, text) => {
        if (++calls === 3) throw new Error('model failed');
        return checked.space.upload(noiseOf(x.tensor, t, text.tensor));
      },
    };
    await expect(
      sampleIn(checked.space, { ...setup({ variant: 'iv-iv', steps: 2 }), models: { image: failing, video: failing } }),
    ).rejects.toThrow('model failed');
    expect(checked.live()).toBe(0);
  });

  it('reports the scheduler time of every sub-step', async () => {
    const times: number[] = [];
    let clock = 0;
    const options = setup({ variant: 'iv-iv', steps: 2 });
    await sample({
      ...options,
      models: { image: cpuModel, video: cpuModel },
      now: () => clock++,
      onSchedulerTime: (ms) => times.push(ms),
    });
    expect(times.length).toBe(options.plan.steps.reduce((n, s) => n + s.subSteps.length, 0));
    expect(times.every((ms) => ms > 0)).toBe(true);
  });
});
