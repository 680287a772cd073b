/**
 * Graph capture (`enableGraphCapture`) on the exporter's graphs: does onnxruntime-web's WebGPU EP replay the
 * bundled pack's UNets (fused Attention / MultiHeadAttention, dynamic axes, shape subgraphs) correctly, and how much
 * per-call CPU time does it save? The profile of the full-size calls (docs/performance.md) shows 0.1-0.16 ms of CPU
 * work per dispatch that the GPU does not hide at 256²; capture is what removes it, where it gives correct outputs.
 *
 * For each UNet: one plain session and one with capture, fed from the same fixed GPU buffers (capture needs its
 * inputs and outputs at fixed buffers and fixed shapes). Each run writes new inputs into those buffers, runs both
 * sessions and compares the outputs; then each session is timed alone.
 *
 * Bundled by scripts/dawn/build-bench.mjs; on the GPU machine:
 *   node --liftoff-only capture-bench.mjs <payload dir> <pack dir> <results.json>
 * Each captured run's bind groups are counted (a replay makes none). EP_ENTRY=string passes the EP as the bare
 * string 'webgpu' instead of an object: onnxruntime-web 1.30 then never hands `enableGraphCapture` to its EP, and
 * every "captured" run makes as many bind groups as a plain one. Works on Dawn's null backend too
 * (DAWN_FLAGS=backend=null: no outputs to compare, but the counts are the EP's own).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { OrtModule, OrtSession } from '../../src/runtime/ort.js';
import { countBindGroups } from '../../src/runtime/webgpu/captured-unet.js';
import { resultsLog, setUpDawn, sharedOrtDevice } from './dawn-env.js';

const [payload, packDir, resultsPath] = process.argv.slice(2);
if (!payload || !packDir || !resultsPath) throw new Error('usage: capture-bench.mjs <payload dir> <pack dir> <results.json>');
const USAGE = { MAP_READ: 0x1, COPY_SRC: 0x4, COPY_DST: 0x8, STORAGE: 0x80 } as const;
const RUNS_CHECKED = 5;
/** GRAPH_ID=<n>: captured runs pass the run option gpu_graph_id, as the engine's captured runner does. */
const graphRunOptions = process.env.GRAPH_ID ? { extra: { gpu_graph_id: process.env.GRAPH_ID } } : {};
const RUNS_TIMED = 20;
const print = resultsLog(resultsPath);
const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

const ort: OrtModule = await setUpDawn(payload, process.env.DAWN_FLAGS?.split(';').filter(Boolean));
// One device for onnxruntime and the buffers fed to it.
const { device, provider: webgpu } = process.env.EP_ENTRY === 'string' ? await ortOwnDevice() : await sharedOrtDevice(ort);

/**
 * For a bare-string entry onnxruntime makes its own device (as the engine's default path did): a first session,
 * kept open, brings it up, and the input buffers are made on it.
 */
async function ortOwnDevice(): Promise<{ device: GPUDevice; provider: 'webgpu' }> {
  // Kept open: onnxruntime lets its device go with the last session.
  await ort.InferenceSession.create(readFileSync(join(packDir as string, 'vae_decoder', 'model.onnx')), {
    executionProviders: ['webgpu'],
  });
  return { device: (await ort.env.webgpu.device) as GPUDevice, provider: 'webgpu' };
}

const manifest = JSON.parse(readFileSync(join(packDir, 'manifest.json'), 'utf8')) as {
  nativeResolution: { width: number };
  textEmbeddingWidth: number;
  frames: { default: number };
};
const frames = manifest.frames.default;
const h = manifest.nativeResolution.width / 8;
const width = manifest.textEmbeddingWidth;
const PARTS = [
  { part: 'unet', shapes: { sample: [2 * frames, 4, h, h], timestep: [1], encoder_hidden_states: [2 * frames, 77, width] } },
  {
    part: 'motion_unet',
    shapes: { sample: [2, 4, frames, h, h], timestep: [1], encoder_hidden_states: [2, 77, width] },
  },
] as const;

const count = (dims: readonly number[]) => dims.reduce((a, b) => a * b, 1);
function gpuBuffer(floats: number): GPUBuffer {
  return device.createBuffer({
    size: Math.ceil((floats * 4) / 16) * 16,
    usage: USAGE.STORAGE | USAGE.COPY_SRC | USAGE.COPY_DST,
  });
}
async function read(buffer: GPUBuffer, floats: number): Promise<Float32Array> {
  const staging = device.createBuffer({ size: floats * 4, usage: USAGE.MAP_READ | USAGE.COPY_DST });
  const encoder = device.createCommandEncoder();
  encoder.copyBufferToBuffer(buffer, 0, staging, 0, floats * 4);
  device.queue.submit([encoder.finish()]);
  await staging.mapAsync(0x1);
  const data = new Float32Array(staging.getMappedRange().slice(0));
  staging.destroy();
  return data;
}
let seed = 12345;
const random = () => {
  seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
  return seed / 2 ** 32 - 0.5;
};
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

