/**
 * The app's engine on the full-size random-weight pack (SD1.5-architecture IDM, AnimateDiff-architecture VDM,
 * CLIP ViT-L text encoder, SD VAE; tools/export/random_full_size.py) on a real GPU under Node + Dawn, for the
 * speed table of docs/performance.md (issue 5). Everything runs through `Engine.generate`, the code the app runs:
 *
 * 1. load (files verified, sessions created), GPU buffer bytes after it;
 * 2. per-call times (`calls:<size>`): IV-mixed with 2 steps at that size, IDM batch 32 = CFG × 16 frames, VDM
 *    2 × 16 frames (a model's first call, which compiles its shaders for the shape, is left out), VAE decode per
 *    frame, text encoder;
 * 3. whole generations (`<size>:<sampler>-<steps>`; `…:cpu-latents`: the latents on the CPU between calls, the
 *    before/after of keeping them on the GPU; `…:profile`: every GPU dispatch timed, by program), each only when
 *    its estimate from the per-call times fits before the deadline (a size's per-call stage runs first when STAGES
 *    has none before it). STAGES orders them (default: 256² first).
 *
 * Bundled by scripts/dawn/build-bench.mjs; run by tools/device/gpu_bench.sh on the GPU machine:
 *   node --liftoff-only fullsize-bench.mjs <payload dir> <pack dir> <deadline, unix ms> <results.json>
 * Prints one JSON object per measurement and keeps all of them in results.json.
 */
import { writeFileSync } from 'node:fs';
import { dirPackReader } from '../../src/cli/models-dir.js';
import type { SamplerVariant } from '../../src/core/sampler/variants.js';
import { Engine } from '../../src/engine/engine.js';
import type { GenerateResult } from '../../src/engine/types.js';
import { countGpuBuffers, DAWN_FLAGS, PROFILING_DAWN_FLAGS, resultsLog, setUpDawn, timeWebgpuCalls } from './dawn-env.js';
import { type DispatchTiming, installKernelProfiler, type KernelProfiler } from './kernel-profiler.js';

const [payload, packDir, deadlineArg, resultsPath] = process.argv.slice(2);
if (!payload || !packDir || !deadlineArg || !resultsPath) {
  throw new Error('usage: fullsize-bench.mjs <payload dir> <pack dir> <deadline, unix ms> <results.json>');
}
const deadline = Number(deadlineArg);
const resultsStem = resultsPath.replace(/\.json$/, '');
/**
 * `calls:<size>` (per-call times) or `<size>:<sampler>-<steps>[:option]` (a whole generation), run in this order.
 * Options: `cpu-latents` (latents on the CPU between calls), `profile` (every dispatch timed), `save` (final latents
 * and frames written beside the results).
 */
const STAGES = (process.env.STAGES ?? 'calls:256,256:ddim-25,256:iv-iv-25,calls:512,512:ddim-25,256:ddim-50,256:iv-iv-50')
  .split(',')
  .filter(Boolean);
const PROMPT = 'a red circle moving left on a black background';
const FRAMES = Number(process.env.FRAMES ?? 16);
/** LAYOUT=NCHW|NHWC loads the pack with that onnxruntime WebGPU preferredLayout (LoadOptions.webgpuLayout); unset: the EP's default (NHWC). */
const LAYOUT = process.env.LAYOUT as 'NCHW' | 'NHWC' | undefined;
/**
 * SHAPES=pinned|dynamic: LoadOptions.specializeShapes (unset: the engine's rule, dynamic axes for a full-size pack);
 * CAPTURE=1: LoadOptions.graphCapture, which needs pinned shapes, so it pins them unless SHAPES=dynamic.
 */
