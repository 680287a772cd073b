import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';

export const PARITY_DIR = join(import.meta.dirname, '..', 'fixtures', 'parity-v1');
export const PARITY_MODELS = join(PARITY_DIR, 'models');
export const VISIBLE_CASES = ['v1-ivmix-default', 'v2-ddim-50'] as const;

export function caseDir(name: string): string {
  return join(PARITY_DIR, 'visible', name);
}

export function readF32(path: string): Float32Array {
  const b = readFileSync(path);
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

export function readU8(path: string): Uint8Array {
  return new Uint8Array(readFileSync(path));
}

/** max |a − b| / max |b|: the fixture README's latent metric. */
export function maxRelativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length) throw new RangeError(`length ${actual.length} ≠ ${expected.length}`);
  let maxDiff = 0;
  let maxRef = 0;
  for (let i = 0; i < expected.length; i++) {
    maxDiff = Math.max(maxDiff, Math.abs((actual[i] as number) - (expected[i] as number)));
    maxRef = Math.max(maxRef, Math.abs(expected[i] as number));
  }
  return maxDiff / maxRef;
}

/** RGBA frames (the engine's output) → RGB [N, H, W, 3], the layout of frames.u8. */
export function rgbaToRgb(rgba: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array((rgba.length / 4) * 3);
  for (let i = 0, j = 0; i < rgba.length; i += 4, j += 3) {
    out[j] = rgba[i] as number;
    out[j + 1] = rgba[i + 1] as number;
    out[j + 2] = rgba[i + 2] as number;
  }
  return out;
}

/** Frame metric of the fixture README: the largest difference, and the fraction of values that differ. */
export function frameDifference(actual: Uint8Array, expected: Uint8Array): { maxLsb: number; fractionOff: number } {
  if (actual.length !== expected.length) throw new RangeError(`length ${actual.length} ≠ ${expected.length}`);
  let maxLsb = 0;
  let off = 0;
  for (let i = 0; i < expected.length; i++) {
    const d = Math.abs((actual[i] as number) - (expected[i] as number));
    if (d > 0) off++;
    maxLsb = Math.max(maxLsb, d);
  }
  return { maxLsb, fractionOff: off / expected.length };
}

/**
 * The fixture README's tolerances against the official implementation: final latents within 1e-4 of
 * max |ref| (porting mistakes give ≥ 5e-3), frames at most 1 LSB off on at most 0.1% of values.
 */
export function expectMatchesReference(caseName: string, latents: ArrayLike<number>, rgbFrames: Uint8Array): void {
  expect(maxRelativeError(latents, readF32(join(caseDir(caseName), 'final_latents.f32')))).toBeLessThanOrEqual(1e-4);
  const frames = frameDifference(rgbFrames, readU8(join(caseDir(caseName), 'frames.u8')));
  expect(frames.maxLsb).toBeLessThanOrEqual(1);
  expect(frames.fractionOff).toBeLessThanOrEqual(0.001);
}
