import { describe, expect, it } from 'vitest';
import { differenceMap, heatColour, meanAbsoluteDifference } from '../../src/ui/compare/difference-map.js';

/** A video of `count` frames of `width`×`height` whose every pixel is (r, g, b) = colour(frame, pixel). */
function video(count: number, width: number, height: number, colour: (frame: number, pixel: number) => [number, number, number]) {
  const rgba = new Uint8Array(count * width * height * 4);
  for (let f = 0; f < count; f++)
    for (let p = 0; p < width * height; p++) {
      const o = (f * width * height + p) * 4;
      rgba.set([...colour(f, p), 255], o);
    }
  return { width, height, count, fps: 8, rgba };
}

describe('heat colour', () => {
  it('goes black → red → yellow → white and never gets darker as the difference grows', () => {
    expect(heatColour(0)).toEqual([0, 0, 0]);
    expect(heatColour(1 / 3)).toEqual([255, 0, 0]);
    expect(heatColour(2 / 3)).toEqual([255, 255, 0]);
    expect(heatColour(1)).toEqual([255, 255, 255]);
    expect(heatColour(5)).toEqual([255, 255, 255]);
    expect(heatColour(-1)).toEqual([0, 0, 0]);
    let previous = -1;
    for (let i = 0; i <= 100; i++) {
      const brightness = heatColour(i / 100).reduce((s, v) => s + v, 0);
      expect(brightness).toBeGreaterThanOrEqual(previous);
      previous = brightness;
    }
  });
});

describe('difference map', () => {
  it('is black with zero mean for identical frames', () => {
    const a = video(2, 3, 2, (f, p) => [f * 10 + p, 50, 200]);
    const map = differenceMap(
      a,
      video(2, 3, 2, (f, p) => [f * 10 + p, 50, 200]),
      1,
      16,
    );
    expect(map.mean).toBe(0);
    expect(map.max).toBe(0);
    for (let i = 0; i < map.rgba.length; i += 4) expect([...map.rgba.subarray(i, i + 4)]).toEqual([0, 0, 0, 255]);
  });

  it('measures the per-pixel mean |A − B| of R, G, B on the frame asked for, and amplifies it by the gain', () => {
    const a = video(2, 2, 1, () => [100, 100, 100]);
    // Frame 0 equal; frame 1: pixel 0 off by (30, 0, 0) → 10 levels, pixel 1 by (85, 85, 85) → 85 levels.
    const b = video(2, 2, 1, (f, p) => (f === 0 ? [100, 100, 100] : p === 0 ? [130, 100, 100] : [15, 185, 15]));
    expect(differenceMap(a, b, 0, 1).mean).toBe(0);
    const map = differenceMap(a, b, 1, 1);
    expect(map.mean).toBeCloseTo((10 + 85) / 2, 10);
    expect(map.max).toBe(85);
    expect([...map.rgba.subarray(4, 8)]).toEqual([...heatColour(85 / 255), 255]);
    // ×4: 85 levels saturate to white, 10 levels become 40.
    const amplified = differenceMap(a, b, 1, 4);
    expect([...amplified.rgba.subarray(4, 8)]).toEqual([255, 255, 255, 255]);
    expect([...amplified.rgba.subarray(0, 4)]).toEqual([...heatColour(40 / 255), 255]);
    expect(amplified.mean).toBe(map.mean);
  });

  it('clamps the frame index to the video', () => {
    const a = video(2, 1, 1, (f) => [f * 100, 0, 0]);
    const b = video(2, 1, 1, () => [0, 0, 0]);
    expect(differenceMap(a, b, 9, 1).mean).toBeCloseTo(100 / 3, 10);
    expect(differenceMap(a, b, -3, 1).mean).toBe(0);
  });

  it('refuses videos of different shapes with a message naming both', () => {
    const a = video(2, 2, 2, () => [0, 0, 0]);
    const b = video(3, 2, 2, () => [0, 0, 0]);
    expect(() => differenceMap(a, b, 0, 1)).toThrow(/2×2×2 and 3×2×2/);
    expect(() => meanAbsoluteDifference(a, b)).toThrow(/differ in shape/);
  });

  it('averages the difference over every frame of the video', () => {
    const a = video(2, 2, 2, () => [0, 0, 0]);
    const b = video(2, 2, 2, (f) => (f === 0 ? [0, 0, 0] : [60, 60, 60]));
    expect(meanAbsoluteDifference(a, b)).toBe(30);
  });
});
