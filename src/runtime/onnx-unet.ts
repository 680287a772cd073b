import type { NoisePredictor } from '../core/sampler/models.js';
import { concatBatch, repeatInterleaveBatch, splitBatch, type Tensor } from '../core/tensor/tensor.js';
import { ModelSignatureError } from './errors.js';
import type { OrtModule, OrtSession } from './ort.js';
import { checkDim, resolveUnetSignature, staticBatchChunks, type UnetSignature } from './signature.js';
import { fromOrtFloat, timestepTensor, toOrtFloat } from './tensors.js';

const IMAGE_AXES = ['batch', 'latent channels', 'height', 'width'];
const VIDEO_AXES = ['batch', 'latent channels', 'frames', 'height', 'width'];

/**
 * An image or video UNet behind the core's NoisePredictor interface. Adapts to the export's
 * signature: timestep form and dtype, fp16 I/O, static batch (split into chunks), and for the VDM
 * text per video or per frame.
 */
export class OnnxUnet implements NoisePredictor {
  readonly signature: UnetSignature;

  constructor(
    private readonly ort: OrtModule,
    readonly session: OrtSession,
    readonly kind: 'image' | 'video',
    readonly part: string,
    textPerFrame?: boolean,
  ) {
    this.signature = resolveUnetSignature(part, session, kind);
    if (textPerFrame !== undefined && kind === 'video') this.signature.textPerFrame = textPerFrame;
  }

  async predictNoise(sample: Tensor, timestep: number, textEmbeddings: Tensor): Promise<Tensor> {
    const sig = this.signature;
    const batch = sample.shape[0] as number;
    if (textEmbeddings.shape[0] !== batch) {
      throw new RangeError(`${this.part}: ${batch} samples but ${textEmbeddings.shape[0]} text rows`);
    }
    const axisNames = this.kind === 'video' ? VIDEO_AXES : IMAGE_AXES;
    for (let axis = 1; axis < sample.shape.length; axis++) {
      checkDim(this.part, sig.sample, axis, sample.shape[axis] as number, axisNames[axis] as string);
    }
    checkDim(this.part, sig.text, 1, textEmbeddings.shape[1] as number, 'text tokens');
    checkDim(this.part, sig.text, 2, textEmbeddings.shape[2] as number, 'text embedding width');

    // Static-batch exports (e.g. batch 2) are fed in chunks of their batch size.
    const chunks = staticBatchChunks(this.part, sig.sample, batch, 'samples');
    if (chunks > 1) {
      const samples = splitBatch(sample, chunks);
      const texts = splitBatch(textEmbeddings, chunks);
      const outs: Tensor[] = [];
      for (let i = 0; i < chunks; i++) outs.push(await this.run(samples[i] as Tensor, timestep, texts[i] as Tensor));
      return concatBatch(outs);
    }
    return this.run(sample, timestep, textEmbeddings);
  }

  private async run(sample: Tensor, timestep: number, text: Tensor): Promise<Tensor> {
    const sig = this.signature;
    if (this.kind === 'video' && sig.textPerFrame === 'unknown') {
      // Neither the metadata nor the manifest tells; try per video (diffusers ≤ 0.30), then per frame.
      // With one video both layouts hold the same rows, and a per-frame graph may broadcast a single
      // row without complaint, so only a call with several videos can settle the question for good.
      const decisive = (sample.shape[0] as number) > 1;
      try {
        const out = await this.runOnce(sample, timestep, text, false);
        if (decisive) sig.textPerFrame = false;
        return out;
      } catch (perVideoError) {
        try {
          const out = await this.runOnce(sample, timestep, text, true);
          sig.textPerFrame = true;
          return out;
        } catch {
          throw perVideoError;
        }
      }
    }
    return this.runOnce(sample, timestep, text, this.kind === 'video' && sig.textPerFrame === true);
  }

  private async runOnce(sample: Tensor, timestep: number, text: Tensor, perFrame: boolean): Promise<Tensor> {
    const sig = this.signature;
    const frames = this.kind === 'video' ? (sample.shape[2] as number) : 1;
    const embeds = perFrame ? repeatInterleaveBatch(text, frames) : text;
    const feeds = {
      [sig.sample.name]: toOrtFloat(this.ort, sample, sig.dtype),
      [sig.timestep.name]: timestepTensor(this.ort, sig.timestepFeed, timestep, sample.shape[0] as number),
      [sig.text.name]: toOrtFloat(this.ort, embeds, sig.text.type === 'float16' ? 'float16' : 'float32'),
    };
    const results = await this.session.run(feeds);
    const out = results[sig.output];
    if (!out)
      throw new ModelSignatureError(this.part, sig.output, `${this.part}: output "${sig.output}" is missing from the results.`);
    try {
      return await fromOrtFloat(out);
    } finally {
      out.dispose();
    }
  }
}
