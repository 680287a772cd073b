/**
 * onnxruntime-web's WebGPU EP under Node on Dawn (npm `webgpu`, dawn.node), with the workarounds of
 * shared/docs/gpu-recipe.md: a writeBuffer that copies views of a SharedArrayBuffer (onnxruntime's wasm heap is
 * shared and dawn.node refuses such views), `navigator.gpu` from Dawn with `shader-f16` on NVIDIA Vulkan, and
 * the wasm files read from the payload. Start Node with `--liftoff-only` (the TurboFan stall of the recipe).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { PerformanceObserver } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import type { OrtModule } from '../../src/runtime/ort.js';

type Dawn = { create(flags: string[]): GPU; globals: Record<string, unknown> };

/** Dawn toggles for the benchmarks: shader-f16 on NVIDIA's Vulkan driver. */
export const DAWN_FLAGS = ['enable-dawn-features=vulkan_enable_f16_on_nvidia'];
/** The same, with GPU timestamps at full resolution (Dawn quantises them by default) for kernel-profiler.ts. */
export const PROFILING_DAWN_FLAGS = [...DAWN_FLAGS, 'disable-dawn-features=timestamp_quantization'];

/** The payload made by make-payload.sh: webgpu/ (dawn.node) and ort/ (onnxruntime-web's native WebGPU bundle). */
export async function setUpDawn(payload: string, dawnFlags = DAWN_FLAGS): Promise<OrtModule> {
  const dawn = (await import(pathToFileURL(`${payload}/webgpu/index.js`).href)) as Dawn;
  Object.assign(globalThis, dawn.globals);
  const queueProto = (globalThis as unknown as { GPUQueue: { prototype: GPUQueue } }).GPUQueue.prototype;
  const writeBuffer = queueProto.writeBuffer;
  queueProto.writeBuffer = function (
    this: GPUQueue,
    buffer: GPUBuffer,
    offset: number,
    data: ArrayBuffer | SharedArrayBuffer | ArrayBufferView,
    dataOffset = 0,
    size?: number,
  ) {
    const shared = ArrayBuffer.isView(data) ? data.buffer instanceof SharedArrayBuffer : data instanceof SharedArrayBuffer;
    if (!shared) return writeBuffer.call(this, buffer, offset, data as GPUAllowSharedBufferSource, dataOffset, size);
    // Offsets and sizes count elements for typed arrays, bytes otherwise.
    const view = ArrayBuffer.isView(data) ? data : new Uint8Array(data);
    const unit = (view as unknown as { BYTES_PER_ELEMENT?: number }).BYTES_PER_ELEMENT ?? 1;
    const start = view.byteOffset + dataOffset * unit;
    const length = size === undefined ? view.byteLength - dataOffset * unit : size * unit;
    return writeBuffer.call(this, buffer, offset, new Uint8Array(view.buffer, start, length).slice());
  } as GPUQueue['writeBuffer'];
  Object.defineProperty(globalThis, 'navigator', {
    value: { gpu: dawn.create(dawnFlags), hardwareConcurrency: 1 },
    configurable: true,
  });
  const ort = (await import(pathToFileURL(`${payload}/ort/ort.webgpu.min.mjs`).href)) as OrtModule;
  ort.env.wasm.numThreads = 1;
  ort.env.wasm.wasmBinary = readFileSync(`${payload}/ort/ort-wasm-simd-threaded.asyncify.wasm`);
  ort.env.wasm.wasmPaths = { mjs: pathToFileURL(`${payload}/ort/ort-wasm-simd-threaded.asyncify.mjs`).href };
  return ort;
}

/**
 * Bytes in GPU buffers, counted at `createBuffer` and `destroy` on every device (onnxruntime's weights, its
 * buffer cache and our latent space alike). WebGPU exposes no memory figure; this is what was asked of it.
 */
export interface GpuBufferAccounting {
  readonly liveBytes: number;
  readonly peakBytes: number;
  readonly buffers: number;
  /** Buffers created and destroyed since the start, and their bytes: the churn of a cache that does not keep them. */
  readonly created: number;
  readonly createdBytes: number;
  readonly destroyed: number;
  readonly destroyedBytes: number;
  /** Start a new peak from what is alive now. */
  resetPeak(): void;
}

export function countGpuBuffers(): GpuBufferAccounting {
  const g = globalThis as unknown as { GPUDevice: { prototype: GPUDevice }; GPUBuffer: { prototype: GPUBuffer } };
  const sizes = new WeakMap<GPUBuffer, number>();
  const state = { liveBytes: 0, peakBytes: 0, buffers: 0, created: 0, createdBytes: 0, destroyed: 0, destroyedBytes: 0 };
  const createBuffer = g.GPUDevice.prototype.createBuffer;
  g.GPUDevice.prototype.createBuffer = function (this: GPUDevice, descriptor: GPUBufferDescriptor) {
    const buffer = createBuffer.call(this, descriptor);
    sizes.set(buffer, descriptor.size);
    state.liveBytes += descriptor.size;
    state.buffers++;
    state.created++;
    state.createdBytes += descriptor.size;
    state.peakBytes = Math.max(state.peakBytes, state.liveBytes);
    return buffer;
  };
  const destroy = g.GPUBuffer.prototype.destroy;
  g.GPUBuffer.prototype.destroy = function (this: GPUBuffer) {
    const size = sizes.get(this);
    if (size !== undefined) {
      sizes.delete(this);
      state.liveBytes -= size;
      state.buffers--;
      state.destroyed++;
      state.destroyedBytes += size;
    }
    return destroy.call(this);
  };
  // Read-only views of the counters, one getter each.
  const view = {
    resetPeak() {
      state.peakBytes = state.liveBytes;
    },
  };
  for (const key of Object.keys(state) as (keyof typeof state)[]) {
    Object.defineProperty(view, key, { get: () => state[key], enumerable: true });
  }
  return view as GpuBufferAccounting;
}

