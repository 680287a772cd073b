import * as ort from 'onnxruntime-web';
import { Engine } from '../engine/engine.js';
import type { GenerateResult } from '../engine/types.js';
import { dirPackReader } from './models-dir.js';

export interface BenchOptions {
  packDir: string;
  frames: number;
  steps: number[];
  threads: number[];
  repeats: number;
  prompt: string;
  /**
   * Sessions with the generation's shapes pinned (the engine's WASM default) and/or with the graphs' dynamic axes
   * (LoadOptions.specializeShapes false): one row per value, for the before/after of pinning.
   */
  shapes?: SessionShapes[];
  /** Frames per VAE call (GenerateRequest.decodeChunk): one row set per value; unset, the engine's default. */
  decodeChunks?: number[];
}

export type SessionShapes = 'pinned' | 'dynamic';

export interface BenchRow {
  sampler: string;
  steps: number;
  threads: number;
  shapes: SessionShapes;
  /** Frames per VAE call the runs used. */
  decodeChunk: number;
  totalS: number;
  videoCalls: number;
  imageCalls: number;
  videoMs: number;
  imageMs: number;
  textEncoderMs: number;
  decodeMs: number;
  outsidePct: number;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

/** One table row from the repeats of one setting (only timings and call counts are read: a browser run sends no more). */
export function summarize(
  sampler: string,
  steps: number,
  threads: number,
  runs: Pick<GenerateResult, 'timings' | 'modelCalls'>[],
  shapes: SessionShapes = 'pinned',
): BenchRow {
  const last = runs[runs.length - 1] as Pick<GenerateResult, 'timings' | 'modelCalls'>;
  const byModel = (m: 'image' | 'video') => median(last.timings.calls.filter((c) => c.model === m).map((c) => c.ms));
  return {
    sampler,
    steps,
    threads,
    shapes,
    decodeChunk: last.timings.decodeChunk,
    totalS: median(runs.map((r) => r.timings.totalMs)) / 1000,
    videoCalls: last.modelCalls.video,
    imageCalls: last.modelCalls.image,
    videoMs: byModel('video'),
    imageMs: byModel('image'),
    textEncoderMs: last.timings.textEncoderMs,
    decodeMs: last.timings.decodeMs,
    outsidePct: (100 * last.timings.outsideCallsMs) / last.timings.totalMs,
  };
}

/**
 * Whole-generation time of the bundled pack on this machine's CPU (onnxruntime-web WASM, as in the
 * browser's fallback), DDIM vs IV-mixed, per thread count. Prints a markdown table.
 */
export async function runBench(o: BenchOptions, log: (line: string) => void): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const threads of o.threads)
    for (const shapes of o.shapes ?? ['pinned']) {
      ort.env.wasm.numThreads = threads;
      const engine = new Engine(ort, {
        readerFor: () => dirPackReader(o.packDir.endsWith('/') ? o.packDir : `${o.packDir}/`),
        probe: async () => ({
          webgpu: { available: false, reason: 'benchmark on CPU' },
          wasm: { threads, crossOriginIsolated: true },
        }),
      });
      await engine.load({ kind: 'url', baseUrl: o.packDir }, { backend: 'wasm', specializeShapes: shapes === 'pinned' });
      // The decode chunk is one of the pinned shapes: each value gets its own warm-up.
      for (const decodeChunk of o.decodeChunks ?? [undefined]) {
        const chunk = decodeChunk === undefined ? {} : { decodeChunk };
        for (const steps of o.steps) {
          for (const sampler of ['ddim', 'iv-iv'] as const) {
            const runs: GenerateResult[] = [];
            // One warm-up (first-run allocations), then the timed repeats.
            await engine.generate({
              prompt: o.prompt,
              seed: 1,
              frames: o.frames,
              settings: { variant: sampler, steps: 2 },
              previewEvery: 0,
              ...chunk,
            });
            for (let r = 0; r < o.repeats; r++) {
              runs.push(
                await engine.generate({
                  prompt: o.prompt,
                  seed: r,
                  frames: o.frames,
                  settings: { variant: sampler, steps },
                  previewEvery: 0,
                  ...chunk,
                }),
              );
            }
            const row = summarize(sampler, steps, threads, runs, shapes);
            rows.push(row);
            log(
              `${row.sampler.padEnd(6)} steps ${steps} threads ${threads} ${shapes} shapes, VAE ${row.decodeChunk} frames/call: ` +
                `${row.totalS.toFixed(2)} s (${row.videoCalls} VDM × ${row.videoMs.toFixed(0)} ms, ` +
                `${row.imageCalls} IDM × ${row.imageMs.toFixed(0)} ms, decode ${row.decodeMs.toFixed(0)} ms)`,
            );
          }
        }
      }
      await engine.unload();
    }
  return rows;
}

export function benchTable(rows: BenchRow[], frames: number): string {
  const head =
    `| sampler | steps | WASM threads | session shapes | whole generation (s) | VDM calls × median ms | IDM calls × median ms | text encoder ms | VAE decode ms (${frames} frames) | VAE frames per call | time outside UNet calls |\n` +
    '| --- | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n';
  return (
    head +
    rows
      .map(
        (r) =>
          `| ${r.sampler} | ${r.steps} | ${r.threads} | ${r.shapes} | ${r.totalS.toFixed(2)} | ${r.videoCalls} × ${r.videoMs.toFixed(0)} | ${r.imageCalls} × ${Number.isNaN(r.imageMs) ? '–' : r.imageMs.toFixed(0)} | ${r.textEncoderMs.toFixed(0)} | ${r.decodeMs.toFixed(0)} | ${r.decodeChunk} | ${r.outsidePct.toFixed(1)} % |`,
      )
      .join('\n')
  );
}
