import { imagesToPixels, latentsForDecoding } from '../core/decode.js';
import { SamplingCancelledError } from '../core/errors.js';
import { TorchGenerator } from '../core/rng/torch-generator.js';
import type { SamplerEventListener } from '../core/sampler/events.js';
import type { CfgMode } from '../core/sampler/models.js';
import { planSampling, type SamplerPlan } from '../core/sampler/plan.js';
import { sample, sampleIn } from '../core/sampler/run.js';
import type { SamplerSettings } from '../core/sampler/settings.js';
import type { SchedulerConfig } from '../core/scheduler/config.js';
import { makeDdimInverseSchedule, makeDdimSchedule } from '../core/scheduler/ddim.js';
import { formatShape, numel, splitBatch, type Tensor } from '../core/tensor/tensor.js';
import type { ModelSet } from '../runtime/model-set.js';
import { GpuLatentSpace } from '../runtime/webgpu/gpu-latent-space.js';
import { GpuOnnxUnet } from '../runtime/webgpu/gpu-unet.js';

export interface TextToVideoRequest {
  /** Token ids of the negative (or empty) prompt and of the prompt, each as long as the encoder takes. */
  tokenIds: { uncond: number[]; cond: number[] };
  settings: SamplerSettings;
  /** Latent shape [B, C, F, h, w]. */
  latentShape: [number, number, number, number, number];
  /** Seed of the TorchGenerator that draws x_T (and DDIM's noise when eta > 0). */
  seed: number;
  /** Use these initial latents instead of the seed's draw (the generator still advances past it). */
  initLatents?: Float32Array;
  vaeScalingFactor: number;
  cfgMode?: CfgMode;
  /** Frames decoded per VAE call. */
  decodeChunk?: number;
  signal?: AbortSignal;
  onEvent?: SamplerEventListener;
  yieldBetweenCalls?: () => Promise<void>;
  /**
   * Keep the latents on this WebGPU device between UNet calls and do the scheduler arithmetic there
   * (src/runtime/webgpu). The UNet sessions must run on this device's WebGPU EP (ideally with GPU outputs).
   */
  gpuDevice?: GPUDevice;
  /** With `gpuDevice`: the steps whose latents are read back for the step-end event (previews). Default: all. */
  readLatentsAt?: (step: number) => boolean;
  /** After every VAE chunk: frames decoded so far and in all. */
  onDecoded?: (done: number, total: number) => void;
}

/**
 * Where the sampling time went besides the model calls (those are in the sampler's model-call events):
 * the scheduler arithmetic (layout changes, CFG, DDIM; on the GPU, waited for) and the CPU↔GPU copies of
 * latents and text rows. On the CPU path the copies into onnxruntime's memory happen inside its run and count
 * as model time, so transferMs is 0 there.
 */
export interface SamplingBreakdown {
  latentsOnGpu: boolean;
  schedulerMs: number;
  /** Scheduler passes (sub-steps), for per-step figures. */
  schedulerSteps: number;
  transferMs: number;
  uploads: number;
  reads: number;
  bytesUp: number;
  bytesDown: number;
  /** GPU path: handles still alive when sampling ended (0 unless something leaked) and the most alive at once. */
  liveTensorsAfter?: number;
  peakLiveTensors?: number;
  peakBuffers?: number;
  /** GPU path: UNet calls answered by graph-captured sessions, and captured sessions turned off in this run (why). */
  capturedCalls?: number;
  captureTurnedOff?: { part: string; reason: string }[];
}

export interface TextToVideoResult {
  plan: SamplerPlan;
  timings: { textEncoderMs: number; samplingMs: number; decodeMs: number; sampling: SamplingBreakdown };
  /** Final latents [B, C, F, h, w], before 1/scaling factor. */
  latents: Tensor;
  /** RGB frames [B·F, H, W, 3]. */
  frames: Uint8Array;
  frameShape: { count: number; height: number; width: number };
}

export interface Schedulers {
  config: SchedulerConfig;
  /** DDIMInverseScheduler config; defaults to `config` (DDIMInverseScheduler.from_config(scheduler.config)). */
  inverseConfig?: SchedulerConfig;
}

