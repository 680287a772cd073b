/**
 * The manifest of a model pack (`manifest.json` at the pack's root, format "ivmix-pack/1"): every file
 * with its byte size and sha256 (so downloads and caches can be verified), which file is each part, and
 * the numbers the engine cannot read from the ONNX graphs (VAE scaling factor, native resolution, frame
 * counts, the tokenizer's special ids, ...).
 *
 * parsePackManifest validates strictly and returns a fresh, normalized object: a pack author's typo
 * must fail loudly here, naming the field, instead of surfacing as a wrong video later. Fields whose
 * names start with "x-" are reserved for tools and ignored; any other unknown field is refused.
 * Pure TypeScript: runs in the worker, the page and Node.
 */
import { isSamplerVariant, SAMPLER_VARIANTS, type SamplerVariant } from '../../core/sampler/variants.js';

export const PACK_FORMAT = 'ivmix-pack/1';
export const MANIFEST_FILE = 'manifest.json';

/** One file of the pack. `path` is relative to the pack root, with forward slashes. */
export interface PackFile {
  path: string;
  /** Bytes. */
  size: number;
  /** Lowercase hex sha256 of the file's bytes. */
  sha256: string;
}

/** An ONNX part: its graph and the external-data files that sit next to it (parts over 2 GB). */
export interface OnnxComponent {
  /** Path of the .onnx graph, relative to the pack root. */
  model: string;
  /**
   * External-data files of this graph, relative to the pack root and in the same folder as `model`
   * (onnxruntime resolves them by the base name written inside the graph, e.g. "weights.pb").
   */
  externalData: string[];
}

export interface TokenizerComponent {
  /** tokenizer.json (the Hugging Face "fast" tokenizer file). */
  json: string;
  /** tokenizer_config.json, when the pack has one. */
  config?: string;
  /** special_tokens_map.json, when the pack has one (kept for tools; the ids below are authoritative). */
  specialTokensMap?: string;
}

export interface SchedulerComponent {
  /** scheduler_config.json (diffusers DDIMScheduler fields). */
  config: string;
  /** inverse_scheduler_config.json, when the inversion uses other settings. */
  inverseConfig?: string;
}

export interface PackComponents {
  textEncoder: OnnxComponent;
  tokenizer: TokenizerComponent;
  /** The IDM (unet/). Absent when the pack is VDM-only or borrows its IDM through `imageModel`. */
  imageUnet?: OnnxComponent;
  /** The VDM (motion_unet/). */
  videoUnet: OnnxComponent;
  vaeDecoder: OnnxComponent;
  scheduler: SchedulerComponent;
}

export type Precision = 'fp32' | 'fp16';
/**
 * How the export of the VDM takes text: one row per video [B,77,D] (diffusers ≤ 0.30 repeats it inside
 * the graph) or one row per frame [B·F,77,D] (diffusers ≥ 0.31).
 */
export type VideoTextEmbeddings = 'per-video' | 'per-frame';

export interface TokenizerSpec {
  /** Sequence length the text encoder takes (77 for CLIP). */
  maxLength: number;
  bos: number;
  eos: number;
  /** SD1.5 pads with the EOS id (49407); SD2-style tokenizers pad with 0 ("!"). */
  pad: number;
}

/**
 * Where a pack's IDM lives when it is not in the pack. `files` (paths relative to `baseUrl`) lets the engine
 * verify the borrowed files like its own; without it they are stored after a size check only, unverified.
 */
export interface ImageModelSource {
  baseUrl: string;
  files?: PackFile[];
}

/**
 * Where the engine's store keeps a borrowed IDM's files, inside the pack's own folder (`<pack-id>/image-model/…`,
 * see src/engine/borrowed-image-model.ts): a pack that borrows its IDM may not use these paths itself.
 */
export const BORROWED_IMAGE_MODEL_DIR = 'image-model';
export const BORROWED_IMAGE_MODEL_RECORD = 'image-model.json';

