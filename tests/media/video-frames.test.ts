import { describe, expect, test } from 'vitest';
import { InvalidVideoFramesError } from '../../src/media/errors.js';
import { assertEncodableFrames, frameRgba, padToEvenSize, rgbToRgba, type VideoFrames } from '../../src/media/video-frames.js';

const frames = (width: number, height: number, count: number, fps = 8): VideoFrames => ({
  width,
  height,
  count,
  fps,
  rgba: new Uint8Array(width * height * 4 * count),
});

function refusal(f: VideoFrames): InvalidVideoFramesError {
  try {
    assertEncodableFrames(f);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidVideoFramesError);
    return error as InvalidVideoFramesError;
  }
  throw new Error('expected a refusal');
}

describe('rgbToRgba', () => {
  test('interleaves opaque alpha, frame by frame', () => {
    // 2 frames of 2×1: [F, H, W, 3]
    const rgb = Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(Array.from(rgbToRgba(rgb, 2, 2, 1))).toEqual([1, 2, 3, 255, 4, 5, 6, 255, 7, 8, 9, 255, 10, 11, 12, 255]);
  });

  test('refuses a buffer that does not match the shape', () => {
    expect(() => rgbToRgba(new Uint8Array(11), 2, 2, 1)).toThrow(InvalidVideoFramesError);
    expect(() => rgbToRgba(new Uint8Array(0), 0, 2, 1)).toThrow(/expected 0×1×2×3/);
  });
});

describe('assertEncodableFrames', () => {
  test('accepts the Studio sizes', () => {
    for (const [w, h, n] of [
      [64, 64, 8],
      [96, 80, 24],
      [512, 512, 32],
      [16, 4096, 1],
    ] as const) {
      expect(() => assertEncodableFrames(frames(w, h, n))).not.toThrow();
    }
  });

  test('refuses empty videos', () => {
    expect(refusal(frames(64, 64, 0)).field).toBe('count');
    expect(refusal({ ...frames(64, 64, 1), count: 1.5 }).field).toBe('count');
  });

  test('refuses a buffer of the wrong length, naming the expected size', () => {
    const error = refusal({ ...frames(64, 64, 2), rgba: new Uint8Array(64 * 64 * 4 * 2 - 1) });
    expect(error.field).toBe('rgba');
    expect(error.message).toContain('expected 2×64×64×4 = 32768 bytes');
    expect(refusal({ ...frames(64, 64, 2), rgba: [] as unknown as Uint8Array }).message).toContain('not a Uint8Array');
  });

  test('refuses odd sizes, pointing at padToEvenSize', () => {
    const error = refusal(frames(64, 63, 1));
    expect(error.field).toBe('height');
    expect(error.message).toMatch(/height 63 is odd.*padToEvenSize/);
    expect(refusal(frames(33, 64, 1)).field).toBe('width');
  });

  test('refuses sizes outside 16..4096 and non-integer sizes', () => {
    expect(refusal(frames(8, 64, 1)).field).toBe('width');
    expect(refusal(frames(64, 4098, 1)).field).toBe('height');
    expect(refusal({ ...frames(64, 64, 1), width: 64.5 }).field).toBe('width');
  });

  test('refuses frame rates that are not positive and finite', () => {
    for (const fps of [0, -8, Number.NaN, Number.POSITIVE_INFINITY, 121])
      expect(refusal(frames(64, 64, 1, fps)).field).toBe('fps');
  });
});

describe('padToEvenSize', () => {
  test('repeats the last column and row', () => {
    // 2 frames of 3×3, every pixel's red = frame·100 + y·10 + x
    const f: VideoFrames = { ...frames(3, 3, 2), rgba: new Uint8Array(3 * 3 * 4 * 2) };
    for (let i = 0; i < 2; i++)
      for (let y = 0; y < 3; y++) for (let x = 0; x < 3; x++) f.rgba[((i * 3 + y) * 3 + x) * 4] = i * 100 + y * 10 + x;
    const padded = padToEvenSize(f);
    expect([padded.width, padded.height, padded.count]).toEqual([4, 4, 2]);
    const red = (i: number, y: number, x: number) => padded.rgba[((i * 4 + y) * 4 + x) * 4];
    expect([0, 1, 2, 3].map((x) => red(1, 1, x))).toEqual([110, 111, 112, 112]);
    expect([0, 1, 2, 3].map((y) => red(1, y, 2))).toEqual([102, 112, 122, 122]);
    expect(red(0, 3, 3)).toBe(22);
    expect(() =>
      assertEncodableFrames({ ...padded, width: 16, height: 16, rgba: new Uint8Array(16 * 16 * 4 * 2) }),
    ).not.toThrow();
  });

  test('returns even frames unchanged', () => {
    const f = frames(64, 64, 1);
    expect(padToEvenSize(f)).toBe(f);
  });
});

test('frameRgba is a view of one frame', () => {
  const f = frames(16, 16, 3);
  f.rgba[16 * 16 * 4 * 2] = 7;
  const third = frameRgba(f, 2);
  expect(third.length).toBe(16 * 16 * 4);
  expect(third[0]).toBe(7);
  expect(third.buffer).toBe(f.rgba.buffer);
});
