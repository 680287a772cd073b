/** The CPU benchmark's table (src/cli/bench.ts): one row per sampler, steps, threads and session shapes. */
import { describe, expect, it } from 'vitest';
import { benchTable, summarize } from '../../src/cli/bench.js';
import type { GenerateResult } from '../../src/engine/types.js';

function run(totalMs: number, videoMs: number[]): Pick<GenerateResult, 'timings' | 'modelCalls'> {
  return {
    modelCalls: { video: videoMs.length, image: 0 },
    timings: {
      totalMs,
      textEncoderMs: 10,
      decodeMs: 20,
      decodeChunk: 16,
      outsideCallsMs: totalMs / 100,
      calls: videoMs.map((ms, step) => ({ model: 'video' as const, label: 'v', step, ms })),
      modelMs: videoMs.reduce((a, b) => a + b, 0),
      schedulerMs: 0,
      transferMs: 0,
      schedulerSteps: videoMs.length,
      latentsOnGpu: false,
    },
  };
}

describe('bench table', () => {
  it('keeps pinned and dynamic session shapes apart, with the median of the repeats', () => {
    const pinned = summarize('ddim', 2, 1, [run(1000, [100, 300]), run(3000, [100, 300]), run(2000, [100, 300])]);
    const dynamic = summarize('ddim', 2, 1, [run(5000, [400, 500])], 'dynamic');
    expect(pinned.shapes).toBe('pinned');
    expect(pinned.totalS).toBe(2);
    expect(dynamic.shapes).toBe('dynamic');
    const lines = benchTable([pinned, dynamic], 16).split('\n');
    expect(lines[0]).toContain('| session shapes |');
    expect(lines[0]).toContain('| VAE frames per call |');
    expect(pinned.decodeChunk).toBe(16);
    expect(lines[2]).toMatch(/^\| ddim \| 2 \| 1 \| pinned \| 2\.00 \| 2 × 300 \|/);
    expect(lines[3]).toMatch(/^\| ddim \| 2 \| 1 \| dynamic \| 5\.00 \| 2 × 500 \|/);
  });
});
