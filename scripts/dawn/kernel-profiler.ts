/**
 * GPU time per compute dispatch, for any code that uses WebGPU — here onnxruntime-web's WebGPU EP, whose own
 * kernel profiling (`env.webgpu.profiling`) the 1.30 native-EP bundle does not implement.
 *
 * While recording, every compute pass an encoder begins is split into one real pass per dispatch, each with
 * `timestampWrites` around it; the pipeline and bind groups set on the original pass are re-applied to each real
 * pass. After the work is submitted, `collect()` resolves the timestamps and returns one record per dispatch,
 * named by its pipeline's label (or its shader module's). Splitting adds a pass boundary per dispatch, so the sum
 * is close to, not equal to, the GPU time of an unsplit run; it says where the time goes.
 *
 * Needs the `timestamp-query` feature: `install()` adds it to every device requested after it (onnxruntime's
 * included) when the adapter has it. Dawn quantises timestamps unless started with
 * `disable-dawn-features=timestamp_quantization`.
 */
export interface DispatchTiming {
  label: string;
  ms: number;
  workgroups: [number, number, number];
}

interface Recording {
  device: GPUDevice;
  querySet: GPUQuerySet;
  next: number;
  dispatches: { label: string; workgroups: [number, number, number]; query: number }[];
}

// WebGPU caps a query set at 4096 queries.
const QUERIES_PER_SET = 4096;

export interface KernelProfiler {
  /** Record the dispatches encoded from now on. */
  start(): void;
  /** Stop recording; after the recorded work was submitted, resolve it. One record per dispatch, in order. */
  collect(): Promise<DispatchTiming[]>;
}

