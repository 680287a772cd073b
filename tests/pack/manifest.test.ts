/**
 * parsePackManifest: a valid manifest parses into a normalized copy; every class of malformed manifest
 * is refused with a ManifestError whose `field` and message name the offending field path.
 */
import { describe, expect, it } from 'vitest';
import {
  ManifestError,
  manifestFile,
  manifestTotalBytes,
  PACK_FORMAT,
  type PackManifest,
  packPathProblem,
  parsePackManifest,
} from '../../src/runtime/pack/manifest.js';

const HASH = 'ab'.repeat(32);

/** A manifest as free JSON: the tests break it in every way a hand edit could. */
// biome-ignore lint/suspicious/noExplicitAny: the malformed cases assign anything anywhere.
type Json = Record<string, any>;

/** A complete, valid manifest in the shape a pack author writes (SD1.5 IDM with weights.pb, AnimateDiff VDM). */
function validManifest(): Json {
  const file = (path: string, size = 1000) => ({ path, size, sha256: HASH });
  return {
    format: PACK_FORMAT,
    id: 'sd15-animatediff-v3',
    name: 'SD1.5 + AnimateDiff v3',
    description: 'Stable Diffusion 1.5 as the IDM and AnimateDiff v3 as the VDM.',
    license: 'CreativeML-OpenRAIL-M',
    files: [
      file('text_encoder/model.onnx'),
      file('tokenizer/tokenizer.json'),
      file('tokenizer/tokenizer_config.json'),
      file('tokenizer/special_tokens_map.json'),
      file('unet/model.onnx'),
      file('unet/weights.pb', 1_719_000_000),
      file('motion_unet/model.onnx'),
      file('motion_unet/model.onnx_data', 2_600_000_000),
      file('vae_decoder/model.onnx'),
      file('scheduler/scheduler_config.json'),
    ],
    components: {
      textEncoder: { model: 'text_encoder/model.onnx' },
      tokenizer: {
        json: 'tokenizer/tokenizer.json',
        config: 'tokenizer/tokenizer_config.json',
        specialTokensMap: 'tokenizer/special_tokens_map.json',
      },
      imageUnet: { model: 'unet/model.onnx', externalData: ['unet/weights.pb'] },
      videoUnet: { model: 'motion_unet/model.onnx', externalData: ['motion_unet/model.onnx_data'] },
      vaeDecoder: { model: 'vae_decoder/model.onnx' },
      scheduler: { config: 'scheduler/scheduler_config.json' },
    },
    latentChannels: 4,
    vaeScalingFactor: 0.18215,
    nativeResolution: { width: 512, height: 512 },
    frames: { default: 16, max: 32 },
    textEmbeddingWidth: 768,
    precision: 'fp16',
    videoTextEmbeddings: 'per-video',
    tokenizer: { maxLength: 77, bos: 49406, eos: 49407, pad: 49407 },
    preview: {
      latentToRgb: [
        [0.298, 0.187, -0.158, -0.184],
        [0.207, 0.286, 0.189, -0.271],
        [0.208, 0.173, 0.264, -0.473],
      ],
      bias: [0, 0, 0],
    },
    defaults: { steps: 50, guidanceScale: 7.5, sampler: 'iv-iv' },
    suggestedPrompts: ['a corgi running on the beach, golden hour'],
  };
}

type Edit = (m: Json) => void;

function refusal(edit: Edit): ManifestError {
  const m = validManifest();
  edit(m);
  try {
    parsePackManifest(m, 'packs/sd15/manifest.json');
  } catch (error) {
    expect(error).toBeInstanceOf(ManifestError);
    return error as ManifestError;
  }
  throw new Error('expected a ManifestError');
}

