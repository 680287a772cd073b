#!/usr/bin/env node
/**
 * Write manifest.json ("ivmix-pack/1") for a model pack folder in the diffusers-ONNX layout.
 *
 *   node scripts/make-manifest.mjs <packDir> [--id ID] [--name NAME] [--description TEXT]
 *                                            [--license SPDX] [--out FILE]
 *                                            [--image-model-url URL] [--image-model-dir DIR]
 *
 * It walks the folder, hashes every file (size + sha256), finds the parts by their diffusers folders,
 * reads which external-data files each ONNX graph refers to (model.onnx_data, weights.pb, ...) from the
 * graph itself, and fills in the numbers the engine needs. Each number comes from the first of:
 *
 *   1. pack-info.json in the folder (optional; any of the fields below),
 *   2. the graphs: latent channels, text width, precision and the VDM's text layout from the inputs of
 *      motion_unet/model.onnx; the tokenizer ids from tokenizer.json / tokenizer_config.json,
 *   3. diffusers config.json files next to the graphs (vae_decoder/config.json scaling_factor,
 *      motion_unet/config.json sample_size and motion_max_seq_length),
 *   4. the SD1.5 + AnimateDiff defaults, printed as "assumed" so the author can check them.
 *
 * pack-info.json fields (all optional):
 *   id, name, description, license         strings (the command-line flags win)
 *   latentChannels                         4 for SD1.5
 *   vaeScalingFactor                       0.18215 for SD1.5
 *   textEmbeddingWidth                     768 for SD1.5 (CLIP ViT-L/14)
 *   nativeResolution {width, height}       512 x 512 for SD1.5
 *   frames {default, max}                  16 / 32 for AnimateDiff
 *   precision                              "fp32" | "fp16"
 *   videoTextEmbeddings                    "per-video" | "per-frame" (how the VDM export takes text)
 *   tokenizer {maxLength, bos, eos, pad}   77 / 49406 / 49407 / 49407 for SD1.5 (any subset)
 *   imageModel {baseUrl}                   the IDM lives in another pack or SD1.5 folder
 *   preview {latentToRgb, bias}            3 x latentChannels matrix and 3 biases
 *   defaults {steps, guidanceScale, sampler}
 *   suggestedPrompts                       array of strings
 *
 * A pack that borrows its IDM from an SD1.5 diffusers-ONNX folder names it with imageModel.baseUrl (pack-info.json
 * or --image-model-url, a path on the app's server such as "../stable-diffusion-1.5-onnx/"). With
 * --image-model-dir <that folder on disk>, its unet/model.onnx and the external-data file the graph refers to are
 * hashed into imageModel.files, so that the app verifies the borrowed IDM like the pack's own files; without it
 * the app stores the borrowed files after a size check only and reports the pack unverified.
 *
 * Files whose names start with "." and pack-info.json itself are not listed; manifest.json never is.
 * Node only (no TypeScript); the app validates the result with parsePackManifest.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { basename, join, relative, resolve, sep } from 'node:path';
import { parseArgs } from 'node:util';

const FORMAT = 'ivmix-pack/1';
const INFO_FILE = 'pack-info.json';
const MANIFEST_FILE = 'manifest.json';

class UsageError extends Error {}

// ---------------------------------------------------------------------------------------------------
// Files

async function walk(root) {
  const out = [];
  const visit = async (dir) => {
    const entries = await readdir(dir, { withFileTypes: true });
    for (const e of entries) {
      if (e.name.startsWith('.')) continue;
      const full = join(dir, e.name);
      if (e.isDirectory()) await visit(full);
      else if (e.isFile()) {
        const path = relative(root, full).split(sep).join('/');
        if (path !== MANIFEST_FILE && path !== INFO_FILE) out.push(path);
      }
    }
  };
  await visit(root);
  return out.sort();
}

async function sha256(file) {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk);
  return hash.digest('hex');
}

// ---------------------------------------------------------------------------------------------------
// Minimal protobuf reading of ONNX files by positioned reads: graphs with embedded weights can be
// close to 2 GB, and only field headers and a few small messages are needed.

class ProtoFile {
  static WINDOW = 1 << 20;

  constructor(handle, size, name) {
    this.handle = handle;
    this.size = size;
    this.name = name;
    this.winStart = 0;
    this.win = Buffer.alloc(0);
  }

  async bytes(pos, len) {
    if (pos < this.winStart || pos + len > this.winStart + this.win.length) {
      const want = Math.min(Math.max(len, ProtoFile.WINDOW), this.size - pos);
      if (want < len) this.corrupt();
      const buf = Buffer.alloc(want);
      const { bytesRead } = await this.handle.read(buf, 0, want, pos);
      this.win = buf.subarray(0, bytesRead);
      this.winStart = pos;
      if (bytesRead < len) this.corrupt();
    }
    return this.win.subarray(pos - this.winStart, pos - this.winStart + len);
  }

  corrupt() {
    throw new UsageError(`${this.name} is not a valid ONNX file (truncated or corrupt protobuf).`);
  }

  async varint(pos) {
    const buf = await this.bytes(pos, Math.min(10, this.size - pos));
    let value = 0;
    let scale = 1;
    for (let i = 0; i < buf.length; i++) {
      const b = buf[i];
      value += (b & 0x7f) * scale;
      scale *= 128;
      if (b < 0x80) return [value, pos + i + 1];
    }
    return this.corrupt();
  }

  /** Fields of the message in [start, end): { number, wire, start, end, value (varints) }. */
  async fields(start, end) {
    const out = [];
    let pos = start;
    while (pos < end) {
      const [tag, afterTag] = await this.varint(pos);
      const number = Math.floor(tag / 8);
      const wire = tag % 8;
      let f;
      if (wire === 0) {
        const [value, next] = await this.varint(afterTag);
        f = { number, wire, start: afterTag, end: next, value };
      } else if (wire === 1) f = { number, wire, start: afterTag, end: afterTag + 8 };
      else if (wire === 5) f = { number, wire, start: afterTag, end: afterTag + 4 };
      else if (wire === 2) {
        const [len, afterLen] = await this.varint(afterTag);
        f = { number, wire, start: afterLen, end: afterLen + len };
      } else this.corrupt();
      if (f.end > end || number === 0) this.corrupt();
      out.push(f);
      pos = f.end;
    }
    return out;
  }

  async text(f) {
    return (await this.bytes(f.start, f.end - f.start)).toString('utf8');
  }
}

