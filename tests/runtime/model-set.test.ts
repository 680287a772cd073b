/**
 * createModelSet: every part is opened and its signature resolved; when a later part fails, the sessions
 * already created are released and the error reaches the caller unchanged (a ModelSignatureError naming the part).
 */
import { describe, expect, it } from 'vitest';
import { ModelSignatureError } from '../../src/runtime/errors.js';
import { createModelSet, type ModelBytes } from '../../src/runtime/model-set.js';
import type { OrtModule, OrtSession } from '../../src/runtime/ort.js';
import { fixtureModel } from './graph-surgery.js';
import { ortModule as ort } from './ort-session.js';

/** The real onnxruntime module, with InferenceSession.create recording the sessions and their release. */
function trackingOrt(): { module: OrtModule; created: OrtSession[]; released: Set<OrtSession> } {
  const created: OrtSession[] = [];
  const released = new Set<OrtSession>();
  const create = async (...args: Parameters<OrtModule['InferenceSession']['create']>): Promise<OrtSession> => {
    const session = await (ort.InferenceSession.create as (...a: typeof args) => Promise<OrtSession>)(...args);
    const release = session.release.bind(session);
    session.release = async () => {
      released.add(session);
      await release();
    };
    created.push(session);
    return session;
  };
  const module = { ...ort, InferenceSession: { ...ort.InferenceSession, create } } as unknown as OrtModule;
  return { module, created, released };
}

/**
 * onnxruntime as asked for WebGPU sessions: it records each session's options and refuses those `refuse` answers
 * with an error; the sessions it makes run on WASM here.
 */
function webgpuStandIn(refuse: (options: Record<string, unknown>) => Error | null = () => null) {
  const created: Record<string, unknown>[] = [];
  const create = async (data: Uint8Array, options: Record<string, unknown>): Promise<OrtSession> => {
    created.push(options);
    const refusal = refuse(options);
    if (refusal) throw refusal;
    return (ort.InferenceSession.create as (d: Uint8Array, o: unknown) => Promise<OrtSession>)(data, {
      ...options,
      executionProviders: ['wasm'],
    });
  };
  const module = { ...ort, InferenceSession: { ...ort.InferenceSession, create } } as unknown as OrtModule;
  return { module, created };
}