/** Text encoding, sampling and decoding: the whole generation on loaded models, shared by the CLI and the worker. */
export async function generateVideo(
  models: ModelSet,
  schedulers: Schedulers,
  request: TextToVideoRequest,
): Promise<TextToVideoResult> {
  const plan = planSampling(schedulers.config, request.settings);
  const n = plan.settings.steps;
  const schedules = {
    denoise: makeDdimSchedule(schedulers.config, n),
    invert: makeDdimInverseSchedule(schedulers.inverseConfig ?? schedulers.config, n),
  };

  const [batch] = request.latentShape;
  const rows = plan.cfg ? [request.tokenIds.uncond, request.tokenIds.cond] : [request.tokenIds.cond];
  const t0 = performance.now();
  const embeds = await models.textEncoder.encode(rows);
  const textEncoderMs = performance.now() - t0;
  const [uncondRow, condRow] = plan.cfg ? (splitBatch(embeds, 2) as [Tensor, Tensor]) : [embeds, embeds];
  const repeatRows = (row: Tensor): Tensor => {
    const out = new Float32Array(row.data.length * batch);
    for (let b = 0; b < batch; b++) out.set(row.data, b * row.data.length);
    return { data: out, shape: [batch, ...row.shape.slice(1)] };
  };

  const generator = new TorchGenerator(request.seed);
  const count = numel(request.latentShape);
  const drawn = generator.randn(count);
  if (request.initLatents && request.initLatents.length !== count) {
    throw new RangeError(
      `initial latents have ${request.initLatents.length} values; shape ${formatShape(request.latentShape)} needs ${count}`,
    );
  }
  const initLatents: Tensor = { data: request.initLatents ?? drawn, shape: request.latentShape };

  const sampleOptions = {
    plan,
    schedules,
    initLatents,
    text: { uncond: repeatRows(uncondRow), cond: repeatRows(condRow) },
    cfgMode: request.cfgMode ?? 'batched',
    generator,
    ...(request.signal ? { signal: request.signal } : {}),
    ...(request.onEvent ? { onEvent: request.onEvent } : {}),
    ...(request.yieldBetweenCalls ? { yieldBetweenCalls: request.yieldBetweenCalls } : {}),
    ...(request.readLatentsAt ? { readLatentsAt: request.readLatentsAt } : {}),
    onSchedulerTime: (ms: number) => {
      breakdown.schedulerMs += ms;
      breakdown.schedulerSteps++;
    },
  };
  const breakdown: SamplingBreakdown = {
    latentsOnGpu: !!request.gpuDevice,
    schedulerMs: 0,
    schedulerSteps: 0,
    transferMs: 0,
    uploads: 0,
    reads: 0,
    bytesUp: 0,
    bytesDown: 0,
  };
  let latents: Tensor;
  if (request.gpuDevice) {
    const space = new GpuLatentSpace(request.gpuDevice);
    const video = new GpuOnnxUnet(models.video, space);
    const image = models.image ? new GpuOnnxUnet(models.image, space) : undefined;
    const offBefore = new Set([video, image].filter((u) => u?.unet.captured?.state.status === 'off'));
    try {
      latents = await sampleIn(space, {
        ...sampleOptions,
        models: { video, ...(image ? { image } : {}) },
      });
    } finally {
      const stats = space.stats;
      const gpuUnets = [video, ...(image ? [image] : [])];
      breakdown.capturedCalls = gpuUnets.reduce((n, u) => n + u.capturedCalls, 0);
      breakdown.captureTurnedOff = gpuUnets.flatMap((u) => {
        const state = u.unet.captured?.state;
        return state?.status === 'off' && !offBefore.has(u) ? [{ part: u.unet.part, reason: state.reason ?? '' }] : [];
      });
      Object.assign(breakdown, {
        transferMs: stats.uploadMs + stats.readMs,
        uploads: stats.uploads,
        reads: stats.reads,
        bytesUp: stats.bytesUp,
        bytesDown: stats.bytesDown,
        liveTensorsAfter: stats.liveTensors,
        peakLiveTensors: stats.peakLiveTensors,
        peakBuffers: stats.peakAllocatedBuffers,
      });
      await space.dispose();
    }
  } else {
    latents = await sample({
      ...sampleOptions,
      models: { video: models.video, ...(models.image ? { image: models.image } : {}) },
    });
  }

  const t1 = performance.now();
  const samplingMs = t1 - t0 - textEncoderMs;
  if (request.signal?.aborted) throw new SamplingCancelledError();
  const decoded = await models.vae.decode(
    latentsForDecoding(latents, request.vaeScalingFactor),
    request.decodeChunk ?? 1,
    request.onDecoded,
  );
  const [frameCount, , height, width] = decoded.shape as [number, number, number, number];
  const frames = imagesToPixels(decoded, 3);
  return {
    plan,
    timings: { textEncoderMs, samplingMs, decodeMs: performance.now() - t1, sampling: breakdown },
    latents,
    frames,
    frameShape: { count: frameCount, height, width },
  };
}
