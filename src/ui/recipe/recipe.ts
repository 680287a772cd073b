import { InvalidSettingsError } from '../../core/errors.js';
import { type SamplerSettings, validateSettings } from '../../core/sampler/settings.js';
import { SAMPLER_VARIANTS } from '../../core/sampler/variants.js';
import type { Backend } from '../../engine/types.js';
import { MAX_SEED } from '../form-store.js';
import { MAX_STEPS } from '../form-validation.js';

/** The one recipe format this app writes and reads. A newer app bumps the number when the meaning changes. */
export const RECIPE_FORMAT = 'ivmix-recipe/1';

/** A file larger than this is not a recipe (one is a few KB even with a long prompt and a big pack). */
export const MAX_RECIPE_BYTES = 1_000_000;

/** The longest prompt a recipe may carry (far above the 77 tokens a CLIP text encoder reads). */
const MAX_PROMPT_CHARS = 20_000;

export interface RecipePackFile {
  path: string;
  sha256: string;
}

/**
 * Everything that decides a video: with the same pack files, settings and seed on the same backend, the
 * engine draws the same frames (`framesSha256` says which ones they were).
 */
export interface Recipe {
  format: typeof RECIPE_FORMAT;
  /** When the video was made (ISO 8601). */
  createdAt: string;
  prompt: string;
  negativePrompt: string;
  seed: number;
  frames: number;
  width: number;
  height: number;
  fps: number;
  settings: SamplerSettings;
  /** The pack by id and by content: the manifest's files and their sha256. */
  pack: { id: string; files: RecipePackFile[] };
  backend: Backend;
  app: { version: string; onnxruntimeWeb: string };
  /** SHA-256 of the video's RGBA bytes, frame after frame: a regeneration can be checked against it. */
  framesSha256: string;
}

/** A recipe that cannot be read; `field` is the dotted path of the offending field ('' for the file itself). */
export class RecipeError extends Error {
  override name = 'RecipeError';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

type Obj = Record<string, unknown>;

const SHA256 = /^[0-9a-f]{64}$/;

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return value.length > 40 ? `"${value.slice(0, 40)}…"` : `"${value}"`;
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value)}`;
}

function fail(field: string, problem: string): never {
  throw new RecipeError(field, `The recipe's field "${field}" ${problem}.`);
}

const at = (parent: string, key: string | number) =>
  typeof key === 'number' ? `${parent}[${key}]` : parent ? `${parent}.${key}` : key;

function object(value: unknown, field: string): Obj {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    fail(field, `must be an object (got ${describe(value)})`);
  return value as Obj;
}

/** Unknown keys are refused: a misspelt knob would otherwise be dropped silently and change the video. */
function onlyKeys(obj: Obj, field: string, keys: readonly string[]): void {
  for (const key of Object.keys(obj)) {
    if (!keys.includes(key)) fail(at(field, key), `is not a recipe field (expected one of: ${keys.join(', ')})`);
  }
  for (const key of keys) {
    if (obj[key] === undefined) fail(at(field, key), 'is missing');
  }
}

function string(value: unknown, field: string, opts: { nonEmpty?: boolean; max?: number } = {}): string {
  if (typeof value !== 'string') fail(field, `must be a string (got ${describe(value)})`);
  if (opts.nonEmpty && value.trim() === '') fail(field, 'must not be empty');
  if (opts.max !== undefined && value.length > opts.max) fail(field, `must be at most ${opts.max} characters`);
  return value;
}

function number(
  value: unknown,
  field: string,
  min: number,
  max: number,
  opts: { integer?: boolean; above?: boolean } = {},
): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) fail(field, `must be a number (got ${describe(value)})`);
  const kind = opts.integer ? 'a whole number' : 'a number';
  if (opts.integer && !Number.isInteger(value)) fail(field, `must be ${kind} (got ${value})`);
  if ((opts.above ? value <= min : value < min) || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `${opts.above ? '>' : '≥'} ${min}` : `from ${min} to ${max}`;
    fail(field, `must be ${kind} ${range} (got ${value})`);
  }
  return value;
}

