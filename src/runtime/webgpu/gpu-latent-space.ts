/**
 * The sampler's latent space on a WebGPU device: latents, text rows and UNet outputs live in GPU buffers from
 * the first upload to the final read, and the scheduler arithmetic (CFG, DDIM, DDIM inversion, the
 * video ↔ frames permute) runs as WGSL compute passes (kernels.ts) on the device onnxruntime uses, so its
 * queue orders our passes and the UNet runs. Only previews, the final latents and eta noise cross the bus.
 *
 * No DOM API is used: the device comes from the caller (onnxruntime's `env.webgpu.device` in the worker, or a
 * Dawn device under Node), and buffer usage flags are written as numbers because Node has no GPUBufferUsage
 * global unless the Dawn bindings put one there.
 *
 * Buffers are pooled by size and reused as soon as they are released: the queue runs work in submission
 * order, so a later write never overtakes an earlier read. `dispose` destroys them all; `stats` counts the
 * buffers in use, which is how tests prove that nothing leaks from step to step.
 */
import type { LatentSpace } from '../../core/sampler/latent-space.js';
import type { DdimCoefficients } from '../../core/scheduler/ddim.js';
import { formatShape, numel, type Tensor } from '../../core/tensor/tensor.js';
import type { OrtTensor } from '../ort.js';
import { KERNELS, type KernelName, WORKGROUP_SIZE } from './kernels.js';

/** GPUBufferUsage / GPUMapMode values (WebGPU spec), so that no global is needed. */
const USAGE = { MAP_READ: 0x1, COPY_SRC: 0x4, COPY_DST: 0x8, UNIFORM: 0x40, STORAGE: 0x80 } as const;
const MAP_MODE_READ = 0x1;
/** Usage of every tensor buffer: bound as storage, copied from and to. */
export const STORAGE_USAGE = USAGE.STORAGE | USAGE.COPY_SRC | USAGE.COPY_DST;
const MAX_GROUPS_PER_DIM = 65535;

export type GpuDType = 'float32' | 'float16';

/** A tensor in a GPU buffer (the buffer may be larger than the tensor: onnxruntime rounds its allocations). */
export interface GpuTensor {
  readonly buffer: GPUBuffer;
  readonly shape: readonly number[];
  readonly dtype: GpuDType;
}

export interface GpuLatentStats {
  /** Host → GPU copies (initial latents, text rows, eta noise, CPU fallbacks): count, bytes and ms spent issuing them. */
  uploads: number;
  bytesUp: number;
  uploadMs: number;
  /** GPU → host reads (previews, final latents): count, bytes and ms until the data was on the CPU. */
  reads: number;
  bytesDown: number;
  readMs: number;
  /** Compute passes run. */
  dispatches: number;
  /** Handles given out and not released yet (pooled buffers and onnxruntime outputs). */
  liveTensors: number;
  /** Most handles alive at once. */
  peakLiveTensors: number;
  /** GPU buffers this space created and has not destroyed (pooled, in use, uniforms). */
  allocatedBuffers: number;
  peakAllocatedBuffers: number;
}

type Owner = { kind: 'pool'; size: number } | { kind: 'ort'; tensor: OrtTensor };

const BYTES: Record<GpuDType, number> = { float32: 4, float16: 2 };

/** Bytes of a tensor's values (its buffer may be larger). */
export function tensorBytes(t: Pick<GpuTensor, 'shape' | 'dtype'>): number {
  return numel(t.shape) * BYTES[t.dtype];
}

export class GpuLatentSpace implements LatentSpace<GpuTensor> {
  readonly resident = true;
  private readonly owners = new Map<GpuTensor, Owner>();
  private readonly free = new Map<number, GPUBuffer[]>();
  private readonly allBuffers = new Set<GPUBuffer>();
  private readonly pipelines = new Map<KernelName, GPUComputePipeline>();
  private readonly uniforms = new Map<KernelName, GPUBuffer>();
  private readonly counters: Omit<GpuLatentStats, 'liveTensors' | 'allocatedBuffers'> = {
    uploads: 0,
    bytesUp: 0,
    uploadMs: 0,
    reads: 0,
    bytesDown: 0,
    readMs: 0,
    dispatches: 0,
    peakLiveTensors: 0,
    peakAllocatedBuffers: 0,
  };
  private disposed = false;

