import type { Tensor } from '../tensor/tensor.js';

/**
 * The only way the sampler reaches a model. Implementations wrap ONNX sessions (src/runtime), but a
 * test can pass a plain function.
 *
 * - image denoiser: sample [N, 4, h, w] (a batch of frames), text [N, 77, D] (one row per frame)
 * - video denoiser: sample [B, 4, F, h, w], text [B, 77, D] (one row per video; the runtime expands it
 *   per frame when the exported graph wants [B·F, 77, D])
 * Both return the model output (the noise prediction for epsilon models) in the sample's shape.
 */
export interface NoisePredictor<L = Tensor> {
  /** `L` is the handle type of the latent space the sampler runs in (plain tensors by default; see latent-space.ts). */
  predictNoise(sample: L, timestep: number, textEmbeddings: L, signal?: AbortSignal): Promise<L>;
}

export interface SamplerModels<L = Tensor> {
  /** Required by the variants that use the image model (IV-mixed and the ablations). */
  image?: NoisePredictor<L>;
  video: NoisePredictor<L>;
}

/** Text embeddings for one video batch: the negative/empty prompt and the prompt, each [B, 77, D]. */
export interface TextConditioning {
  uncond: Tensor;
  cond: Tensor;
}

/**
 * How classifier-free guidance reaches the model: one call on [uncond; cond] (default, fastest) or two
 * calls of half the batch (half the activation memory). Both give the same numbers on ORT.
 */
export type CfgMode = 'batched' | 'split';
