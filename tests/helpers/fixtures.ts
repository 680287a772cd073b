import { readFileSync } from 'node:fs';
import { join } from 'node:path';

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
export function maxRelativeError(actual: Float32Array, expected: Float32Array): number {
  if (actual.length !== expected.length) throw new RangeError(`length ${actual.length} ≠ ${expected.length}`);
  let maxDiff = 0;
  let maxRef = 0;
  for (let i = 0; i < expected.length; i++) {
    maxDiff = Math.max(maxDiff, Math.abs((actual[i] as number) - (expected[i] as number)));
    maxRef = Math.max(maxRef, Math.abs(expected[i] as number));
  }
  return maxDiff / maxRef;
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
