import { describe, expect, it } from 'vitest';
import { DEFAULT_SAMPLER_SETTINGS } from '../../src/core/sampler/settings.js';
import type { PackInfo } from '../../src/engine/types.js';
import { INITIAL_VALUES } from '../../src/ui/form-store.js';
import { checkForm } from '../../src/ui/form-validation.js';
import {
  parseRecipe,
  parseRecipeText,
  RECIPE_FORMAT,
  type Recipe,
  RecipeError,
  recipeFileName,
  serializeRecipe,
} from '../../src/ui/recipe/recipe.js';
import { checkRecipeForPack, recipeToFormValues } from '../../src/ui/recipe/recipe-form.js';
import { framesSha256 } from '../../src/ui/recipe/run-recipe.js';

const FILES = [
  { path: 'unet/model.onnx', sha256: 'a'.repeat(64) },
  { path: 'motion_unet/model.onnx', sha256: 'b'.repeat(64) },
];

const PACK: PackInfo = {
  id: 'tinyworld-v2',
  name: 'Tiny world',
  description: '',
  verified: true,
  precision: 'fp32',
  nativeResolution: { width: 64, height: 64 },
  frames: { default: 16, max: 32 },
  latentChannels: 4,
  vaeScalingFactor: 0.18215,
  hasImageModel: true,
  hasTokenizer: true,
  preview: null,
  defaults: {},
  suggestedPrompts: [],
  totalBytes: 0,
  files: FILES,
};

function recipe(overrides: Partial<Recipe> = {}): Recipe {
  return {
    format: RECIPE_FORMAT,
    createdAt: '2026-11-27T10:00:00.000Z',
    prompt: 'a red circle moving left',
    negativePrompt: 'blurry',
    seed: 4242,
    frames: 4,
    width: 64,
    height: 64,
    fps: 8,
    settings: { ...DEFAULT_SAMPLER_SETTINGS, steps: 3, interval: [0, 2], guidanceScale: 6.25, rho: 5.5 },
    pack: { id: 'tinyworld-v2', files: FILES },
    backend: 'wasm',
    app: { version: '0.1.0', onnxruntimeWeb: '1.30.0' },
    framesSha256: 'c'.repeat(64),
    ...overrides,
  };
}

/** The recipe as a parsed JSON object, with one field replaced (path like "settings.steps"). */
function withField(path: string, value: unknown): unknown {
  const json = JSON.parse(serializeRecipe(recipe())) as Record<string, unknown>;
  const keys = path.split('.');
  let target = json;
  for (const key of keys.slice(0, -1)) target = target[key] as Record<string, unknown>;
  const last = keys[keys.length - 1] as string;
  if (value === undefined) delete target[last];
  else target[last] = value;
  return json;
}

function refusal(json: unknown): RecipeError {
  try {
    parseRecipe(json);
  } catch (error) {
    expect(error).toBeInstanceOf(RecipeError);
    return error as RecipeError;
  }
  throw new Error('the recipe was accepted');
}