function ramp(value: unknown, field: string): { begin: number; end: number } {
  const o = object(value, field);
  onlyKeys(o, field, ['begin', 'end']);
  return { begin: number(o.begin, at(field, 'begin'), 0, 50), end: number(o.end, at(field, 'end'), 0, 50) };
}

function parseSettings(value: unknown): SamplerSettings {
  const f = 'settings';
  const o = object(value, f);
  onlyKeys(o, f, ['variant', 'steps', 'guidanceScale', 'eta', 'interval', 'zz', 'imageGuidance', 'videoGuidance', 'rho']);
  if (typeof o.variant !== 'string' || !(SAMPLER_VARIANTS as readonly string[]).includes(o.variant)) {
    fail(at(f, 'variant'), `must be one of ${SAMPLER_VARIANTS.map((v) => `"${v}"`).join(', ')} (got ${describe(o.variant)})`);
  }
  let interval: [number, number] | null = null;
  if (o.interval !== null) {
    if (!Array.isArray(o.interval) || o.interval.length !== 2) {
      fail(
        at(f, 'interval'),
        `must be null (the sampler's default) or two step indices [begin, end] (got ${describe(o.interval)})`,
      );
    }
    const [b, e] = o.interval as unknown[];
    interval = [
      number(b, at(f, 'interval[0]'), 0, MAX_STEPS, { integer: true }),
      number(e, at(f, 'interval[1]'), 0, MAX_STEPS, { integer: true }),
    ];
  }
  const settings: SamplerSettings = {
    variant: o.variant as SamplerSettings['variant'],
    steps: number(o.steps, at(f, 'steps'), 1, MAX_STEPS, { integer: true }),
    guidanceScale: number(o.guidanceScale, at(f, 'guidanceScale'), 0, 50),
    eta: number(o.eta, at(f, 'eta'), 0, 1),
    interval,
    zz: number(o.zz, at(f, 'zz'), 1, Number.MAX_SAFE_INTEGER, { integer: true }),
    imageGuidance: ramp(o.imageGuidance, at(f, 'imageGuidance')),
    videoGuidance: ramp(o.videoGuidance, at(f, 'videoGuidance')),
    rho: number(o.rho, at(f, 'rho'), 0, Number.MAX_SAFE_INTEGER, { above: true }),
  };
  // The sampler core's own rules (e.g. interval end before begin), named like the fields above.
  try {
    validateSettings(settings, MAX_STEPS);
  } catch (error) {
    if (error instanceof InvalidSettingsError)
      throw new RecipeError(at(f, error.setting), `The recipe's settings are invalid: ${error.message}`);
    throw error;
  }
  return settings;
}

