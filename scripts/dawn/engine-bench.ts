/**
 * The app's engine on a real GPU under Node: onnxruntime-web's native WebGPU EP on Dawn (npm `webgpu`,
 * dawn.node), set up as in shared/docs/gpu-recipe.md. It measures a generation with the latents kept on the
 * GPU against the same generation with every UNet output taken back to the CPU, and the GPU latent space's
 * scheduler passes and copies at SD1.5 video size, against the CPU code, and generations with the shapes pinned
 * (LoadOptions.specializeShapes) against the graphs' dynamic axes, graph capture (LoadOptions.graphCapture), and the
 * VAE decode in one call against one call per frame (GenerateRequest.decodeChunk).
 *
 * Bundled into one file by scripts/dawn/build-bench.mjs; run by scripts/dawn/run-on-gpu.sh on the GPU machine:
 *   node --liftoff-only engine-bench.mjs <payload dir> <pack dir>
 * Prints one JSON object per measurement. SECTIONS=<list> picks sections (e.g. SECTIONS=4,5); STEPS=<n> the request's
 * steps (25; fewer for a quick check on a software GPU); BUFFER_CACHE=bucket|simple loads every engine with that
 * LoadOptions.webgpuBufferCache; CALL_TIMES=1 adds to sections 3 and 4 the host time of each WebGPU call by phase
 * (inside UNet calls or between them; dawn-env.ts timeWebgpuCalls).
 */
import { dirPackReader } from '../../src/cli/models-dir.js';
import { TorchGenerator } from '../../src/core/rng/torch-generator.js';
import { cpuLatentSpace } from '../../src/core/sampler/latent-space.js';
import { parseSchedulerConfig } from '../../src/core/scheduler/config.js';
import { ddimStepCoefficients, makeDdimSchedule } from '../../src/core/scheduler/ddim.js';
import { numel, type Tensor } from '../../src/core/tensor/tensor.js';
import { frameDifference, maxRelativeError } from '../../src/diagnostics/parity-metrics.js';
import { Engine } from '../../src/engine/engine.js';
import type { EngineProgress, GenerateRequest, GenerateResult, LoadOptions } from '../../src/engine/types.js';
import { GpuLatentSpace } from '../../src/runtime/webgpu/gpu-latent-space.js';
import { DAWN_FLAGS, setUpDawn, timeWebgpuCalls } from './dawn-env.js';

const [payload, packDir] = process.argv.slice(2);
if (!payload || !packDir) throw new Error('usage: engine-bench.mjs <payload dir> <pack dir>');
/** The pack folder, for the engines made inside functions below (where the check above does not narrow). */
const packFolder: string = packDir;
// DAWN_FLAGS (entries separated by ';') replaces the default toggles, e.g. backend=null for a host-side run without a GPU.
const ort = await setUpDawn(payload, process.env.DAWN_FLAGS ? process.env.DAWN_FLAGS.split(';').filter(Boolean) : DAWN_FLAGS);
/** SECTIONS=3,4 runs only those sections (all by default); the pinned-shape engine of section 1 is always loaded. */
const sections = process.env.SECTIONS?.split(',') ?? ['1', '2', '3', '4', '5'];
const runs = (section: string) => sections.includes(section);

const print = (what: string, data: Record<string, unknown>) => console.log(JSON.stringify({ what, ...data }));
const bufferCache = process.env.BUFFER_CACHE as LoadOptions['webgpuBufferCache'];
const callTimer = process.env.CALL_TIMES === '1' ? timeWebgpuCalls() : null;
/** Phases for the call timer, from the generation's events. */
const phaseOf = (event: EngineProgress) => {
  if (!callTimer) return;
  if (event.type === 'model-call-start') callTimer.phase = 'unet';
  else if (event.type === 'model-call-end') callTimer.phase = 'between';
};
/** The call timer's totals since the last take (absent without CALL_TIMES). */
function takeCallTimes(): Record<string, unknown> {
  if (!callTimer) return {};
  const webgpuCalls = callTimer.take();
  callTimer.phase = 'other';
  return { webgpuCalls };
}

function summary(r: GenerateResult) {
  const t = r.timings;
  const passes = t.schedulerSteps;
  return {
    latentsOnGpu: t.latentsOnGpu,
    totalMs: t.totalMs,
    modelMs: t.modelMs,
    calls: t.calls.length,
    modelMsPerCall: t.modelMs / t.calls.length,
    schedulerMs: t.schedulerMs,
    schedulerMsPerPass: t.schedulerMs / passes,
    transferMs: t.transferMs,
    outsideCallsMs: t.outsideCallsMs,
    textEncoderMs: t.textEncoderMs,
    decodeMs: t.decodeMs,
    gpuLiveTensorsAfter: t.gpuLiveTensorsAfter,
    gpuPeakLiveTensors: t.gpuPeakLiveTensors,
  };
}