const CAPTURE = process.env.CAPTURE === '1';
const SHAPES = (process.env.SHAPES ?? (CAPTURE ? 'pinned' : undefined)) as 'pinned' | 'dynamic' | undefined;
if (SHAPES !== undefined && SHAPES !== 'pinned' && SHAPES !== 'dynamic') throw new Error(`SHAPES=${SHAPES}: pinned or dynamic`);
/**
 * BUFFER_CACHE=bucket|simple: LoadOptions.webgpuBufferCache, onnxruntime's storageBufferCacheMode (unset: the EP's
 * default, bucket). CALL_TIMES=1 times the host side of every WebGPU call by phase (dawn-env.ts timeWebgpuCalls):
 * inside UNet calls, between them (the scheduler), text encoding and decoding.
 */
const BUFFER_CACHE = process.env.BUFFER_CACHE as 'bucket' | 'simple' | undefined;
if (BUFFER_CACHE !== undefined && BUFFER_CACHE !== 'bucket' && BUFFER_CACHE !== 'simple')
  throw new Error(`BUFFER_CACHE=${BUFFER_CACHE}: bucket or simple`);
const CALL_TIMES = process.env.CALL_TIMES === '1';
const MiB = 2 ** 20;

const print = resultsLog(resultsPath);
const secondsLeft = () => (deadline - Date.now()) / 1000;
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0
    ? Number.NaN
    : s.length % 2
      ? (s[(s.length - 1) / 2] as number)
      : ((s[s.length / 2 - 1] as number) + (s[s.length / 2] as number)) / 2;
};

// DAWN_FLAGS replaces the default toggles, e.g. backend=null to try the script without a GPU. Its entries are
// separated by ';' because a Dawn flag's own value is a comma-separated toggle list
// (enable-dawn-features=vulkan_enable_f16_on_nvidia,disable_robustness is one entry).
// A `:profile` stage times every GPU dispatch of its generation (kernel-profiler.ts); the profiler must be in place
// before onnxruntime creates its device, and Dawn must not quantise the timestamps.
const profiling = STAGES.some((stage) => stage.endsWith(':profile'));
const dawnFlags = process.env.DAWN_FLAGS
  ? process.env.DAWN_FLAGS.split(';').filter(Boolean)
  : profiling
    ? PROFILING_DAWN_FLAGS
    : DAWN_FLAGS;
const ort = await setUpDawn(payload, dawnFlags);
const profiler: KernelProfiler | null = profiling ? installKernelProfiler() : null;
const gpuBytes = countGpuBuffers();
const callTimer = CALL_TIMES ? timeWebgpuCalls() : null;
const engine = new Engine(ort, { readerFor: () => dirPackReader(packDir) });
const caps = await engine.probe();
// The features and subgroup sizes tell which kernels onnxruntime could pick under these toggles (subgroups,
// shader-f16, subgroup matrices); the engine's probe reports neither. setUpDawn has set navigator.gpu.
const adapter = await navigator.gpu.requestAdapter();
print('adapter', {
  webgpu: caps.webgpu,
  onnxruntimeWeb: ort.env.versions?.web,
  node: process.version,
  features: adapter ? [...adapter.features].sort() : [],
  ...(adapter?.info.subgroupMinSize !== undefined ? { subgroupMinSize: adapter.info.subgroupMinSize } : {}),
  ...(adapter?.info.subgroupMaxSize !== undefined ? { subgroupMaxSize: adapter.info.subgroupMaxSize } : {}),
});