async function withOnnx(file, name, fn) {
  const handle = await open(file, 'r');
  try {
    const { size } = await handle.stat();
    return await fn(new ProtoFile(handle, size, name));
  } finally {
    await handle.close();
  }
}

const isMsg = (f, n) => f.wire === 2 && f.number === n;

/** Locations of external tensors (TensorProto.external_data "location"), as in onnx-external-refs.ts. */
async function externalLocations(p) {
  const found = new Set();
  const tensor = async (f) => {
    for (const t of await p.fields(f.start, f.end)) {
      if (!isMsg(t, 13)) continue;
      let key = '';
      let value = '';
      for (const e of await p.fields(t.start, t.end)) {
        if (isMsg(e, 1)) key = await p.text(e);
        else if (isMsg(e, 2)) value = await p.text(e);
      }
      if (key === 'location' && value) found.add(value);
    }
  };
  const sparse = async (f) => {
    for (const s of await p.fields(f.start, f.end)) if (isMsg(s, 1) || isMsg(s, 2)) await tensor(s);
  };
  const node = async (f) => {
    for (const a of await p.fields(f.start, f.end)) {
      if (!isMsg(a, 5)) continue;
      for (const v of await p.fields(a.start, a.end)) {
        if (v.wire !== 2) continue;
        if (v.number === 5 || v.number === 10) await tensor(v);
        else if (v.number === 6 || v.number === 11) await graph(v);
        else if (v.number === 22 || v.number === 23) await sparse(v);
      }
    }
  };
  const graph = async (f) => {
    for (const g of await p.fields(f.start, f.end)) {
      if (isMsg(g, 5)) await tensor(g);
      else if (isMsg(g, 1)) await node(g);
      else if (isMsg(g, 15)) await sparse(g);
    }
  };
  for (const f of await p.fields(0, p.size)) {
    if (isMsg(f, 7)) await graph(f);
    else if (isMsg(f, 25)) for (const g of await p.fields(f.start, f.end)) if (isMsg(g, 7)) await node(g);
  }
  return [...found];
}

