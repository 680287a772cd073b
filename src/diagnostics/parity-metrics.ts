/**
 * The parity fixture's metrics (tests/fixtures/parity-v1/README.md): final latents as max |a − b| / max |ref|, frames
 * as the largest difference in LSB and the share of values that differ. Pure functions, shared by the tests and the
 * GPU parity benchmark (scripts/dawn/parity-bench.ts).
 */

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
