/**
 * The GPU benchmark's per-dispatch profiler (scripts/dawn/kernel-profiler.ts) over a fake WebGPU that records
 * every call: each dispatch of a recorded pass runs in its own timed pass with the pipeline and bind groups
 * re-applied (dynamic offsets copied out of the caller's heap view), names come from pipeline or shader labels,
 * and nothing changes while not recording.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installKernelProfiler, type KernelProfiler } from '../../scripts/dawn/kernel-profiler.js';

type Call = [string, ...unknown[]];

class FakePass {
  constructor(
    readonly log: Call[],
    readonly descriptor: GPUComputePassDescriptor | undefined,
  ) {
    log.push(['beginComputePass', descriptor?.timestampWrites ? { ...descriptor.timestampWrites } : null]);
  }
  setPipeline(p: unknown) {
    this.log.push(['setPipeline', p]);
  }
  setBindGroup(...args: unknown[]) {
    this.log.push(['setBindGroup', ...args.map((a) => (ArrayBuffer.isView(a) ? Array.from(a as Uint32Array) : a))]);
  }
  dispatchWorkgroups(x: number, y = 1, z = 1) {
    this.log.push(['dispatchWorkgroups', x, y, z]);
  }
  end() {
    this.log.push(['end']);
  }
}

class FakeBuffer {
  constructor(readonly size: number) {}
  data = new BigUint64Array(0);
  async mapAsync() {}
  getMappedRange() {
    return this.data.buffer;
  }
  unmap() {}
  destroy() {}
}

class FakeEncoder {
  constructor(readonly device: FakeDevice) {}
  beginComputePass(descriptor?: GPUComputePassDescriptor) {
    return new FakePass(this.device.log, descriptor);
  }
  resolveQuerySet(_set: unknown, first: number, count: number, dst: FakeBuffer) {
    // Timestamps: query k reads 1000·k ns, so every dispatch lasts 1000 ns = 0.001 ms.
    dst.data = BigUint64Array.from({ length: first + count }, (_, k) => BigInt(1000 * k));
  }
  copyBufferToBuffer(src: FakeBuffer, _o: number, dst: FakeBuffer) {
    dst.data = src.data;
  }
  finish() {
    return {};
  }
}

class FakeDevice {
  log: Call[] = [];
  features = new Set(['timestamp-query']);
  queue = { submit: () => {} };
  createShaderModule(d: { label?: string; code: string }) {
    return { label: d.label ?? '', code: d.code };
  }
  createComputePipeline(d: GPUComputePipelineDescriptor) {
    return { label: d.label ?? '' };
  }
  async createComputePipelineAsync(d: GPUComputePipelineDescriptor) {
    return { label: d.label ?? '' };
  }
  createCommandEncoder() {
    return new FakeEncoder(this);
  }
  createQuerySet(d: { count: number }) {
    return { count: d.count, destroy() {} };
  }
  createBuffer(d: { size: number }) {
    return new FakeBuffer(d.size);
  }
}

class FakeAdapter {
  features = new Set(['timestamp-query']);
  requested: GPUDeviceDescriptor | undefined;
  async requestDevice(d?: GPUDeviceDescriptor) {
    this.requested = d;
    return new FakeDevice();
  }
}

const globals = globalThis as Record<string, unknown>;
const saved = ['GPUAdapter', 'GPUDevice', 'GPUCommandEncoder', 'GPUBufferUsage', 'GPUMapMode'].map(
  (k) => [k, globals[k]] as const,
);
let profiler: KernelProfiler;

beforeAll(() => {
  Object.assign(globals, {
    GPUAdapter: FakeAdapter,
    GPUDevice: FakeDevice,
    GPUCommandEncoder: FakeEncoder,
    GPUBufferUsage: { QUERY_RESOLVE: 1, COPY_SRC: 2, MAP_READ: 4, COPY_DST: 8 },
    GPUMapMode: { READ: 1 },
  });
  profiler = installKernelProfiler();
});
afterAll(() => {
  for (const [k, v] of saved) globals[k] = v;
});

async function setUp() {
  const adapter = new FakeAdapter();
  const device = (await adapter.requestDevice({ requiredFeatures: ['shader-f16'] })) as unknown as FakeDevice;
  return { adapter, device };
}

describe('installKernelProfiler', () => {
  it('adds timestamp-query to the features a device is requested with', async () => {
    const { adapter } = await setUp();
    expect(adapter.requested?.requiredFeatures).toEqual(['shader-f16', 'timestamp-query']);
  });

  it('passes passes through untouched while not recording', async () => {
    const { device } = await setUp();
    const pass = (device as unknown as GPUDevice).createCommandEncoder().beginComputePass();
    pass.dispatchWorkgroups(4);
    pass.end();
    expect(device.log).toEqual([['beginComputePass', null], ['dispatchWorkgroups', 4, 1, 1], ['end']]);
  });

  it('splits a recorded pass into one timed pass per dispatch and names each by its pipeline', async () => {
    const { device } = await setUp();
    const gpu = device as unknown as GPUDevice;
    const conv = gpu.createComputePipeline({ label: 'Conv2dMM', layout: 'auto', compute: { module: {} as GPUShaderModule } });
    const module = gpu.createShaderModule({
      code: '@compute @workgroup_size(64) fn scale_main() {} var<storage, read> input: array<f32>;',
    });
    const unnamed = gpu.createComputePipeline({ layout: 'auto', compute: { module } });
    profiler.start();
    const pass = gpu.createCommandEncoder().beginComputePass();
    pass.setPipeline(conv);
    // Emscripten's form: its whole heap, then where the offsets start and how many there are.
    const heap = new Uint32Array([99, 99, 256, 512, 99]);
    (pass.setBindGroup as (...a: unknown[]) => void)(0, 'group0', heap, 2, 2);
    pass.dispatchWorkgroups(8, 2);
    pass.dispatchWorkgroups(3);
    pass.setPipeline(unnamed);
    pass.setBindGroup(1, 'group1' as unknown as GPUBindGroup);
    heap.fill(0); // the caller reuses its heap: the profiler must have copied the offsets
    pass.dispatchWorkgroups(1);
    pass.end();
    const timings = await profiler.collect();

    expect(timings.map((t) => t.label)).toEqual([
      'Conv2dMM',
      'Conv2dMM',
      expect.stringMatching(/^scale_main\(input…\) #[0-9a-f]{8}$/),
    ]);
    expect(timings.map((t) => t.workgroups)).toEqual([
      [8, 2, 1],
      [3, 1, 1],
      [1, 1, 1],
    ]);
    for (const t of timings) expect(t.ms).toBeCloseTo(0.001, 9);
    const passes = device.log.filter((c) => c[0] === 'beginComputePass').map((c) => c[1]);
    expect(passes).toEqual([
      { querySet: expect.anything(), beginningOfPassWriteIndex: 0, endOfPassWriteIndex: 1 },
      { querySet: expect.anything(), beginningOfPassWriteIndex: 2, endOfPassWriteIndex: 3 },
      { querySet: expect.anything(), beginningOfPassWriteIndex: 4, endOfPassWriteIndex: 5 },
    ]);
    // Every real pass gets the state the caller set before its dispatch.
    const third = device.log.slice(device.log.findLastIndex((c) => c[0] === 'beginComputePass'));
    expect(third).toEqual([
      ['beginComputePass', expect.anything()],
      ['setPipeline', unnamed],
      ['setBindGroup', 0, 'group0', [256, 512]],
      ['setBindGroup', 1, 'group1'],
      ['dispatchWorkgroups', 1, 1, 1],
      ['end'],
    ]);
  });
});