  constructor(
    readonly device: GPUDevice,
    private readonly now: () => number = () => performance.now(),
  ) {}

  get stats(): GpuLatentStats {
    return { ...this.counters, liveTensors: this.owners.size, allocatedBuffers: this.allBuffers.size };
  }

  // ---- LatentSpace ------------------------------------------------------------------------------------

  upload(t: Tensor): GpuTensor {
    const started = this.now();
    const out = this.alloc(t.shape, 'float32');
    // dawn.node refuses views onto a SharedArrayBuffer (onnxruntime's threaded heap): copy those first.
    const data = t.data.buffer instanceof ArrayBuffer ? t.data : new Float32Array(t.data);
    this.device.queue.writeBuffer(out.buffer, 0, data.buffer, data.byteOffset, data.byteLength);
    this.counters.uploads++;
    this.counters.bytesUp += data.byteLength;
    this.counters.uploadMs += this.now() - started;
    return out;
  }

  async read(handle: GpuTensor): Promise<Tensor> {
    const started = this.now();
    const source = handle.dtype === 'float32' ? handle : this.fromHalf(handle);
    const bytes = numel(handle.shape) * 4;
    const staging = this.device.createBuffer({ size: bytes, usage: USAGE.MAP_READ | USAGE.COPY_DST });
    try {
      const encoder = this.device.createCommandEncoder();
      encoder.copyBufferToBuffer(source.buffer, 0, staging, 0, bytes);
      this.device.queue.submit([encoder.finish()]);
      await staging.mapAsync(MAP_MODE_READ);
      const data = new Float32Array(staging.getMappedRange().slice(0));
      staging.unmap();
      this.counters.reads++;
      this.counters.bytesDown += bytes;
      this.counters.readMs += this.now() - started;
      return { data, shape: [...handle.shape] };
    } finally {
      staging.destroy();
      if (source !== handle) this.release(source);
    }
  }

  shape(handle: GpuTensor): readonly number[] {
    return handle.shape;
  }

  release(handle: GpuTensor): void {
    const owner = this.owners.get(handle);
    if (!owner) return;
    this.owners.delete(handle);
    if (owner.kind === 'ort') {
      owner.tensor.dispose();
      return;
    }
    if (this.disposed) return;
    const list = this.free.get(owner.size) ?? [];
    list.push(handle.buffer);
    this.free.set(owner.size, list);
  }

  videoToFrames(video: GpuTensor): GpuTensor {
    const [b, c, f, h, w] = this.expect(video, 5, 'video latents [B,C,F,h,w]') as [number, number, number, number, number];
    return this.swap(video, [b * f, c, h, w], b, c, f, h * w);
  }

  framesToVideo(frames: GpuTensor, batch: number): GpuTensor {
    const [bf, c, h, w] = this.expect(frames, 4, 'frame latents [B*F,C,h,w]') as [number, number, number, number];
    if (bf % batch !== 0) throw new RangeError(`frame batch ${bf} is not a multiple of video batch ${batch}`);
    const f = bf / batch;
    return this.swap(frames, [batch, c, f, h, w], batch, f, c, h * w);
  }

  duplicateBatch(x: GpuTensor): GpuTensor {
    return this.concatBatch([x, x]);
  }