export interface PackManifest {
  format: typeof PACK_FORMAT;
  /** Stable identifier, also the cache key: lowercase letters, digits, ".", "_" and "-". */
  id: string;
  name: string;
  description: string;
  license?: string;
  files: PackFile[];
  components: PackComponents;
  /**
   * The IDM lives elsewhere: another pack, or a plain SD1.5 diffusers-ONNX folder (no manifest), at this
   * URL (relative to the pack's own location, or a path on the app's origin). Excludes components.imageUnet.
   */
  imageModel?: ImageModelSource;
  latentChannels: number;
  vaeScalingFactor: number;
  /** Pixels; a multiple of 8 (the VAE's factor). */
  nativeResolution: { width: number; height: number };
  frames: { default: number; max: number };
  /** Width D of the text embeddings [B,77,D] (768 for SD1.5's CLIP ViT-L/14). */
  textEmbeddingWidth: number;
  precision: Precision;
  videoTextEmbeddings: VideoTextEmbeddings;
  tokenizer: TokenizerSpec;
  /** rgb = latentToRgb · latent + bias per pixel: a cheap preview of the latents during sampling. */
  preview?: { latentToRgb: number[][]; bias: number[] };
  defaults?: { steps?: number; guidanceScale?: number; sampler?: SamplerVariant };
  suggestedPrompts?: string[];
}

const REGENERATE = 'Fix manifest.json, or regenerate it with `node scripts/make-manifest.mjs <packDir>`.';

/** A manifest that cannot be used. `field` is the offending path, e.g. "files[3].sha256". */
export class ManifestError extends Error {
  override name = 'ManifestError';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Why a pack path is unacceptable, or null when it is fine. Paths are relative, forward-slashed, with no
 * "." or ".." segment: they become cache keys and URLs under the pack's base, and must never escape it.
 */
export function packPathProblem(path: string): string | null {
  if (path.length === 0) return 'must not be empty';
  if (path.length > 512) return 'must be at most 512 characters';
  if (path.includes('\\')) return 'must use forward slashes ("/"), not backslashes';
  if (path.startsWith('/')) return 'must be relative to the pack root (no leading "/")';
  if (/^[A-Za-z]:/.test(path)) return 'must be relative to the pack root (no drive letter)';
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused here.
  if (/[\u0000-\u001f\u007f]/.test(path)) return 'must not contain control characters';
  for (const segment of path.split('/')) {
    if (segment === '..') return 'must not contain ".." (it would point outside the pack)';
    if (segment === '.') return 'must not contain "." segments';
    if (segment === '') return 'must not contain empty segments ("//" or a trailing "/")';
  }
  return null;
}

/** The folder part of a pack path ("" at the root). */
export function packDirname(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? '' : path.slice(0, i);
}

/** The file name part of a pack path. */
export function packBasename(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

type Obj = Record<string, unknown>;

/** Field-path-aware readers; every failure is a ManifestError naming the path. */
class Checker {
  constructor(private readonly source: string | undefined) {}

  fail(field: string, problem: string, hint: string = REGENERATE): never {
    const where = this.source ? `${this.source}: ` : '';
    throw new ManifestError(field, `${where}${field} ${problem}. ${hint}`);
  }

  object(value: unknown, field: string): Obj {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      this.fail(field, `must be an object (got ${describe(value)})`);
    }
    return value as Obj;
  }

  /** Refuse keys that are not in `allowed` (typos of optional fields would otherwise be silently ignored). */
  onlyKeys(obj: Obj, field: string, allowed: readonly string[]): void {
    for (const key of Object.keys(obj)) {
      if (allowed.includes(key) || key.startsWith('x-')) continue;
      const at = field ? `${field}.${key}` : key;
      this.fail(at, `is not a field of an ${PACK_FORMAT} manifest (known here: ${allowed.join(', ')}; "x-" fields are free)`);
    }
  }

  required(obj: Obj, key: string, field: string): unknown {
    const value = obj[key];
    if (value === undefined) this.fail(join(field, key), 'is missing');
    return value;
  }

  string(value: unknown, field: string, opts: { nonEmpty?: boolean; max?: number } = {}): string {
    if (typeof value !== 'string') this.fail(field, `must be a string (got ${describe(value)})`);
    if (opts.nonEmpty !== false && value.trim().length === 0) this.fail(field, 'must not be empty');
    if (opts.max !== undefined && value.length > opts.max) this.fail(field, `must be at most ${opts.max} characters`);
    return value;
  }

  number(value: unknown, field: string): number {
    if (typeof value === 'string') {
      this.fail(field, `must be a finite number (got the string ${describe(value)}; write numbers without quotes)`);
    }
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      this.fail(field, `must be a finite number (got ${describe(value)})`);
    }
    return value;
  }

