/**
 * Browser side of e2e/gpu-scheduler.e2e.test.ts: bundled on the fly by the test and imported into the page,
 * where it runs the WebGPU latent space's WGSL passes on the page's own adapter (SwiftShader in CI) against
 * the core's CPU code. Test-only: never part of the app.
 */

import { TorchGenerator } from '../src/core/rng/torch-generator.js';
import { cpuLatentSpace, type LatentSpace } from '../src/core/sampler/latent-space.js';
import type { NoisePredictor } from '../src/core/sampler/models.js';
import { planSampling } from '../src/core/sampler/plan.js';
import { sample, sampleIn } from '../src/core/sampler/run.js';
import { type SamplerSettings, withDefaults } from '../src/core/sampler/settings.js';
import { parseSchedulerConfig } from '../src/core/scheduler/config.js';
import {
  ddimInverseStep,
  ddimInverseStepCoefficients,
  ddimStep,
  ddimStepCoefficients,
  makeDdimInverseSchedule,
  makeDdimSchedule,
} from '../src/core/scheduler/ddim.js';
import { numel, type Tensor } from '../src/core/tensor/tensor.js';
import { framesToVideo, videoToFrames } from '../src/core/tensor/video-layout.js';
import { toHalfBits } from '../src/runtime/half.js';
import { GpuLatentSpace, type GpuTensor } from '../src/runtime/webgpu/gpu-latent-space.js';

/** SD1.5's scheduler_config.json with the IV-mixed overrides. */
const SD15_SCHEDULER = {
  _class_name: 'DDIMScheduler',
  beta_end: 0.012,
  beta_schedule: 'scaled_linear',
  beta_start: 0.00085,
  clip_sample: false,
  num_train_timesteps: 1000,
  set_alpha_to_one: false,
  steps_offset: 1,
  timestep_spacing: 'linspace',
};

function randn(n: number, seed: number, scale = 1): Float32Array {
  const out = new TorchGenerator(seed).randn(Math.max(16, n)).subarray(0, n);
  return out.map((v) => v * scale);
}

/** max |a − b| / max |b|: the error relative to the reference's scale. */
function relError(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Number.POSITIVE_INFINITY;
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs((a[i] as number) - (b[i] as number)));
    scale = Math.max(scale, Math.abs(b[i] as number));
  }
  return scale === 0 ? diff : diff / scale;
}

function bitEqual(a: Float32Array, b: Float32Array): boolean {
  return a.length === b.length && a.every((v, i) => Object.is(v, b[i]));
}

export async function gpuDevice(): Promise<GPUDevice> {
  const adapter = await navigator.gpu?.requestAdapter();
  if (!adapter) throw new Error('no WebGPU adapter');
  return adapter.requestDevice();
}

