/**
 * The same request through two packs on WASM (the app's engine, one thread), and how far their frames are apart:
 * for graph rewrites that must not change what a pack draws (e.g. tools/export/groupnorm.py).
 *   npx tsx scripts/compare-packs.ts <pack A dir> <pack B dir> [--frames 8] [--steps 10] [--sampler iv-iv]
 */
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-web';
import { dirPackReader } from '../src/cli/models-dir.js';
import type { SamplerVariant } from '../src/core/sampler/variants.js';
import { Engine } from '../src/engine/engine.js';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    frames: { type: 'string', default: '8' },
    steps: { type: 'string', default: '10' },
    sampler: { type: 'string', default: 'iv-iv' },
  },
});
const [a, b] = positionals;
if (!a || !b) throw new Error('usage: compare-packs.ts <pack A dir> <pack B dir> [--frames N] [--steps N] [--sampler NAME]');
ort.env.wasm.numThreads = 1;

async function frames(dir: string) {
  const base = dir.endsWith('/') ? dir : `${dir}/`;
  const engine = new Engine(ort, {
    readerFor: () => dirPackReader(base),
    probe: async () => ({
      webgpu: { available: false, reason: 'WASM comparison' },
      wasm: { threads: 1, crossOriginIsolated: true },
    }),
  });
  await engine.load({ kind: 'url', baseUrl: base });
  try {
    const started = performance.now();
    const result = await engine.generate({
      prompt: 'a yellow square moving up on a navy background',
      seed: 11,
      frames: Number(values.frames),
      settings: { variant: values.sampler as SamplerVariant, steps: Number(values.steps) },
    });
    return { rgba: result.frames.rgba, ms: performance.now() - started };
  } finally {
    await engine.unload();
  }
}

const [x, y] = [await frames(a), await frames(b)];
let maxLsb = 0;
let off = 0;
for (let i = 0; i < x.rgba.length; i++) {
  const d = Math.abs((x.rgba[i] as number) - (y.rgba[i] as number));
  maxLsb = Math.max(maxLsb, d);
  if (d > 0) off++;
}
console.log(
  JSON.stringify({
    values: x.rgba.length,
    maxLsb,
    fractionOff: off / x.rgba.length,
    msA: Math.round(x.ms),
    msB: Math.round(y.ms),
  }),
);