export function installKernelProfiler(): KernelProfiler {
  const g = globalThis as unknown as {
    GPUAdapter: { prototype: GPUAdapter };
    GPUDevice: { prototype: GPUDevice };
    GPUCommandEncoder: { prototype: GPUCommandEncoder };
  };
  const labels = new WeakMap<object, string>();
  const recordings = new Map<GPUDevice, Recording[]>();
  const encoderDevice = new WeakMap<GPUCommandEncoder, GPUDevice>();
  let recording = false;

  const adapterProto = g.GPUAdapter.prototype;
  const requestDevice = adapterProto.requestDevice;
  adapterProto.requestDevice = function (this: GPUAdapter, descriptor?: GPUDeviceDescriptor) {
    const features = new Set<GPUFeatureName>(descriptor?.requiredFeatures ?? []);
    if (this.features.has('timestamp-query')) features.add('timestamp-query');
    return requestDevice.call(this, { ...descriptor, requiredFeatures: [...features] });
  };

  const deviceProto = g.GPUDevice.prototype;
  const createShaderModule = deviceProto.createShaderModule;
  deviceProto.createShaderModule = function (this: GPUDevice, descriptor: GPUShaderModuleDescriptor) {
    const module = createShaderModule.call(this, descriptor);
    labels.set(module, descriptor.label || firstEntryPoint(descriptor.code));
    return module;
  };
  const nameOf = (descriptor: GPUComputePipelineDescriptor) =>
    descriptor.label || labels.get(descriptor.compute.module) || 'unlabelled pipeline';
  const createComputePipeline = deviceProto.createComputePipeline;
  deviceProto.createComputePipeline = function (this: GPUDevice, descriptor: GPUComputePipelineDescriptor) {
    const pipeline = createComputePipeline.call(this, descriptor);
    labels.set(pipeline, nameOf(descriptor));
    return pipeline;
  };
  const createComputePipelineAsync = deviceProto.createComputePipelineAsync;
  deviceProto.createComputePipelineAsync = async function (this: GPUDevice, descriptor: GPUComputePipelineDescriptor) {
    const pipeline = await createComputePipelineAsync.call(this, descriptor);
    labels.set(pipeline, nameOf(descriptor));
    return pipeline;
  };
  const createCommandEncoder = deviceProto.createCommandEncoder;
  deviceProto.createCommandEncoder = function (this: GPUDevice, descriptor?: GPUCommandEncoderDescriptor) {
    const encoder = createCommandEncoder.call(this, descriptor);
    encoderDevice.set(encoder, this);
    return encoder;
  };

  const slot = (device: GPUDevice): { set: Recording; index: number } => {
    const sets = recordings.get(device) ?? [];
    recordings.set(device, sets);
    let set = sets[sets.length - 1];
    if (!set || set.next + 2 > QUERIES_PER_SET) {
      set = { device, querySet: device.createQuerySet({ type: 'timestamp', count: QUERIES_PER_SET }), next: 0, dispatches: [] };
      sets.push(set);
    }
    const index = set.next;
    set.next += 2;
    return { set, index };
  };

  const encoderProto = g.GPUCommandEncoder.prototype;
  const beginComputePass = encoderProto.beginComputePass;
  encoderProto.beginComputePass = function (this: GPUCommandEncoder, descriptor?: GPUComputePassDescriptor) {
    const device = encoderDevice.get(this);
    if (!recording || !device?.features.has('timestamp-query') || descriptor?.timestampWrites) {
      return beginComputePass.call(this, descriptor);
    }
    return splitPass(this, device, descriptor);
  };

  /** A stand-in pass: state calls are remembered, each dispatch runs in its own timed real pass. */
  function splitPass(
    encoder: GPUCommandEncoder,
    device: GPUDevice,
    descriptor?: GPUComputePassDescriptor,
  ): GPUComputePassEncoder {
    let pipeline: GPUComputePipeline | null = null;
    const bindGroups = new Map<number, unknown[]>();
    const timed = (workgroups: [number, number, number], dispatch: (pass: GPUComputePassEncoder) => void) => {
      const { set, index } = slot(device);
      const pass = beginComputePass.call(encoder, {
        ...(descriptor?.label ? { label: descriptor.label } : {}),
        timestampWrites: { querySet: set.querySet, beginningOfPassWriteIndex: index, endOfPassWriteIndex: index + 1 },
      });
      if (pipeline) pass.setPipeline(pipeline);
      for (const args of bindGroups.values()) (pass.setBindGroup as (...a: unknown[]) => void)(...args);
      dispatch(pass);
      pass.end();
      set.dispatches.push({ label: (pipeline && labels.get(pipeline)) || 'no pipeline', workgroups, query: index });
    };
    const stand = {
      label: descriptor?.label ?? '',
      setPipeline(p: GPUComputePipeline) {
        pipeline = p;
      },
      setBindGroup(index: number, group: GPUBindGroup | null, offsets?: Uint32Array | number[], start?: number, length?: number) {
        // Dynamic offsets may come as a view into a heap the caller reuses (Emscripten passes its whole HEAPU32
        // with start and length): keep a copy of just those.
        const dynamic =
          offsets && ArrayBuffer.isView(offsets)
            ? Array.from(offsets.subarray(start ?? 0, (start ?? 0) + (length ?? offsets.length - (start ?? 0))))
            : offsets;
        bindGroups.set(index, dynamic && dynamic.length > 0 ? [index, group, dynamic] : [index, group]);
      },
      dispatchWorkgroups(x: number, y = 1, z = 1) {
        timed([x, y, z], (pass) => pass.dispatchWorkgroups(x, y, z));
      },
      dispatchWorkgroupsIndirect(buffer: GPUBuffer, offset: number) {
        timed([0, 0, 0], (pass) => pass.dispatchWorkgroupsIndirect(buffer, offset));
      },
      end() {},
      pushDebugGroup() {},
      popDebugGroup() {},
      insertDebugMarker() {},
    };
    return stand as unknown as GPUComputePassEncoder;
  }

  return {
    start() {
      recordings.clear();
      recording = true;
    },
    async collect() {
      recording = false;
      const out: DispatchTiming[] = [];
      for (const [device, sets] of recordings) {
        for (const set of sets) {
          if (set.next === 0) continue;
          const bytes = set.next * 8;
          const resolved = device.createBuffer({ size: bytes, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC });
          const readback = device.createBuffer({ size: bytes, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
          const encoder = createCommandEncoder.call(device);
          encoder.resolveQuerySet(set.querySet, 0, set.next, resolved, 0);
          encoder.copyBufferToBuffer(resolved, 0, readback, 0, bytes);
          device.queue.submit([encoder.finish()]);
          await readback.mapAsync(GPUMapMode.READ);
          const ticks = new BigUint64Array(readback.getMappedRange().slice(0));
          readback.unmap();
          for (const d of set.dispatches) {
            const begin = ticks[d.query] as bigint;
            const end = ticks[d.query + 1] as bigint;
            out.push({ label: d.label, workgroups: d.workgroups, ms: end >= begin ? Number(end - begin) / 1e6 : 0 });
          }
          resolved.destroy();
          readback.destroy();
          set.querySet.destroy();
        }
      }
      recordings.clear();
      return out;
    },
  };
}

/** A readable name for an unlabelled shader: its compute entry point and the first binding's name. */
function firstEntryPoint(code: string): string {
  const entry = /@compute[\s\S]*?fn\s+(\w+)/.exec(code)?.[1] ?? 'main';
  const binding = /var<storage[^>]*>\s+(\w+)/.exec(code)?.[1];
  return `${entry}${binding ? `(${binding}…)` : ''} #${hash(code)}`;
}

function hash(text: string): string {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return (h >>> 0).toString(16).padStart(8, '0');
}