  integer(value: unknown, field: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
    const n = this.number(value, field);
    if (!Number.isInteger(n) || n < min || n > max) {
      this.fail(
        field,
        `must be a whole number${max === Number.MAX_SAFE_INTEGER ? ` ≥ ${min}` : ` from ${min} to ${max}`} (got ${n})`,
      );
    }
    return n;
  }

  oneOf<T extends string>(value: unknown, field: string, allowed: readonly T[]): T {
    if (typeof value !== 'string' || !allowed.includes(value as T)) {
      this.fail(field, `must be one of ${allowed.map((a) => `"${a}"`).join(', ')} (got ${describe(value)})`);
    }
    return value as T;
  }

  array(value: unknown, field: string): unknown[] {
    if (!Array.isArray(value)) this.fail(field, `must be an array (got ${describe(value)})`);
    return value;
  }

  path(value: unknown, field: string): string {
    const path = this.string(value, field);
    const problem = packPathProblem(path);
    if (problem) this.fail(field, `"${path}" ${problem}`);
    return path;
  }
}

function join(field: string, key: string): string {
  return field ? `${field}.${key}` : key;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return value.length > 40 ? `"${value.slice(0, 40)}…"` : `"${value}"`;
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value)}`;
}

const TOP_KEYS = [
  'format',
  'id',
  'name',
  'description',
  'license',
  'files',
  'components',
  'imageModel',
  'latentChannels',
  'vaeScalingFactor',
  'nativeResolution',
  'frames',
  'textEmbeddingWidth',
  'precision',
  'videoTextEmbeddings',
  'tokenizer',
  'preview',
  'defaults',
  'suggestedPrompts',
] as const;

/**
 * Validate a parsed manifest.json. `source` (e.g. the manifest's URL) prefixes every message.
 * Throws ManifestError naming the first offending field.
 */
export function parsePackManifest(json: unknown, source?: string): PackManifest {
  const c: Checker = new Checker(source);
  const raw = c.object(json, 'manifest');

  const format = c.required(raw, 'format', '');
  if (format !== PACK_FORMAT) {
    const newer = typeof format === 'string' && /^ivmix-pack\/\d+$/.test(format);
    c.fail(
      'format',
      `is ${describe(format)}; this app reads "${PACK_FORMAT}"`,
      newer
        ? 'The pack was made for a newer version of the app: update the app.'
        : 'Is this file an IV-mixed model pack manifest?',
    );
  }
  c.onlyKeys(raw, '', TOP_KEYS);

  const id = c.string(c.required(raw, 'id', ''), 'id');
  if (!/^[a-z0-9][a-z0-9._-]{0,63}$/.test(id)) {
    c.fail(
      'id',
      `"${id}" must be 1–64 lowercase letters, digits, ".", "_" or "-", starting with a letter or digit (it names the cache folder)`,
    );
  }
  const name = c.string(c.required(raw, 'name', ''), 'name', { max: 200 });
  const description = c.string(c.required(raw, 'description', ''), 'description', { nonEmpty: false, max: 5000 });
  const license = raw.license === undefined ? undefined : c.string(raw.license, 'license', { max: 200 });

  const files = parseFiles(c, c.required(raw, 'files', ''));
  const byPath = new Map(files.map((f) => [f.path, f]));

  const latentChannels = c.integer(c.required(raw, 'latentChannels', ''), 'latentChannels', 1, 64);
  const components = parseComponents(c, c.required(raw, 'components', ''), byPath);

  let imageModel: PackManifest['imageModel'];
  if (raw.imageModel !== undefined) {
    const o = c.object(raw.imageModel, 'imageModel');
    c.onlyKeys(o, 'imageModel', ['baseUrl', 'files']);
    const baseUrl = c.string(c.required(o, 'baseUrl', 'imageModel'), 'imageModel.baseUrl', { max: 2000 });
    // Nothing is fetched from third-party hosts at run time: the IDM must come from the app's own origin.
    if (/^[A-Za-z][A-Za-z0-9+.-]*:/.test(baseUrl) || baseUrl.startsWith('//')) {
      c.fail(
        'imageModel.baseUrl',
        `"${baseUrl}" must be a path on the app's own server (relative like "../sd15/" or absolute like "/models/sd15/"), not a URL with a scheme or host`,
      );
    }
    if (components.imageUnet) {
      c.fail(
        'imageModel',
        'cannot be given together with components.imageUnet',
        'Keep one of the two: the IDM is either in this pack or elsewhere.',
      );
    }
    imageModel = { baseUrl };
    if (o.files !== undefined) {
      const borrowed = parseFiles(c, o.files, 'imageModel.files', 'the files of the folder it names');
      if (!borrowed.some((f) => f.path === 'unet/model.onnx')) {
        c.fail(
          'imageModel.files',
          'must list unet/model.onnx (and the external-data file its graph refers to), the IDM the pack borrows',
        );
      }
      imageModel.files = borrowed;
    }
    files.forEach((f, i) => {
      if (f.path === BORROWED_IMAGE_MODEL_RECORD || f.path.startsWith(`${BORROWED_IMAGE_MODEL_DIR}/`)) {
        c.fail(
          `files[${i}].path`,
          `"${f.path}" is where the engine stores the borrowed image model (imageModel); a pack that borrows its IDM cannot use it`,
          'Rename the file.',
        );
      }
    });
  }

  const vaeScalingFactor = c.number(c.required(raw, 'vaeScalingFactor', ''), 'vaeScalingFactor');
  if (vaeScalingFactor <= 0) c.fail('vaeScalingFactor', `must be positive (got ${vaeScalingFactor}; SD1.5 uses 0.18215)`);

  const res = c.object(c.required(raw, 'nativeResolution', ''), 'nativeResolution');
  c.onlyKeys(res, 'nativeResolution', ['width', 'height']);
  const dim = (key: 'width' | 'height'): number => {
    const field = `nativeResolution.${key}`;
    const v = c.integer(c.required(res, key, 'nativeResolution'), field, 8, 4096);
    if (v % 8 !== 0) c.fail(field, `must be a multiple of 8, the VAE's upsampling factor (got ${v})`);
    return v;
  };
  const nativeResolution = { width: dim('width'), height: dim('height') };

  const fr = c.object(c.required(raw, 'frames', ''), 'frames');
  c.onlyKeys(fr, 'frames', ['default', 'max']);
  const frameDefault = c.integer(c.required(fr, 'default', 'frames'), 'frames.default', 1, 1024);
  const frameMax = c.integer(c.required(fr, 'max', 'frames'), 'frames.max', 1, 1024);
  if (frameMax < frameDefault) c.fail('frames.max', `(${frameMax}) must be at least frames.default (${frameDefault})`);

  const textEmbeddingWidth = c.integer(c.required(raw, 'textEmbeddingWidth', ''), 'textEmbeddingWidth', 1, 16384);
  const precision = c.oneOf(c.required(raw, 'precision', ''), 'precision', ['fp32', 'fp16'] as const);
  const videoTextEmbeddings = c.oneOf(c.required(raw, 'videoTextEmbeddings', ''), 'videoTextEmbeddings', [
    'per-video',
    'per-frame',
  ] as const);

  const tk = c.object(c.required(raw, 'tokenizer', ''), 'tokenizer');
  c.onlyKeys(tk, 'tokenizer', ['maxLength', 'bos', 'eos', 'pad']);
  const tokenizer: TokenizerSpec = {
    // BOS and EOS always take two of the positions.
    maxLength: c.integer(c.required(tk, 'maxLength', 'tokenizer'), 'tokenizer.maxLength', 2, 4096),
    bos: c.integer(c.required(tk, 'bos', 'tokenizer'), 'tokenizer.bos', 0),
    eos: c.integer(c.required(tk, 'eos', 'tokenizer'), 'tokenizer.eos', 0),
    pad: c.integer(c.required(tk, 'pad', 'tokenizer'), 'tokenizer.pad', 0),
  };

  const manifest: PackManifest = {
    format: PACK_FORMAT,
    id,
    name,
    description,
    ...(license !== undefined ? { license } : {}),
    files,
    components,
    ...(imageModel ? { imageModel } : {}),
    latentChannels,
    vaeScalingFactor,
    nativeResolution,
    frames: { default: frameDefault, max: frameMax },
    textEmbeddingWidth,
    precision,
    videoTextEmbeddings,
    tokenizer,
  };

  if (raw.preview !== undefined) manifest.preview = parsePreview(c, raw.preview, latentChannels);
  if (raw.defaults !== undefined) manifest.defaults = parseDefaults(c, raw.defaults);
  if (raw.suggestedPrompts !== undefined) {
    manifest.suggestedPrompts = c
      .array(raw.suggestedPrompts, 'suggestedPrompts')
      .map((p, i) => c.string(p, `suggestedPrompts[${i}]`, { max: 2000 }));
  }
  return manifest;
}

