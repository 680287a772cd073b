/**
 * End to end: the parity case v1-ivmix-default (50 IV-mixed steps) through generateVideo with every part
 * swapped for a wrapped variant of another signature must still give the official latents.
 */
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { dirPackReader } from '../../src/cli/models-dir.js';
import { readParityCase } from '../../src/cli/parity-case.js';
import { generateVideo } from '../../src/pipeline/text-to-video.js';
import { createModelSet } from '../../src/runtime/model-set.js';
import { readPack } from '../../src/runtime/pack-reader.js';
import { caseDir, frameDifference, maxRelativeError, PARITY_MODELS, readF32, readU8 } from '../helpers/fixtures.js';
import { ELEM, idmTimestepFloat, textEncoderIds, vaeFloat16, vdmTextPerFrame, vdmTimestepInt64Scalar } from './graph-surgery.js';
import { ortModule as ort } from './ort-session.js';

it('v1-ivmix-default with int32 ids, float [batch] IDM timestep, int64-scalar per-frame-text VDM and fp16 VAE', async () => {
  const dir = caseDir('v1-ivmix-default');
  const { schedulers } = await readPack(dirPackReader(PARITY_MODELS));
  const { request } = readParityCase(join(dir, 'case.json'));
  const models = await createModelSet(ort, {
    textEncoder: textEncoderIds(ELEM.int32).bytes(),
    imageUnet: idmTimestepFloat('batch').bytes(),
    videoUnet: vdmTextPerFrame(vdmTimestepInt64Scalar()).bytes(),
    vaeDecoder: vaeFloat16().bytes(),
  });
  try {
    expect(models.textEncoder.signature.idsType).toBe('int32');
    expect(models.image?.signature.timestepFeed).toEqual({ type: 'float32', form: 'batch' });
    expect(models.video.signature.timestepFeed).toEqual({ type: 'int64', form: 'scalar' });
    expect(models.video.signature.text.shape).toEqual(['batch_frames', 77, 32]);
    expect(models.video.signature.textPerFrame).toBe('unknown');
    expect(models.vae.signature.dtype).toBe('float16');

    const result = await generateVideo(models, schedulers, request);
    expect(result.plan.modelCalls).toEqual({ video: 150, image: 100 });
    expect(models.video.signature.textPerFrame).toBe(true);
    expect(result.latents.shape).toEqual([1, 4, 8, 8, 8]);
    expect(maxRelativeError(result.latents.data, readF32(join(dir, 'final_latents.f32')))).toBeLessThanOrEqual(1e-4);
    expect(maxRelativeError(result.latents.data, readF32(join(dir, 'final_latents_official_ort.f32')))).toBeLessThanOrEqual(1e-5);
    // The fp16 VAE rounds its input and output to half precision: frames stay within 1 LSB, about 1% of values off.
    expect(result.frameShape).toEqual({ count: 8, height: 64, width: 64 });
    const frames = frameDifference(result.frames, readU8(join(dir, 'frames.u8')));
    expect(frames.maxLsb).toBeLessThanOrEqual(1);
    expect(frames.fractionOff).toBeLessThanOrEqual(0.03); // 1.0% measured
  } finally {
    await models.release();
  }
});
