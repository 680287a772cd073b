import { describe, expect, it } from 'vitest';
import type { GenerateResult } from '../../src/engine/types.js';
import { costRatio, costSentence } from '../../src/ui/compare/cost-summary.js';
import {
  compareQuality,
  formatMetric,
  measureQuality,
  QUALITY_METRICS,
  type VideoQuality,
  verdict,
  verdictText,
} from '../../src/ui/compare/quality-summary.js';

const metric = (id: string) => {
  const found = QUALITY_METRICS.find((m) => m.id === id);
  if (!found) throw new Error(`no metric ${id}`);
  return found;
};

/** A 16×16 RGBA video: a bright square on black, with a hard edge or a 3-pixel ramp, moving one pixel a frame. */
function squares(count: number, soft: boolean, brightness: (frame: number) => number = () => 255) {
  const size = 16;
  const rgba = new Uint8Array(count * size * size * 4);
  for (let f = 0; f < count; f++)
    for (let y = 0; y < size; y++)
      for (let x = 0; x < size; x++) {
        const left = 4 + f;
        const inside = soft
          ? Math.max(0, Math.min(1, (x - left + 1) / 3)) * (y >= 4 && y < 12 ? 1 : 0)
          : x >= left && x < left + 8 && y >= 4 && y < 12
            ? 1
            : 0;
        const v = Math.round(inside * brightness(f));
        rgba.set([v, v, v, 255], ((f * size + y) * size + x) * 4);
      }
  return { width: size, height: size, count, fps: 8, rgba };
}

describe('quality of a video in the browser', () => {
  it('finds a hard edge sharper than a soft one, and reads RGBA frames', () => {
    const hard = measureQuality(squares(3, false));
    const soft = measureQuality(squares(3, true));
    expect(hard.sharpness).toBeGreaterThan(soft.sharpness);
    expect(hard.frameDifference).toBeGreaterThan(0);
  });

  it('sees flicker when the whole frame’s brightness jumps, not when it moves smoothly', () => {
    const steady = measureQuality(squares(4, false));
    const flickering = measureQuality(squares(4, false, (f) => (f % 2 === 0 ? 255 : 120)));
    expect(steady.flicker).toBe(0);
    expect(flickering.flicker).toBeGreaterThan(1);
  });

  it('leaves flicker and frame difference unmeasured when the video is too short for them', () => {
    expect(measureQuality(squares(2, false)).flicker).toBeNull();
    expect(measureQuality(squares(2, false)).frameDifference).not.toBeNull();
    const one = measureQuality(squares(1, false));
    expect(one.frameDifference).toBeNull();
    expect(one.sharpness).toBeGreaterThan(0);
  });
});

describe('quality table rows', () => {
  it('says which direction is better for each metric', () => {
    expect(metric('sharpness').better).toBe('higher');
    expect(metric('flicker').better).toBe('lower');
    expect(metric('frameDifference').better).toBe('lower');
    for (const m of QUALITY_METRICS) expect(m.explanation.length).toBeGreaterThan(20);
  });

  it('calls the higher sharpness and the lower flicker better', () => {
    expect(verdict(metric('sharpness'), 10, 12)).toBe('mixed');
    expect(verdict(metric('sharpness'), 12, 10)).toBe('baseline');
    expect(verdict(metric('flicker'), 1, 2)).toBe('baseline');
    expect(verdict(metric('flicker'), 2, 1)).toBe('mixed');
  });

  it('calls values equal at the shown two decimals a tie, and a missing value unmeasured', () => {
    expect(verdict(metric('sharpness'), 1.001, 1.004)).toBe('tie');
    expect(verdict(metric('sharpness'), 1.0, 1.01)).toBe('mixed');
    expect(verdict(metric('flicker'), null, 1)).toBe('unmeasured');
    expect(verdict(metric('flicker'), Number.NaN, 1)).toBe('unmeasured');
  });

  it('formats both sides with two decimals and names the winner', () => {
    const ddim: VideoQuality = { sharpness: 17.657, flicker: 1.645, frameDifference: null };
    const iv: VideoQuality = { sharpness: 21.537, flicker: 2.483, frameDifference: 3 };
    const rows = compareQuality(ddim, iv);
    expect(rows.map((r) => [r.metric.id, r.baseline, r.mixed, r.verdict])).toEqual([
      ['sharpness', '17.66', '21.54', 'mixed'],
      ['flicker', '1.65', '2.48', 'baseline'],
      ['frameDifference', '—', '3.00', 'unmeasured'],
    ]);
    const names = { baseline: 'DDIM', mixed: 'IV-mixed' };
    expect(verdictText('mixed', names)).toBe('IV-mixed is better');
    expect(verdictText('baseline', names)).toBe('DDIM is better');
    expect(verdictText('tie', names)).toMatch(/Equal/);
    expect(formatMetric(Number.POSITIVE_INFINITY)).toBe('—');
  });
});

describe('cost of a comparison', () => {
  const result = (image: number, video: number, totalMs: number) =>
    ({ modelCalls: { image, video }, timings: { totalMs } }) as GenerateResult;

  it('gives the IV-mixed run’s UNet calls and time as multiples of DDIM’s', () => {
    const names = { baseline: 'DDIM', mixed: 'IV-mixed (IV-IV)' };
    expect(costSentence(result(0, 2, 400), result(4, 6, 1800), names)).toBe(
      'IV-mixed (IV-IV) took 5.0× the UNet calls and 4.5× the time of DDIM.',
    );
    expect(costRatio(3, 0)).toBeNull();
    expect(costSentence(result(0, 0, 0), result(1, 1, 10), names)).toMatch(/cannot be compared/);
  });
});
