/**
 * Parity through the engine: the visible cases of tests/fixtures/parity-v1 run via Engine.generate (token ids
 * and initial latents given, as the UI's "replay a case" would), not the CLI. The fixture folder has no
 * manifest and no tokenizer, so it loads unverified. Tolerances are the fixture README's: final latents
 * within 1e-4 of max |ref|, frames at most 1 LSB off on at most 0.1% of values.
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidSettingsError } from '../../src/core/errors.js';
import { parityEngineRequest } from '../../src/diagnostics/parity-check.js';
import type { Engine } from '../../src/engine/engine.js';
import type { GenerateRequest, LoadedPackSummary } from '../../src/engine/types.js';
import { type ParityCaseJson, parityCaseInitFile } from '../../src/pipeline/parity-case.js';
import { caseDir, expectMatchesReference, PARITY_MODELS, readF32, rgbaToRgb, VISIBLE_CASES } from '../helpers/fixtures.js';
import { dirSource, makeEngine, rejection } from './support.js';

let engine: Engine;
let summary: LoadedPackSummary;
beforeAll(async () => {
  engine = makeEngine();
  summary = await engine.load(dirSource(PARITY_MODELS));
});
afterAll(async () => {
  await engine?.unload();
});

function engineRequest(name: string): GenerateRequest {
  const c = JSON.parse(readFileSync(join(caseDir(name), 'case.json'), 'utf8')) as ParityCaseJson;
  return parityEngineRequest(c, readF32(join(caseDir(name), parityCaseInitFile(c))));
}

it('loads the plain diffusers-ONNX folder unverified, without tokenizer, on WASM', () => {
  expect(summary.pack).toMatchObject({ verified: false, hasTokenizer: false, hasImageModel: true, latentChannels: 4 });
  expect(summary.pack.vaeScalingFactor).toBeCloseTo(0.18215, 6);
  expect(summary.backend).toBe('wasm');
  // Its size is that of the model files read (there is no manifest to list them).
  const modelFiles = ['text_encoder', 'unet', 'motion_unet', 'vae_decoder'].map((part) =>
    statSync(join(PARITY_MODELS, part, 'model.onnx')),
  );
  expect(summary.pack.totalBytes).toBe(modelFiles.reduce((n, f) => n + f.size, 0));
});

it('refuses a prompt without token ids, since the folder has no tokenizer', async () => {
  const error = await rejection(engine.generate({ prompt: 'a red circle', seed: 1, frames: 2, width: 64, height: 64 }));
  expect(error).toBeInstanceOf(InvalidSettingsError);
  expect((error as InvalidSettingsError).setting).toBe('prompt');
  expect(error.message).toMatch(/no tokenizer/);
});

describe.each(VISIBLE_CASES)('parity case %s through Engine.generate', (name) => {
  it('reproduces the official final latents and frames', async () => {
    const request = engineRequest(name);
    const result = await engine.generate(request);
    expect(result.settings.variant).toBe(request.settings?.variant);
    expect(result.latentShape).toEqual([1, 4, request.frames, (request.height as number) / 8, (request.width as number) / 8]);
    // Decoded one frame per call, as the official code does (enable_vae_slicing).
    expect(result.timings.decodeChunk).toBe(1);
    expectMatchesReference(name, result.latents, rgbaToRgb(result.frames.rgba));
  });
});
