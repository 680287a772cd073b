/**
 * "A model whose signature cannot fit gets an error naming the input, its shape and the expected one."
 * Each case is a real, loadable graph whose metadata the wrappers must refuse with a ModelSignatureError
 * (before running it), or a static shape they must adapt to.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { Tensor } from '../../src/core/tensor/tensor.js';
import { ModelSignatureError } from '../../src/runtime/errors.js';
import { OnnxTextEncoder } from '../../src/runtime/onnx-text-encoder.js';
import { OnnxUnet } from '../../src/runtime/onnx-unet.js';
import { OnnxVaeDecoder } from '../../src/runtime/onnx-vae-decoder.js';
import { maxRelativeError } from '../helpers/fixtures.js';
import {
  ELEM,
  fixtureModel,
  GraphSurgery,
  idmExtraInput,
  idmStaticBatch,
  idmTextWidth,
  idmTimestepRank2,
  textEncoderIds,
  vaeStaticBatch,
} from './graph-surgery.js';
import { countRuns, openSession, ortModule as ort, randn, releaseAll } from './ort-session.js';

afterAll(releaseAll);

function refused(fn: () => unknown): ModelSignatureError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ModelSignatureError);
    return error as ModelSignatureError;
  }
  throw new Error('expected a ModelSignatureError, nothing was thrown');
}

async function refusedAsync(promise: Promise<unknown>): Promise<ModelSignatureError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(ModelSignatureError);
    return error as ModelSignatureError;
  }
  throw new Error('expected a ModelSignatureError, nothing was thrown');
}

function expectMentions(error: ModelSignatureError, part: string, input: string, ...fragments: string[]): void {
  expect(error.part).toBe(part);
  expect(error.input).toBe(input);
  expect(error.message).toContain(`"${input}"`);
  for (const f of fragments) expect(error.message).toContain(f);
}

describe('UNet signatures that cannot fit', () => {
  it('the VDM file in the image slot (rank-5 sample)', async () => {
    const session = await openSession(fixtureModel('motion_unet'));
    const error = refused(() => new OnnxUnet(ort, session, 'image', 'unet'));
    expectMentions(error, 'unet', 'sample', '[batch, 4, frames, height, width]', '[batch, 4, height, width]');
  });

  it('an image UNet in the video slot (rank-4 sample)', async () => {
    const session = await openSession(fixtureModel('unet'));
    const error = refused(() => new OnnxUnet(ort, session, 'video', 'motion_unet'));
    expectMentions(error, 'motion_unet', 'sample', '[batch, 4, height, width]', '[batch, 4, frames, height, width]');
  });

  it('a float32 timestep of rank 2', async () => {
    const session = await openSession(idmTimestepRank2().bytes());
    expect(session.inputMetadata.find((m) => m.name === 'timestep')).toMatchObject({ type: 'float32', shape: ['batch', 1] });
    const error = refused(() => new OnnxUnet(ort, session, 'image', 'unet'));
    expectMentions(error, 'unet', 'timestep', '[batch, 1]', 'a scalar [], [1] or [batch]');
  });

  it('an extra, unknown input', async () => {
    const session = await openSession(idmExtraInput().bytes());
    expect(session.inputNames).toContain('added_cond_kwargs');
    const error = refused(() => new OnnxUnet(ort, session, 'image', 'unet'));
    expectMentions(error, 'unet', 'added_cond_kwargs', '[batch, 8]', 'sample, timestep and encoder_hidden_states');
  });

  it('a static text width (64) that differs from the embeddings (32): refused naming the axis; width 64 runs', async () => {
    const session = await openSession(idmTextWidth(64).bytes());
    const unet = new OnnxUnet(ort, session, 'image', 'unet');
    const runs = countRuns(session);
    const sample = randn([2, 4, 8, 8], 11);
    const text = randn([2, 77, 32], 12);
    const error = await refusedAsync(unet.predictNoise(sample, 500, text));
    expectMentions(error, 'unet', 'encoder_hidden_states', '[batch, 77, 64]');
    expect(error.message).toMatch(/axis 2 \(text embedding width\) must be 32/);
    expect(runs.count).toBe(0);

    // The graph itself is fine: fed 64 wide (the first 32 used), it gives the original model's numbers.
    const wide = new Float32Array(2 * 77 * 64);
    for (let r = 0; r < 2 * 77; r++) wide.set(text.data.subarray(r * 32, (r + 1) * 32), r * 64);
    const original = new OnnxUnet(ort, await openSession(fixtureModel('unet')), 'image', 'unet');
    const expected = await original.predictNoise(sample, 500, text);
    const actual = await unet.predictNoise(sample, 500, { data: wide, shape: [2, 77, 64] });
    expect(maxRelativeError(actual.data, expected.data)).toBeLessThanOrEqual(1e-6);
  });

  it('a static batch of 2 fed 4 samples runs in two chunks; a static batch of 3 fed 4 samples is refused', async () => {
    const sample = randn([4, 4, 8, 8], 13);
    const text = randn([4, 77, 32], 14);
    const original = new OnnxUnet(ort, await openSession(fixtureModel('unet')), 'image', 'unet');
    const expected = await original.predictNoise(sample, 250, text);

    const two = await openSession(idmStaticBatch(2).bytes());
    expect(two.inputMetadata[0]).toMatchObject({ name: 'sample', shape: [2, 4, 'height', 'width'] });
    const runsOfTwo = countRuns(two);
    const chunked = await new OnnxUnet(ort, two, 'image', 'unet').predictNoise(sample, 250, text);
    expect(runsOfTwo.count).toBe(2);
    expect(chunked.shape).toEqual([4, 4, 8, 8]);
    expect(maxRelativeError(chunked.data, expected.data)).toBeLessThanOrEqual(1e-6);

    const three = await openSession(idmStaticBatch(3).bytes());
    const runsOfThree = countRuns(three);
    const error = await refusedAsync(new OnnxUnet(ort, three, 'image', 'unet').predictNoise(sample, 250, text));
    expectMentions(error, 'unet', 'sample', '[3, 4, height, width]', 'fixed batch of 3', '4 samples');
    expect(runsOfThree.count).toBe(0);
  });
});

describe('text encoder signatures', () => {
  const ids = [[998, ...new Array<number>(76).fill(999)]];

  it('float32 input_ids are refused, naming the input, its dtype and shape, and the expected ones', async () => {
    const session = await openSession(textEncoderIds(ELEM.float32).bytes());
    expect(session.inputMetadata[0]).toMatchObject({ name: 'input_ids', type: 'float32', shape: ['batch', 77] });
    const error = refused(() => new OnnxTextEncoder(ort, session));
    expectMentions(error, 'text_encoder', 'input_ids', 'float32', 'int32 or int64');
    // The requirement: the input's shape and the expected one are in the message too.
    expect(error.message).toContain('[batch, 77]');
  });

  it('a static batch of 1 still encodes [uncond; cond], or is refused with a ModelSignatureError', async () => {
    const rows = [ids[0] as number[], [998, 5, 6, 7, ...new Array<number>(73).fill(999)]];
    const expected = await new OnnxTextEncoder(ort, await openSession(fixtureModel('text_encoder'))).encode(rows);
    const session = await openSession(new GraphSurgery('text_encoder').setInputDims('input_ids', [1, 77]).bytes());
    const encoder = new OnnxTextEncoder(ort, session);
    let actual: Tensor | undefined;
    try {
      actual = await encoder.encode(rows);
    } catch (error) {
      // Refusing is acceptable; a raw onnxruntime error is not.
      expect(error).toBeInstanceOf(ModelSignatureError);
      expectMentions(error as ModelSignatureError, 'text_encoder', 'input_ids', '[1, 77]');
    }
    if (actual) expect(maxRelativeError(actual.data, expected.data)).toBeLessThanOrEqual(1e-6);
  });
});

describe('VAE decoder signatures', () => {
  it('a static batch of 2 decodes 4 frames in two runs; a static batch of 3 with 4 frames is refused clearly', async () => {
    const latents = randn([4, 4, 8, 8], 15);
    const expected = await new OnnxVaeDecoder(ort, await openSession(fixtureModel('vae_decoder'))).decode(latents, 4);

    const two = await openSession(vaeStaticBatch(2).bytes());
    const runsOfTwo = countRuns(two);
    const decoded = await new OnnxVaeDecoder(ort, two).decode(latents);
    expect(runsOfTwo.count).toBe(2);
    expect(maxRelativeError(decoded.data, expected.data)).toBeLessThanOrEqual(1e-6);

    const three = await openSession(vaeStaticBatch(3).bytes());
    const error = await refusedAsync(new OnnxVaeDecoder(ort, three).decode(latents));
    expectMentions(error, 'vae_decoder', 'latent_sample', '[3, 4, height, width]');
  });
});
