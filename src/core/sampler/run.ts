import { ModelOutputError, SamplingCancelledError } from '../errors.js';
import type { TorchGenerator } from '../rng/torch-generator.js';
import type { DdimInverseSchedule, DdimSchedule } from '../scheduler/ddim.js';
import { concatBatch, formatShape, numel, repeatInterleaveBatch, shapeEquals, type Tensor } from '../tensor/tensor.js';
import type { SamplerEventListener } from './events.js';
import { cpuLatentSpace, type LatentSpace, subStepCoefficients } from './latent-space.js';
import type { CfgMode, NoisePredictor, SamplerModels, TextConditioning } from './models.js';
import type { SamplerPlan } from './plan.js';

export interface SampleOptions<L = Tensor> {
  plan: SamplerPlan;
  schedules: { denoise: DdimSchedule; invert: DdimInverseSchedule };
  /** x_T, [B, C, F, h, w]. Not modified. */
  initLatents: Tensor;
  text: TextConditioning;
  models: SamplerModels<L>;
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
  /**
   * In a resident latent space (GPU), the steps after which the latents are read back for the step-end
   * event (e.g. only where a preview is shown). Every step by default; ignored on the CPU, where reading is free.
   */
  readLatentsAt?: (step: number) => boolean;
  /** Time spent in the scheduler arithmetic between model calls (layout, CFG, DDIM), settled; added per sub-step. */
  onSchedulerTime?: (ms: number) => void;
}

export { combineGuidance } from './latent-space.js';

/**
 * Run a plan: for every step, every sub-step calls one model (CFG batched or split) and applies one
 * DDIM or DDIM-inversion step; the result is the final latents [B, C, F, h, w] (before VAE scaling).
 */
export async function sample(options: SampleOptions): Promise<Tensor> {
  return sampleIn(cpuLatentSpace(), options);
}

/**
 * `sample` in a given latent space: the latents, text rows and model outputs stay in the space's memory
 * from the first upload to the final read; only the step-end reads (previews) and the eta noise cross.
 */
export async function sampleIn<L>(space: LatentSpace<L>, options: SampleOptions<L>): Promise<Tensor> {
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

  // Everything the space holds is released at the end, whatever happens in between.
  const held = new Set<L>();
  const own = (handle: L): L => {
    held.add(handle);
    return handle;
  };
  const drop = (handle: L): void => {
    if (held.delete(handle)) space.release(handle);
  };
  try {
    // Text rows per model: the VDM takes one row per video, the IDM one per frame (repeat_interleave). Only
    // the forms the plan uses are uploaded, once: [uncond; cond] for batched CFG, the halves for split CFG.
    const kinds = !plan.cfg ? (['cond'] as const) : cfgMode === 'batched' ? (['both'] as const) : (['uncond', 'cond'] as const);
    const text = new Map<string, L>();
    for (const model of plan.modelCalls.image > 0 ? (['video', 'image'] as const) : (['video'] as const)) {
      const rows = (t: Tensor) => (model === 'image' ? repeatInterleaveBatch(t, frames) : t);
      for (const kind of kinds) {
        const tensor =
          kind === 'both' ? concatBatch([rows(options.text.uncond), rows(options.text.cond)]) : rows(options.text[kind]);
        text.set(`${model} ${kind}`, own(space.upload(tensor)));
      }
    }
    const textFor = (model: string, kind: string): L => text.get(`${model} ${kind}`) as L;
    const callsPerSubStep = plan.cfg && cfgMode === 'split' ? 2 : 1;
    const totalCalls = plan.steps.reduce((n, s) => n + s.subSteps.length * callsPerSubStep, 0);
    let call = 0;

    let latents = own(space.upload(options.initLatents));
    for (const step of plan.steps) {
      for (const [subIndex, sub] of step.subSteps.entries()) {
        const predictor = (sub.model === 'image' ? models.image : models.video) as NoisePredictor<L>;
        let arithmeticStarted = now();
        let arithmeticMs = 0;
        const input = sub.model === 'image' ? own(space.videoToFrames(latents)) : latents;
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
        const predict = async (x: L, embeds: L): Promise<L> => {
          await options.yieldBetweenCalls?.();
          if (signal?.aborted) throw new SamplingCancelledError();
          call++;
          onEvent?.({ type: 'model-call-start', ...info, call });
          const started = now();
          const out = own(await predictor.predictNoise(x, sub.evalTimestep, embeds, signal));
          const inShape = space.shape(x);
          const outShape = space.shape(out);
          if (!shapeEquals(outShape, inShape)) {
            throw new ModelOutputError(
              `The ${sub.model} model returned shape ${formatShape(outShape)} for input ${formatShape(inShape)}; it must match.`,
            );
          }
          onEvent?.({ type: 'model-call-end', ...info, call, durationMs: now() - started });
          return out;
        };
        let noise: L;
        if (!plan.cfg) {
          arithmeticMs += now() - arithmeticStarted;
          noise = await predict(input, textFor(sub.model, 'cond'));
          arithmeticStarted = now();
        } else if (cfgMode === 'batched') {
          const doubled = own(space.duplicateBatch(input));
          arithmeticMs += now() - arithmeticStarted;
          const out = await predict(doubled, textFor(sub.model, 'both'));
          arithmeticStarted = now();
          drop(doubled);
          noise = own(space.guideBatched(out, sub.guidance));
          drop(out);
        } else {
          arithmeticMs += now() - arithmeticStarted;
          const u = await predict(input, textFor(sub.model, 'uncond'));
          const c = await predict(input, textFor(sub.model, 'cond'));
          arithmeticStarted = now();
          noise = own(space.guide(u, c, sub.guidance));
          drop(u);
          drop(c);
        }
        const k = subStepCoefficients(options.schedules, sub.op, sub.stepTimestep, plan.settings.eta);
        // The variance noise is drawn in the layout of the tensor being stepped (frames for the IDM), as diffusers does.
        const variance = k.needsNoise ? options.generator?.randn(numel(space.shape(input))) : undefined;
        const stepped = own(space.step(k, noise, input, variance));
        drop(noise);
        if (input !== latents) drop(input);
        drop(latents);
        if (sub.model === 'image') {
          latents = own(space.framesToVideo(stepped, batch));
          drop(stepped);
        } else {
          latents = stepped;
        }
        await space.settle();
        arithmeticMs += now() - arithmeticStarted;
        options.onSchedulerTime?.(arithmeticMs);
      }
      if (onEvent) {
        const wanted = !space.resident || (options.readLatentsAt?.(step.index) ?? true);
        const read = wanted ? await space.read(latents) : undefined;
        onEvent({
          type: 'step-end',
          step: step.index,
          steps: plan.steps.length,
          timestep: step.timestep,
          ...(read ? { latents: read } : {}),
        });
      }
    }
    const result = await space.read(latents);
    // A CPU space hands back its own buffer: the caller gets it, nothing to copy.
    return space.resident ? result : { data: result.data, shape: [...result.shape] };
  } finally {
    for (const handle of held) space.release(handle);
    held.clear();
  }
}
