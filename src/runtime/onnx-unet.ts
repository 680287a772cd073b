import type { NoisePredictor } from '../core/sampler/models.js';
import { concatBatch, repeatInterleaveBatch, splitBatch, type Tensor } from '../core/tensor/tensor.js';
import { ModelSignatureError } from './errors.js';
import type { OrtModule, OrtSession } from './ort.js';
import { checkDim, resolveUnetSignature, staticBatchChunks, type UnetSignature } from './signature.js';
import { fromOrtFloat, timestepTensor, toOrtFloat } from './tensors.js';
import type { CapturedUnetRunner } from './webgpu/captured-unet.js';

const IMAGE_AXES = ['batch', 'latent channels', 'height', 'width'];
const VIDEO_AXES = ['batch', 'latent channels', 'frames', 'height', 'width'];

/**
 * An image or video UNet behind the core's NoisePredictor interface. Adapts to the export's
 * signature: timestep form and dtype, fp16 I/O, static batch (split into chunks), and for the VDM
 * text per video or per frame.
 */
export class OnnxUnet implements NoisePredictor {
  readonly signature: UnetSignature;
  /**
   * A second session of the same graph with graph capture, where the model set made one (WebGPU, pinned shapes,
   * LoadOptions.graphCapture); GpuOnnxUnet uses it once a call has checked it against this one.
   */
  captured?: CapturedUnetRunner;

  constructor(
    readonly ort: OrtModule,
    readonly session: OrtSession,
    readonly kind: 'image' | 'video',
    readonly part: string,
    textPerFrame?: boolean,
  ) {
    this.signature = resolveUnetSignature(part, session, kind);
    if (textPerFrame !== undefined && kind === 'video') this.signature.textPerFrame = textPerFrame;
  }

  async predictNoise(sample: Tensor, timestep: number, textEmbeddings: Tensor): Promise<Tensor> {
    // Static-batch exports (e.g. batch 2) are fed in chunks of their batch size.
    const chunks = this.checkCall(sample.shape, textEmbeddings.shape);
    if (chunks > 1) {
      const samples = splitBatch(sample, chunks);
      const texts = splitBatch(textEmbeddings, chunks);
      const outs: Tensor[] = [];
      for (let i = 0; i < chunks; i++) outs.push(await this.run(samples[i] as Tensor, timestep, texts[i] as Tensor));
      return concatBatch(outs);
    }
    return this.run(sample, timestep, textEmbeddings);
  }

  /**
   * Check a call's shapes against the graph (ModelSignatureError naming the input otherwise); returns how
   * many chunks a static-batch export needs.
   */
  checkCall(sampleShape: readonly number[], textShape: readonly number[]): number {
    const sig = this.signature;
    const batch = sampleShape[0] as number;
    if (textShape[0] !== batch) {
      throw new RangeError(`${this.part}: ${batch} samples but ${textShape[0]} text rows`);
    }
    const axisNames = this.kind === 'video' ? VIDEO_AXES : IMAGE_AXES;
    for (let axis = 1; axis < sampleShape.length; axis++) {
      checkDim(this.part, sig.sample, axis, sampleShape[axis] as number, axisNames[axis] as string);
    }
    checkDim(this.part, sig.text, 1, textShape[1] as number, 'text tokens');
    checkDim(this.part, sig.text, 2, textShape[2] as number, 'text embedding width');
    return staticBatchChunks(this.part, sig.sample, batch, 'samples');
  }

  /**
   * Run one chunk with the text in the layout the graph wants: for the VDM per video or per frame, settled
   * by trying when neither the metadata nor the manifest tells (`run(perFrame)` does the actual call).
   */
  async withTextLayout<T>(batch: number, run: (perFrame: boolean) => Promise<T>): Promise<T> {
    const sig = this.signature;
    if (this.kind === 'video' && sig.textPerFrame === 'unknown') {
      // Neither the metadata nor the manifest tells; try per video (diffusers ≤ 0.30), then per frame.
      // With one video both layouts hold the same rows, and a per-frame graph may broadcast a single
      // row without complaint, so only a call with several videos can settle the question for good.
      const decisive = batch > 1;
      try {
        const out = await run(false);
        if (decisive) sig.textPerFrame = false;
        return out;
      } catch (perVideoError) {
        try {
          const out = await run(true);
          sig.textPerFrame = true;
          return out;
        } catch {
          throw perVideoError;
        }
      }
    }
    return run(this.kind === 'video' && sig.textPerFrame === true);
  }

  private run(sample: Tensor, timestep: number, text: Tensor): Promise<Tensor> {
    return this.withTextLayout(sample.shape[0] as number, (perFrame) => this.runOnce(sample, timestep, text, perFrame));
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
