import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-web';
import { Engine } from '../engine/engine.js';
import { parseWorldPrompt, scoreWorldVideo, type WorldScores } from '../quality/tinyworld-metrics.js';
import { flicker, sharpness } from '../quality/video-metrics.js';
import { dirPackReader } from './models-dir.js';

/**
 * The tiny world's quality benchmark: the same seeds and prompts through DDIM and IV-mixed, every video
 * scored against its prompt (src/quality/tinyworld-metrics.ts) plus generic sharpness and flicker.
 * Rows are appended to a JSON-lines file as they finish, so an interrupted run resumes.
 */
export const QUALITY_PROMPTS = [
  'a red circle moving left on a black background',
  'a yellow square moving up on a navy background',
  'a white triangle moving right on a maroon background',
  'a green diamond moving down on a gray background',
];

export interface QualityRow extends WorldScores {
  sampler: string;
  prompt: string;
  seed: number;
  sharpness: number;
  flicker: number;
  seconds: number;
}

export interface QualityOptions {
  packDir: string;
  seeds: number;
  /** Seeds run are firstSeed … firstSeed + seeds − 1, so that several processes can share the work. */
  firstSeed?: number;
  steps: number;
  frames: number;
  prompts: string[];
  samplers: string[];
  out: string;
}

export async function runQualityBench(o: QualityOptions, log: (line: string) => void): Promise<QualityRow[]> {
  ort.env.wasm.numThreads = 1;
  const engine = new Engine(ort, {
    readerFor: () => dirPackReader(o.packDir.endsWith('/') ? o.packDir : `${o.packDir}/`),
    probe: async () => ({
      webgpu: { available: false, reason: 'benchmark on CPU' },
      wasm: { threads: 1, crossOriginIsolated: true },
    }),
  });
  await engine.load({ kind: 'url', baseUrl: o.packDir }, { backend: 'wasm' });
  const done = new Map<string, QualityRow>();
  if (existsSync(o.out)) {
    for (const line of readFileSync(o.out, 'utf8').split('\n').filter(Boolean)) {
      const row = JSON.parse(line) as QualityRow;
      done.set(`${row.sampler}|${row.prompt}|${row.seed}`, row);
    }
  }
  const first = o.firstSeed ?? 0;
  for (let seed = first; seed < first + o.seeds; seed++) {
    for (const prompt of o.prompts) {
      for (const sampler of o.samplers) {
        const key = `${sampler}|${prompt}|${seed}`;
        if (done.has(key)) continue;
        const result = await engine.generate({
          prompt,
          seed,
          frames: o.frames,
          settings: { variant: sampler as 'ddim', steps: o.steps },
          previewEvery: 0,
        });
        const frames = {
          width: result.frames.width,
          height: result.frames.height,
          count: result.frames.count,
          channels: 4 as const,
          data: result.frames.rgba,
        };
        const row: QualityRow = {
          sampler,
          prompt,
          seed,
          ...scoreWorldVideo(frames, parseWorldPrompt(prompt)),
          sharpness: sharpness(frames),
          flicker: flicker(frames),
          seconds: result.timings.totalMs / 1000,
        };
        appendFileSync(o.out, `${JSON.stringify(row)}\n`);
        done.set(key, row);
        log(
          `${sampler.padEnd(6)} seed ${seed} "${prompt}": colour ${row.colourAccuracy.toFixed(2)} shape ${row.shapeAccuracy.toFixed(2)} motion ${row.motionCorrect} sharp ${row.sharpness.toFixed(1)} (${row.seconds.toFixed(1)} s)`,
        );
      }
    }
  }
  await engine.unload();
  return [...done.values()];
}

const METRICS: { key: keyof QualityRow; label: string; better: 'higher' | 'lower' }[] = [
  { key: 'colourAccuracy', label: 'colour correct (frames)', better: 'higher' },
  { key: 'shapeAccuracy', label: 'shape correct (frames)', better: 'higher' },
  { key: 'shapeIoU', label: 'IoU with the prompt shape', better: 'higher' },
  { key: 'motionCorrect', label: 'moves the prompt’s way', better: 'higher' },
  { key: 'motionAlongPx', label: 'travel along the prompt direction (px)', better: 'higher' },
  { key: 'sharpness', label: 'edge sharpness (luma/px)', better: 'higher' },
  { key: 'compensatedDifference', label: 'motion-compensated frame difference', better: 'lower' },
  { key: 'areaInstability', label: 'object area instability', better: 'lower' },
  { key: 'flicker', label: 'flicker (luma)', better: 'lower' },
  { key: 'objectFound', label: 'frames with an object', better: 'higher' },
];

function meanCi(xs: number[]): [number, number] {
  const n = xs.length;
  const mean = xs.reduce((s, x) => s + x, 0) / n;
  const sd = Math.sqrt(xs.reduce((s, x) => s + (x - mean) ** 2, 0) / Math.max(1, n - 1));
  return [mean, (1.96 * sd) / Math.sqrt(n)];
}

/** Markdown: mean ± 95% CI per sampler, and the paired difference IV-mixed − DDIM over the same seeds and prompts. */
export function qualityTable(rows: QualityRow[], samplers: string[]): string {
  const by = (s: string) => rows.filter((r) => r.sampler === s);
  const [a, b] = samplers as [string, string];
  const pairs = by(b)
    .map((rb) => [rows.find((ra) => ra.sampler === a && ra.prompt === rb.prompt && ra.seed === rb.seed), rb] as const)
    .filter((p): p is readonly [QualityRow, QualityRow] => p[0] !== undefined);
  const fmt = ([m, ci]: [number, number]) => `${m.toFixed(3)} ± ${ci.toFixed(3)}`;
  const lines = [
    `| metric (better) | ${samplers.map((s) => `${s} (n=${by(s).length})`).join(' | ')} | ${b} − ${a}, paired (n=${pairs.length}) |`,
    `| --- | ${samplers.map(() => '---:').join(' | ')} | ---: |`,
  ];
  for (const m of METRICS) {
    const cells = samplers.map((s) => fmt(meanCi(by(s).map((r) => r[m.key] as number))));
    const diff = fmt(meanCi(pairs.map(([ra, rb]) => (rb[m.key] as number) - (ra[m.key] as number))));
    lines.push(`| ${m.label} (${m.better}) | ${cells.join(' | ')} | ${diff} |`);
  }
  const time = samplers.map((s) => fmt(meanCi(by(s).map((r) => r.seconds))));
  lines.push(`| seconds per video (CPU, WASM 1 thread) | ${time.join(' | ')} | |`);
  return lines.join('\n');
}