describe('a valid manifest', () => {
  it('parses into an equal, normalized copy', () => {
    const raw = validManifest();
    const m: PackManifest = parsePackManifest(raw);
    expect(m).toEqual({
      ...raw,
      components: {
        ...raw.components,
        textEncoder: { model: 'text_encoder/model.onnx', externalData: [] },
        vaeDecoder: { model: 'vae_decoder/model.onnx', externalData: [] },
      },
    });
    expect(m).not.toBe(raw);
    expect(manifestFile(m, 'unet/weights.pb')?.size).toBe(1_719_000_000);
    expect(manifestTotalBytes(m)).toBe(1_719_000_000 + 2_600_000_000 + 8 * 1000);
  });

  it('accepts a VDM-only pack, an IDM borrowed from another folder, and "x-" tool fields', () => {
    const vdmOnly = validManifest();
    delete vdmOnly.components.imageUnet;
    expect(parsePackManifest(vdmOnly).components.imageUnet).toBeUndefined();

    const borrowed = validManifest();
    delete borrowed.components.imageUnet;
    borrowed.imageModel = { baseUrl: '../stable-diffusion-1.5-onnx-fp16/' };
    borrowed['x-exporter'] = { tool: 'optimum', version: '1.23' };
    const m = parsePackManifest(borrowed);
    expect(m.imageModel).toEqual({ baseUrl: '../stable-diffusion-1.5-onnx-fp16/' });
    expect(m).not.toHaveProperty('x-exporter');
  });

  it('accepts a borrowed IDM listed with sizes and hashes (imageModel.files), lowercasing them', () => {
    const borrowed = validManifest();
    delete borrowed.components.imageUnet;
    borrowed.imageModel = {
      baseUrl: '../sd15/',
      files: [
        { path: 'unet/model.onnx', size: 900_000, sha256: 'AB'.repeat(32) },
        { path: 'unet/weights.pb', size: 1_719_000_000, sha256: HASH },
      ],
    };
    expect(parsePackManifest(borrowed).imageModel).toEqual({
      baseUrl: '../sd15/',
      files: [
        { path: 'unet/model.onnx', size: 900_000, sha256: HASH },
        { path: 'unet/weights.pb', size: 1_719_000_000, sha256: HASH },
      ],
    });
  });

  it('lowercases sha256 and leaves optional fields out when absent', () => {
    const raw = validManifest();
    raw.files[0].sha256 = 'AB'.repeat(32);
    for (const key of ['license', 'preview', 'defaults', 'suggestedPrompts']) delete raw[key];
    const m = parsePackManifest(raw);
    expect(m.files[0]?.sha256).toBe(HASH);
    expect(Object.keys(m)).not.toContain('license');
    expect(Object.keys(m)).not.toContain('preview');
  });
});

