/**
 * Frames per VAE call when the request does not say: one for full-size packs (the official slicing), as many as
 * fit the pixel budget for small ones, always a divisor of the frame count (the decoder takes equal chunks).
 */
import { describe, expect, it } from 'vitest';
import { defaultDecodeChunk, ONE_CALL_DECODE_MAX_PIXELS } from '../../src/engine/decode-chunk.js';
import { WEBGPU_SPECIALIZE_MAX_BYTES } from '../../src/engine/pack-loader.js';

const BUNDLED = 12 * 2 ** 20;
const FULL_SIZE = 4.8e9;

describe('defaultDecodeChunk', () => {
  it('decodes a small pack at its native size in one call, up to its most frames', () => {
    expect(defaultDecodeChunk(BUNDLED, 16, 64, 64)).toBe(16);
    expect(defaultDecodeChunk(BUNDLED, 32, 64, 64)).toBe(32);
    expect(defaultDecodeChunk(BUNDLED, 16, 128, 128)).toBe(16);
    expect(defaultDecodeChunk(WEBGPU_SPECIALIZE_MAX_BYTES, 16, 64, 64)).toBe(16);
  });

  it('splits larger frames into equal chunks within the pixel budget', () => {
    expect(defaultDecodeChunk(BUNDLED, 16, 256, 256)).toBe(4);
    expect(defaultDecodeChunk(BUNDLED, 15, 256, 256)).toBe(3);
    expect(defaultDecodeChunk(BUNDLED, 7, 256, 256)).toBe(1);
    expect(defaultDecodeChunk(BUNDLED, 16, 512, 512)).toBe(1);
    for (const [frames, side] of [
      [16, 64],
      [24, 96],
      [9, 200],
    ] as const) {
      const chunk = defaultDecodeChunk(BUNDLED, frames, side, side);
      expect(frames % chunk).toBe(0);
      expect(chunk === 1 || chunk * side * side <= ONE_CALL_DECODE_MAX_PIXELS).toBe(true);
    }
  });

  it('decodes a full-size pack one frame per call, like the official enable_vae_slicing', () => {
    expect(defaultDecodeChunk(FULL_SIZE, 16, 256, 256)).toBe(1);
    expect(defaultDecodeChunk(FULL_SIZE, 16, 64, 64)).toBe(1);
    expect(defaultDecodeChunk(WEBGPU_SPECIALIZE_MAX_BYTES + 1, 16, 64, 64)).toBe(1);
  });
});