/** Graph inputs: [{ name, elemType, dims: (number | string | null)[] }]. */
async function graphInputs(p) {
  const inputs = [];
  for (const f of await p.fields(0, p.size)) {
    if (!isMsg(f, 7)) continue;
    for (const g of await p.fields(f.start, f.end)) {
      if (!isMsg(g, 11)) continue;
      const input = { name: '', elemType: 0, dims: [] };
      for (const v of await p.fields(g.start, g.end)) {
        if (isMsg(v, 1)) input.name = await p.text(v);
        if (!isMsg(v, 2)) continue;
        for (const t of await p.fields(v.start, v.end)) {
          if (!isMsg(t, 1)) continue;
          for (const tt of await p.fields(t.start, t.end)) {
            if (tt.number === 1 && tt.wire === 0) input.elemType = tt.value;
            if (!isMsg(tt, 2)) continue;
            for (const d of await p.fields(tt.start, tt.end)) {
              if (!isMsg(d, 1)) continue;
              let dim = null;
              for (const dv of await p.fields(d.start, d.end)) {
                if (dv.number === 1 && dv.wire === 0) dim = dv.value;
                if (isMsg(dv, 2)) dim = await p.text(dv);
              }
              input.dims.push(dim);
            }
          }
        }
      }
      inputs.push(input);
    }
  }
  return inputs;
}

// ---------------------------------------------------------------------------------------------------
// Tokenizer ids (mirrors src/runtime/tokenizer.ts)

function tokenId(tokenizerJson, value) {
  const content = typeof value === 'string' ? value : value && typeof value.content === 'string' ? value.content : undefined;
  if (content === undefined) return undefined;
  const added = (tokenizerJson.added_tokens ?? []).find((t) => t.content === content);
  if (added) return added.id;
  const vocab = tokenizerJson.model?.vocab;
  if (Array.isArray(vocab)) {
    const i = vocab.findIndex((v) => (Array.isArray(v) ? v[0] : v) === content);
    return i >= 0 ? i : undefined;
  }
  return vocab && typeof vocab[content] === 'number' ? vocab[content] : undefined;
}

function postProcessorSpecials(tokenizerJson) {
  const pp = tokenizerJson.post_processor;
  if (!pp) return {};
  if (pp.type === 'RobertaProcessing' || pp.type === 'BertProcessing') return { bos: pp.cls?.[1], eos: pp.sep?.[1] };
  if (pp.type === 'TemplateProcessing' && Array.isArray(pp.single)) {
    const seq = pp.single.findIndex((item) => 'Sequence' in item);
    const idOf = (item) => (item && 'SpecialToken' in item ? pp.special_tokens?.[item.SpecialToken.id]?.ids?.[0] : undefined);
    return { bos: seq > 0 ? idOf(pp.single[seq - 1]) : undefined, eos: idOf(pp.single[seq + 1]) };
  }
  if (pp.type === 'Sequence') {
    for (const inner of pp.processors ?? []) {
      const found = postProcessorSpecials({ post_processor: inner });
      if (found.bos !== undefined || found.eos !== undefined) return found;
    }
  }
  return {};
}

// ---------------------------------------------------------------------------------------------------

async function readJson(file, what) {
  try {
    return JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    if (error.code === 'ENOENT') return undefined;
    throw new UsageError(`${what} is not valid JSON (${error.message}).`);
  }
}

const SAMPLE_NAMES = ['sample', 'latent_sample', 'x', 'latents'];
const TEXT_NAMES = ['encoder_hidden_states', 'text_embeds', 'context'];
const ELEM_FLOAT = 1;
const ELEM_FLOAT16 = 10;