// PARTS_ORDER=reverse runs the VDM first (is the IDM's failure tied to being the first captured session?).
for (const { part, shapes } of process.env.PARTS_ORDER === 'reverse' ? [...PARTS].reverse() : PARTS) {
  const model = readFileSync(join(packDir, part, 'model.onnx'));
  const inputs = Object.fromEntries(Object.entries(shapes).map(([name, dims]) => [name, gpuBuffer(count(dims))]));
  const feeds = Object.fromEntries(
    Object.entries(shapes).map(([name, dims]) => [
      name,
      ort.Tensor.fromGpuBuffer(inputs[name] as GPUBuffer, { dataType: 'float32', dims: [...dims] }),
    ]),
  );
  const outDims = [...shapes.sample];
  const outFloats = count(outDims);
  const write = (timestep: number) => {
    for (const [name, dims] of Object.entries(shapes)) {
      const data =
        name === 'timestep' ? new Float32Array([timestep]) : Float32Array.from({ length: count(dims) }, () => 2 * random());
      device.queue.writeBuffer(inputs[name] as GPUBuffer, 0, data);
    }
  };

  const freeDimensions: Record<string, number> =
    part === 'unet' ? { batch: shapes.sample[0], height: h, width: h } : { batch: shapes.sample[0], frames, height: h, width: h };
  const plain: OrtSession = await ort.InferenceSession.create(model, {
    executionProviders: [webgpu],
    preferredOutputLocation: 'gpu-buffer',
  });
  // The same with the dynamic axes fixed, without capture: how much of capture's gain the static shapes alone give.
  const fixed: OrtSession = await ort.InferenceSession.create(model, {
    executionProviders: [webgpu],
    preferredOutputLocation: 'gpu-buffer',
    freeDimensionOverrides: freeDimensions,
  });
  const outName = plain.outputNames[0] as string;
  let captured: OrtSession | null = null;
  const capturedOut = gpuBuffer(outFloats);
  // FRESH_FETCHES=1 wraps the output buffer in a new Tensor for every run (the IDM's second captured run failed
  // inside onnxruntime's buffer registration with one Tensor reused: is the Tensor object changed by a run?).
  const fixedFetches = { [outName]: ort.Tensor.fromGpuBuffer(capturedOut, { dataType: 'float32', dims: outDims }) };
  const fetches = () =>
    process.env.FRESH_FETCHES === '1'
      ? { [outName]: ort.Tensor.fromGpuBuffer(capturedOut, { dataType: 'float32', dims: outDims }) }
      : fixedFetches;
  try {
    // Capture needs every node on the GPU; with the dynamic axes fixed, the shape subgraphs that onnxruntime
    // otherwise runs on the CPU can be folded away.
    captured = await ort.InferenceSession.create(model, {
      executionProviders: [webgpu],
      enableGraphCapture: true,
      freeDimensionOverrides: freeDimensions,
    });
  } catch (error) {
    print('capture session refused', { part, error: message(error) });
  }

  type GpuOutput = { gpuBuffer: GPUBuffer; dispose(): void };
  const runPlain = async (): Promise<GpuOutput> => (await plain.run(feeds as never))[outName] as unknown as GpuOutput;
  const runFixed = async (): Promise<GpuOutput> => (await fixed.run(feeds as never))[outName] as unknown as GpuOutput;
  const relative = (got: Float32Array, reference: Float32Array) => {
    let diff = 0;
    let scale = 0;
    for (let j = 0; j < reference.length; j++) {
      diff = Math.max(diff, Math.abs((got[j] as number) - (reference[j] as number)));
      scale = Math.max(scale, Math.abs(reference[j] as number));
    }
    return diff / (scale || 1);
  };
  const fixedErrors: number[] = [];
  // Correctness: new inputs every run, every session on them, against the plain one.
  const errors: number[] = [];
  /** Bind groups made by each captured run: the first records, later ones replay (none) if capture is in effect. */
  const capturedBindGroups: number[] = [];
  let captureError: string | null = null;
  for (let i = 0; i < RUNS_CHECKED; i++) {
    write(900 - 150 * i);
    const output = await runPlain();
    const reference = await read(output.gpuBuffer, outFloats);
    output.dispose();
    const fixedOutput = await runFixed();
    fixedErrors.push(relative(await read(fixedOutput.gpuBuffer, outFloats), reference));
    fixedOutput.dispose();
    if (!captured || captureError) continue;
    const counter = countBindGroups(device);
    try {
      await captured.run(feeds as never, fetches() as never, graphRunOptions as never);
    } catch (error) {
      captureError = message(error);
      continue;
    } finally {
      capturedBindGroups.push(counter.stop());
    }
    errors.push(relative(await read(capturedOut, outFloats), reference));
  }
  if (captureError) print('capture run failed', { part, error: captureError });
  // Speed: each alone, after the checks above warmed both up.
  const time = async (run: () => Promise<unknown>) => {
    const ms: number[] = [];
    for (let i = 0; i < RUNS_TIMED; i++) {
      const started = performance.now();
      await run();
      await device.queue.onSubmittedWorkDone();
      ms.push(performance.now() - started);
    }
    return { medianMs: median(ms), minMs: Math.min(...ms) };
  };
  const plainTime = await time(async () => (await runPlain()).dispose());
  const fixedTime = await time(async () => (await runFixed()).dispose());
  const capturedTime =
    captured && !captureError
      ? await time(() => (captured as OrtSession).run(feeds as never, fetches() as never, graphRunOptions as never))
      : null;
  print('capture', {
    part,
    shapes,
    fixedShapesMaxRelativeErrorPerRun: fixedErrors,
    capturedMaxRelativeErrorPerRun: errors,
    epEntry: typeof webgpu === 'string' ? 'string' : 'object',
    capturedBindGroupsPerRun: capturedBindGroups,
    plain: plainTime,
    fixedShapes: fixedTime,
    captured: capturedTime,
  });
  await plain.release();
  await fixed.release();
  await captured?.release();
}
