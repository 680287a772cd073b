/**
 * An SD1.5 diffusers-ONNX folder made from the bundled pack's own models (laid out like
 * nmkd/stable-diffusion-1.5-onnx-fp16: model_index.json, unet/model.onnx + unet/weights.pb, text_encoder/,
 * vae_decoder/, tokenizer/, scheduler/), and the bundled pack rewritten to borrow its IDM from such a folder.
 */
import { createHash } from 'node:crypto';
import { cp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
// onnx-proto is CommonJS: Node's ESM loader only offers its default export at runtime.
import onnxProto from 'onnx-proto';
import type { PackManifest } from '../../src/runtime/pack/manifest.js';
import { PACK_DIR, rewriteManifest } from './support.js';

const { onnx } = onnxProto;

/** The graph with every initializer's bytes moved into one external-data file, as diffusers' exporter writes it. */
function externalize(bytes: Uint8Array, location: string): { model: Uint8Array; data: Uint8Array; moved: number } {
  const model = onnx.ModelProto.decode(bytes);
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const t of model.graph?.initializer ?? []) {
    const raw = t.rawData;
    if (!raw || raw.length === 0) continue;
    chunks.push(raw);
    t.rawData = new Uint8Array(0);
    t.dataLocation = onnx.TensorProto.DataLocation.EXTERNAL;
    t.externalData = [
      onnx.StringStringEntryProto.create({ key: 'location', value: location }),
      onnx.StringStringEntryProto.create({ key: 'offset', value: String(offset) }),
      onnx.StringStringEntryProto.create({ key: 'length', value: String(raw.length) }),
    ];
    offset += raw.length;
  }
  const data = new Uint8Array(offset);
  let at = 0;
  for (const c of chunks) {
    data.set(c, at);
    at += c.length;
  }
  return { model: onnx.ModelProto.encode(model).finish(), data, moved: offset };
}

/** An SD1.5 diffusers-ONNX folder whose unet/ is `unetModel` with its weights in unet/weights.pb. */
export async function sd15Folder(dir: string, unetModel: string): Promise<{ moved: number; unetSize: number }> {
  for (const sub of ['unet', 'text_encoder', 'vae_decoder', 'tokenizer', 'scheduler'])
    await mkdir(join(dir, sub), { recursive: true });
  const unetBytes = await readFile(unetModel);
  const { model, data, moved } = externalize(unetBytes, 'weights.pb');
  await writeFile(join(dir, 'unet', 'model.onnx'), model);
  await writeFile(join(dir, 'unet', 'weights.pb'), data);
  await cp(join(PACK_DIR, 'text_encoder', 'model.onnx'), join(dir, 'text_encoder', 'model.onnx'));
  await cp(join(PACK_DIR, 'vae_decoder', 'model.onnx'), join(dir, 'vae_decoder', 'model.onnx'));
  await cp(join(PACK_DIR, 'tokenizer', 'tokenizer.json'), join(dir, 'tokenizer', 'tokenizer.json'));
  await cp(join(PACK_DIR, 'tokenizer', 'tokenizer_config.json'), join(dir, 'tokenizer', 'tokenizer_config.json'));
  await cp(join(PACK_DIR, 'scheduler', 'scheduler_config.json'), join(dir, 'scheduler', 'scheduler_config.json'));
  await writeFile(
    join(dir, 'model_index.json'),
    JSON.stringify({
      _class_name: 'OnnxStableDiffusionPipeline',
      _diffusers_version: '0.30.3',
      text_encoder: ['onnxruntime', 'OnnxRuntimeModel'],
      tokenizer: ['transformers', 'CLIPTokenizer'],
      unet: ['onnxruntime', 'OnnxRuntimeModel'],
      vae_decoder: ['onnxruntime', 'OnnxRuntimeModel'],
      scheduler: ['diffusers', 'DDIMScheduler'],
    }),
  );
  return { moved, unetSize: unetBytes.byteLength };
}

/** The bundled pack without its unet/, borrowing the IDM from `baseUrl` instead. */
export async function borrowingPack(
  dir: string,
  baseUrl: string,
  files?: NonNullable<PackManifest['imageModel']>['files'],
): Promise<void> {
  await cp(PACK_DIR, dir, { recursive: true });
  await rm(join(dir, 'unet'), { recursive: true });
  await rewriteManifest(dir, (m) => {
    delete m.components.imageUnet;
    m.files = m.files.filter((f) => !f.path.startsWith('unet/'));
    m.imageModel = { baseUrl, ...(files ? { files } : {}) };
  });
}

/** What a manifest's imageModel.files lists for such a folder: its unet/ graph and weights, sized and hashed. */
export async function unetFileList(dir: string): Promise<{ path: string; size: number; sha256: string }[]> {
  const list = [];
  for (const path of ['unet/model.onnx', 'unet/weights.pb']) {
    const bytes = await readFile(join(dir, path));
    list.push({ path, size: bytes.byteLength, sha256: createHash('sha256').update(bytes).digest('hex') });
  }
  return list;
}