// ---- 1. load ------------------------------------------------------------------------------------------------
{
  const phases: { phase: string; at: number }[] = [];
  const t0 = performance.now();
  const loaded = await engine.load(
    { kind: 'url', baseUrl: packDir },
    {
      backend: 'webgpu',
      ...(LAYOUT ? { webgpuLayout: LAYOUT } : {}),
      ...(BUFFER_CACHE ? { webgpuBufferCache: BUFFER_CACHE } : {}),
      ...(SHAPES ? { specializeShapes: SHAPES === 'pinned' } : {}),
      ...(CAPTURE ? { graphCapture: true } : {}),
    },
    (e) => {
      if (e.phase === 'compile' || e.phase === 'verify')
        phases.push({ phase: `${e.phase} ${'part' in e ? e.part : e.file}`, at: performance.now() - t0 });
    },
  );
  print('load', {
    backend: loaded.backend,
    reason: loaded.backendReason,
    loadMs: loaded.loadMs,
    layout: LAYOUT ?? 'default (NHWC)',
    bufferCache: BUFFER_CACHE ?? 'default (bucket)',
    shapes: SHAPES ?? 'default (dynamic above 256 MiB)',
    graphCapture: CAPTURE,
    dawnFlags,
    precision: loaded.pack.precision,
    packBytes: loaded.pack.totalBytes,
    phases,
    gpuMiBAfterLoad: gpuBytes.liveBytes / MiB,
    gpuBuffersAfterLoad: gpuBytes.buffers,
    rssMiB: process.memoryUsage().rss / MiB,
  });
  if (loaded.backend !== 'webgpu') throw new Error(`no WebGPU here: ${loaded.backendReason}`);
}

interface Run {
  result: GenerateResult;
  decodeFrameMs: number[];
  peakGpuMiB: number;
  /**
   * `Engine.generate` from call to return. Beyond timings.totalMs it holds the sessions' re-creation with the
   * generation's shapes pinned (SHAPES=pinned, CAPTURE=1) when the shape changed.
   */
  wallMs: number;
  /** GPU buffers created and destroyed during the generation (onnxruntime's and ours), and their MiB. */
  churn: { created: number; createdMiB: number; destroyed: number; destroyedMiB: number };
  /** CALL_TIMES=1: host ms and count per `<phase> <WebGPU call>` (phases: text, unet, between, decode). */
  webgpuCalls?: Record<string, { ms: number; count: number }>;
}

async function generate(size: number, variant: SamplerVariant, steps: number, keepLatentsOnGpu = true): Promise<Run> {
  gpuBytes.resetPeak();
  const before = pick(gpuBytes);
  callTimer?.take();
  if (callTimer) callTimer.phase = 'text';
  const decodeFrameMs: number[] = [];
  let last = 0;
  const t0 = performance.now();
  const result = await engine.generate(
    {
      prompt: PROMPT,
      seed: 7,
      frames: FRAMES,
      width: size,
      height: size,
      settings: { variant, steps },
      previewEvery: 0,
      keepLatentsOnGpu,
    },
    (event) => {
      // Decode events come after every VAE chunk (one frame): the time between them is one frame's decode.
      if (callTimer && event.type === 'model-call-start') callTimer.phase = 'unet';
      if (callTimer && event.type === 'model-call-end') callTimer.phase = 'between';
      if (callTimer && event.type === 'step-end' && event.step === event.steps - 1) callTimer.phase = 'decode';
      if (event.type === 'model-call-end') last = performance.now();
      if (event.type === 'decode') {
        const now = performance.now();
        decodeFrameMs.push(now - last);
        last = now;
      }
    },
  );
  const wallMs = performance.now() - t0;
  const after = pick(gpuBytes);
  return {
    result,
    decodeFrameMs,
    peakGpuMiB: gpuBytes.peakBytes / MiB,
    wallMs,
    churn: {
      created: after.created - before.created,
      createdMiB: (after.createdBytes - before.createdBytes) / MiB,
      destroyed: after.destroyed - before.destroyed,
      destroyedMiB: (after.destroyedBytes - before.destroyedBytes) / MiB,
    },
    ...(callTimer ? { webgpuCalls: callTimer.take() } : {}),
  };
}

function pick(a: typeof gpuBytes) {
  return { created: a.created, createdBytes: a.createdBytes, destroyed: a.destroyed, destroyedBytes: a.destroyedBytes };
}