function fixtureBytes(): ModelBytes {
  return {
    textEncoder: fixtureModel('text_encoder'),
    imageUnet: fixtureModel('unet'),
    videoUnet: fixtureModel('motion_unet'),
    vaeDecoder: fixtureModel('vae_decoder'),
  };
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe('createModelSet', () => {
  it('opens all four parts with their signatures and releases them all', async () => {
    const t = trackingOrt();
    const set = await createModelSet(t.module, fixtureBytes());
    expect(t.created).toHaveLength(4);
    expect(set.textEncoder.signature.idsType).toBe('int64');
    expect(set.image?.signature.timestepFeed).toEqual({ type: 'int64', form: 'scalar' });
    expect(set.video.signature.timestepFeed).toEqual({ type: 'float32', form: 'one' });
    expect(set.video.signature.textPerFrame).toBe(false);
    expect(set.vae.signature.dtype).toBe('float32');
    await set.release();
    expect(t.released.size).toBe(4);
  });

  it('garbage bytes as the VAE decoder: the three sessions already created are released, the error names vae_decoder', async () => {
    const t = trackingOrt();
    const garbage = new Uint8Array(4096).map((_, i) => (i * 7919 + 13) & 0xff);
    const error = await rejection(createModelSet(t.module, { ...fixtureBytes(), vaeDecoder: garbage }));
    expect(error).toBeInstanceOf(ModelSignatureError);
    expect((error as ModelSignatureError).part).toBe('vae_decoder');
    expect((error as ModelSignatureError).message).toMatch(/^vae_decoder: onnxruntime could not load the model/);
    expect(t.created).toHaveLength(3);
    expect(t.released.size).toBe(3);
    for (const s of t.created) expect(t.released.has(s)).toBe(true);
  });

  it('the VDM in the image slot: the signature error is rethrown and the sessions opened so far released', async () => {
    const t = trackingOrt();
    const error = await rejection(createModelSet(t.module, { ...fixtureBytes(), imageUnet: fixtureModel('motion_unet') }));
    expect(error).toBeInstanceOf(ModelSignatureError);
    expect((error as ModelSignatureError).part).toBe('unet');
    expect((error as ModelSignatureError).input).toBe('sample');
    expect((error as Error).message).toContain('[batch, 4, frames, height, width]');
    // text_encoder and the refused unet were opened; video and VAE never were.
    expect(t.created).toHaveLength(2);
    expect(t.released.size).toBe(2);
  });

  it('an image UNet as the video model is refused the same way', async () => {
    const t = trackingOrt();
    const error = await rejection(createModelSet(t.module, { ...fixtureBytes(), videoUnet: fixtureModel('unet') }));
    expect(error).toBeInstanceOf(ModelSignatureError);
    expect((error as ModelSignatureError).part).toBe('motion_unet');
    expect((error as Error).message).toContain('[batch, 4, height, width]');
    expect((error as Error).message).toContain('[batch, 4, frames, height, width]');
    expect(t.created).toHaveLength(3);
    expect(t.released.size).toBe(3);
  });

  it('graph capture asked for and refused by onnxruntime: the plain sessions serve, and each refusal is reported', async () => {
    // onnxruntime as it answers on a GPU whose graphs it cannot capture.
    const { module, created } = webgpuStandIn((options) =>
      options.enableGraphCapture
        ? new Error('all compute graph nodes have not been partitioned to the WebGpuExecutionProvider')
        : null,
    );
    const set = await createModelSet(module, fixtureBytes(), {
      executionProviders: ['webgpu'],
      freeDimensions: { imageUnet: { batch: 2 }, videoUnet: { batch: 2 } },
      graphCapture: true,
    });
    expect(created.filter((options) => options.enableGraphCapture)).toHaveLength(2);
    expect(set.captureRefused.map((r) => r.part).sort()).toEqual(['motion_unet', 'unet']);
    for (const r of set.captureRefused) expect(r.reason).toContain('not been partitioned');
    expect(set.image?.captured).toBeUndefined();
    expect(set.video.captured).toBeUndefined();
    await set.release();
  });

  it('the WebGPU layout and buffer cache reach every session as options of the EP entry', async () => {
    const { module, created } = webgpuStandIn();
    const set = await createModelSet(module, fixtureBytes(), {
      executionProviders: ['webgpu'],
      webgpuLayout: 'NCHW',
      webgpuBufferCache: 'simple',
    });
    expect(created).toHaveLength(4);
    for (const options of created) {
      expect(options.executionProviders).toEqual([{ name: 'webgpu', preferredLayout: 'NCHW', storageBufferCacheMode: 'simple' }]);
    }
    await set.release();
  });

  it('WebGPU with no EP options is still an object entry, so that onnxruntime-web hands graph capture to the EP', async () => {
    // onnxruntime-web 1.30 appends the EP's enableGraphCapture only for an object entry: with the string 'webgpu'
    // the captured sessions were created and never captured (found on the H100).
    const { module, created } = webgpuStandIn();
    const set = await createModelSet(module, fixtureBytes(), {
      executionProviders: ['webgpu'],
      freeDimensions: { imageUnet: { batch: 2 }, videoUnet: { batch: 2 } },
      graphCapture: true,
    });
    expect(created).toHaveLength(6);
    for (const options of created) expect(options.executionProviders).toEqual([{ name: 'webgpu' }]);
    expect(created.filter((options) => options.enableGraphCapture)).toHaveLength(2);
    expect(set.image?.captured).toBeDefined();
    expect(set.video.captured).toBeDefined();
    await set.release();
  });

  it('no capture asked for: nothing refused', async () => {
    const set = await createModelSet(trackingOrt().module, fixtureBytes());
    expect(set.captureRefused).toEqual([]);
    await set.release();
  });
});