  guideBatched(output: GpuTensor, weight: number): GpuTensor {
    const f32 = this.asFloat32(output);
    const rows = f32.shape[0] ?? 0;
    if (rows % 2 !== 0) throw new RangeError(`a batched CFG output needs an even batch, got ${formatShape(f32.shape)}`);
    const shape = [rows / 2, ...f32.shape.slice(1)];
    const n = numel(shape);
    const out = this.alloc(shape, 'float32');
    this.dispatch('guide', n, [0, n], [weight], [f32.buffer, f32.buffer, out.buffer]);
    if (f32 !== output) this.release(f32);
    return out;
  }

  guide(uncond: GpuTensor, cond: GpuTensor, weight: number): GpuTensor {
    const u = this.asFloat32(uncond);
    const c = this.asFloat32(cond);
    const n = numel(u.shape);
    const out = this.alloc(u.shape, 'float32');
    this.dispatch('guide', n, [0, 0], [weight], [u.buffer, c.buffer, out.buffer]);
    if (u !== uncond) this.release(u);
    if (c !== cond) this.release(c);
    return out;
  }

  step(k: DdimCoefficients, modelOutput: GpuTensor, sample: GpuTensor, varianceNoise?: Float32Array): GpuTensor {
    const m = this.asFloat32(modelOutput);
    const n = numel(sample.shape);
    if (k.needsNoise && (!varianceNoise || varianceNoise.length !== n)) {
      throw new RangeError('ddimStep with eta > 0 needs one noise value per element');
    }
    const noise = k.needsNoise ? this.upload({ data: varianceNoise as Float32Array, shape: sample.shape }) : null;
    const out = this.alloc(sample.shape, 'float32');
    const mode = { epsilon: 0, sample: 1, v_prediction: 2 }[k.predictionType];
    this.dispatch(
      'ddim',
      n,
      [mode, k.clipRange === null ? 0 : 1, noise ? 1 : 0],
      [k.clipRange ?? 0, k.sqrtAlpha, k.sqrtBeta, k.sqrtAlphaNext, k.dirCoef, k.noiseStd, 0],
      [sample.buffer, m.buffer, (noise ?? sample).buffer, out.buffer],
    );
    if (noise) this.release(noise);
    if (m !== modelOutput) this.release(m);
    return out;
  }

  async settle(): Promise<void> {
    await this.device.queue.onSubmittedWorkDone();
  }

  // ---- what the GPU UNet needs ------------------------------------------------------------------------

  /** A fresh (pooled) tensor; its contents are undefined until written. */
  alloc(shape: readonly number[], dtype: GpuDType): GpuTensor {
    if (this.disposed) throw new Error('this GPU latent space was disposed');
    // Storage bindings and copies want multiples of 4 bytes.
    const size = Math.max(4, Math.ceil((numel(shape) * BYTES[dtype]) / 4) * 4);
    const buffer = this.free.get(size)?.pop() ?? this.createBuffer(size, STORAGE_USAGE);
    return this.track({ buffer, shape: [...shape], dtype }, { kind: 'pool', size });
  }

  /** Hand over an onnxruntime output on the GPU: released with `release` (the tensor is disposed then). */
  adoptOrtOutput(tensor: OrtTensor): GpuTensor {
    const dtype = tensor.type === 'float16' ? 'float16' : tensor.type === 'float32' ? 'float32' : null;
    if (!dtype) {
      tensor.dispose();
      throw new TypeError(`expected a float output, got ${tensor.type}`);
    }
    if (tensor.location !== 'gpu-buffer') {
      // A session without GPU outputs: take the CPU copy back to the GPU (counted as a transfer).
      throw new TypeError(
        'the onnxruntime output is not on the GPU; create the session with preferredOutputLocation "gpu-buffer"',
      );
    }
    return this.track({ buffer: tensor.gpuBuffer as GPUBuffer, shape: [...tensor.dims], dtype }, { kind: 'ort', tensor });
  }

  /** Rows [start, start + rows) of the batch axis, as a new tensor. */
  sliceBatch(x: GpuTensor, start: number, rows: number): GpuTensor {
    const rowElems = numel(x.shape.slice(1));
    const out = this.alloc([rows, ...x.shape.slice(1)], x.dtype);
    this.copyBuffers([[x.buffer, start * rowElems * BYTES[x.dtype], out.buffer, 0, rows * rowElems * BYTES[x.dtype]]]);
    return out;
  }

