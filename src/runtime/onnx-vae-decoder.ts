import { concatBatch, splitBatch, type Tensor } from '../core/tensor/tensor.js';
import type { OrtModule, OrtSession } from './ort.js';
import { checkDim, resolveVaeDecoderSignature, staticBatch, staticBatchChunks, type VaeDecoderSignature } from './signature.js';
import { fromOrtFloat, toOrtFloat } from './tensors.js';

/** VAE decoder: scaled latents [N, 4, h, w] → images [N, 3, 8h, 8w] in about [−1, 1]. */
export class OnnxVaeDecoder {
  readonly signature: VaeDecoderSignature;

  constructor(
    private readonly ort: OrtModule,
    readonly session: OrtSession,
    readonly part = 'vae_decoder',
  ) {
    this.signature = resolveVaeDecoderSignature(part, session);
  }

  /**
   * Decode in chunks of `chunk` frames (1 = the official enable_vae_slicing) to bound memory. `onDecoded`
   * hears the number of frames decoded so far after every chunk.
   */
  async decode(latents: Tensor, chunk = 1, onDecoded?: (done: number, total: number) => void): Promise<Tensor> {
    const sig = this.signature;
    checkDim(this.part, sig.input, 1, latents.shape[1] as number, 'latent channels');
    const n = latents.shape[0] as number;
    const fixedChunks = staticBatchChunks(this.part, sig.input, n, 'frames');
    const size = fixedChunks > 1 || staticBatch(sig.input) !== null ? n / fixedChunks : Math.max(1, Math.min(chunk, n));
    if (n % size !== 0)
      throw new RangeError(
        `${this.part}: cannot decode ${n} frames in chunks of ${size}; pick a chunk size that divides the frame count`,
      );
    const outs: Tensor[] = [];
    for (const part of splitBatch(latents, n / size)) {
      const results = await this.session.run({ [sig.input.name]: toOrtFloat(this.ort, part, sig.dtype) }, [sig.output]);
      const out = results[sig.output];
      if (!out) throw new Error(`${this.part}: output "${sig.output}" is missing`);
      outs.push(await fromOrtFloat(out));
      out.dispose();
      onDecoded?.(outs.length * size, n);
    }
    return concatBatch(outs);
  }
}
