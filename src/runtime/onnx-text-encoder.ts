import { concatBatch, type Tensor } from '../core/tensor/tensor.js';
import { ModelSignatureError } from './errors.js';
import type { OrtModule, OrtSession } from './ort.js';
import { resolveTextEncoderSignature, staticBatchChunks, type TextEncoderSignature } from './signature.js';
import { fromOrtFloat } from './tensors.js';

/** CLIP-style text encoder: token ids [B, L] → last_hidden_state [B, L, D]. */
export class OnnxTextEncoder {
  readonly signature: TextEncoderSignature;

  constructor(
    private readonly ort: OrtModule,
    readonly session: OrtSession,
    readonly part = 'text_encoder',
  ) {
    this.signature = resolveTextEncoderSignature(part, session);
  }

  /** Encode one or more equally long token id sequences (in chunks when the graph has a static batch). */
  async encode(tokenIds: readonly (readonly number[])[]): Promise<Tensor> {
    const sig = this.signature;
    const length = tokenIds[0]?.length ?? 0;
    if (tokenIds.some((ids) => ids.length !== length)) throw new RangeError('all token sequences must have the same length');
    if (sig.length !== null && sig.length !== length) {
      throw new ModelSignatureError(
        this.part,
        sig.input.name,
        `${this.part}: input "input_ids" takes ${sig.length} tokens, got ${length}.`,
      );
    }
    const chunks = staticBatchChunks(this.part, sig.input, tokenIds.length, 'prompts');
    const per = tokenIds.length / chunks;
    const outs: Tensor[] = [];
    for (let c = 0; c < chunks; c++) outs.push(await this.run(tokenIds.slice(c * per, (c + 1) * per), length));
    return chunks === 1 ? (outs[0] as Tensor) : concatBatch(outs);
  }

  private async run(rows: readonly (readonly number[])[], length: number): Promise<Tensor> {
    const sig = this.signature;
    const flat = rows.flat();
    const dims = [rows.length, length];
    const ids =
      sig.idsType === 'int64'
        ? new this.ort.Tensor(
            'int64',
            BigInt64Array.from(flat, (v) => BigInt(v)),
            dims,
          )
        : new this.ort.Tensor('int32', Int32Array.from(flat), dims);
    const results = await this.session.run({ [sig.input.name]: ids }, [sig.output]);
    const out = results[sig.output];
    if (!out) throw new ModelSignatureError(this.part, sig.output, `${this.part}: output "${sig.output}" is missing.`);
    try {
      return await fromOrtFloat(out);
    } finally {
      out.dispose();
    }
  }
}
