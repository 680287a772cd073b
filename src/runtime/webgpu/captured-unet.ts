/**
 * A UNet session with onnxruntime's graph capture (`enableGraphCapture`): its first run records every GPU command
 * and later runs replay them, without onnxruntime's per-node CPU work (a bind group, a uniform write and a dispatch
 * per node). On an H100 the bundled pack's captured calls took 5.6-8.9 ms through the engine against 55-73 ms with
 * pinned shapes alone (docs/performance.md, "GPU, fourth run"), so the engine captures such packs by default
 * (pack-loader.ts graphCaptureByDefault); full-size packs are GPU-bound and keep plain sessions.
 *
 * onnxruntime-web 1.30 hands `enableGraphCapture` to its EP only for an object EP entry (model-set.ts makes sure of
 * that); with the bare string 'webgpu' the session is created and never captures. So the runner also watches its
 * runs until one replays (no bind group made) and reports a session that does not (`replay.missing`).
 *
 * Capture needs pinned shapes (the exporter's dynamic axes leave shape nodes on the CPU otherwise, which capture
 * refuses) and inputs and outputs at the same GPU buffers on every run, so each call copies the sample, text rows
 * and timestep into this runner's own buffers and copies the output out into a fresh latent-space tensor.
 *
 * onnxruntime-web 1.30 needs help here: it lets a bound buffer's registration go after every run, and a replay then
 * returns its output under a stale handle (pinRegistrations below). And a replay gives no error of its own if
 * anything else goes wrong, so the caller (GpuOnnxUnet) checks the first captured call against the plain session
 * and falls back for good on a mismatch or an error: `CaptureState` keeps that verdict with the session, across
 * generations.
 */
import type { OrtModule, OrtSession, OrtTensor } from '../ort.js';
import { type GpuDType, type GpuLatentSpace, type GpuTensor, STORAGE_USAGE, tensorBytes } from './gpu-latent-space.js';

/**
 * The run by which a captured session must be replaying: the first run records the graph (onnxruntime may take one
 * plain run before it records, as its CUDA graphs do), so the third run at the latest makes no bind group.
 */
export const REPLAY_EXPECTED_BY_RUN = 3;

/** What is known of a captured session: untested, verified on a call, or turned off (and why). */
export interface CaptureState {
  status: 'untested' | 'verified' | 'off';
  reason?: string;
}

/** Graph ids start at 1: onnxruntime treats 0 and -1 specially (the default graph, no capture). */
let nextGraphId = 1;

interface FixedBuffers {
  key: string;
  sample: GPUBuffer;
  text: GPUBuffer;
  timestep: GPUBuffer;
  output: GPUBuffer;
  feeds: Record<string, OrtTensor>;
  fetches: Record<string, OrtTensor>;
}

export interface CapturedCall {
  sample: GpuTensor;
  text: GpuTensor;
  /** The timestep feed as the plain path makes it (a CPU tensor of the graph's type and form). */
  timestep: OrtTensor;
  names: { sample: string; text: string; timestep: string; output: string };
  outputDtype: GpuDType;
}

/**
 * Lives as long as its session: a captured graph replays on the buffers it was recorded with, so they must outlast
 * any one generation (OnnxUnet holds the runner; ModelSet.release disposes it).
 */
export class CapturedUnetRunner {
  private fixed: FixedBuffers | null = null;
  private pinned = false;
  private runs = 0;
  /**
   * Whether a run has been seen replaying (making no bind group), or why the runner gave up waiting for one:
   * onnxruntime creates a captured session without complaint even when it will never capture it, and such a
   * session runs node by node at the plain session's speed while holding a second copy of its buffers.
   */
  replay: { seen: boolean; missing?: string } = { seen: false };
  state: CaptureState = { status: 'untested' };
  /**
   * The WebGPU EP keys captured commands by graph id (run option `gpu_graph_id`, onnxruntime PR #28260); each
   * runner takes its own so that two captured sessions on one device cannot replay each other's commands. (Alone
   * this did not cure the failure seen on replays; that was the buffer registration, pinRegistrations below.)
   */
  private readonly graphId = String(nextGraphId++);

