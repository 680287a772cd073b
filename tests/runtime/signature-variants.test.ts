/**
 * "Real exports differ, and all these must work": each variant below wraps a fixture model so that it
 * computes the same function behind another signature. The wrappers must read the variant's metadata,
 * feed it what it takes, and give the original model's numbers.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readParityCase } from '../../src/cli/parity-case.js';
import type { Tensor } from '../../src/core/tensor/tensor.js';
import { float32ToHalf, halfToFloat32 } from '../../src/runtime/half.js';
import { OnnxTextEncoder } from '../../src/runtime/onnx-text-encoder.js';
import { OnnxUnet } from '../../src/runtime/onnx-unet.js';
import { OnnxVaeDecoder } from '../../src/runtime/onnx-vae-decoder.js';
import { caseDir, maxRelativeError } from '../helpers/fixtures.js';
import {
  ELEM,
  fixtureModel,
  idmFloat16,
  idmTimestepFloat,
  idmTimestepInt32Batch,
  textEncoderIds,
  vaeFloat16,
  vdmTextPerFrame,
  vdmTimestepFloatBatch,
  vdmTimestepInt64Scalar,
} from './graph-surgery.js';
import { openSession, ortModule as ort, randn, releaseAll } from './ort-session.js';

const T = 979;
afterAll(releaseAll);

/** What an fp16-I/O wrap of a float32 graph computes: the float32 output rounded to fp16. */
function roundHalf(data: Float32Array): Float32Array {
  return halfToFloat32(float32ToHalf(data));
}

/** At most one fp16 ulp apart (ORT's float->half cast and ours may round a tie differently). */
function expectWithinHalfUlp(actual: Float32Array, expected: Float32Array): void {
  expect(actual.length).toBe(expected.length);
  let worstUlps = 0;
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i] as number;
    const ulp = Math.max(2 ** -24, 2 ** (Math.floor(Math.log2(Math.abs(e) || 1)) - 10));
    worstUlps = Math.max(worstUlps, Math.abs((actual[i] as number) - e) / ulp);
  }
  expect(worstUlps).toBeLessThanOrEqual(1);
}

function expectClose(actual: Tensor, expected: Tensor, tolerance = 1e-6): void {
  expect(actual.shape).toEqual(expected.shape);
  expect(maxRelativeError(actual.data, expected.data)).toBeLessThanOrEqual(tolerance);
}

describe('image UNet (IDM) timestep variants', () => {
  const sample = randn([2, 4, 8, 8], 1);
  const text = randn([2, 77, 32], 2);
  let reference: Tensor;

  beforeAll(async () => {
    const original = new OnnxUnet(ort, await openSession(fixtureModel('unet')), 'image', 'unet');
    expect(original.signature.timestepFeed).toEqual({ type: 'int64', form: 'scalar' });
    expect(original.signature.textPerFrame).toBe(true);
    reference = await original.predictNoise(sample, T, text);
  });

  it.each([
    ['float32 [batch]', () => idmTimestepFloat('batch').bytes(), { type: 'float32', form: 'batch' }],
    ['float32 [1]', () => idmTimestepFloat('one').bytes(), { type: 'float32', form: 'one' }],
    ['int32 [batch]', () => idmTimestepInt32Batch().bytes(), { type: 'int32', form: 'batch' }],
  ] as const)('timestep %s: resolved from the metadata, same output as the int64-scalar original', async (_, make, feed) => {
    const unet = new OnnxUnet(ort, await openSession(make()), 'image', 'unet');
    expect(unet.signature.timestepFeed).toEqual(feed);
    expect(unet.signature.timestep.shape).toEqual(feed.form === 'batch' ? ['batch'] : [1]);
    expect(unet.signature.dtype).toBe('float32');
    expect(unet.signature.textPerFrame).toBe(true);
    expectClose(await unet.predictNoise(sample, T, text), reference);
    // A different timestep changes the output: the wrapper really feeds it.
    const other = await unet.predictNoise(sample, 10, text);
    expect(maxRelativeError(other.data, reference.data)).toBeGreaterThan(1e-3);
  });

  it('float16 sample, timestep [batch], text and output: converted both ways, same output within fp16 rounding', async () => {
    const unet = new OnnxUnet(ort, await openSession(idmFloat16().bytes()), 'image', 'unet');
    expect(unet.signature.dtype).toBe('float16');
    expect(unet.signature.timestepFeed).toEqual({ type: 'float16', form: 'batch' });
    expect(unet.signature.text.type).toBe('float16');
    const actual = await unet.predictNoise(sample, T, text);
    expect(actual.shape).toEqual([2, 4, 8, 8]);
    const original = new OnnxUnet(ort, await openSession(fixtureModel('unet')), 'image', 'unet');
    const exact = await original.predictNoise({ data: roundHalf(sample.data), shape: sample.shape }, T, {
      data: roundHalf(text.data),
      shape: text.shape,
    });
    expectWithinHalfUlp(actual.data, roundHalf(exact.data));
    expect(maxRelativeError(actual.data, reference.data)).toBeLessThan(1e-2);
  });
});

