import { InvalidVideoFramesError } from './errors.js';

/**
 * A short video as the encoders take it: `count` RGBA frames of `width`×`height`, frame after frame, row after
 * row (the layout of ImageData and of ffmpeg's `rawvideo rgba`). Alpha is ignored by every encoder here (H.264
 * has no alpha channel and both paths drop it rather than compositing), so frames should be opaque.
 *
 * Same shape as the engine's `VideoFrames` (src/engine/types.ts), so the engine's result can be passed as is.
 */
export interface VideoFrames {
  width: number;
  height: number;
  count: number;
  /** Frames per second; every frame lasts 1/fps. */
  fps: number;
  /** RGBA bytes, length width·height·4·count. */
  rgba: Uint8Array;
}

/**
 * What the encoders accept. Width and height must be even: H.264 in yuv420p (the only layout every player
 * decodes) stores chroma at half resolution in both directions, and libx264 and WebCodecs refuse odd sizes. The
 * engine's frames are multiples of 8 (the VAE's factor), so an odd size means a bug upstream; the encoders
 * refuse it instead of silently changing the picture, and `padToEvenSize` is there for callers that want it.
 * 16 is one H.264 macroblock; 4096 is the largest side H.264 levels up to 6.0 (and WebCodecs) handle.
 */
export const VIDEO_LIMITS = { minSide: 16, maxSide: 4096, maxFps: 120 } as const;

/** RGB [count, height, width, 3] (the VAE decoder's output) → RGBA with opaque alpha. */
export function rgbToRgba(rgb: Uint8Array, count: number, width: number, height: number): Uint8Array {
  const pixels = count * width * height;
  if (!Number.isSafeInteger(pixels) || pixels <= 0 || rgb.length !== pixels * 3) {
    throw new InvalidVideoFramesError(
      'rgba',
      `RGB buffer has ${rgb.length} bytes, expected ${count}×${height}×${width}×3 = ${pixels * 3}. ` +
        'Pass the decoder output [F, H, W, 3] with the matching frame count and size.',
    );
  }
  const out = new Uint8Array(pixels * 4);
  for (let i = 0, j = 0; i < pixels; i++, j += 3) {
    const o = i * 4;
    out[o] = rgb[j] as number;
    out[o + 1] = rgb[j + 1] as number;
    out[o + 2] = rgb[j + 2] as number;
    out[o + 3] = 255;
  }
  return out;
}

function checkSide(field: 'width' | 'height', value: number): void {
  if (!Number.isInteger(value) || value < VIDEO_LIMITS.minSide || value > VIDEO_LIMITS.maxSide) {
    throw new InvalidVideoFramesError(
      field,
      `Video ${field} ${value} is not an integer from ${VIDEO_LIMITS.minSide} to ${VIDEO_LIMITS.maxSide}. ` +
        'Generate at a supported size (64 to 512 in the Studio).',
    );
  }
  if (value % 2 !== 0) {
    throw new InvalidVideoFramesError(
      field,
      `Video ${field} ${value} is odd; H.264 (yuv420p) needs even width and height. ` +
        'Generate at an even size, or call padToEvenSize(frames) to repeat the last column/row.',
    );
  }
}

/** Throws InvalidVideoFramesError unless `frames` can be encoded as H.264 MP4 by every encoder here. */
export function assertEncodableFrames(frames: VideoFrames): void {
  checkSide('width', frames.width);
  checkSide('height', frames.height);
  if (!Number.isInteger(frames.count) || frames.count < 1) {
    throw new InvalidVideoFramesError(
      'count',
      `Frame count ${frames.count} is not a positive integer; there is nothing to encode. Generate at least one frame.`,
    );
  }
  if (!Number.isFinite(frames.fps) || frames.fps <= 0 || frames.fps > VIDEO_LIMITS.maxFps) {
    throw new InvalidVideoFramesError(
      'fps',
      `Frame rate ${frames.fps} is not a number in (0, ${VIDEO_LIMITS.maxFps}]. Pass the video's frame rate (the Studio uses 8).`,
    );
  }
  const expected = frames.width * frames.height * 4 * frames.count;
  if (!(frames.rgba instanceof Uint8Array) || frames.rgba.length !== expected) {
    const got = frames.rgba instanceof Uint8Array ? `${frames.rgba.length} bytes` : 'not a Uint8Array';
    throw new InvalidVideoFramesError(
      'rgba',
      `RGBA buffer is ${got}, expected ${frames.count}×${frames.height}×${frames.width}×4 = ${expected} bytes. ` +
        'Check that count, width and height describe the buffer (RGB frames need rgbToRgba first).',
    );
  }
}

/** The RGBA bytes of frame `index` (a view, no copy). */
export function frameRgba(frames: VideoFrames, index: number): Uint8Array {
  const size = frames.width * frames.height * 4;
  return frames.rgba.subarray(index * size, (index + 1) * size);
}

/**
 * Odd width/height → even, by repeating the last column and/or row (one pixel, invisible in practice). The
 * explicit opt-in for the encoders' refusal of odd sizes; even frames are returned unchanged.
 */
export function padToEvenSize(frames: VideoFrames): VideoFrames {
  const { width, height, count, rgba } = frames;
  const w2 = width + (width % 2);
  const h2 = height + (height % 2);
  if (w2 === width && h2 === height) return frames;
  if (rgba.length !== width * height * 4 * count) {
    throw new InvalidVideoFramesError('rgba', `RGBA buffer is ${rgba.length} bytes, expected ${width * height * 4 * count}.`);
  }
  const out = new Uint8Array(w2 * h2 * 4 * count);
  for (let f = 0; f < count; f++) {
    for (let y = 0; y < h2; y++) {
      const src = (f * height + Math.min(y, height - 1)) * width * 4;
      const dst = (f * h2 + y) * w2 * 4;
      out.set(rgba.subarray(src, src + width * 4), dst);
      if (w2 > width) out.copyWithin(dst + width * 4, dst + (width - 1) * 4, dst + width * 4);
    }
  }
  return { ...frames, width: w2, height: h2, rgba: out };
}
