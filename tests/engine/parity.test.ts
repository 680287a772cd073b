/**
 * Parity through the engine: the visible cases of tests/fixtures/parity-v1 run via Engine.generate (token ids
 * and initial latents given, as the UI's "replay a case" would), not the CLI. The fixture folder has no
 * manifest and no tokenizer, so it loads unverified. Tolerances are the fixture README's: final latents
 * within 1e-4 of max |ref|, frames at most 1 LSB off on at most 0.1% of values.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidSettingsError } from '../../src/core/errors.js';
import type { Engine } from '../../src/engine/engine.js';
import type { GenerateRequest, LoadedPackSummary } from '../../src/engine/types.js';
import { type ParityCaseJson, parityCaseInitFile, parityCaseRequest } from '../../src/pipeline/parity-case.js';
import {
  caseDir,
  frameDifference,
  maxRelativeError,
  PARITY_MODELS,
  readF32,
  readU8,
  VISIBLE_CASES,
} from '../helpers/fixtures.js';
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

/** RGBA frames → RGB [N, H, W, 3], the layout of frames.u8. */
function rgbaToRgb(rgba: Uint8Array): Uint8Array {
  const out = new Uint8Array((rgba.length / 4) * 3);
  for (let i = 0, j = 0; i < rgba.length; i += 4, j += 3) {
    out[j] = rgba[i] as number;
    out[j + 1] = rgba[i + 1] as number;
    out[j + 2] = rgba[i + 2] as number;
  }
  return out;
}

function engineRequest(name: string): GenerateRequest {
  const c = JSON.parse(readFileSync(join(caseDir(name), 'case.json'), 'utf8')) as ParityCaseJson;
  const r = parityCaseRequest(c, readF32(join(caseDir(name), parityCaseInitFile(c))));
  const [, , frames, h, w] = r.latentShape;
  return {
    prompt: '',
    tokenIds: r.tokenIds,
    ...(r.initLatents ? { initLatents: r.initLatents } : {}),
    seed: r.seed,
    settings: r.settings,
    frames,
    width: w * 8,
    height: h * 8,
    previewEvery: 0,
  };
}

it('loads the plain diffusers-ONNX folder unverified, without tokenizer, on WASM', () => {
  expect(summary.pack).toMatchObject({ verified: false, hasTokenizer: false, hasImageModel: true, latentChannels: 4 });
  expect(summary.pack.vaeScalingFactor).toBeCloseTo(0.18215, 6);
  expect(summary.backend).toBe('wasm');
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
    expect(maxRelativeError(result.latents, readF32(join(caseDir(name), 'final_latents.f32')))).toBeLessThanOrEqual(1e-4);
    const frames = frameDifference(rgbaToRgb(result.frames.rgba), readU8(join(caseDir(name), 'frames.u8')));
    expect(frames.maxLsb).toBeLessThanOrEqual(1);
    expect(frames.fractionOff).toBeLessThanOrEqual(0.001);
  });
});
