import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { readFloat32File as readF32 } from '../../src/cli/parity-case.js';
import { frameDifference, maxRelativeError } from '../../src/diagnostics/parity-metrics.js';

// The metrics live in src (the GPU parity benchmark uses them too); the tests keep importing them from here.
export { readFloat32File as readF32 } from '../../src/cli/parity-case.js';
export { frameDifference, maxRelativeError, rgbaToRgb } from '../../src/diagnostics/parity-metrics.js';

export const PARITY_DIR = join(import.meta.dirname, '..', 'fixtures', 'parity-v1');
export const PARITY_MODELS = join(PARITY_DIR, 'models');
export const VISIBLE_CASES = ['v1-ivmix-default', 'v2-ddim-50'] as const;

export function caseDir(name: string): string {
  return join(PARITY_DIR, 'visible', name);
}

export function readU8(path: string): Uint8Array {
  return new Uint8Array(readFileSync(path));
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
