/**
 * Where one model call's GPU time goes: a pack part (unet, motion_unet, vae_decoder) run alone in onnxruntime-web's
 * WebGPU EP under Node + Dawn, with every dispatch of one call timed on the GPU (kernel-profiler.ts; the EP's own
 * `env.webgpu.profiling` is not implemented by 1.30's native-EP bundle). Prints the wall time per call, the
 * dispatches' summed GPU time, and that time by shader for the profiled call — where issue 5's speed work starts.
 *
 * Bundled by scripts/dawn/build-bench.mjs; on the GPU machine (tools/device/gpu_bench.sh PROFILE=...):
 *   node --liftoff-only profile-unet.mjs <payload dir> <pack dir> <part> <size> <results.json> [calls]
 * Shapes are the engine's at `size`²: unet [32, 4, s/8, s/8] (CFG × 16 frames) with 32 text rows; motion_unet
 * [2, 4, 16, s/8, s/8] with the text rows its manifest convention takes; vae_decoder [1, 4, s/8, s/8].
 * LAYOUT=NCHW|NHWC sets the EP's preferredLayout (unset: its default, NHWC in 1.30). DAWN_FLAGS (entries separated by
 * ';', as for fullsize-bench.ts) replaces the default Dawn toggles; full-resolution timestamps are kept unless it sets
 * its own disable-dawn-features entry.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readWholeFile } from '../../src/cli/models-dir.js';
import { float32ToHalf } from '../../src/runtime/half.js';
import type { OrtModule, OrtSession } from '../../src/runtime/ort.js';
import { PROFILING_DAWN_FLAGS, setUpDawn } from './dawn-env.js';
import { installKernelProfiler } from './kernel-profiler.js';

const [payload, packDir, part, sizeArg, resultsPath, callsArg] = process.argv.slice(2);
if (!payload || !packDir || !part || !sizeArg || !resultsPath) {
  throw new Error(
    'usage: profile-unet.mjs <payload dir> <pack dir> <unet|motion_unet|vae_decoder> <size> <results.json> [calls]',
  );
}
const size = Number(sizeArg);
const calls = Number(callsArg ?? 3);
const layout = process.env.LAYOUT as 'NCHW' | 'NHWC' | undefined;
const FRAMES = 16;

// The profile is only as fine as the timestamps: quantisation stays off unless the user's flags disable features of
// their own (dawn.node keeps one value per flag name, so a second disable-dawn-features entry would replace theirs).
const userFlags = process.env.DAWN_FLAGS ? process.env.DAWN_FLAGS.split(';').filter(Boolean) : undefined;
const dawnFlags = userFlags
  ? userFlags.some((flag) => flag.startsWith('disable-dawn-features='))
    ? userFlags
    : [...userFlags, 'disable-dawn-features=timestamp_quantization']
  : PROFILING_DAWN_FLAGS;
const ort: OrtModule = await setUpDawn(payload, dawnFlags);
const profiler = installKernelProfiler();

const manifest = JSON.parse(readFileSync(join(packDir, 'manifest.json'), 'utf8')) as {
  precision: 'fp16' | 'fp32';
  textEmbeddingWidth: number;
  videoTextEmbeddings?: 'per-video' | 'per-frame';
  components: Record<string, { model: string; externalData?: string[] }>;
};
const component = manifest.components[{ unet: 'imageUnet', motion_unet: 'videoUnet', vae_decoder: 'vaeDecoder' }[part] ?? part];
if (!component) throw new Error(`the pack has no ${part}`);
const model = readFileSync(join(packDir, component.model));
// Every external-data file the manifest lists, under the name the graph refers to it by. readWholeFile: a file
// over 2 GiB is more than readFileSync reads in one piece.
const externalData =
  component.externalData && component.externalData.length > 0
    ? await Promise.all(
        component.externalData.map(async (path) => ({
          path: path.slice(path.lastIndexOf('/') + 1),
          data: await readWholeFile(join(packDir, path)),
        })),
      )
    : undefined;
const started = performance.now();
const session: OrtSession = await ort.InferenceSession.create(model, {
  executionProviders: [layout ? { name: 'webgpu', preferredLayout: layout } : 'webgpu'],
  graphOptimizationLevel: 'all',
  ...(externalData ? { externalData } : {}),
});
const createMs = performance.now() - started;

// Inputs in the element type each graph input declares (fp16 packs take fp16 sample, timestep and text).
const meta = (session as unknown as { inputMetadata: { name: string; type?: string }[] }).inputMetadata;
const typeOf = (name: string) => meta.find((m) => m.name === name)?.type ?? 'float32';
const h = size / 8;
const width = manifest.textEmbeddingWidth;
const textRows = part === 'motion_unet' ? (manifest.videoTextEmbeddings === 'per-frame' ? 2 * FRAMES : 2) : 2 * FRAMES;
const shapes: Record<string, number[]> =
  part === 'vae_decoder'
    ? { latent_sample: [1, 4, h, h] }
    : {
        sample: part === 'motion_unet' ? [2, 4, FRAMES, h, h] : [2 * FRAMES, 4, h, h],
        timestep: [1],
        encoder_hidden_states: [textRows, 77, width],
      };
let seed = 1;
const random = () => {
  seed = (seed * 1103515245 + 12345) % 2 ** 31;
  return seed / 2 ** 31 - 0.5;
};
const feeds: Record<string, unknown> = {};
for (const name of session.inputNames) {
  const shape = shapes[name];
  if (!shape) throw new Error(`${part}: no shape for input "${name}"`);
  const n = shape.reduce((a, b) => a * b, 1);
  const values = Float32Array.from({ length: n }, () => (name === 'timestep' ? 500 : random() * 2));
  feeds[name] =
    typeOf(name) === 'float16'
      ? new ort.Tensor('float16', float32ToHalf(values), shape)
      : new ort.Tensor('float32', values, shape);
}

// Unprofiled calls first (the first compiles shaders), then one call with every dispatch timed.
const wallMs: number[] = [];
for (let i = 0; i < calls; i++) {
  const t0 = performance.now();
  await session.run(feeds as never);
  wallMs.push(performance.now() - t0);
}
profiler.start();
const p0 = performance.now();
await session.run(feeds as never);
const profiledWallMs = performance.now() - p0;
const kernels = await profiler.collect();
const gpuMs = kernels.reduce((a, k) => a + k.ms, 0);
const group = (key: (k: (typeof kernels)[number]) => string) => {
  const m = new Map<string, { ms: number; count: number }>();
  for (const k of kernels) {
    const g = m.get(key(k)) ?? { ms: 0, count: 0 };
    g.ms += k.ms;
    g.count += 1;
    m.set(key(k), g);
  }
  return [...m.entries()]
    .map(([k, v]) => ({ key: k, ms: v.ms, count: v.count, pct: (100 * v.ms) / gpuMs }))
    .sort((a, b) => b.ms - a.ms);
};
const result = {
  part,
  size,
  layout: layout ?? 'default',
  dawnFlags,
  precision: manifest.precision,
  inputs: Object.fromEntries(session.inputNames.map((n) => [n, { shape: shapes[n], type: typeOf(n) }])),
  createMs,
  wallMs,
  profiledWallMs,
  dispatches: kernels.length,
  gpuDispatchMs: gpuMs,
  byShader: group((k) => k.label),
  slowest: [...kernels].sort((a, b) => b.ms - a.ms).slice(0, 30),
};
writeFileSync(resultsPath, JSON.stringify(result, null, 1));
console.log(
  `${part} ${size}² ${result.layout} ${manifest.precision}: wall ${wallMs.map((x) => x.toFixed(1)).join(' / ')} ms; ` +
    `profiled call ${profiledWallMs.toFixed(1)} ms with ${kernels.length} dispatches, ${gpuMs.toFixed(1)} ms of GPU time`,
);
if (kernels.length === 0) console.log('no dispatches recorded: the adapter has no timestamp-query');
for (const g of result.byShader.slice(0, 25)) {
  console.log(
    `  ${g.key.slice(0, 60).padEnd(60)} ${g.ms.toFixed(1).padStart(9)} ms ${g.pct.toFixed(1).padStart(5)} %  ×${g.count}`,
  );
}
await session.release();
process.exit(0);