// ---- 1. The bundled pack through the engine, latents on the GPU vs on the CPU --------------------------------
const engine = new Engine(ort, { readerFor: () => dirPackReader(packDir) });
const caps = await engine.probe();
print('adapter', { webgpu: caps.webgpu });
const loaded = await engine.load(
  { kind: 'url', baseUrl: packDir },
  // The baseline: shape-pinned sessions without graph capture (which the engine adds by default for this pack).
  { backend: 'webgpu', graphCapture: false, ...(bufferCache ? { webgpuBufferCache: bufferCache } : {}) },
);
print('load', {
  backend: loaded.backend,
  reason: loaded.backendReason,
  loadMs: loaded.loadMs,
  bufferCache: bufferCache ?? 'default',
});
if (loaded.backend !== 'webgpu') throw new Error(`no WebGPU here: ${loaded.backendReason}`);

const request: GenerateRequest = {
  prompt: 'a red circle moving left on a black background',
  seed: 7,
  frames: 16,
  settings: { variant: 'iv-iv', steps: Number(process.env.STEPS ?? 25) },
  previewEvery: 0,
};
await engine.generate({ ...request, settings: { variant: 'iv-iv', steps: 2 } }); // shaders compiled for this shape
await engine.generate({ ...request, settings: { variant: 'iv-iv', steps: 2 }, keepLatentsOnGpu: false });
if (runs('1')) {
  for (let round = 0; round < 2; round++) {
    const gpu = await engine.generate(request);
    const cpu = await engine.generate({ ...request, keepLatentsOnGpu: false });
    const previews = await engine.generate({ ...request, previewEvery: 1 }, () => {});
    print('generate latents on GPU', { round, ...summary(gpu) });
    print('generate latents on CPU', { round, ...summary(cpu) });
    print('generate latents on GPU, preview every step', { round, ...summary(previews) });
    print('GPU vs CPU path', {
      round,
      latentsMaxRel: maxRelativeError(gpu.latents, cpu.latents),
      framesEqual: gpu.frames.rgba.every((v, i) => v === cpu.frames.rgba[i]),
      modelMsPerCallSaved: (cpu.timings.modelMs - gpu.timings.modelMs) / gpu.timings.calls.length,
    });
  }
}

// ---- 2. One IV sub-step's arithmetic and copies at SD1.5 video size -----------------------------------------
if (runs('2')) await subStepAndCopies();