function parseFiles(c: Checker, value: unknown, field = 'files', what = "the pack's files"): PackFile[] {
  const list = c.array(value, field);
  if (list.length === 0) c.fail(field, `must list ${what}`);
  // Case-insensitive: two names differing only in case collide on the caches and disks of most users.
  const seen = new Map<string, number>();
  return list.map((item, i) => {
    const at = `${field}[${i}]`;
    const o = c.object(item, at);
    c.onlyKeys(o, at, ['path', 'size', 'sha256']);
    const path = c.path(c.required(o, 'path', at), `${at}.path`);
    if (path === MANIFEST_FILE) c.fail(`${at}.path`, `must not be ${MANIFEST_FILE} itself (a manifest cannot hold its own hash)`);
    const key = path.toLowerCase();
    const first = seen.get(key);
    if (first !== undefined) c.fail(`${at}.path`, `"${path}" is listed twice (also ${field}[${first}])`);
    seen.set(key, i);
    const size = c.integer(c.required(o, 'size', at), `${at}.size`, 0);
    const sha = c.string(c.required(o, 'sha256', at), `${at}.sha256`);
    if (!/^[0-9a-fA-F]{64}$/.test(sha)) c.fail(`${at}.sha256`, `must be 64 hex characters (got ${describe(sha)})`);
    return { path, size, sha256: sha.toLowerCase() };
  });
}