  constructor(
    private readonly ort: OrtModule,
    private readonly session: OrtSession,
  ) {}

  /** One captured run; the output (shape of the sample, `outputDtype`) is a new tensor of `space`. */
  async run(call: CapturedCall, space: GpuLatentSpace): Promise<GpuTensor> {
    const { device } = space;
    const fixed = this.buffersFor(call, device);
    space.copyBuffers([
      [call.sample.buffer, 0, fixed.sample, 0, tensorBytes(call.sample)],
      [call.text.buffer, 0, fixed.text, 0, tensorBytes(call.text)],
    ]);
    device.queue.writeBuffer(fixed.timestep, 0, paddedTo4(call.timestep.data as ArrayBufferView));
    const pinned = this.pinned ? null : pinRegistrations([fixed.sample, fixed.text, fixed.timestep, fixed.output]);
    // The recording run encodes every node; later runs are watched until one is seen replaying.
    const bindGroups = this.runs > 0 && !this.replay.seen ? countBindGroups(device) : null;
    try {
      await this.session.run(fixed.feeds as never, fixed.fetches as never, { extra: { gpu_graph_id: this.graphId } });
    } finally {
      if (pinned) this.pinned = pinned();
      const made = bindGroups?.stop();
      this.runs++;
      if (made === 0) this.replay = { seen: true };
      else if (made !== undefined && this.runs >= REPLAY_EXPECTED_BY_RUN) {
        this.replay = {
          seen: false,
          missing: `onnxruntime ran the graph node by node on run ${this.runs} (${made} bind groups made) instead of replaying it`,
        };
      }
    }
    if (!this.pinned) throw new Error("could not keep onnxruntime-web's registrations of the captured buffers");
    const out = space.alloc(call.sample.shape, call.outputDtype);
    space.copyBuffers([[fixed.output, 0, out.buffer, 0, tensorBytes(out)]]);
    return out;
  }

  /** Buffers of this call's shapes, made on the first call (a captured graph replays on the same ones). */
  private buffersFor(call: CapturedCall, device: GPUDevice): FixedBuffers {
    const key = `${call.sample.dtype}${call.sample.shape.join('x')} ${call.text.dtype}${call.text.shape.join('x')}`;
    if (this.fixed) {
      if (this.fixed.key !== key) throw new Error(`captured UNet called with shapes ${key}, recorded with ${this.fixed.key}`);
      return this.fixed;
    }
    const make = (bytes: number) => device.createBuffer({ size: Math.max(16, Math.ceil(bytes / 16) * 16), usage: STORAGE_USAGE });
    const timestepData = call.timestep.data as ArrayBufferView;
    const sample = make(tensorBytes(call.sample));
    const text = make(tensorBytes(call.text));
    const timestep = make(timestepData.byteLength);
    const output = make(tensorBytes({ shape: call.sample.shape, dtype: call.outputDtype }));
    const { Tensor } = this.ort;
    this.fixed = {
      key,
      sample,
      text,
      timestep,
      output,
      feeds: {
        [call.names.sample]: Tensor.fromGpuBuffer(sample, { dataType: call.sample.dtype, dims: [...call.sample.shape] }),
        [call.names.text]: Tensor.fromGpuBuffer(text, { dataType: call.text.dtype, dims: [...call.text.shape] }),
        [call.names.timestep]: Tensor.fromGpuBuffer(timestep, {
          dataType: call.timestep.type as 'float32' | 'float16' | 'int32' | 'int64',
          dims: [...call.timestep.dims],
        }),
      },
      fetches: {
        [call.names.output]: Tensor.fromGpuBuffer(output, { dataType: call.outputDtype, dims: [...call.sample.shape] }),
      },
    };
    return this.fixed;
  }

  /**
   * The runner's buffers (the session is the model set's). onnxruntime keeps the four handles pinned above in its
   * table, as it would for any registered buffer; that is four entries per model set made.
   */
  dispose(): void {
    if (!this.fixed) return;
    for (const b of [this.fixed.sample, this.fixed.text, this.fixed.timestep, this.fixed.output]) b.destroy();
    this.fixed = null;
  }
}