/** Per-call medians of a run; `skipFirst` leaves out each model's first call (shader compilation for a new shape). */
function perCall(run: Run, skipFirst: boolean) {
  const of = (model: 'image' | 'video') => {
    const ms = run.result.timings.calls.filter((c) => c.model === model).map((c) => c.ms);
    const kept = skipFirst ? ms.slice(1) : ms;
    return { medianMs: median(kept), minMs: Math.min(...kept), n: kept.length, firstMs: ms[0] };
  };
  // The first decode interval also holds the sampler's final read and the latents' scaling; the median skips it.
  return {
    idm: of('image'),
    vdm: of('video'),
    textEncoderMs: run.result.timings.textEncoderMs,
    decodePerFrameMedianMs: median(run.decodeFrameMs.slice(1)),
    decodeMs: run.result.timings.decodeMs,
    peakGpuMiB: run.peakGpuMiB,
  };
}

function summary(run: Run) {
  const t = run.result.timings;
  const byModel = (m: 'image' | 'video') => t.calls.filter((c) => c.model === m).map((c) => c.ms);
  return {
    totalMs: t.totalMs,
    modelMs: t.modelMs,
    videoCalls: run.result.modelCalls.video,
    imageCalls: run.result.modelCalls.image,
    vdmMedianMs: median(byModel('video')),
    idmMedianMs: median(byModel('image')),
    textEncoderMs: t.textEncoderMs,
    decodeMs: t.decodeMs,
    decodePerFrameMedianMs: median(run.decodeFrameMs.slice(1)),
    schedulerMs: t.schedulerMs,
    schedulerSteps: t.schedulerSteps,
    transferMs: t.transferMs,
    outsideCallsMs: t.outsideCallsMs,
    /** Sampling time outside the UNet calls (scheduler passes, copies, the loop), of the whole generation. */
    outsideCallsPct: (100 * t.outsideCallsMs) / t.totalMs,
    /** Everything but the UNet calls (text encoder and VAE decode included), of the whole generation. */
    notUnetPct: (100 * (t.totalMs - t.modelMs)) / t.totalMs,
    latentsOnGpu: t.latentsOnGpu,
    gpuLiveTensorsAfter: t.gpuLiveTensorsAfter,
    peakGpuMiB: run.peakGpuMiB,
    /** Time in `generate` before sampling: sessions re-created for a new shape (pinned shapes), else ≈ 0. */
    beforeSamplingMs: run.wallMs - t.totalMs,
    capturedCalls: t.capturedCalls ?? 0,
    warnings: run.result.warnings,
    buffersCreated: run.churn.created,
    createdMiB: run.churn.createdMiB,
    buffersDestroyed: run.churn.destroyed,
    destroyedMiB: run.churn.destroyedMiB,
    ...(run.webgpuCalls ? { webgpuCalls: run.webgpuCalls } : {}),
  };
}

/** Whole generation `<sampler>-<steps>` at `size`², when its estimate from the per-call times fits before the deadline. */
async function wholeGeneration(size: number, name: string, option?: string): Promise<void> {
  if (option !== undefined && option !== 'cpu-latents' && option !== 'profile' && option !== 'save')
    throw new Error(`unknown stage option "${option}"`);
  const match = /^(.+)-(\d+)$/.exec(name);
  if (!match) throw new Error(`"${name}" is not <sampler>-<steps>`);
  const variant = match[1] as SamplerVariant;
  const steps = Number(match[2]);
  if (!perCallAt.has(size)) {
    // The estimate needs them: measured here rather than the stage skipped after the pack's load (a lost call once).
    print('note', { stage: `generation ${size}:${name}`, why: `no per-call times at ${size}² yet: calls:${size} first` });
    await perCallStage(size);
  }
  const calls = perCallAt.get(size);
  if (!calls) {
    print('skipped', { stage: `generation ${size}:${name}`, why: `no per-call times at ${size}²` });
    return;
  }
  const planned = variant === 'ddim' ? { video: steps, image: 0 } : { video: 3 * steps, image: 2 * steps };
  const estimateS =
    // The decode of the per-call stage's generation (same frames): a per-frame median does not exist where a small
    // pack decodes all frames in one call.
    (planned.video * calls.vdm.medianMs + planned.image * calls.idm.medianMs + calls.decodeMs + 3000) * 1.1e-3;
  if (estimateS > secondsLeft()) {
    print('skipped', { stage: `generation ${size}:${name}${option ? `:${option}` : ''}`, estimateS, secondsLeft: secondsLeft() });
    return;
  }
  if (option === 'profile') profiler?.start();
  const run = await generate(size, variant, steps, option !== 'cpu-latents');
  const dispatches = option === 'profile' && profiler ? await profiler.collect() : null;
  print('generation', { size, sampler: variant, steps, estimateS, ...(option ? { option } : {}), ...summary(run) });
  if (dispatches) print('dispatch profile', { size, sampler: variant, steps, ...dispatchSummary(dispatches) });
  if (option === 'save') {
    // The final latents and frames beside the results, so that two packs' runs of the same request (seed 7, same
    // prompt) can be compared value by value: tools/bench/compare_outputs.py (fp16 against fp32).
    const stem = `${resultsStem}-${size}-${variant}-${steps}`;
    writeFileSync(
      `${stem}.latents.f32`,
      new Uint8Array(run.result.latents.buffer, run.result.latents.byteOffset, run.result.latents.byteLength),
    );
    writeFileSync(`${stem}.frames.rgba`, run.result.frames.rgba);
    print('saved', { size, sampler: variant, steps, stem, latentShape: run.result.latentShape, frames: run.result.frames.count });
  }
}

