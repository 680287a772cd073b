import { ModelOutputError, SamplingCancelledError } from '../errors.js';
import type { TorchGenerator } from '../rng/torch-generator.js';
import { type DdimInverseSchedule, type DdimSchedule, ddimInverseStep, ddimStep } from '../scheduler/ddim.js';
import { concatBatch, formatShape, repeatInterleaveBatch, shapeEquals, splitBatch, type Tensor } from '../tensor/tensor.js';
import { framesToVideo, videoToFrames } from '../tensor/video-layout.js';
import type { SamplerEventListener } from './events.js';
import type { CfgMode, NoisePredictor, SamplerModels, TextConditioning } from './models.js';
import type { PlannedSubStep, SamplerPlan } from './plan.js';

export interface SampleOptions {
  plan: SamplerPlan;
  schedules: { denoise: DdimSchedule; invert: DdimInverseSchedule };
  /** x_T, [B, C, F, h, w]. Not modified. */
  initLatents: Tensor;
  text: TextConditioning;
  models: SamplerModels;
  cfgMode?: CfgMode;
  /** Draws DDIM's variance noise when eta > 0 (diffusers passes the pipeline generator to every step). */
  generator?: TorchGenerator;
  signal?: AbortSignal;
  onEvent?: SamplerEventListener;
  /** Clock for call timings (performance.now by default). */
  now?: () => number;
  /**
   * Awaited before every model call. A worker that only awaits WASM inference never returns to its event
   * loop, so messages (a cancel) would wait for the end; the engine passes a macrotask yield here.
   */
  yieldBetweenCalls?: () => Promise<void>;
}

const f32 = Math.fround;

/** CFG combination u + w·(c − u) in float32, as torch evaluates it. */
export function combineGuidance(uncond: Float32Array, cond: Float32Array, weight: number): Float32Array {
  const w = f32(weight);
  const out = new Float32Array(uncond.length);
  for (let i = 0; i < out.length; i++) {
    const u = uncond[i] as number;
    out[i] = f32(u + f32(w * f32((cond[i] as number) - u)));
  }
  return out;
}

/**
 * Run a plan: for every step, every sub-step calls one model (CFG batched or split) and applies one
 * DDIM or DDIM-inversion step; the result is the final latents [B, C, F, h, w] (before VAE scaling).
 */
export async function sample(options: SampleOptions): Promise<Tensor> {
  const { plan, models, signal, onEvent } = options;
  const cfgMode = options.cfgMode ?? 'batched';
  const now = options.now ?? (() => performance.now());
  const [batch, , frames] = options.initLatents.shape as number[];
  if (options.initLatents.shape.length !== 5 || batch === undefined || frames === undefined) {
    throw new RangeError(`initial latents must be [B, C, F, h, w], got ${formatShape(options.initLatents.shape)}`);
  }
  if (plan.modelCalls.image > 0 && !models.image) {
    throw new RangeError(`sampler "${plan.settings.variant}" needs an image model (IDM) but none was loaded`);
  }
  if (plan.settings.eta > 0 && !options.generator) throw new RangeError('eta > 0 needs a seeded generator for its noise');

  // Text rows per model: the VDM takes one row per video, the IDM one per frame (repeat_interleave).
  const text = {
    video: options.text,
    image: {
      uncond: repeatInterleaveBatch(options.text.uncond, frames),
      cond: repeatInterleaveBatch(options.text.cond, frames),
    },
  };
  const batchedText = plan.cfg
    ? { video: concatBatch([text.video.uncond, text.video.cond]), image: concatBatch([text.image.uncond, text.image.cond]) }
    : null;
  const callsPerSubStep = plan.cfg && cfgMode === 'split' ? 2 : 1;
  const totalCalls = plan.steps.reduce((n, s) => n + s.subSteps.length * callsPerSubStep, 0);
  let call = 0;

  let latents: Tensor = { data: new Float32Array(options.initLatents.data), shape: [...options.initLatents.shape] };
  for (const step of plan.steps) {
    for (const [subIndex, sub] of step.subSteps.entries()) {
      const predictor = (sub.model === 'image' ? models.image : models.video) as NoisePredictor;
      const input = sub.model === 'image' ? videoToFrames(latents) : latents;
      const info = {
        step: step.index,
        steps: plan.steps.length,
        subStep: subIndex,
        subSteps: step.subSteps.length,
        label: sub.label,
        model: sub.model,
        op: sub.op,
        timestep: sub.evalTimestep,
        guidance: sub.guidance,
        totalCalls,
      };
      const predict = async (x: Tensor, embeds: Tensor): Promise<Tensor> => {
        await options.yieldBetweenCalls?.();
        if (signal?.aborted) throw new SamplingCancelledError();
        call++;
        onEvent?.({ type: 'model-call-start', ...info, call });
        const started = now();
        const out = await predictor.predictNoise(x, sub.evalTimestep, embeds, signal);
        if (!shapeEquals(out.shape, x.shape)) {
          throw new ModelOutputError(
            `The ${sub.model} model returned shape ${formatShape(out.shape)} for input ${formatShape(x.shape)}; it must match.`,
          );
        }
        onEvent?.({ type: 'model-call-end', ...info, call, durationMs: now() - started });
        return out;
      };
      const modelText = text[sub.model];
      let noise: Float32Array;
      if (!plan.cfg) {
        noise = (await predict(input, modelText.cond)).data;
      } else if (cfgMode === 'batched') {
        const out = await predict(concatBatch([input, input]), (batchedText as NonNullable<typeof batchedText>)[sub.model]);
        const [u, c] = splitBatch(out, 2) as [Tensor, Tensor];
        noise = combineGuidance(u.data, c.data, sub.guidance);
      } else {
        const u = await predict(input, modelText.uncond);
        const c = await predict(input, modelText.cond);
        noise = combineGuidance(u.data, c.data, sub.guidance);
      }
      const stepped = applySchedulerStep(options, sub, noise, input.data);
      const result: Tensor = { data: stepped, shape: input.shape };
      latents = sub.model === 'image' ? framesToVideo(result, batch) : result;
    }
    onEvent?.({ type: 'step-end', step: step.index, steps: plan.steps.length, timestep: step.timestep, latents });
  }
  return latents;
}

function applySchedulerStep(options: SampleOptions, sub: PlannedSubStep, noise: Float32Array, input: Float32Array): Float32Array {
  if (sub.op === 'invert') return ddimInverseStep(options.schedules.invert, noise, sub.stepTimestep, input);
  const eta = options.plan.settings.eta;
  // The variance noise is drawn in the layout of the tensor being stepped (frames for the IDM), as diffusers does.
  const variance = eta > 0 ? options.generator?.randn(input.length) : undefined;
  return ddimStep(options.schedules.denoise, noise, sub.stepTimestep, input, eta, variance);
}
