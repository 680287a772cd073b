/**
 * CapturedUnetRunner's replay watch (src/runtime/webgpu/captured-unet.ts): onnxruntime-web creates a captured
 * session without complaint even when it will never capture it (1.30 reads `enableGraphCapture` only from an
 * object EP entry), and such a session runs every node at the plain session's speed. A replay makes no bind group;
 * a node-by-node run makes one per node. Here over a stand-in device, space and session whose runs make as many
 * bind groups as each test says, and register the bound buffers as onnxruntime-web does (pinRegistrations needs it).
 */
import { describe, expect, it } from 'vitest';
import type { OrtModule, OrtSession, OrtTensor } from '../../src/runtime/ort.js';
import {
  type CapturedCall,
  CapturedUnetRunner,
  countBindGroups,
  REPLAY_EXPECTED_BY_RUN,
} from '../../src/runtime/webgpu/captured-unet.js';
import type { GpuLatentSpace, GpuTensor } from '../../src/runtime/webgpu/gpu-latent-space.js';

/** A device whose createBindGroup lives on its prototype, as on a GPUDevice. */
class StandInDevice {
  made = 0;
  readonly queue = { writeBuffer: () => {} };
  createBindGroup(_descriptor: unknown): object {
    this.made++;
    return {};
  }
  createBuffer(descriptor: { size: number }): object {
    return { size: descriptor.size, destroy() {} };
  }
}

const REGISTRATION = Symbol('gpuBufferMetadata');

/** A session whose n-th run (from 0) makes bindGroupsPerRun(n) bind groups and registers every bound buffer. */
function standInSession(device: StandInDevice, bindGroupsPerRun: (run: number) => number): OrtSession {
  let run = 0;
  return {
    run: async (feeds: Record<string, { buffer: object }>, fetches: Record<string, { buffer: object }>) => {
      await Promise.resolve();
      for (const tensor of [...Object.values(feeds), ...Object.values(fetches)]) {
        const tagged = tensor.buffer as Record<symbol, unknown>;
        if (!tagged[REGISTRATION]) tagged[REGISTRATION] = [1, 1];
      }
      // Through the device object, as onnxruntime-web's JavaScript WebGPU bindings call it.
      for (let i = bindGroupsPerRun(run); i > 0; i--) (device as unknown as GPUDevice).createBindGroup({} as never);
      run++;
      return {};
    },
  } as unknown as OrtSession;
}

const ort = { Tensor: { fromGpuBuffer: (buffer: object) => ({ buffer }) } } as unknown as OrtModule;

function standInSpace(device: StandInDevice): GpuLatentSpace {
  return {
    device,
    copyBuffers: () => {},
    alloc: (shape: readonly number[], dtype: string) => ({ buffer: {}, shape, dtype }) as unknown as GpuTensor,
  } as unknown as GpuLatentSpace;
}

const tensor = (shape: number[]): GpuTensor => ({ buffer: {}, shape, dtype: 'float32' }) as unknown as GpuTensor;
const call: CapturedCall = {
  sample: tensor([2, 4, 8, 8]),
  text: tensor([2, 77, 32]),
  timestep: { data: new Float32Array([1]), type: 'float32', dims: [1] } as unknown as OrtTensor,
  names: { sample: 'sample', text: 'encoder_hidden_states', timestep: 'timestep', output: 'out_sample' },
  outputDtype: 'float32',
};

async function runs(bindGroupsPerRun: (run: number) => number, count: number) {
  const device = new StandInDevice();
  const runner = new CapturedUnetRunner(ort, standInSession(device, bindGroupsPerRun));
  const seen: CapturedUnetRunner['replay'][] = [];
  for (let i = 0; i < count; i++) {
    await runner.run(call, standInSpace(device));
    seen.push({ ...runner.replay });
  }
  return { device, seen };
}

describe('CapturedUnetRunner replay watch', () => {
  it('a session that records on its first run and replays after: replay seen on the second run', async () => {
    const { seen } = await runs((run) => (run === 0 ? 40 : 0), 4);
    expect(seen.map((r) => r.seen)).toEqual([false, true, true, true]);
    expect(seen.every((r) => r.missing === undefined)).toBe(true);
  });

  it('one plain run before the recording one (as onnxruntime does for CUDA graphs) is allowed', async () => {
    const { seen } = await runs((run) => (run < 2 ? 40 : 0), REPLAY_EXPECTED_BY_RUN);
    expect(seen.map((r) => r.seen)).toEqual([false, false, true]);
    expect(seen.every((r) => r.missing === undefined)).toBe(true);
  });

  it('a session that runs node by node every time is caught by the third run, with the count in the reason', async () => {
    const { seen } = await runs(() => 40, REPLAY_EXPECTED_BY_RUN + 1);
    expect(seen.slice(0, REPLAY_EXPECTED_BY_RUN - 1).map((r) => r.missing)).toEqual([undefined, undefined]);
    expect(seen[REPLAY_EXPECTED_BY_RUN - 1]?.seen).toBe(false);
    expect(seen[REPLAY_EXPECTED_BY_RUN - 1]?.missing).toBe(
      'onnxruntime ran the graph node by node on run 3 (40 bind groups made) instead of replaying it',
    );
  });

  it('stops watching once a replay is seen: the device keeps its own method between and after runs', async () => {
    const { device } = await runs((run) => (run === 0 ? 3 : 0), 3);
    expect(Object.getOwnPropertyDescriptor(device, 'createBindGroup')).toBeUndefined();
    expect(device.made).toBe(3);
  });
});

describe('countBindGroups', () => {
  it('counts the bind groups made between start and stop, and restores the method', () => {
    const device = new StandInDevice();
    const gpu = device as unknown as GPUDevice;
    gpu.createBindGroup({} as never);
    const counter = countBindGroups(gpu);
    gpu.createBindGroup({} as never);
    gpu.createBindGroup({} as never);
    expect(counter.stop()).toBe(2);
    gpu.createBindGroup({} as never);
    expect(device.made).toBe(4);
    expect(Object.getOwnPropertyDescriptor(device, 'createBindGroup')).toBeUndefined();
  });

  it('chains to a wrapper already on the device and puts it back', () => {
    const device = new StandInDevice();
    let wrapped = 0;
    const wrapper = function (this: StandInDevice, d: unknown) {
      wrapped++;
      return StandInDevice.prototype.createBindGroup.call(this, d);
    };
    Object.defineProperty(device, 'createBindGroup', { value: wrapper, configurable: true, writable: true });
    const counter = countBindGroups(device as unknown as GPUDevice);
    (device as unknown as GPUDevice).createBindGroup({} as never);
    expect(counter.stop()).toBe(1);
    expect(wrapped).toBe(1);
    expect(device.createBindGroup).toBe(wrapper);
  });
});