/**
 * Host time spent in WebGPU calls and in garbage collection, by call and by the phase the caller sets (e.g. inside
 * a UNet call or between calls): which API the time outside the kernels goes to (buffer creation, destruction,
 * submits, queue waits) and how much the collector takes.
 * Wraps the Dawn objects' prototypes, so onnxruntime's calls count as well as ours; `onSubmittedWorkDone` and
 * `mapAsync` count until their promise settles.
 */
export interface WebgpuCallTimer {
  phase: string;
  /** ms (to 0.1) and count per `<phase> <call>` since the last take, most time first; then starts again. */
  take(): Record<string, { ms: number; count: number }>;
}

export function timeWebgpuCalls(): WebgpuCallTimer {
  const g = globalThis as unknown as Record<string, { prototype: Record<string, unknown> }>;
  let totals: Record<string, { ms: number; count: number }> = {};
  // Garbage collection pauses too (`<phase> gc`): V8 reports them after the fact, so each is put in the phase that
  // was current at its start, from the log of phase changes.
  let phase = 'other';
  let changes: { at: number; phase: string }[] = [{ at: performance.now(), phase }];
  let pauses: { at: number; ms: number }[] = [];
  const gcObserver = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) pauses.push({ at: entry.startTime, ms: entry.duration });
  });
  gcObserver.observe({ entryTypes: ['gc'] });
  const phaseAt = (at: number) => {
    let current = changes[0]?.phase ?? 'other';
    for (const change of changes) {
      if (change.at > at) break;
      current = change.phase;
    }
    return current;
  };
  const timer: WebgpuCallTimer = {
    get phase() {
      return phase;
    },
    set phase(next: string) {
      phase = next;
      changes.push({ at: performance.now(), phase: next });
    },
    take() {
      for (const entry of gcObserver.takeRecords()) pauses.push({ at: entry.startTime, ms: entry.duration });
      for (const pause of pauses) add(`${phaseAt(pause.at)} gc`, pause.ms);
      pauses = [];
      changes = [{ at: performance.now(), phase }];
      const taken = Object.entries(totals)
        .sort(([, a], [, b]) => b.ms - a.ms)
        .map(([key, v]) => [key, { ms: Math.round(v.ms * 10) / 10, count: v.count }]);
      totals = {};
      return Object.fromEntries(taken);
    },
  };
  const add = (key: string, ms: number) => {
    const entry = totals[key] ?? { ms: 0, count: 0 };
    entry.ms += ms;
    entry.count++;
    totals[key] = entry;
  };
  const wrap = (type: string, method: string, async: boolean) => {
    const proto = g[type]?.prototype;
    const original = proto?.[method] as ((...args: unknown[]) => unknown) | undefined;
    if (!proto || !original) return;
    proto[method] = function (this: unknown, ...args: unknown[]) {
      const key = `${timer.phase} ${type}.${method}`;
      const t0 = performance.now();
      const result = original.apply(this, args);
      if (async && result instanceof Promise) {
        return result.finally(() => add(key, performance.now() - t0));
      }
      add(key, performance.now() - t0);
      return result;
    };
  };
  for (const m of ['createBuffer', 'createBindGroup', 'createCommandEncoder']) wrap('GPUDevice', m, false);
  for (const m of ['submit', 'writeBuffer']) wrap('GPUQueue', m, false);
  wrap('GPUQueue', 'onSubmittedWorkDone', true);
  wrap('GPUBuffer', 'destroy', false);
  wrap('GPUBuffer', 'mapAsync', true);
  return timer;
}

/**
 * One device for onnxruntime and for buffers of our own fed to it (`Tensor.fromGpuBuffer` needs both on the same
 * device): every feature and limit the adapter offers, published as `ort.env.webgpu.device`, and the
 * `executionProviders` entry that makes sessions use it.
 */
export async function sharedOrtDevice(ort: OrtModule): Promise<{ adapter: GPUAdapter; device: GPUDevice; provider: 'webgpu' }> {
  const adapter = await navigator.gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) throw new Error('no WebGPU adapter');
  const requiredLimits: Record<string, number> = {};
  for (const key in adapter.limits) {
    const value = (adapter.limits as unknown as Record<string, unknown>)[key];
    if (typeof value === 'number') requiredLimits[key] = value;
  }
  const device = await adapter.requestDevice({ requiredFeatures: [...adapter.features] as GPUFeatureName[], requiredLimits });
  ort.env.webgpu.device = device;
  return { adapter, device, provider: { name: 'webgpu', device } as unknown as 'webgpu' };
}

/**
 * The benchmarks' output: each record printed as one JSON line and the whole list rewritten to `path` after every
 * record, so that a run stopped by its deadline still leaves what it measured.
 */
export function resultsLog(path: string): (what: string, data: Record<string, unknown>) => void {
  const records: Record<string, unknown>[] = [];
  return (what, data) => {
    const record = { what, ...data };
    records.push(record);
    console.log(JSON.stringify(record));
    writeFileSync(path, JSON.stringify(records, null, 1));
  };
}
