import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import {
  caseDir,
  expectMatchesReference,
  maxRelativeError,
  PARITY_MODELS,
  readF32,
  readU8,
  VISIBLE_CASES,
} from '../helpers/fixtures.js';

const run = promisify(execFile);
const out = mkdtempSync(join(tmpdir(), 'ivmix-parity-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

/**
 * The fixture README's tolerances: final latents within 1e-4 of max |ref| (porting mistakes give
 * ≥ 5e-3), frames at most 1 LSB off on at most 0.1% of values. Run through the public CLI interface
 * that outside checks use, exactly as they call it.
 */
describe.each(VISIBLE_CASES)('parity case %s through `npm run -s cli -- sample`', (name) => {
  it('reproduces the official latents and frames', async () => {
    const latentsPath = join(out, `${name}.f32`);
    const framesPath = join(out, `${name}.u8`);
    await run('npm', [
      'run',
      '-s',
      'cli',
      '--',
      'sample',
      '--models',
      PARITY_MODELS,
      '--case',
      join(caseDir(name), 'case.json'),
      '--out',
      latentsPath,
      '--frames-out',
      framesPath,
    ]);
    const latents = readF32(latentsPath);
    expectMatchesReference(name, latents, readU8(framesPath));
    // Against the official code run on the same ONNX graphs with ORT CPU, the port is far closer still.
    expect(maxRelativeError(latents, readF32(join(caseDir(name), 'final_latents_official_ort.f32')))).toBeLessThanOrEqual(1e-5);
  });
});
