import {
  applyDdimCoefficients,
  type DdimCoefficients,
  type DdimInverseSchedule,
  type DdimSchedule,
  ddimInverseStepCoefficients,
  ddimStepCoefficients,
} from '../scheduler/ddim.js';
import { concatBatch, splitBatch, type Tensor } from '../tensor/tensor.js';
import { framesToVideo, videoToFrames } from '../tensor/video-layout.js';

/**
 * Where the sampler keeps its tensors between model calls, and who does the arithmetic between them (layout
 * changes, CFG, DDIM steps). The core's own space (`cpuLatentSpace`) holds Float32Arrays; the runtime
 * supplies a WebGPU one (src/runtime/webgpu) whose handles are GPU buffers, so latents never leave the GPU
 * between UNet calls. `L` is the space's handle type; models running in a space take and return its handles.
 *
 * Every handle the sampler gets from the space (upload or any operation) is released by the sampler with
 * `release` once it is no longer needed; a space may also free everything it still holds when disposed.
 */
export interface LatentSpace<L> {
  /** Whether the handles live in another memory (then reads and uploads are transfers worth measuring). */
  readonly resident: boolean;
  upload(t: Tensor): L;
  /** A copy on the CPU (the handle stays valid). */
  read(handle: L): Promise<Tensor>;
  shape(handle: L): readonly number[];
  release(handle: L): void;
  /** `b c f h w -> (b f) c h w` */
  videoToFrames(video: L): L;
  /** `(b f) c h w -> b c f h w` */
  framesToVideo(frames: L, batch: number): L;
  /** [x; x]: the input of a batched CFG call. */
  duplicateBatch(x: L): L;
  /** u + w·(c − u) where [u; c] is the output of a batched CFG call. */
  guideBatched(output: L, weight: number): L;
  /** u + w·(c − u) of two split CFG calls. */
  guide(uncond: L, cond: L, weight: number): L;
  /** One DDIM or DDIM-inversion step (see ddim.ts); `varianceNoise` when `k.needsNoise`. */
  step(k: DdimCoefficients, modelOutput: L, sample: L, varianceNoise?: Float32Array): L;
  /**
   * Resolves when the work queued so far is done (a GPU queue); the sampler awaits it after the scheduler
   * arithmetic of every sub-step so that its time is measured where it is spent.
   */
  settle(): Promise<void>;
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

/** The core's own space: plain float32 tensors on the CPU, handles are the tensors themselves. */
export function cpuLatentSpace(): LatentSpace<Tensor> {
  return {
    resident: false,
    upload: (t) => ({ data: new Float32Array(t.data), shape: [...t.shape] }),
    read: async (t) => t,
    shape: (t) => t.shape,
    release: () => {},
    videoToFrames,
    framesToVideo,
    duplicateBatch: (x) => concatBatch([x, x]),
    guideBatched: (output, weight) => {
      const [u, c] = splitBatch(output, 2) as [Tensor, Tensor];
      return { data: combineGuidance(u.data, c.data, weight), shape: u.shape };
    },
    guide: (u, c, weight) => ({ data: combineGuidance(u.data, c.data, weight), shape: u.shape }),
    step: (k, output, sample, noise) => ({
      data: applyDdimCoefficients(k, output.data, sample.data, noise),
      shape: sample.shape,
    }),
    settle: async () => {},
  };
}

/** The coefficients of a planned sub-step's scheduler step. */
export function subStepCoefficients(
  schedules: { denoise: DdimSchedule; invert: DdimInverseSchedule },
  op: 'denoise' | 'invert',
  timestep: number,
  eta: number,
): DdimCoefficients {
  return op === 'invert'
    ? ddimInverseStepCoefficients(schedules.invert, timestep)
    : ddimStepCoefficients(schedules.denoise, timestep, eta);
}
