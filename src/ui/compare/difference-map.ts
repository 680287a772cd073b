import type { VideoFrames } from '../../engine/types.js';

/** How much a difference is multiplied before it is coloured: small differences are invisible at ×1. */
export const DIFFERENCE_GAINS = [1, 4, 16] as const;
export type DifferenceGain = (typeof DIFFERENCE_GAINS)[number];

export interface DifferenceMap {
  width: number;
  height: number;
  /** The heat map, ready for ImageData. */
  rgba: Uint8ClampedArray<ArrayBuffer>;
  /** Mean and largest per-pixel difference of this frame, in 0–255 levels (mean over R, G, B). */
  mean: number;
  max: number;
}

/**
 * The "hot" colour map: black → red → yellow → white as `level` goes 0 → 1. Monotonic in brightness, so a
 * brighter pixel always means a larger difference, also for readers who do not tell red from green.
 */
export function heatColour(level: number): [number, number, number] {
  const v = Math.max(0, Math.min(1, level));
  const channel = (offset: number) => Math.round(255 * Math.max(0, Math.min(1, 3 * v - offset)));
  return [channel(0), channel(1), channel(2)];
}

function assertSameShape(a: VideoFrames, b: VideoFrames): void {
  if (a.width !== b.width || a.height !== b.height || a.count !== b.count) {
    throw new Error(
      `The two videos differ in shape (${a.count}×${a.width}×${a.height} and ${b.count}×${b.width}×${b.height}); ` +
        'a difference map needs the same frames and size.',
    );
  }
}

/** Per-pixel |A − B| of one frame (mean over R, G, B), amplified by `gain` and coloured with `heatColour`. */
export function differenceMap(a: VideoFrames, b: VideoFrames, frame: number, gain: number): DifferenceMap {
  assertSameShape(a, b);
  const { width, height } = a;
  const pixels = width * height;
  const index = Math.max(0, Math.min(a.count - 1, frame));
  const base = index * pixels * 4;
  const rgba = new Uint8ClampedArray(pixels * 4);
  let sum = 0;
  let max = 0;
  for (let p = 0; p < pixels; p++) {
    const o = base + p * 4;
    const d =
      (Math.abs((a.rgba[o] as number) - (b.rgba[o] as number)) +
        Math.abs((a.rgba[o + 1] as number) - (b.rgba[o + 1] as number)) +
        Math.abs((a.rgba[o + 2] as number) - (b.rgba[o + 2] as number))) /
      3;
    sum += d;
    if (d > max) max = d;
    const [r, g, bl] = heatColour((d * gain) / 255);
    rgba[p * 4] = r;
    rgba[p * 4 + 1] = g;
    rgba[p * 4 + 2] = bl;
    rgba[p * 4 + 3] = 255;
  }
  return { width, height, rgba, mean: pixels > 0 ? sum / pixels : 0, max };
}

/** Mean per-pixel |A − B| over every frame, in 0–255 levels: one number for how far apart the videos are. */
export function meanAbsoluteDifference(a: VideoFrames, b: VideoFrames): number {
  assertSameShape(a, b);
  const values = a.width * a.height * a.count;
  if (values === 0) return 0;
  let sum = 0;
  for (let p = 0; p < values; p++) {
    const o = p * 4;
    sum +=
      Math.abs((a.rgba[o] as number) - (b.rgba[o] as number)) +
      Math.abs((a.rgba[o + 1] as number) - (b.rgba[o + 1] as number)) +
      Math.abs((a.rgba[o + 2] as number) - (b.rgba[o + 2] as number));
  }
  return sum / (3 * values);
}