function listedPath(c: Checker, value: unknown, field: string, files: Map<string, PackFile>): string {
  const path = c.path(value, field);
  if (!files.has(path))
    c.fail(field, `"${path}" is not among files[]`, 'Every file a component uses must be listed with its size and sha256.');
  return path;
}

function parseOnnx(c: Checker, value: unknown, field: string, files: Map<string, PackFile>): OnnxComponent {
  const o = c.object(value, field);
  c.onlyKeys(o, field, ['model', 'externalData']);
  const model = listedPath(c, c.required(o, 'model', field), `${field}.model`, files);
  if (!model.endsWith('.onnx')) c.fail(`${field}.model`, `"${model}" must be an .onnx file`);
  const externalData: string[] = [];
  if (o.externalData !== undefined) {
    const names = new Set<string>();
    c.array(o.externalData, `${field}.externalData`).forEach((item, i) => {
      const at = `${field}.externalData[${i}]`;
      const path = listedPath(c, item, at, files);
      // onnxruntime looks external data up next to the graph, by the name written inside the graph.
      if (packDirname(path) !== packDirname(model)) {
        c.fail(at, `"${path}" must be in the same folder as ${model}`);
      }
      if (path === model || names.has(path)) c.fail(at, `"${path}" is listed twice or is the graph itself`);
      names.add(path);
      externalData.push(path);
    });
  }
  return { model, externalData };
}

const COMPONENT_KEYS = ['textEncoder', 'tokenizer', 'imageUnet', 'videoUnet', 'vaeDecoder', 'scheduler'] as const;

