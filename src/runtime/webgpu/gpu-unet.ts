import type { NoisePredictor } from '../../core/sampler/models.js';
import { ModelSignatureError } from '../errors.js';
import type { OnnxUnet } from '../onnx-unet.js';
import type { OrtTensor } from '../ort.js';
import { timestepTensor } from '../tensors.js';
import type { CapturedUnetRunner } from './captured-unet.js';
import type { GpuLatentSpace, GpuTensor } from './gpu-latent-space.js';

/**
 * A UNet whose inputs and outputs stay on the GPU: the sample and text are fed as GPU tensors
 * (`Tensor.fromGpuBuffer`), the session was created with `preferredOutputLocation: 'gpu-buffer'`, and the
 * output is handed to the latent space without a readback. It wraps an OnnxUnet for the signature
 * adaptations (static batch, fp16, VDM text per video or per frame, timestep form).
 *
 * `session.run` resolves once the work is queued, not done; the call waits for the device queue so that the
 * sampler's model-call time is the UNet's real time and the scheduler time after it is its own.
 */
export class GpuOnnxUnet implements NoisePredictor<GpuTensor> {
  /** Calls answered by the graph-captured session (captured-unet.ts). */
  capturedCalls = 0;

  constructor(
    readonly unet: OnnxUnet,
    private readonly space: GpuLatentSpace,
  ) {}

  async predictNoise(sample: GpuTensor, timestep: number, textEmbeddings: GpuTensor): Promise<GpuTensor> {
    const chunks = this.unet.checkCall(sample.shape, textEmbeddings.shape);
    let out: GpuTensor;
    if (chunks === 1) {
      out = await this.run(sample, timestep, textEmbeddings);
    } else {
      const rows = (sample.shape[0] as number) / chunks;
      const outs: GpuTensor[] = [];
      try {
        for (let i = 0; i < chunks; i++) {
          const s = this.space.sliceBatch(sample, i * rows, rows);
          const t = this.space.sliceBatch(textEmbeddings, i * rows, rows);
          try {
            outs.push(await this.run(s, timestep, t));
          } finally {
            this.space.release(s);
            this.space.release(t);
          }
        }
        out = this.space.concatBatch(outs);
      } finally {
        for (const o of outs) this.space.release(o);
      }
    }
    await this.space.settle();
    return out;
  }

  private run(sample: GpuTensor, timestep: number, text: GpuTensor): Promise<GpuTensor> {
    return this.unet.withTextLayout(sample.shape[0] as number, (perFrame) => this.runOnce(sample, timestep, text, perFrame));
  }

  private async runOnce(sample: GpuTensor, timestep: number, text: GpuTensor, perFrame: boolean): Promise<GpuTensor> {
    const { ort, signature: sig, session, part } = this.unet;
    const frames = this.unet.kind === 'video' ? (sample.shape[2] as number) : 1;
    const temporaries: GpuTensor[] = [];
    const temp = (t: GpuTensor): GpuTensor => {
      temporaries.push(t);
      return t;
    };
    try {
      const embeds = perFrame ? temp(this.space.repeatInterleaveBatch(text, frames)) : text;
      const feedSample = sig.dtype === 'float16' ? temp(this.space.toHalf(sample)) : sample;
      const feedText = sig.text.type === 'float16' ? temp(this.space.toHalf(embeds)) : embeds;
      const timestepFeed = timestepTensor(ort, sig.timestepFeed, timestep, sample.shape[0] as number);
      const runPlain = async (): Promise<GpuTensor> => {
        const feeds = {
          [sig.sample.name]: ort.Tensor.fromGpuBuffer(feedSample.buffer, {
            dataType: feedSample.dtype,
            dims: [...feedSample.shape],
          }),
          [sig.timestep.name]: timestepFeed,
          [sig.text.name]: ort.Tensor.fromGpuBuffer(feedText.buffer, { dataType: feedText.dtype, dims: [...feedText.shape] }),
        };
        const results = await session.run(feeds, [sig.output]);
        const out = results[sig.output];
        if (!out) throw new ModelSignatureError(part, sig.output, `${part}: output "${sig.output}" is missing from the results.`);
        return this.space.adoptOrtOutput(out);
      };
      const adopted = this.unet.captured
        ? await this.runCaptured(this.unet.captured, feedSample, feedText, timestepFeed, runPlain)
        : await runPlain();
      if (adopted.dtype === 'float32') return adopted;
      // fp16 graphs: the latents stay float32 between calls, as on the CPU path.
      const widened = this.space.fromHalf(adopted);
      this.space.release(adopted);
      return widened;
    } finally {
      for (const t of temporaries) this.space.release(t);
    }
  }

  /**
   * The captured session where it is trusted: its first call is checked against the plain session (same inputs;
   * a replay of the same kernels must give the same values), and a mismatch or an error turns it off for good,
   * the plain session answering instead (a replay reports nothing itself when it goes wrong: onnxruntime-web 1.30's
   * replays returned stale outputs until captured-unet.ts pinned their buffers).
   */
  private async runCaptured(
    runner: CapturedUnetRunner,
    sample: GpuTensor,
    text: GpuTensor,
    timestep: OrtTensor,
    runPlain: () => Promise<GpuTensor>,
  ): Promise<GpuTensor> {
    if (runner.state.status === 'off') return runPlain();
    const sig = this.unet.signature;
    let captured: GpuTensor;
    try {
      captured = await runner.run(
        {
          sample,
          text,
          timestep,
          names: { sample: sig.sample.name, text: sig.text.name, timestep: sig.timestep.name, output: sig.output },
          outputDtype: sig.dtype === 'float16' ? 'float16' : 'float32',
        },
        this.space,
      );
    } catch (error) {
      runner.state = { status: 'off', reason: `onnxruntime failed a captured run (${(error as Error).message})` };
      return runPlain();
    }
    if (runner.replay.missing) {
      // onnxruntime never replays this session: the plain one serves from now on. This call's values are right
      // (the captured session ran every node into the fixed buffers), only no faster.
      runner.state = { status: 'off', reason: runner.replay.missing };
      return captured;
    }
    if (runner.state.status === 'verified') {
      this.capturedCalls++;
      return captured;
    }
    const plain = await runPlain();
    const difference = maxRelativeDifference((await this.space.read(captured)).data, (await this.space.read(plain)).data);
    if (difference <= CAPTURE_TOLERANCE) {
      runner.state = { status: 'verified' };
      this.space.release(plain);
      this.capturedCalls++;
      return captured;
    }
    runner.state = { status: 'off', reason: `its output differed from the plain session's by ${difference.toExponential(2)}` };
    this.space.release(captured);
    return plain;
  }
}

/** A replay of the recorded kernels on the same inputs: anything beyond rounding noise is a fault. */
const CAPTURE_TOLERANCE = 1e-5;

function maxRelativeDifference(a: Float32Array, b: Float32Array): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    const x = a[i] as number;
    const y = b[i] as number;
    diff = Math.max(diff, Number.isNaN(x) || Number.isNaN(y) ? Number.POSITIVE_INFINITY : Math.abs(x - y));
    scale = Math.max(scale, Math.abs(y));
  }
  return diff / (scale || 1);
}