  /** Concatenate along the batch axis. */
  concatBatch(parts: readonly GpuTensor[]): GpuTensor {
    const first = parts[0];
    if (!first) throw new RangeError('concatBatch needs at least one tensor');
    const inner = first.shape.slice(1);
    const rows = parts.reduce((n, p) => n + (p.shape[0] ?? 0), 0);
    const out = this.alloc([rows, ...inner], first.dtype);
    let offset = 0;
    const copies: CopyOp[] = [];
    for (const p of parts) {
      const bytes = tensorBytes(p);
      copies.push([p.buffer, 0, out.buffer, offset, bytes]);
      offset += bytes;
    }
    this.copyBuffers(copies);
    return out;
  }

  /** torch.repeat_interleave(x, times, dim=0): every row `times` times in place. */
  repeatInterleaveBatch(x: GpuTensor, times: number): GpuTensor {
    const rows = x.shape[0] ?? 0;
    const rowBytes = numel(x.shape.slice(1)) * BYTES[x.dtype];
    const out = this.alloc([rows * times, ...x.shape.slice(1)], x.dtype);
    const copies: CopyOp[] = [];
    for (let r = 0; r < rows; r++) {
      for (let k = 0; k < times; k++) copies.push([x.buffer, r * rowBytes, out.buffer, (r * times + k) * rowBytes, rowBytes]);
    }
    this.copyBuffers(copies);
    return out;
  }

  /** float32 → float16 (for fp16 graphs). */
  toHalf(x: GpuTensor): GpuTensor {
    if (x.dtype === 'float16') throw new TypeError('toHalf: already float16');
    const n = numel(x.shape);
    if (n % 2 !== 0) throw new RangeError(`toHalf needs an even element count, got ${formatShape(x.shape)}`);
    const out = this.alloc(x.shape, 'float16');
    this.dispatch('toHalf', n / 2, [], [], [x.buffer, out.buffer]);
    return out;
  }

  /** float16 → float32. */
  fromHalf(x: GpuTensor): GpuTensor {
    if (x.dtype === 'float32') throw new TypeError('fromHalf: already float32');
    const n = numel(x.shape);
    if (n % 2 !== 0) throw new RangeError(`fromHalf needs an even element count, got ${formatShape(x.shape)}`);
    const out = this.alloc(x.shape, 'float32');
    this.dispatch('fromHalf', n / 2, [], [], [x.buffer, out.buffer]);
    return out;
  }

  /** Wait for the queue, then destroy every buffer this space made and dispose the onnxruntime outputs it holds. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    await this.settle().catch(() => {});
    this.disposed = true;
    for (const owner of this.owners.values()) if (owner.kind === 'ort') owner.tensor.dispose();
    this.owners.clear();
    for (const buffer of this.allBuffers) buffer.destroy();
    this.allBuffers.clear();
    this.free.clear();
    this.uniforms.clear();
  }

  // ---- internals ----------------------------------------------------------------------------------------

  private asFloat32(x: GpuTensor): GpuTensor {
    return x.dtype === 'float32' ? x : this.fromHalf(x);
  }

  private expect(t: GpuTensor, rank: number, what: string): number[] {
    if (t.shape.length !== rank || t.dtype !== 'float32') {
      throw new RangeError(`expected ${what} in float32, got ${t.dtype} ${formatShape(t.shape)}`);
    }
    return [...t.shape];
  }

  private swap(x: GpuTensor, outShape: number[], outer: number, dimX: number, dimY: number, inner: number): GpuTensor {
    const n = numel(x.shape);
    const out = this.alloc(outShape, 'float32');
    this.dispatch('swap', n, [outer, dimX, dimY, inner], [], [x.buffer, out.buffer]);
    return out;
  }

  private track(handle: GpuTensor, owner: Owner): GpuTensor {
    this.owners.set(handle, owner);
    this.counters.peakLiveTensors = Math.max(this.counters.peakLiveTensors, this.owners.size);
    return handle;
  }

  private createBuffer(size: number, usage: number): GPUBuffer {
    const buffer = this.device.createBuffer({ size, usage });
    this.allBuffers.add(buffer);
    this.counters.peakAllocatedBuffers = Math.max(this.counters.peakAllocatedBuffers, this.allBuffers.size);
    return buffer;
  }

  /** Buffer-to-buffer copies in one submission, ordered on the queue with everything else. */
  copyBuffers(copies: readonly CopyOp[]): void {
    const encoder = this.device.createCommandEncoder();
    for (const [src, srcOffset, dst, dstOffset, size] of copies) encoder.copyBufferToBuffer(src, srcOffset, dst, dstOffset, size);
    this.device.queue.submit([encoder.finish()]);
  }

