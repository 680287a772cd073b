import { concatBatch, splitBatch, type Tensor } from '../core/tensor/tensor.js';
import type { OrtModule, OrtSession } from './ort.js';
import { checkDim, resolveVaeDecoderSignature, staticBatch, type VaeDecoderSignature } from './signature.js';
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

  /** Decode in chunks of `chunk` frames (1 = the official enable_vae_slicing) to bound memory. */
  async decode(latents: Tensor, chunk = 1): Promise<Tensor> {
    const sig = this.signature;
    checkDim(this.part, sig.input, 1, latents.shape[1] as number, 'latent channels');
    const n = latents.shape[0] as number;
    const size = staticBatch(sig.input) ?? Math.max(1, Math.min(chunk, n));
    if (n % size !== 0) throw new RangeError(`${this.part}: cannot decode ${n} frames in batches of ${size}`);
    const outs: Tensor[] = [];
    for (const part of splitBatch(latents, n / size)) {
      const results = await this.session.run({ [sig.input.name]: toOrtFloat(this.ort, part, sig.dtype) }, [sig.output]);
      const out = results[sig.output];
      if (!out) throw new Error(`${this.part}: output "${sig.output}" is missing`);
      outs.push(await fromOrtFloat(out));
      out.dispose();
    }
    return concatBatch(outs);
  }
}