describe('video UNet (VDM) timestep and text layout variants', () => {
  const sample = randn([2, 4, 8, 8, 8], 3);
  const text = randn([2, 77, 32], 4);
  let reference: Tensor;

  beforeAll(async () => {
    const original = new OnnxUnet(ort, await openSession(fixtureModel('motion_unet')), 'video', 'motion_unet');
    expect(original.signature.timestepFeed).toEqual({ type: 'float32', form: 'one' });
    expect(original.signature.textPerFrame).toBe(false);
    reference = await original.predictNoise(sample, T, text);
  });

  it.each([
    ['int64 scalar', () => vdmTimestepInt64Scalar().bytes(), { type: 'int64', form: 'scalar' }],
    ['float32 [batch]', () => vdmTimestepFloatBatch().bytes(), { type: 'float32', form: 'batch' }],
  ] as const)('timestep %s: resolved from the metadata, same output as the float32-[1] original', async (_, make, feed) => {
    const vdm = new OnnxUnet(ort, await openSession(make()), 'video', 'motion_unet');
    expect(vdm.signature.timestepFeed).toEqual(feed);
    expect(vdm.signature.textPerFrame).toBe(false); // text batch has the sample's symbol: per video
    expectClose(await vdm.predictNoise(sample, T, text), reference);
  });

  it('text per frame [batch_frames, 77, 32]: unknown from the metadata, found by running, same output', async () => {
    const session = await openSession(vdmTextPerFrame().bytes());
    const vdm = new OnnxUnet(ort, session, 'video', 'motion_unet');
    expect(vdm.signature.text.shape).toEqual(['batch_frames', 77, 32]);
    expect(vdm.signature.textPerFrame).toBe('unknown');
    expectClose(await vdm.predictNoise(sample, T, text), reference);
    expect(vdm.signature.textPerFrame).toBe(true);
    // Resolved once: the next call goes straight to the per-frame layout.
    expectClose(await vdm.predictNoise(sample, T, text), reference);
  });

  it('text per frame stated by the caller (manifest): used without probing; per-video feeding fails', async () => {
    const bytes = vdmTextPerFrame().bytes();
    const perFrame = new OnnxUnet(ort, await openSession(bytes), 'video', 'motion_unet', true);
    expect(perFrame.signature.textPerFrame).toBe(true);
    expectClose(await perFrame.predictNoise(sample, T, text), reference);

    // The graph really needs per-frame rows: told "per video", it gets ⌈B/F⌉ rows and fails.
    const perVideo = new OnnxUnet(ort, await openSession(bytes), 'video', 'motion_unet', false);
    await expect(perVideo.predictNoise(sample, T, text)).rejects.toThrow();
  });

  it('text per frame: a batch-1 call (where both layouts run) does not lock in the wrong layout for batch 2', async () => {
    // With one video, ⌈1/F⌉ = 1 row: per-video feeding runs (and is right). The layout is still unknown after
    // it; a later batch of 2 (classifier-free guidance batched) must still work.
    const vdm = new OnnxUnet(ort, await openSession(vdmTextPerFrame().bytes()), 'video', 'motion_unet');
    const one = await vdm.predictNoise({ data: sample.data.subarray(0, sample.data.length / 2), shape: [1, 4, 8, 8, 8] }, T, {
      data: text.data.subarray(0, text.data.length / 2),
      shape: [1, 77, 32],
    });
    expect(maxRelativeError(one.data, reference.data.subarray(0, reference.data.length / 2))).toBeLessThanOrEqual(1e-6);
    expectClose(await vdm.predictNoise(sample, T, text), reference);
  });
});

describe('text encoder input_ids variants', () => {
  const { request } = readParityCase(join(caseDir('v1-ivmix-default'), 'case.json'));
  const rows = [request.tokenIds.uncond, request.tokenIds.cond];

  it('int32 input_ids: idsType int32, same embeddings as the int64 original', async () => {
    const original = new OnnxTextEncoder(ort, await openSession(fixtureModel('text_encoder')));
    expect(original.signature.idsType).toBe('int64');
    const int32 = new OnnxTextEncoder(ort, await openSession(textEncoderIds(ELEM.int32).bytes()));
    expect(int32.signature.idsType).toBe('int32');
    expect(int32.signature.length).toBe(77);
    expect(int32.signature.output).toBe('last_hidden_state');
    const expected = await original.encode(rows);
    expect(expected.shape).toEqual([2, 77, 32]);
    const actual = await int32.encode(rows);
    expectClose(actual, expected);
    // The two prompts differ, so the rows really come from the ids.
    expect(maxRelativeError(actual.data.subarray(0, 77 * 32), actual.data.subarray(77 * 32))).toBeGreaterThan(1e-3);
  });
});

describe('VAE decoder float16 I/O', () => {
  it('float16 latent_sample and output: converted both ways, same frames as the float32 original within fp16 rounding', async () => {
    const latents = randn([2, 4, 8, 8], 5);
    const original = new OnnxVaeDecoder(ort, await openSession(fixtureModel('vae_decoder')));
    const half = new OnnxVaeDecoder(ort, await openSession(vaeFloat16().bytes()));
    expect(half.signature.dtype).toBe('float16');
    expect(original.signature.dtype).toBe('float32');

    const actual = await half.decode(latents, 2);
    expect(actual.shape).toEqual([2, 3, 64, 64]);
    expect(actual.data).toBeInstanceOf(Float32Array);
    // What the fp16 graph computes: the float32 graph on fp16-rounded latents, its output rounded to fp16.
    const exact = await original.decode({ data: roundHalf(latents.data), shape: latents.shape }, 2);
    expectWithinHalfUlp(actual.data, roundHalf(exact.data));
    expect(maxRelativeError(actual.data, exact.data)).toBeLessThan(1e-3);
  });
});
