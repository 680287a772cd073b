/**
 * External data for parts over 2 GB: which files accompany model.onnx in both SD1.5 diffusers-ONNX
 * layouts (weights.pb, model.onnx_data), read from the listing, the manifest or the graph itself, and the
 * onnxruntime-web `externalData` option built from them actually loads and runs such a graph (WASM).
 */
import { describe, expect, it } from 'vitest';
import {
  ExternalDataError,
  externalDataOption,
  resolveExternalData,
  withExternalData,
} from '../../src/runtime/pack/external-data.js';
import { externalDataLocations, OnnxFormatError } from '../../src/runtime/pack/onnx-external-refs.js';
import { describeSd15Folder, Sd15FolderError } from '../../src/runtime/pack/sd15-folder.js';
import { ortModule as ort } from '../runtime/ort-session.js';
import { chunkedExternalModel, embeddedModel, expected, externalModel } from './onnx-external.js';

/** File listings of the two public SD1.5 repositories (diffusers-ONNX layout). */
const NMKD_FP16 = [
  'model_index.json',
  'scheduler/scheduler_config.json',
  'text_encoder/model.onnx',
  'tokenizer/merges.txt',
  'tokenizer/special_tokens_map.json',
  'tokenizer/tokenizer_config.json',
  'tokenizer/vocab.json',
  'unet/model.onnx',
  'unet/weights.pb',
  'vae_decoder/model.onnx',
  'vae_encoder/model.onnx',
  'safety_checker/model.onnx',
  'feature_extractor/preprocessor_config.json',
];
const AISLAMOV_LCM = [
  'model_index.json',
  'scheduler/scheduler_config.json',
  'text_encoder/model.onnx',
  'tokenizer/merges.txt',
  'tokenizer/special_tokens_map.json',
  'tokenizer/tokenizer_config.json',
  'tokenizer/vocab.json',
  'unet/model.onnx',
  'unet/model.onnx_data',
  'vae_decoder/model.onnx',
  'vae_encoder/model.onnx',
];

const LAYOUTS = [
  ['nmkd/stable-diffusion-1.5-onnx-fp16', NMKD_FP16, 'weights.pb'],
  ['aislamov/lcm-dreamshaper-v7-onnx', AISLAMOV_LCM, 'model.onnx_data'],
] as const;

async function run(model: Uint8Array, options: Parameters<typeof ort.InferenceSession.create>[1]) {
  const session = await ort.InferenceSession.create(model, options);
  try {
    const x = [1, 2, 3, 4];
    const out = await session.run({ x: new ort.Tensor('float32', Float32Array.from(x), [4]) });
    return { x, y: Array.from(out.y?.data as Float32Array) };
  } finally {
    await session.release();
  }
}

describe.each(LAYOUTS)('%s layout', (_repo, listing, dataName) => {
  it(`finds unet/${dataName} next to unet/model.onnx from the file names`, () => {
    expect(resolveExternalData('unet/model.onnx', listing)).toEqual([{ packPath: `unet/${dataName}`, location: dataName }]);
    // Parts with embedded weights get none.
    expect(resolveExternalData('text_encoder/model.onnx', listing)).toEqual([]);
    expect(resolveExternalData('vae_decoder/model.onnx', listing)).toEqual([]);
  });

  it('describes the folder as an IDM without conversion', () => {
    const sd15 = describeSd15Folder(listing, _repo);
    expect(sd15.kind).toBe('sd15-diffusers-onnx');
    expect(sd15.verified).toBe(false);
    expect(sd15.imageUnet).toEqual({
      model: 'unet/model.onnx',
      externalData: [{ packPath: `unet/${dataName}`, location: dataName }],
    });
    expect(sd15.textEncoder).toEqual({ model: 'text_encoder/model.onnx', externalData: [] });
    expect(sd15.tokenizer).toEqual({
      vocab: 'tokenizer/vocab.json',
      merges: 'tokenizer/merges.txt',
      config: 'tokenizer/tokenizer_config.json',
    });
    expect(sd15).toMatchObject({ latentChannels: 4, vaeScalingFactor: 0.18215, textEmbeddingWidth: 768 });
    expect(sd15.paths).toContain(`unet/${dataName}`);
    expect(sd15.paths).not.toContain('safety_checker/model.onnx');
  });

  it('reads the same name from the graph, and onnxruntime-web loads and runs it with that externalData option', async () => {
    const { model, data } = externalModel(dataName);
    const referenced = externalDataLocations(model, 'unet/model.onnx');
    expect(referenced).toEqual([dataName]);
    const files = resolveExternalData('unet/model.onnx', listing, { referenced });
    expect(files).toEqual([{ packPath: `unet/${dataName}`, location: dataName }]);

    const read: string[] = [];
    const externalData = await externalDataOption(files, (packPath) => {
      read.push(packPath);
      return data;
    });
    expect(read).toEqual([`unet/${dataName}`]);
    expect(externalData).toEqual([{ path: dataName, data }]);

    const options = withExternalData({ executionProviders: ['wasm'] }, externalData);
    const { x, y } = await run(model, options);
    expect(y).toEqual(expected(x));
  });

  it('onnxruntime-web refuses the pack path in place of the name the graph uses', async () => {
    const { model, data } = externalModel(dataName);
    await expect(
      ort.InferenceSession.create(model, { executionProviders: ['wasm'], externalData: [{ path: `unet/${dataName}`, data }] }),
    ).rejects.toThrow();
  });
});