function parseComponents(c: Checker, value: unknown, files: Map<string, PackFile>): PackComponents {
  const o = c.object(value, 'components');
  c.onlyKeys(o, 'components', COMPONENT_KEYS);
  const onnx = (key: 'textEncoder' | 'videoUnet' | 'vaeDecoder') =>
    parseOnnx(c, c.required(o, key, 'components'), `components.${key}`, files);

  const textEncoder = onnx('textEncoder');
  const tk = c.object(c.required(o, 'tokenizer', 'components'), 'components.tokenizer');
  c.onlyKeys(tk, 'components.tokenizer', ['json', 'config', 'specialTokensMap']);
  const tokenizer: TokenizerComponent = {
    json: listedPath(c, c.required(tk, 'json', 'components.tokenizer'), 'components.tokenizer.json', files),
  };
  if (tk.config !== undefined) tokenizer.config = listedPath(c, tk.config, 'components.tokenizer.config', files);
  if (tk.specialTokensMap !== undefined) {
    tokenizer.specialTokensMap = listedPath(c, tk.specialTokensMap, 'components.tokenizer.specialTokensMap', files);
  }
  const imageUnet = o.imageUnet === undefined ? undefined : parseOnnx(c, o.imageUnet, 'components.imageUnet', files);
  const videoUnet = onnx('videoUnet');
  const vaeDecoder = onnx('vaeDecoder');
  const sc = c.object(c.required(o, 'scheduler', 'components'), 'components.scheduler');
  c.onlyKeys(sc, 'components.scheduler', ['config', 'inverseConfig']);
  const scheduler: SchedulerComponent = {
    config: listedPath(c, c.required(sc, 'config', 'components.scheduler'), 'components.scheduler.config', files),
  };
  if (sc.inverseConfig !== undefined) {
    scheduler.inverseConfig = listedPath(c, sc.inverseConfig, 'components.scheduler.inverseConfig', files);
  }

  // One graph in two slots is almost always a copy-paste slip (e.g. the VDM path under imageUnet).
  const graphs: [string, OnnxComponent | undefined][] = [
    ['textEncoder', textEncoder],
    ['imageUnet', imageUnet],
    ['videoUnet', videoUnet],
    ['vaeDecoder', vaeDecoder],
  ];
  const owner = new Map<string, string>();
  for (const [key, part] of graphs) {
    if (!part) continue;
    for (const path of [part.model, ...part.externalData]) {
      const other = owner.get(path);
      if (other) c.fail(`components.${key}`, `uses "${path}", which components.${other} uses too`);
      owner.set(path, key);
    }
  }
  return { textEncoder, tokenizer, ...(imageUnet ? { imageUnet } : {}), videoUnet, vaeDecoder, scheduler };
}

function parsePreview(c: Checker, value: unknown, latentChannels: number): NonNullable<PackManifest['preview']> {
  const o = c.object(value, 'preview');
  c.onlyKeys(o, 'preview', ['latentToRgb', 'bias']);
  const rows = c.array(c.required(o, 'latentToRgb', 'preview'), 'preview.latentToRgb');
  if (rows.length !== 3) c.fail('preview.latentToRgb', `must have 3 rows (R, G, B), got ${rows.length}`);
  const latentToRgb = rows.map((row, r) => {
    const cols = c.array(row, `preview.latentToRgb[${r}]`);
    if (cols.length !== latentChannels) {
      c.fail(`preview.latentToRgb[${r}]`, `must have latentChannels = ${latentChannels} numbers, got ${cols.length}`);
    }
    return cols.map((v, k) => c.number(v, `preview.latentToRgb[${r}][${k}]`));
  });
  const biasList = c.array(c.required(o, 'bias', 'preview'), 'preview.bias');
  if (biasList.length !== 3) c.fail('preview.bias', `must have 3 numbers (R, G, B), got ${biasList.length}`);
  return { latentToRgb, bias: biasList.map((v, k) => c.number(v, `preview.bias[${k}]`)) };
}

function parseDefaults(c: Checker, value: unknown): NonNullable<PackManifest['defaults']> {
  const o = c.object(value, 'defaults');
  c.onlyKeys(o, 'defaults', ['steps', 'guidanceScale', 'sampler']);
  const out: NonNullable<PackManifest['defaults']> = {};
  if (o.steps !== undefined) out.steps = c.integer(o.steps, 'defaults.steps', 1, 1000);
  if (o.guidanceScale !== undefined) {
    const g = c.number(o.guidanceScale, 'defaults.guidanceScale');
    if (g < 0 || g > 50) c.fail('defaults.guidanceScale', `must be between 0 and 50 (got ${g})`);
    out.guidanceScale = g;
  }
  if (o.sampler !== undefined) {
    const s = c.string(o.sampler, 'defaults.sampler');
    if (!isSamplerVariant(s)) c.fail('defaults.sampler', `"${s}" is not a sampler (use one of ${SAMPLER_VARIANTS.join(', ')})`);
    out.sampler = s;
  }
  return out;
}

/** The file entry of a path, for verification after a download. */
export function manifestFile(manifest: PackManifest, path: string): PackFile | undefined {
  return manifest.files.find((f) => f.path === path);
}

/** Total bytes of the pack, for download progress and storage checks. */
export function manifestTotalBytes(manifest: PackManifest): number {
  return manifest.files.reduce((sum, f) => sum + f.size, 0);
}