export async function makeManifest(packDir, flags = {}, log = () => {}) {
  const root = resolve(packDir);
  const rootStat = await stat(root).catch(() => null);
  if (!rootStat?.isDirectory()) throw new UsageError(`${packDir} is not a folder.`);
  const info = (await readJson(join(root, INFO_FILE), INFO_FILE)) ?? {};
  if (typeof info !== 'object' || Array.isArray(info)) throw new UsageError(`${INFO_FILE} must be a JSON object.`);
  const assumed = [];
  const pick = (key, ...sources) => {
    for (const [value, note] of sources) {
      if (value !== undefined && value !== null) {
        if (note) assumed.push(`${key} = ${JSON.stringify(value)} (${note})`);
        return value;
      }
    }
    return undefined;
  };

  const paths = await walk(root);
  const has = new Set(paths);
  const need = (path, what) => {
    if (!has.has(path)) throw new UsageError(`${path} is missing: a pack needs ${what}.`);
    return path;
  };

  const onnxPart = async (model) =>
    withOnnx(join(root, model), model, async (p) => {
      const dir = model.slice(0, model.lastIndexOf('/'));
      const externalData = (await externalLocations(p)).map((location) => {
        const packPath = `${dir}/${location.replace(/^\.\//, '')}`;
        if (!has.has(packPath)) {
          throw new UsageError(`${model} stores weights in "${location}", but ${packPath} is not in the folder.`);
        }
        return packPath;
      });
      return { model, externalData };
    });

  const components = {
    textEncoder: await onnxPart(need('text_encoder/model.onnx', 'the text encoder')),
    tokenizer: { json: need('tokenizer/tokenizer.json', 'the tokenizer (tokenizer.json, as a "fast" tokenizer saves it)') },
  };
  if (has.has('tokenizer/tokenizer_config.json')) components.tokenizer.config = 'tokenizer/tokenizer_config.json';
  if (has.has('tokenizer/special_tokens_map.json')) components.tokenizer.specialTokensMap = 'tokenizer/special_tokens_map.json';
  if (has.has('unet/model.onnx') && !info.imageModel) components.imageUnet = await onnxPart('unet/model.onnx');
  components.videoUnet = await onnxPart(need('motion_unet/model.onnx', 'the video model (motion_unet/)'));
  components.vaeDecoder = await onnxPart(need('vae_decoder/model.onnx', 'the VAE decoder'));
  components.scheduler = { config: need('scheduler/scheduler_config.json', 'the scheduler config') };
  if (has.has('scheduler/inverse_scheduler_config.json')) {
    components.scheduler.inverseConfig = 'scheduler/inverse_scheduler_config.json';
  }

  // What the VDM's inputs say (the signature code of the app reads the same metadata).
  const inputs = await withOnnx(join(root, components.videoUnet.model), components.videoUnet.model, graphInputs);
  const sample = inputs.find((i) => SAMPLE_NAMES.includes(i.name));
  const text = inputs.find((i) => TEXT_NAMES.includes(i.name));
  const num = (v) => (typeof v === 'number' && v > 0 ? v : undefined);
  let graphLayout;
  if (sample && text) {
    const [s0, t0] = [sample.dims[0], text.dims[0]];
    if (typeof s0 === 'string' && s0 === t0) graphLayout = 'per-video';
    else if (typeof s0 === 'number' && typeof t0 === 'number') graphLayout = s0 === t0 ? 'per-video' : 'per-frame';
  }
  const graphPrecision = sample?.elemType === ELEM_FLOAT16 ? 'fp16' : sample?.elemType === ELEM_FLOAT ? 'fp32' : undefined;

  const vaeConfig = (await readJson(join(root, 'vae_decoder/config.json'), 'vae_decoder/config.json')) ?? {};
  const motionConfig = (await readJson(join(root, 'motion_unet/config.json'), 'motion_unet/config.json')) ?? {};
  const sampleSize = num(motionConfig.sample_size);

  const tokenizerJson = await readJson(join(root, components.tokenizer.json), components.tokenizer.json);
  if (!tokenizerJson?.model) throw new UsageError(`${components.tokenizer.json} has no "model": is it a tokenizer.json?`);
  const tokenizerConfig = (await readJson(join(root, 'tokenizer/tokenizer_config.json'), 'tokenizer_config.json')) ?? {};
  const specialMap = (await readJson(join(root, 'tokenizer/special_tokens_map.json'), 'special_tokens_map.json')) ?? {};
  const fromPost = postProcessorSpecials(tokenizerJson);
  const it = info.tokenizer ?? {};
  const bos = pick(
    'tokenizer.bos',
    [it.bos],
    [fromPost.bos],
    [tokenId(tokenizerJson, tokenizerConfig.bos_token ?? specialMap.bos_token)],
  );
  const eos = pick(
    'tokenizer.eos',
    [it.eos],
    [fromPost.eos],
    [tokenId(tokenizerJson, tokenizerConfig.eos_token ?? specialMap.eos_token)],
  );
  if (bos === undefined || eos === undefined) {
    throw new UsageError(
      'Cannot tell the tokenizer\'s start/end token ids: set "tokenizer": {"bos": …, "eos": …} in pack-info.json.',
    );
  }
  const mml = tokenizerConfig.model_max_length;
  const tokenizer = {
    maxLength: pick(
      'tokenizer.maxLength',
      [it.maxLength],
      [Number.isInteger(mml) && mml >= 2 && mml <= 4096 ? mml : undefined],
      [77, 'CLIP'],
    ),
    bos,
    eos,
    pad: pick(
      'tokenizer.pad',
      [it.pad],
      [tokenId(tokenizerJson, tokenizerConfig.pad_token ?? specialMap.pad_token)],
      [eos, 'the EOS id, as CLIPTokenizer pads'],
    ),
  };

  const dirName = basename(root);
  const manifest = {
    format: FORMAT,
    id:
      flags.id ??
      info.id ??
      (dirName
        .toLowerCase()
        .replace(/[^a-z0-9._-]+/g, '-')
        .replace(/^[^a-z0-9]+/, '') ||
        'pack'),
    name: flags.name ?? info.name ?? dirName,
    description: flags.description ?? info.description ?? '',
    ...((flags.license ?? info.license) !== undefined ? { license: flags.license ?? info.license } : {}),
    files: [],
    components,
    ...(info.imageModel ? { imageModel: info.imageModel } : {}),
    latentChannels: pick(
      'latentChannels',
      [info.latentChannels],
      [num(sample?.dims[1])],
      [num(vaeConfig.latent_channels)],
      [4, 'SD1.5'],
    ),
    vaeScalingFactor: pick('vaeScalingFactor', [info.vaeScalingFactor], [num(vaeConfig.scaling_factor)], [0.18215, 'SD1.5']),
    nativeResolution: pick(
      'nativeResolution',
      [info.nativeResolution],
      [sampleSize ? { width: sampleSize * 8, height: sampleSize * 8 } : undefined],
      [{ width: 512, height: 512 }, 'SD1.5'],
    ),
    frames: pick(
      'frames',
      [info.frames],
      [
        num(motionConfig.motion_max_seq_length)
          ? { default: Math.min(16, motionConfig.motion_max_seq_length), max: motionConfig.motion_max_seq_length }
          : undefined,
      ],
      [{ default: 16, max: 32 }, 'AnimateDiff'],
    ),
    textEmbeddingWidth: pick('textEmbeddingWidth', [info.textEmbeddingWidth], [num(text?.dims[2])], [768, 'SD1.5']),
    precision: pick('precision', [info.precision], [graphPrecision], ['fp32', 'not readable from the graph']),
    videoTextEmbeddings: pick('videoTextEmbeddings', [info.videoTextEmbeddings], [graphLayout]),
    tokenizer,
  };
  if (manifest.videoTextEmbeddings === undefined) {
    throw new UsageError(
      'The VDM graph does not tell whether it takes text per video or per frame: set "videoTextEmbeddings" in pack-info.json ("per-video" for diffusers ≤ 0.30 exports, "per-frame" for ≥ 0.31).',
    );
  }
  for (const key of ['preview', 'defaults', 'suggestedPrompts']) if (info[key] !== undefined) manifest[key] = info[key];

  const imageModelUrl = flags.imageModelUrl ?? info.imageModel?.baseUrl;
  if (flags.imageModelDir !== undefined) {
    if (imageModelUrl === undefined) {
      throw new UsageError(
        '--image-model-dir needs the URL the app will fetch that folder from: --image-model-url "../stable-diffusion-1.5-onnx/" (or imageModel.baseUrl in pack-info.json).',
      );
    }
    manifest.imageModel = { baseUrl: imageModelUrl, files: await borrowedUnetFiles(flags.imageModelDir, log) };
  } else if (imageModelUrl !== undefined) {
    manifest.imageModel = { ...info.imageModel, baseUrl: imageModelUrl };
  }
  if (manifest.imageModel) delete manifest.components.imageUnet;

  let total = 0;
  for (const path of paths) {
    const full = join(root, path);
    const { size } = await stat(full);
    log(`hashing ${path} (${size} bytes)`);
    manifest.files.push({ path, size, sha256: await sha256(full) });
    total += size;
  }
  return { manifest, assumed, total };
}