describe('external data in several files (the exporter over 2 GB)', () => {
  it('reads every file the graph names, and onnxruntime-web runs it with all of them as externalData', async () => {
    const { model, files } = chunkedExternalModel('model.onnx_data');
    expect(externalDataLocations(model, 'motion_unet/model.onnx')).toEqual(['model.onnx_data', 'model.onnx_data.1']);
    const byPath = new Map(files.map((f) => [`motion_unet/${f.name}`, f.data]));
    const externalData = await externalDataOption(
      files.map((f) => ({ packPath: `motion_unet/${f.name}`, location: f.name })),
      (packPath) => byPath.get(packPath) as Uint8Array,
    );
    expect(externalData.map((e) => (typeof e === 'string' ? e : e.path))).toEqual(['model.onnx_data', 'model.onnx_data.1']);
    const { x, y } = await run(model, withExternalData({ executionProviders: ['wasm'] }, externalData));
    expect(y).toEqual(expected(x));
    // Without the second file the session cannot be made.
    await expect(
      ort.InferenceSession.create(model, { executionProviders: ['wasm'], externalData: externalData.slice(0, 1) }),
    ).rejects.toThrow();
  });
});

describe('resolveExternalData', () => {
  it('prefers the graph, then the manifest, then known names', () => {
    const listing = ['unet/model.onnx', 'unet/weights.pb', 'unet/custom.bin'];
    expect(resolveExternalData('unet/model.onnx', listing, { referenced: ['custom.bin'] })).toEqual([
      { packPath: 'unet/custom.bin', location: 'custom.bin' },
    ]);
    expect(resolveExternalData('unet/model.onnx', listing, { declared: ['unet/custom.bin'] })).toEqual([
      { packPath: 'unet/custom.bin', location: 'custom.bin' },
    ]);
    expect(resolveExternalData('unet/model.onnx', listing)).toEqual([{ packPath: 'unet/weights.pb', location: 'weights.pb' }]);
  });

  it('accepts "./name" locations and <graph>.onnx_data for graphs not called model.onnx', () => {
    expect(resolveExternalData('unet/model.onnx', ['unet/weights.pb'], { referenced: ['./weights.pb'] })).toEqual([
      { packPath: 'unet/weights.pb', location: 'weights.pb' },
    ]);
    expect(resolveExternalData('unet/unet_fp16.onnx', ['unet/unet_fp16.onnx', 'unet/unet_fp16.onnx_data'])).toEqual([
      { packPath: 'unet/unet_fp16.onnx_data', location: 'unet_fp16.onnx_data' },
    ]);
    expect(resolveExternalData('motion_unet/model.onnx', ['motion_unet/model.onnx', 'motion_unet/model.onnx.data'])).toEqual([
      { packPath: 'motion_unet/model.onnx.data', location: 'model.onnx.data' },
    ]);
  });

  it('says which file is missing, ambiguous or outside the folder', () => {
    expect(() => resolveExternalData('unet/model.onnx', ['unet/model.onnx'], { referenced: ['weights.pb'] })).toThrow(
      /unet\/model\.onnx stores its weights in "weights\.pb", but unet\/weights\.pb is not in the pack/,
    );
    expect(() => resolveExternalData('unet/model.onnx', ['unet/model.onnx'], { referenced: ['../weights.pb'] })).toThrow(
      /outside its folder/,
    );
    expect(() => resolveExternalData('unet/model.onnx', ['unet/x.bin'], { declared: ['motion_unet/x.bin'] })).toThrow(
      /not in the same folder/,
    );
    expect(() => resolveExternalData('unet/model.onnx', [], { declared: ['unet/x.bin'] })).toThrow(/unet\/x\.bin .* is missing/);
    const both = () => resolveExternalData('unet/model.onnx', ['unet/weights.pb', 'unet/model.onnx_data']);
    expect(both).toThrow(ExternalDataError);
    expect(both).toThrow(/several external-data files for model\.onnx \(model\.onnx_data, weights\.pb\)/);
  });
});

describe('externalDataLocations', () => {
  it('finds external tensors in Constant nodes too, and none in a graph with embedded weights', async () => {
    const { model, data } = externalModel('weights.pb', { inConstant: true });
    expect(externalDataLocations(model)).toEqual(['weights.pb']);
    expect((await run(model, { executionProviders: ['wasm'], externalData: [{ path: 'weights.pb', data }] })).y).toEqual(
      expected([1, 2, 3, 4]),
    );
    expect(externalDataLocations(embeddedModel())).toEqual([]);
  });

  it('refuses bytes that are not an ONNX model', () => {
    expect(() => externalDataLocations(new TextEncoder().encode('{"not": "onnx"}'), 'unet/model.onnx')).toThrow(OnnxFormatError);
    const { model } = externalModel('weights.pb');
    expect(() => externalDataLocations(model.subarray(0, model.length - 7), 'unet/model.onnx')).toThrow(
      /unet\/model\.onnx is not a valid ONNX file/,
    );
    expect(() => externalDataLocations(new Uint8Array([0x08, 0x08]))).toThrow(/has no graph/);
  });
});

describe('describeSd15Folder', () => {
  it('needs unet/model.onnx and says how to pick the folder', () => {
    expect(() => describeSd15Folder(['text_encoder/model.onnx'], 'picked folder')).toThrow(Sd15FolderError);
    expect(() => describeSd15Folder(['sd15/unet/model.onnx'], 'picked folder')).toThrow(/include a parent folder/);
    expect(() => describeSd15Folder(['unet/model.onnx', '../etc/passwd'])).toThrow(/must not contain "\.\."/);
  });

  it('turns an ambiguous external-data folder into a Sd15FolderError', () => {
    expect(() => describeSd15Folder(['unet/model.onnx', 'unet/weights.pb', 'unet/model.onnx_data'], 'sd15')).toThrow(
      /^sd15: unet has several external-data files/,
    );
  });
});