  /**
   * One compute pass over n threads. The uniform block is [n, stride, ...u32s, ...f32s], each 4 bytes, in the
   * order of the kernel's Params struct. One uniform buffer per kernel is rewritten before each submit: the
   * queue orders writeBuffer and submit, so an earlier pass still sees its own values.
   */
  private dispatch(kernel: KernelName, n: number, u32s: readonly number[], f32s: readonly number[], buffers: GPUBuffer[]): void {
    if (n === 0) return;
    const groups = Math.ceil(n / WORKGROUP_SIZE);
    const groupsX = Math.min(groups, MAX_GROUPS_PER_DIM);
    const groupsY = Math.ceil(groups / groupsX);
    const words = 2 + u32s.length + f32s.length;
    const block = new ArrayBuffer(Math.ceil(words / 4) * 16);
    const asU32 = new Uint32Array(block);
    const asF32 = new Float32Array(block);
    asU32[0] = n;
    asU32[1] = groupsX * WORKGROUP_SIZE;
    u32s.forEach((v, i) => {
      asU32[2 + i] = v;
    });
    f32s.forEach((v, i) => {
      asF32[2 + u32s.length + i] = v;
    });
    const uniform = this.uniformFor(kernel, block.byteLength);
    this.device.queue.writeBuffer(uniform, 0, block);
    const pipeline = this.pipelineFor(kernel);
    const bindGroup = this.device.createBindGroup({
      layout: pipeline.getBindGroupLayout(0),
      entries: [
        { binding: 0, resource: { buffer: uniform } },
        ...buffers.map((buffer, i) => ({ binding: i + 1, resource: { buffer } })),
      ],
    });
    const encoder = this.device.createCommandEncoder();
    const pass = encoder.beginComputePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bindGroup);
    pass.dispatchWorkgroups(groupsX, groupsY);
    pass.end();
    this.device.queue.submit([encoder.finish()]);
    this.counters.dispatches++;
  }

  private uniformFor(kernel: KernelName, size: number): GPUBuffer {
    let uniform = this.uniforms.get(kernel);
    if (!uniform || uniform.size < size) {
      uniform = this.createBuffer(Math.max(size, 64), USAGE.UNIFORM | USAGE.COPY_DST);
      this.uniforms.set(kernel, uniform);
    }
    return uniform;
  }

  private pipelineFor(kernel: KernelName): GPUComputePipeline {
    let pipeline = this.pipelines.get(kernel);
    if (!pipeline) {
      const module = this.device.createShaderModule({ code: KERNELS[kernel], label: `ivmix ${kernel}` });
      pipeline = this.device.createComputePipeline({
        layout: 'auto',
        compute: { module, entryPoint: 'main' },
        label: `ivmix ${kernel}`,
      });
      this.pipelines.set(kernel, pipeline);
    }
    return pipeline;
  }
}

export type CopyOp = [src: GPUBuffer, srcOffset: number, dst: GPUBuffer, dstOffset: number, size: number];