/** Validate a parsed recipe. Throws RecipeError naming the first offending field. */
export function parseRecipe(json: unknown): Recipe {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new RecipeError('', `This file is not a recipe: it holds ${describe(json)}, and a recipe is a JSON object.`);
  }
  const raw = json as Obj;
  const format = raw.format;
  if (format !== RECIPE_FORMAT) {
    if (typeof format === 'string' && /^ivmix-recipe\/\d+$/.test(format)) {
      throw new RecipeError(
        'format',
        `This recipe is in the format "${format}", made by a newer version of the app; this one reads "${RECIPE_FORMAT}". Update the app.`,
      );
    }
    if (typeof format === 'string' && format.startsWith('ivmix-pack/')) {
      throw new RecipeError(
        'format',
        'This file is a model pack manifest, not a recipe. A recipe is the file that “Download recipe (JSON)” saves.',
      );
    }
    throw new RecipeError(
      'format',
      `This file is not an IV-mixed recipe: its field "format" is ${format === undefined ? 'missing' : describe(format)}, expected "${RECIPE_FORMAT}". A recipe is the file that “Download recipe (JSON)” saves.`,
    );
  }
  onlyKeys(raw, '', [
    'format',
    'createdAt',
    'prompt',
    'negativePrompt',
    'seed',
    'frames',
    'width',
    'height',
    'fps',
    'settings',
    'pack',
    'backend',
    'app',
    'framesSha256',
  ]);
  const createdAt = string(raw.createdAt, 'createdAt', { nonEmpty: true, max: 64 });
  if (Number.isNaN(Date.parse(createdAt)))
    fail('createdAt', `must be a date and time like "2026-01-31T12:00:00.000Z" (got ${describe(createdAt)})`);

  const pack = object(raw.pack, 'pack');
  onlyKeys(pack, 'pack', ['id', 'files']);
  const id = string(pack.id, 'pack.id', { nonEmpty: true, max: 200 });
  if (!Array.isArray(pack.files)) fail('pack.files', `must be an array of { path, sha256 } (got ${describe(pack.files)})`);
  const files = pack.files.map((entry, i) => {
    const field = at('pack.files', i);
    const o = object(entry, field);
    onlyKeys(o, field, ['path', 'sha256']);
    const sha256 = string(o.sha256, at(field, 'sha256'));
    if (!SHA256.test(sha256)) fail(at(field, 'sha256'), `must be 64 lowercase hex digits (got ${describe(sha256)})`);
    return { path: string(o.path, at(field, 'path'), { nonEmpty: true, max: 1000 }), sha256 };
  });

  const app = object(raw.app, 'app');
  onlyKeys(app, 'app', ['version', 'onnxruntimeWeb']);
  if (raw.backend !== 'webgpu' && raw.backend !== 'wasm')
    fail('backend', `must be "webgpu" or "wasm" (got ${describe(raw.backend)})`);
  const framesSha256 = string(raw.framesSha256, 'framesSha256');
  if (!SHA256.test(framesSha256)) fail('framesSha256', `must be 64 lowercase hex digits (got ${describe(framesSha256)})`);

  return {
    format: RECIPE_FORMAT,
    createdAt,
    prompt: string(raw.prompt, 'prompt', { nonEmpty: true, max: MAX_PROMPT_CHARS }),
    negativePrompt: string(raw.negativePrompt, 'negativePrompt', { max: MAX_PROMPT_CHARS }),
    seed: number(raw.seed, 'seed', 0, MAX_SEED, { integer: true }),
    frames: number(raw.frames, 'frames', 1, 1024, { integer: true }),
    width: number(raw.width, 'width', 8, 4096, { integer: true }),
    height: number(raw.height, 'height', 8, 4096, { integer: true }),
    fps: number(raw.fps, 'fps', 1, 120),
    settings: parseSettings(raw.settings),
    pack: { id, files },
    backend: raw.backend,
    app: {
      version: string(app.version, 'app.version', { nonEmpty: true, max: 100 }),
      onnxruntimeWeb: string(app.onnxruntimeWeb, 'app.onnxruntimeWeb', { nonEmpty: true, max: 100 }),
    },
    framesSha256,
  };
}

/** Parse a recipe file's text: JSON first, then the fields. */
export function parseRecipeText(text: string): Recipe {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new RecipeError(
      '',
      `This file is not a recipe: it is not valid JSON (${(error as Error).message}). A recipe is the file that “Download recipe (JSON)” saves.`,
    );
  }
  return parseRecipe(json);
}

/** The recipe as a file: stable key order, indented so that it reads and diffs well. */
export function serializeRecipe(recipe: Recipe): string {
  return `${JSON.stringify(recipe, null, 2)}\n`;
}

export function recipeFileName(recipe: Pick<Recipe, 'pack' | 'seed'>): string {
  return `ivmix-${recipe.pack.id}-seed${recipe.seed}.recipe.json`;
}