describe('malformed manifests are refused naming the field', () => {
  const cases: [string, Edit, string, RegExp][] = [
    // missing fields
    ['missing top-level field', (m) => delete m.vaeScalingFactor, 'vaeScalingFactor', /vaeScalingFactor is missing/],
    ['missing nested field', (m) => delete m.tokenizer.eos, 'tokenizer.eos', /tokenizer\.eos is missing/],
    ['missing component', (m) => delete m.components.videoUnet, 'components.videoUnet', /components\.videoUnet is missing/],
    ['missing file field', (m) => delete m.files[2].size, 'files[2].size', /files\[2\]\.size is missing/],
    // wrong types
    [
      'string for a number',
      (m) => (m.latentChannels = '4'),
      'latentChannels',
      /latentChannels must be a finite number \(got the string "4"; write numbers without quotes\)/,
    ],
    ['fractional count', (m) => (m.frames.default = 16.5), 'frames.default', /frames\.default must be a whole number/],
    ['object for a string', (m) => (m.name = { en: 'x' }), 'name', /name must be a string \(got an object\)/],
    ['files not an array', (m) => (m.files = {}), 'files', /files must be an array/],
    ['negative size', (m) => (m.files[1].size = -1), 'files[1].size', /files\[1\]\.size must be a whole number ≥ 0/],
    // hashes and paths
    ['short sha256', (m) => (m.files[3].sha256 = 'abc123'), 'files[3].sha256', /files\[3\]\.sha256 must be 64 hex characters/],
    ['non-hex sha256', (m) => (m.files[3].sha256 = 'z'.repeat(64)), 'files[3].sha256', /64 hex characters/],
    [
      'duplicate path',
      (m) => m.files.push({ ...m.files[4] }),
      'files[10].path',
      /"unet\/model\.onnx" is listed twice \(also files\[4\]\)/,
    ],
    [
      'duplicate path differing in case',
      (m) => m.files.push({ ...m.files[4], path: 'UNet/model.onnx' }),
      'files[10].path',
      /listed twice/,
    ],
    ['path traversal', (m) => (m.files[0].path = 'text_encoder/../../etc/passwd'), 'files[0].path', /must not contain "\.\."/],
    ['absolute path', (m) => (m.files[0].path = '/text_encoder/model.onnx'), 'files[0].path', /no leading "\/"/],
    ['backslashes', (m) => (m.files[0].path = 'text_encoder\\model.onnx'), 'files[0].path', /forward slashes/],
    [
      'component file not listed',
      (m) => (m.components.vaeDecoder.model = 'vae/model.onnx'),
      'components.vaeDecoder.model',
      /"vae\/model\.onnx" is not among files\[\]/,
    ],
    [
      'external data in another folder',
      (m) => (m.components.imageUnet.externalData = ['motion_unet/model.onnx_data']),
      'components.imageUnet.externalData[0]',
      /same folder as unet\/model\.onnx/,
    ],
    [
      'one graph in two slots',
      (m) => (m.components.imageUnet = { model: 'motion_unet/model.onnx' }),
      'components.videoUnet',
      /which components\.imageUnet uses too/,
    ],
    // enums and ranges
    ['unknown precision', (m) => (m.precision = 'int8'), 'precision', /precision must be one of "fp32", "fp16" \(got "int8"\)/],
    ['unknown text layout', (m) => (m.videoTextEmbeddings = 'per-batch'), 'videoTextEmbeddings', /"per-video", "per-frame"/],
    [
      'frames.max < frames.default',
      (m) => (m.frames.max = 8),
      'frames.max',
      /frames\.max \(8\) must be at least frames\.default \(16\)/,
    ],
    ['resolution not a multiple of 8', (m) => (m.nativeResolution.width = 500), 'nativeResolution.width', /multiple of 8/],
    ['non-positive scaling', (m) => (m.vaeScalingFactor = 0), 'vaeScalingFactor', /must be positive/],
    ['maxLength without room for BOS/EOS', (m) => (m.tokenizer.maxLength = 1), 'tokenizer.maxLength', /from 2 to 4096/],
    ['bad id', (m) => (m.id = 'My Pack!'), 'id', /lowercase letters, digits/],
    [
      'preview with wrong width',
      (m) => m.preview.latentToRgb[1].pop(),
      'preview.latentToRgb[1]',
      /latentChannels = 4 numbers, got 3/,
    ],
    ['unknown sampler', (m) => (m.defaults.sampler = 'euler'), 'defaults.sampler', /"euler" is not a sampler/],
    // structure
    ['typo in an optional field', (m) => (m.licence = 'MIT'), 'licence', /licence is not a field of an ivmix-pack\/1 manifest/],
    ['typo in a nested field', (m) => (m.frames.maximum = 32), 'frames.maximum', /is not a field/],
    [
      'both imageUnet and imageModel',
      (m) => (m.imageModel = { baseUrl: '/models/sd15/' }),
      'imageModel',
      /together with components\.imageUnet/,
    ],
    [
      'third-party IDM host',
      (m) => {
        delete m.components.imageUnet;
        m.imageModel = { baseUrl: 'https://example.com/sd15/' };
      },
      'imageModel.baseUrl',
      /app's own server/,
    ],
    [
      'borrowed files without the IDM graph',
      (m) => {
        delete m.components.imageUnet;
        m.imageModel = { baseUrl: '../sd15/', files: [{ path: 'unet/weights.pb', size: 10, sha256: HASH }] };
      },
      'imageModel.files',
      /must list unet\/model\.onnx/,
    ],
    [
      'a borrowed file with a bad hash',
      (m) => {
        delete m.components.imageUnet;
        m.imageModel = { baseUrl: '../sd15/', files: [{ path: 'unet/model.onnx', size: 10, sha256: 'abc' }] };
      },
      'imageModel.files[0].sha256',
      /must be 64 hex characters/,
    ],
    [
      'a borrowed file escaping the folder',
      (m) => {
        delete m.components.imageUnet;
        m.imageModel = { baseUrl: '../sd15/', files: [{ path: '../unet/model.onnx', size: 10, sha256: HASH }] };
      },
      'imageModel.files[0].path',
      /must not contain "\.\."/,
    ],
    [
      'a borrowed file listed twice',
      (m) => {
        delete m.components.imageUnet;
        const f = { path: 'unet/model.onnx', size: 10, sha256: HASH };
        m.imageModel = { baseUrl: '../sd15/', files: [f, { ...f, path: 'UNET/model.onnx' }] };
      },
      'imageModel.files[1].path',
      /listed twice \(also imageModel\.files\[0\]\)/,
    ],
    [
      'a typo in a borrowed file',
      (m) => {
        delete m.components.imageUnet;
        m.imageModel = { baseUrl: '../sd15/', files: [{ path: 'unet/model.onnx', size: 10, sha: HASH }] };
      },
      'imageModel.files[0].sha',
      /is not a field/,
    ],
    [
      'a pack file where the store keeps the borrowed IDM',
      (m) => {
        delete m.components.imageUnet;
        m.imageModel = { baseUrl: '../sd15/' };
        m.files.push({ path: 'image-model/unet/model.onnx', size: 10, sha256: HASH });
      },
      'files[10].path',
      /where the engine stores the borrowed image model/,
    ],
  ];

  for (const [name, edit, field, message] of cases) {
    it(name, () => {
      const error = refusal(edit);
      expect(error.field).toBe(field);
      expect(error.message).toMatch(message);
      // Every message says where and what to do.
      expect(error.message.startsWith('packs/sd15/manifest.json: ')).toBe(true);
      expect(error.message).toMatch(/\. [A-Z].*[.:]$/);
    });
  }

  it('a manifest of another format or a newer version', () => {
    expect(() => parsePackManifest({ format: 'ivmix-pack/2' })).toThrow(/newer version of the app: update the app/);
    expect(() => parsePackManifest({ _class_name: 'StableDiffusionPipeline' })).toThrow(/format is missing/);
    expect(() => parsePackManifest([])).toThrow(/manifest must be an object \(got an array\)/);
  });
});

describe('packPathProblem', () => {
  it('accepts plain relative paths and refuses escapes', () => {
    expect(packPathProblem('unet/model.onnx')).toBeNull();
    expect(packPathProblem('weights.pb')).toBeNull();
    for (const bad of ['', '../x', 'a/./b', 'a//b', 'a/', '/a', 'C:/a', 'a\\b', 'a/..', 'a\nb']) {
      expect(packPathProblem(bad), bad).not.toBeNull();
    }
  });
});