/**
 * Counts the bind groups made on `device` until stop() (which returns the count and puts the method back). A replay
 * makes none (its bind groups were recorded); a node-by-node run makes one or more per node. onnxruntime-web's
 * WebGPU calls go through the device's JavaScript methods, so an own property on the device sees them.
 */
export function countBindGroups(device: GPUDevice): { stop(): number } {
  const own = Object.getOwnPropertyDescriptor(device, 'createBindGroup');
  const previous = device.createBindGroup;
  let count = 0;
  Object.defineProperty(device, 'createBindGroup', {
    configurable: true,
    writable: true,
    value(this: GPUDevice, descriptor: GPUBindGroupDescriptor): GPUBindGroup {
      count++;
      return previous.call(this, descriptor);
    },
  });
  return {
    stop() {
      if (own) Object.defineProperty(device, 'createBindGroup', own);
      else delete (device as unknown as Record<string, unknown>).createBindGroup;
      return count;
    },
  };
}

/** A copy of `data` padded to a multiple of 4 bytes, as writeBuffer needs (an fp16 timestep is 2 bytes). */
export function paddedTo4(data: ArrayBufferView): Uint8Array<ArrayBuffer> {
  const padded = new Uint8Array(Math.ceil(data.byteLength / 4) * 4);
  padded.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  return padded;
}

/** The description of onnxruntime-web's private symbol under which it keeps a buffer's [handle, count] registration. */
const REGISTRATION = 'gpuBufferMetadata';

/**
 * onnxruntime-web 1.30 registers a bound GPU buffer for each run and lets the registration go after it (a
 * [handle, count] pair on the buffer under a private symbol, `gpuBufferMetadata`, set by assignment and deleted at
 * count 0); the next run registers it again under a new handle. A replayed graph still returns its output under the
 * handle of the capturing run, which by then points at nothing (the "Cannot set properties of undefined" error) or
 * at another buffer. Holding one more count on each of the captured runner's buffers keeps their handles for the
 * session's life.
 *
 * Armed before the capturing run: each buffer gets a prototype that traps the assignment of that symbol, so the
 * count is raised the moment onnxruntime registers the buffer, whatever the run's timing. (Polling for the
 * registration while the run was pending worked in Chromium and missed it under Node + Dawn, where the whole run
 * can pass between two timer ticks.) The buffer gets its own prototype back at once. Returns a function to call
 * after the run: it disarms what was never registered and says whether all of them were pinned.
 */
export function pinRegistrations(buffers: GPUBuffer[]): () => boolean {
  const pinned = new Set<GPUBuffer>();
  const prototypes = new Map<GPUBuffer, object | null>();
  const pin = (buffer: GPUBuffer, key: symbol): void => {
    const meta = (buffer as unknown as Record<symbol, unknown>)[key];
    if (Array.isArray(meta) && typeof meta[1] === 'number' && meta[1] >= 1) {
      meta[1]++;
      pinned.add(buffer);
    }
  };
  for (const buffer of buffers) {
    const already = Object.getOwnPropertySymbols(buffer).find((s) => s.description === REGISTRATION);
    if (already) {
      pin(buffer, already);
      continue;
    }
    const prototype = Object.getPrototypeOf(buffer) as object | null;
    prototypes.set(buffer, prototype);
    const trap = new Proxy(prototype ?? {}, {
      set(target, key, value, receiver) {
        if (receiver !== buffer || typeof key !== 'symbol' || key.description !== REGISTRATION) {
          return Reflect.set(target, key, value, receiver);
        }
        Object.setPrototypeOf(buffer, prototype);
        prototypes.delete(buffer);
        const defined = Reflect.defineProperty(buffer, key, { value, writable: true, enumerable: true, configurable: true });
        pin(buffer, key);
        return defined;
      },
    });
    Object.setPrototypeOf(buffer, trap);
  }
  return () => {
    for (const [buffer, prototype] of prototypes) Object.setPrototypeOf(buffer, prototype);
    prototypes.clear();
    return pinned.size === buffers.length;
  };
}