/** unet/model.onnx of an SD1.5 diffusers-ONNX folder and the external-data files its graph refers to, hashed. */
async function borrowedUnetFiles(folder, log) {
  const root = resolve(folder);
  const model = 'unet/model.onnx';
  const graph = join(root, model);
  if (!(await stat(graph).catch(() => null))?.isFile()) {
    throw new UsageError(
      `${folder} has no ${model}: --image-model-dir takes an SD1.5 diffusers-ONNX folder (the one holding unet/).`,
    );
  }
  const paths = [model];
  for (const location of await withOnnx(graph, `${folder}/${model}`, externalLocations)) {
    const path = `unet/${location.replace(/^\.\//, '')}`;
    if (!(await stat(join(root, path)).catch(() => null))?.isFile()) {
      throw new UsageError(`${folder}/${model} stores weights in "${location}", but ${folder}/${path} is not there.`);
    }
    paths.push(path);
  }
  const files = [];
  for (const path of paths) {
    const full = join(root, path);
    const { size } = await stat(full);
    log(`hashing ${folder}/${path} (${size} bytes)`);
    files.push({ path, size, sha256: await sha256(full) });
  }
  return files;
}

async function main() {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      id: { type: 'string' },
      name: { type: 'string' },
      description: { type: 'string' },
      license: { type: 'string' },
      out: { type: 'string' },
      'image-model-url': { type: 'string' },
      'image-model-dir': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help || positionals.length !== 1) {
    console.log(
      'usage: node scripts/make-manifest.mjs <packDir> [--id ID] [--name NAME] [--description TEXT] [--license SPDX] [--out FILE] [--image-model-url URL] [--image-model-dir DIR]',
    );
    process.exit(values.help ? 0 : 2);
  }
  const packDir = positionals[0];
  const { 'image-model-url': imageModelUrl, 'image-model-dir': imageModelDir, ...rest } = values;
  const { manifest, assumed, total } = await makeManifest(packDir, {
    ...rest,
    ...(imageModelUrl !== undefined ? { imageModelUrl } : {}),
    ...(imageModelDir !== undefined ? { imageModelDir } : {}),
  });
  const out = values.out ?? join(packDir, MANIFEST_FILE);
  await writeFile(out, `${JSON.stringify(manifest, null, 2)}\n`);
  console.log(`wrote ${out}: ${manifest.files.length} files, ${(total / 1e6).toFixed(1)} MB, id "${manifest.id}"`);
  for (const line of assumed) console.log(`  assumed ${line}; set it in ${INFO_FILE} if that is wrong`);
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('make-manifest.mjs')) {
  main().catch((error) => {
    console.error(`make-manifest: ${error instanceof UsageError ? error.message : error.stack}`);
    process.exit(1);
  });
}