/** Every WGSL pass against its CPU counterpart; errors as relative numbers, layouts as bit equality. */
export async function checkKernels(): Promise<Record<string, number | boolean | string>> {
  const device = await gpuDevice();
  const space = new GpuLatentSpace(device);
  const report: Record<string, number | boolean | string> = {};
  const shape = [1, 4, 3, 5, 6];
  const n = numel(shape);
  const x = randn(n, 1);
  const eps = randn(n, 2);
  const noise = randn(n, 3);
  const up = (data: Float32Array, s: readonly number[] = shape) => space.upload({ data, shape: s });
  const read = async (h: GpuTensor) => {
    const t = await space.read(h);
    space.release(h);
    return t.data;
  };

  // CFG, batched [u; c] and split.
  const u = randn(n, 4);
  const c = randn(n, 5);
  const cpu = cpuLatentSpace();
  for (const w of [7.5, -4.000001, 1]) {
    const both = up(new Float32Array([...u, ...c]), [2, ...shape.slice(1)]);
    const ref = cpu.guideBatched({ data: new Float32Array([...u, ...c]), shape: [2, ...shape.slice(1)] }, w).data;
    report[`guideBatched w=${w}`] = relError(await read(space.guideBatched(both, w)), ref);
    space.release(both);
    const hu = up(u);
    const hc = up(c);
    report[`guide w=${w}`] = relError(
      await read(space.guide(hu, hc, w)),
      cpu.guide({ data: u, shape }, { data: c, shape }, w).data,
    );
    space.release(hu);
    space.release(hc);
  }

  // DDIM and inversion steps, every prediction type, clip on and off, eta > 0 with noise.
  for (const prediction of ['epsilon', 'sample', 'v_prediction'] as const) {
    for (const clip of [false, true]) {
      const config = parseSchedulerConfig({ ...SD15_SCHEDULER, prediction_type: prediction, clip_sample: clip });
      const denoise = makeDdimSchedule(config, 50);
      const invert = makeDdimInverseSchedule(config, 50);
      for (const t of [981, 501, 21, 1]) {
        for (const eta of [0, 0.7]) {
          const hx = up(x);
          const he = up(eps);
          const k = ddimStepCoefficients(denoise, t, eta);
          const gpu = await read(space.step(k, he, hx, eta > 0 ? noise : undefined));
          report[`step ${prediction} clip=${clip} t=${t} eta=${eta}`] = relError(gpu, ddimStep(denoise, eps, t, x, eta, noise));
          space.release(hx);
          space.release(he);
        }
        const hx = up(x);
        const he = up(eps);
        const gpu = await read(space.step(ddimInverseStepCoefficients(invert, t), he, hx));
        report[`invert ${prediction} clip=${clip} t=${t}`] = relError(gpu, ddimInverseStep(invert, eps, t, x));
        space.release(hx);
        space.release(he);
      }
    }
  }

  // Layouts: exact permutes and copies.
  const video = up(x);
  const frames = space.videoToFrames(video);
  const framesCpu = videoToFrames({ data: x, shape });
  report['videoToFrames shape'] = JSON.stringify(frames.shape) === JSON.stringify(framesCpu.shape);
  const back = space.framesToVideo(frames, 1);
  report.videoToFrames = bitEqual((await space.read(frames)).data, framesCpu.data);
  report.framesToVideo = bitEqual(await read(back), framesToVideo(framesCpu, 1).data);
  space.release(frames);
  const twoVideos = up(new Float32Array([...x, ...eps]), [2, 4, 3, 5, 6]);
  const twoFrames = space.videoToFrames(twoVideos);
  const twoFramesCpu = videoToFrames({ data: new Float32Array([...x, ...eps]), shape: [2, 4, 3, 5, 6] });
  report['videoToFrames batch 2'] = bitEqual((await space.read(twoFrames)).data, twoFramesCpu.data);
  report['framesToVideo batch 2'] = bitEqual(await read(space.framesToVideo(twoFrames, 2)), new Float32Array([...x, ...eps]));
  space.release(twoFrames);
  space.release(twoVideos);
  const doubled = await read(space.duplicateBatch(video));
  report.duplicateBatch = bitEqual(doubled, new Float32Array([...x, ...x]));
  const rows = up(new Float32Array([1, 2, 3, 4, 5, 6]), [2, 3]);
  report.repeatInterleaveBatch = bitEqual(
    await read(space.repeatInterleaveBatch(rows, 3)),
    new Float32Array([1, 2, 3, 1, 2, 3, 1, 2, 3, 4, 5, 6, 4, 5, 6, 4, 5, 6]),
  );
  report.sliceBatch = bitEqual(await read(space.sliceBatch(rows, 1, 1)), new Float32Array([4, 5, 6]));
  space.release(rows);
  space.release(video);

  // float16 for fp16 graphs: round to nearest even like the CPU path, and back exactly.
  const halfSource = new Float32Array([...x.subarray(0, 64), 65504, 0.1, 1 / 3, -2.5, 1e-3, 1234.5678]);
  const h32 = up(halfSource, [halfSource.length]);
  const h16 = space.toHalf(h32);
  const wide = space.fromHalf(h16);
  const roundTrip = await read(wide);
  const expected = Float32Array.from(halfSource, (v) => halfBitsToFloat(toHalfBits(v)));
  report.halfRoundTrip = bitEqual(roundTrip, expected);
  space.release(h16);
  space.release(h32);

  report.liveTensorsAfter = space.stats.liveTensors;
  report.dispatches = space.stats.dispatches;
  await space.dispose();
  report.buffersAfterDispose = space.stats.allocatedBuffers;
  device.destroy();
  return report;
}

