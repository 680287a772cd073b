import { imagesToPixels, latentsForDecoding } from '../core/decode.js';
import { SamplingCancelledError } from '../core/errors.js';
import { TorchGenerator } from '../core/rng/torch-generator.js';
import type { SamplerEventListener } from '../core/sampler/events.js';
import type { CfgMode } from '../core/sampler/models.js';
import { planSampling, type SamplerPlan } from '../core/sampler/plan.js';
import { sample } from '../core/sampler/run.js';
import type { SamplerSettings } from '../core/sampler/settings.js';
import type { SchedulerConfig } from '../core/scheduler/config.js';
import { makeDdimInverseSchedule, makeDdimSchedule } from '../core/scheduler/ddim.js';
import { formatShape, numel, splitBatch, type Tensor } from '../core/tensor/tensor.js';
import type { ModelSet } from '../runtime/model-set.js';

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
}

export interface TextToVideoResult {
  plan: SamplerPlan;
  timings: { textEncoderMs: number; samplingMs: number; decodeMs: number };
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

  const latents = await sample({
    plan,
    schedules,
    initLatents,
    text: { uncond: repeatRows(uncondRow), cond: repeatRows(condRow) },
    models: { video: models.video, ...(models.image ? { image: models.image } : {}) },
    cfgMode: request.cfgMode ?? 'batched',
    generator,
    ...(request.signal ? { signal: request.signal } : {}),
    ...(request.onEvent ? { onEvent: request.onEvent } : {}),
    ...(request.yieldBetweenCalls ? { yieldBetweenCalls: request.yieldBetweenCalls } : {}),
  });

  const t1 = performance.now();
  const samplingMs = t1 - t0 - textEncoderMs;
  if (request.signal?.aborted) throw new SamplingCancelledError();
  const decoded = await models.vae.decode(latentsForDecoding(latents, request.vaeScalingFactor), request.decodeChunk ?? 1);
  const [frameCount, , height, width] = decoded.shape as [number, number, number, number];
  const frames = imagesToPixels(decoded, 3);
  return {
    plan,
    timings: { textEncoderMs, samplingMs, decodeMs: performance.now() - t1 },
    latents,
    frames,
    frameShape: { count: frameCount, height, width },
  };
}