async function subStepAndCopies(): Promise<void> {
  // While the engine's sessions are open: with its last session released, onnxruntime lets go of the device.
  const device = (await ort.env.webgpu.device) as GPUDevice;
  const config = parseSchedulerConfig({
    beta_schedule: 'scaled_linear',
    beta_start: 0.00085,
    beta_end: 0.012,
    clip_sample: false,
  });
  const k = ddimStepCoefficients(makeDdimSchedule(config, 50), 501);
  const shape = [1, 4, 16, 64, 64];
  const n = numel(shape);
  const latents: Tensor = { data: new TorchGenerator(1).randn(n), shape };
  const output: Tensor = { data: new TorchGenerator(2).randn(2 * n), shape: [32, 4, 64, 64] };
  const space = new GpuLatentSpace(device);
  const cpu = cpuLatentSpace();
  const timeIt = async (label: string, iterations: number, body: () => Promise<void> | void) => {
    for (let i = 0; i < 3; i++) await body();
    const times: number[] = [];
    for (let i = 0; i < iterations; i++) {
      const t0 = performance.now();
      await body();
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    print('micro', { label, shape, medianMs: times[Math.floor(times.length / 2)], minMs: times[0] });
  };
  const gLatents = space.upload(latents);
  const gOutput = space.upload(output);
  await space.settle();
  // An IDM sub-step: video → frames, CFG on the batched output, DDIM step, frames → video, settled.
  await timeIt('GPU: IDM sub-step arithmetic (permute, CFG, DDIM, permute), settled', 20, async () => {
    const frames = space.videoToFrames(gLatents);
    const noise = space.guideBatched(gOutput, 4);
    const stepped = space.step(k, noise, frames);
    const video = space.framesToVideo(stepped, 1);
    await space.settle();
    for (const h of [frames, noise, stepped, video]) space.release(h);
  });
  await timeIt('CPU: the same arithmetic', 10, () => {
    const frames = cpu.videoToFrames(latents);
    const noise = cpu.guideBatched(output, 4);
    cpu.framesToVideo(cpu.step(k, noise, frames), 1);
  });
  // The same arithmetic once more, read back and compared with the CPU (a dead device would answer fast and wrong).
  {
    const frames = space.videoToFrames(gLatents);
    const noise = space.guideBatched(gOutput, 4);
    const stepped = space.step(k, noise, frames);
    const video = space.framesToVideo(stepped, 1);
    const got = await space.read(video);
    const want = cpu.framesToVideo(cpu.step(k, cpu.guideBatched(output, 4), cpu.videoToFrames(latents)), 1);
    print('micro check', { maxRel: maxRelativeError(got.data, want.data) });
    for (const h of [frames, noise, stepped, video]) space.release(h);
  }
  // What the CPU path moves per IDM call: the doubled input up, the batched output down. An upload is timed
  // until a copy that depends on it has run.
  await timeIt('GPU: upload of one batched UNet input [32,4,64,64] (CPU path, per call)', 20, async () => {
    const h = space.upload(output);
    const row = space.sliceBatch(h, 31, 1);
    await space.settle();
    space.release(row);
    space.release(h);
  });
  await timeIt('GPU: read of one batched UNet output [32,4,64,64] (CPU path, per call)', 20, async () => {
    await space.read(gOutput);
  });
  await timeIt('GPU: read of the latents [1,4,16,64,64] (one preview)', 20, async () => {
    await space.read(gLatents);
  });
  space.release(gLatents);
  space.release(gOutput);
  print('space', { ...space.stats });
  await space.dispose();
}

/**
 * The same request on the engine above (shapes pinned) and on a second engine loaded with `options`, two rounds:
 * both summaries, how far apart their outputs are, and what the other engine saves (negative: what it costs).
 */
async function againstPinned(label: string, options: LoadOptions): Promise<void> {
  const other = new Engine(ort, { readerFor: () => dirPackReader(packFolder) });
  await other.load(
    { kind: 'url', baseUrl: packFolder },
    { backend: 'webgpu', ...(bufferCache ? { webgpuBufferCache: bufferCache } : {}), ...options },
  );
  // The first generation makes the shape-pinned (and captured) sessions: its warnings say what was refused.
  const first = await other.generate({ ...request, settings: { variant: 'iv-iv', steps: 2 } });
  print(`${label}: first generation`, { warnings: first.warnings, capturedCalls: first.timings.capturedCalls });
  for (let round = 0; round < 2; round++) {
    takeCallTimes();
    const pinned = await engine.generate(request, phaseOf);
    const pinnedCalls = takeCallTimes();
    const result = await other.generate(request, phaseOf);
    const resultCalls = takeCallTimes();
    print('generate, shapes pinned', { round, ...summary(pinned), ...pinnedCalls });
    print(`generate, ${label}`, {
      round,
      capturedCalls: result.timings.capturedCalls,
      warnings: result.warnings,
      ...summary(result),
      ...resultCalls,
    });
    print(`${label} vs pinned shapes`, {
      round,
      latentsMaxRel: maxRelativeError(result.latents, pinned.latents),
      framesMaxLsb: frameDifference(result.frames.rgba, pinned.frames.rgba).maxLsb,
      modelMsPerCallSaved: (pinned.timings.modelMs - result.timings.modelMs) / pinned.timings.calls.length,
      totalMsSaved: pinned.timings.totalMs - result.timings.totalMs,
    });
  }
  await other.unload();
}

// ---- 3. Shape-pinned sessions (LoadOptions.specializeShapes) against the graphs' dynamic axes ------------------
// The engine above pins the generation's shapes (the bundled pack is small enough on WebGPU). Same seed: the
// frames must agree; the savings come out negative (dynamic axes cost time).
if (runs('3')) await againstPinned('dynamic shapes', { specializeShapes: false });
// ---- 4. Graph capture (LoadOptions.graphCapture) on top of the pinned shapes -------------------------------------
if (runs('4')) await againstPinned('graph capture', { graphCapture: true });
// ---- 5. The VAE decode in one call for all frames against one call per frame (the default, decodeChunk 1) -------
// With the UNets captured, the bundled pack's decode (16 calls, each encoding every node again) was a quarter of a
// generation on the H100. An engine with the defaults (graph capture on for this pack); same seed, so the frames
// must be equal.
if (runs('5')) await decodeChunks();

async function decodeChunks(): Promise<void> {
  const other = new Engine(ort, { readerFor: () => dirPackReader(packFolder) });
  await other.load(
    { kind: 'url', baseUrl: packFolder },
    { backend: 'webgpu', ...(bufferCache ? { webgpuBufferCache: bufferCache } : {}) },
  );
  const frames = request.frames ?? 16;
  // The chunk is part of the pinned shapes, so a change re-creates the sessions: each chunk gets its own warm-up
  // generation, then two timed ones.
  const last: Record<number, GenerateResult> = {};
  for (const decodeChunk of [1, frames]) {
    // The warm-up generation makes the sessions: its warnings say which captured sessions were refused.
    const warmUp = await other.generate({ ...request, settings: { variant: 'iv-iv', steps: 2 }, decodeChunk });
    print('VAE decode chunk: warm-up', { decodeChunk, capturedCalls: warmUp.timings.capturedCalls, warnings: warmUp.warnings });
    for (let round = 0; round < 2; round++) {
      const result = await other.generate({ ...request, decodeChunk });
      last[decodeChunk] = result;
      print('VAE decode chunk', {
        decodeChunk,
        round,
        capturedCalls: result.timings.capturedCalls,
        totalMs: result.timings.totalMs,
        modelMs: result.timings.modelMs,
        decodeMs: result.timings.decodeMs,
        decodeMsPerFrame: result.timings.decodeMs / frames,
        warnings: result.warnings,
      });
    }
  }
  const [a, b] = [last[1], last[frames]];
  if (a && b) {
    print('VAE decode, one call per frame vs one call: frames', {
      framesMaxLsb: frameDifference(b.frames.rgba, a.frames.rgba).maxLsb,
    });
  }
  await other.unload();
}

await engine.unload();
process.exit(0);