function halfBitsToFloat(h: number): number {
  const view = new DataView(new ArrayBuffer(4));
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  let v: number;
  if (exp === 0) v = sign * mant * 2 ** -24;
  else if (exp === 0x1f) v = mant ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  else v = sign * (1 + mant / 1024) * 2 ** (exp - 15);
  view.setFloat32(0, v);
  return view.getFloat32(0);
}

/** A deterministic stand-in for a UNet: depends on the sample, the timestep and the text rows. */
function fakeNoise(x: Tensor, timestep: number, text: Tensor): Float32Array {
  const rows = x.shape[0] as number;
  const rowSize = x.data.length / rows;
  const textRow = text.data.length / rows;
  const out = new Float32Array(x.data.length);
  for (let r = 0; r < rows; r++) {
    const tv = text.data[r * textRow] as number;
    for (let i = 0; i < rowSize; i++) {
      const k = r * rowSize + i;
      out[k] = Math.fround(0.4 * (x.data[k] as number) + 0.05 * tv + 0.1 * Math.sin(k * 0.37 + timestep * 0.01));
    }
  }
  return out;
}

class CpuFake implements NoisePredictor<Tensor> {
  async predictNoise(x: Tensor, timestep: number, text: Tensor): Promise<Tensor> {
    return { data: fakeNoise(x, timestep, text), shape: x.shape };
  }
}

/** The same stand-in in the GPU space: reads its inputs back, answers with a fresh GPU tensor. */
class GpuFake implements NoisePredictor<GpuTensor> {
  constructor(private readonly space: GpuLatentSpace) {}
  async predictNoise(x: GpuTensor, timestep: number, text: GpuTensor): Promise<GpuTensor> {
    const [xs, ts] = [await this.space.read(x), await this.space.read(text)];
    return this.space.upload({ data: fakeNoise(xs, timestep, ts), shape: x.shape });
  }
}

/**
 * The whole sampler loop (IV-mixed sub-steps: layouts, batched or split CFG, DDIM and inversions, eta noise)
 * in the GPU space against the CPU space, plus the space's handle counts, for two step counts.
 */
export async function checkSampler(
  settings: Partial<SamplerSettings>,
  cfgMode: 'batched' | 'split',
): Promise<{ relError: number; liveAfter: number; peakLive: number; buffersAfterSampling: number; previews: number }> {
  const device = await gpuDevice();
  const config = parseSchedulerConfig(SD15_SCHEDULER);
  const plan = planSampling(config, withDefaults(settings));
  const schedules = {
    denoise: makeDdimSchedule(config, plan.settings.steps),
    invert: makeDdimInverseSchedule(config, plan.settings.steps),
  };
  const shape = [1, 4, 3, 4, 4];
  const initLatents = { data: randn(numel(shape), 7), shape };
  const text = { uncond: { data: randn(77 * 8, 8), shape: [1, 77, 8] }, cond: { data: randn(77 * 8, 9), shape: [1, 77, 8] } };
  const common = { plan, schedules, initLatents, text, cfgMode } as const;
  const cpu = await sample({
    ...common,
    models: { image: new CpuFake(), video: new CpuFake() },
    generator: new TorchGenerator(3),
  });
  const space = new GpuLatentSpace(device);
  let previews = 0;
  const gpu = await sampleIn(space as LatentSpace<GpuTensor>, {
    ...common,
    models: { image: new GpuFake(space), video: new GpuFake(space) },
    generator: new TorchGenerator(3),
    readLatentsAt: (step) => step === 0,
    onEvent: (e) => {
      if (e.type === 'step-end' && e.latents) previews++;
    },
  });
  const stats = space.stats;
  await space.dispose();
  device.destroy();
  return {
    relError: relError(gpu.data, cpu.data),
    liveAfter: stats.liveTensors,
    peakLive: stats.peakLiveTensors,
    buffersAfterSampling: stats.allocatedBuffers,
    previews,
  };
}