describe('recipe file format', () => {
  it('round-trips through its JSON text unchanged', () => {
    const r = recipe();
    expect(parseRecipeText(serializeRecipe(r))).toEqual(r);
    expect(serializeRecipe(r)).toContain(`"format": "${RECIPE_FORMAT}"`);
  });

  it('keeps a prompt full of HTML as the same text', () => {
    const prompt = '<img src=x onerror=alert(1)><b>bold</b> & "quotes"';
    expect(parseRecipeText(serializeRecipe(recipe({ prompt }))).prompt).toBe(prompt);
  });

  it('names the file after the pack and the seed', () => {
    expect(recipeFileName(recipe())).toBe('ivmix-tinyworld-v2-seed4242.recipe.json');
  });

  it('refuses text that is not JSON, and JSON that is not an object', () => {
    expect(() => parseRecipeText('{"format": ')).toThrow(/not valid JSON/);
    expect(refusal([1, 2]).message).toMatch(/holds an array/);
    expect(refusal('hello').message).toMatch(/not a recipe/);
  });

  it('refuses a foreign file, a pack manifest and a newer format, each with its own message', () => {
    const foreign = refusal({ name: 'package', version: '1.0.0' });
    expect(foreign.field).toBe('format');
    expect(foreign.message).toMatch(/not an IV-mixed recipe: its field "format" is missing/);
    expect(refusal({ format: 'ivmix-pack/1', id: 'x' }).message).toMatch(/model pack manifest, not a recipe/);
    const newer = refusal(withField('format', 'ivmix-recipe/2'));
    expect(newer.message).toMatch(/newer version of the app/);
  });

  it.each([
    ['seed', 'seven', /"seed" must be a number \(got "seven"\)/],
    ['seed', -1, /"seed" must be a whole number from 0 to 4294967295 \(got -1\)/],
    ['seed', 1.5, /"seed" must be a whole number/],
    ['frames', 0, /"frames" must be a whole number from 1/],
    ['prompt', '   ', /"prompt" must not be empty/],
    ['prompt', undefined, /"prompt" is missing/],
    ['negativePrompt', 3, /"negativePrompt" must be a string/],
    ['createdAt', 'yesterday', /"createdAt" must be a date/],
    ['backend', 'webgl', /"backend" must be "webgpu" or "wasm"/],
    ['settings.steps', 0, /"settings.steps" must be a whole number from 1 to 1000 \(got 0\)/],
    ['settings.variant', 'turbo', /"settings.variant" must be one of "ddim", "iv-iv"/],
    ['settings.guidanceScale', 51, /"settings.guidanceScale" must be a number from 0 to 50/],
    ['settings.rho', 0, /"settings.rho" must be a number > 0/],
    ['settings.imageGuidance.begin', -1, /"settings.imageGuidance.begin"/],
    ['settings.interval', [1], /"settings.interval" must be null .* or two step indices/],
    ['settings.interval', [2, 1], /settings are invalid: The mixing interval/],
    ['settings.stepz', 3, /"settings.stepz" is not a recipe field/],
    ['pack.id', '', /"pack.id" must not be empty/],
    ['pack.files', {}, /"pack.files" must be an array/],
    ['app.onnxruntimeWeb', undefined, /"app.onnxruntimeWeb" is missing/],
    ['framesSha256', 'abc', /"framesSha256" must be 64 lowercase hex digits/],
    ['extra', true, /"extra" is not a recipe field/],
  ])('refuses %s = %j, naming the field', (path, value, message) => {
    const error = refusal(withField(path, value));
    expect(error.message).toMatch(message);
    expect(error.field.split(/[.[]/)[0]).toBe(path.split('.')[0]);
  });

  it('names the offending entry of the pack files', () => {
    const json = withField('pack.files', [FILES[0], { path: 'vae/model.onnx', sha256: 'XYZ' }]);
    expect(refusal(json).field).toBe('pack.files[1].sha256');
  });
});

describe('a recipe against the loaded pack', () => {
  it('fits the pack it was made with, without a warning', () => {
    expect(checkRecipeForPack(recipe(), PACK)).toEqual({ ok: true, warning: null });
  });

  it('refuses a recipe for another pack, naming both', () => {
    const fit = checkRecipeForPack(recipe({ pack: { id: 'sd15-animatediff', files: [] } }), PACK);
    expect(fit).toMatchObject({ ok: false, field: 'pack.id' });
    expect(!fit.ok && fit.message).toMatch(/for the pack “sd15-animatediff”, and the loaded pack is “tinyworld-v2”/);
  });

  it('warns when the same pack id has other files, naming them', () => {
    const files = [FILES[0] as (typeof FILES)[number], { path: 'motion_unet/model.onnx', sha256: 'd'.repeat(64) }];
    const fit = checkRecipeForPack(recipe({ pack: { id: 'tinyworld-v2', files } }), PACK);
    expect(fit.ok).toBe(true);
    expect(fit.ok && fit.warning).toMatch(/not the same version .*motion_unet\/model\.onnx/);
  });

  it('refuses more frames than the pack makes, another size, eta, or an image sampler without image model', () => {
    expect(checkRecipeForPack(recipe({ frames: 33 }), PACK)).toMatchObject({ ok: false, field: 'frames' });
    expect(checkRecipeForPack(recipe({ width: 128 }), PACK)).toMatchObject({ ok: false, field: 'width' });
    const eta = recipe();
    eta.settings = { ...eta.settings, eta: 0.5 };
    expect(checkRecipeForPack(eta, PACK)).toMatchObject({ ok: false, field: 'settings.eta' });
    expect(checkRecipeForPack(recipe(), { ...PACK, hasImageModel: false })).toMatchObject({
      ok: false,
      field: 'settings.variant',
    });
  });
});

describe('recipe → Studio form → generation request', () => {
  it('fills the form so that it asks the engine for exactly the recipe’s video', () => {
    for (const r of [
      recipe(),
      recipe({ settings: { ...DEFAULT_SAMPLER_SETTINGS, steps: 25, variant: 'ddim', interval: null } }),
      recipe({ settings: { ...DEFAULT_SAMPLER_SETTINGS, steps: 7, interval: null, zz: 3, rho: 0.1 } }),
    ]) {
      const values = recipeToFormValues(r);
      expect(Object.keys(values).sort()).toEqual(Object.keys(INITIAL_VALUES).sort());
      const checked = checkForm(values, PACK);
      if (!checked.ok) throw new Error(JSON.stringify(checked.errors));
      expect(checked.value.seedDrawn).toBe(false);
      expect(checked.value.request).toMatchObject({
        prompt: r.prompt,
        negativePrompt: r.negativePrompt,
        seed: r.seed,
        frames: r.frames,
      });
      // Knobs the sampler does not read are left at their defaults by the form; every knob it reads matches.
      expect(checked.value.settings.steps).toBe(r.settings.steps);
      expect(checked.value.settings.variant).toBe(r.settings.variant);
      expect(checked.value.settings.guidanceScale).toBe(r.settings.guidanceScale);
      if (r.settings.variant !== 'ddim') expect(checked.value.settings).toEqual(r.settings);
    }
  });
});

describe('frames fingerprint', () => {
  it('is the SHA-256 of the RGBA bytes', async () => {
    expect(await framesSha256(new Uint8Array())).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(await framesSha256(new Uint8Array([1]))).not.toBe(await framesSha256(new Uint8Array([2])));
  });
});