/**
 * A generation's GPU time by program: onnxruntime's kernels by their program names, the sampler's own WGSL passes as
 * `ivmix <kernel>`. Splitting passes per dispatch slows the run; the shares are what it is for.
 */
function dispatchSummary(dispatches: DispatchTiming[]) {
  const byLabel = new Map<string, { ms: number; count: number }>();
  for (const d of dispatches) {
    const entry = byLabel.get(d.label) ?? { ms: 0, count: 0 };
    entry.ms += d.ms;
    entry.count += 1;
    byLabel.set(d.label, entry);
  }
  const gpuMs = dispatches.reduce((a, d) => a + d.ms, 0);
  const sampler = [...byLabel.entries()].filter(([label]) => label.startsWith('ivmix '));
  return {
    dispatches: dispatches.length,
    gpuMs,
    samplerKernelsMs: sampler.reduce((a, [, v]) => a + v.ms, 0),
    samplerDispatches: sampler.reduce((a, [, v]) => a + v.count, 0),
    byProgram: [...byLabel.entries()]
      .map(([label, v]) => ({ label, ms: v.ms, count: v.count, pct: (100 * v.ms) / gpuMs }))
      .sort((a, b) => b.ms - a.ms)
      .slice(0, 40),
  };
}

/** Per-call times at `size`²: IV-mixed with 2 steps (6 VDM and 4 IDM calls, 16 frames decoded). */
async function perCallStage(size: number): Promise<void> {
  const needS = size >= 512 ? 70 : 30;
  if (secondsLeft() < needS) {
    print('skipped', { stage: `per call ${size}²`, secondsLeft: secondsLeft() });
    return;
  }
  const run = await generate(size, 'iv-iv', 2);
  const calls = perCall(run, true);
  perCallAt.set(size, calls);
  print('per call', { size, ...calls, generation: summary(run) });
}

// ---- 2.-4. in order; 256² first, so that a failure at 512² (memory) leaves the 256² numbers standing -------------
const perCallAt = new Map<number, ReturnType<typeof perCall>>();
for (const stage of STAGES) {
  try {
    const [a, b, option] = stage.split(':') as [string, string, string | undefined];
    if (a === 'calls') await perCallStage(Number(b));
    else await wholeGeneration(Number(a), b, option);
  } catch (error) {
    print('error', { stage, message: String((error as Error).stack ?? error) });
  }
}

print('memory', { gpuMiBLive: gpuBytes.liveBytes / MiB, rssMiB: process.memoryUsage().rss / MiB });
await engine.unload();
print('done', { secondsLeft: secondsLeft() });
process.exit(0);
