/**
 * The engine end to end in Node (onnxruntime-web, WASM) on the bundled tiny pack: what loading reports, what a
 * generation returns and emits, determinism, refusals of bad requests, cancelling, and busy refusals.
 * Generations are kept small (4 frames, 3 steps) so each takes well under a second.
 */
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidSettingsError, SamplingCancelledError } from '../../src/core/errors.js';
import { planSampling } from '../../src/core/sampler/plan.js';
import { withDefaults } from '../../src/core/sampler/settings.js';
import { parseSchedulerConfig } from '../../src/core/scheduler/config.js';
import { type Engine, EngineBusyError } from '../../src/engine/engine.js';
import type { Capabilities, EngineProgress, GenerateResult, LoadEvent, LoadedPackSummary } from '../../src/engine/types.js';
import {
  copyPack,
  dirSource,
  generateCollecting,
  makeEngine,
  NODE_CAPS,
  PACK_DIR,
  rejection,
  removeTempDirs,
  rewriteManifest,
  smallRequest,
  TINY_REQUEST,
} from './support.js';

const W = 64;
const H = 64;

let engine: Engine;
let summary: LoadedPackSummary;
const loadEvents: LoadEvent[] = [];

beforeAll(async () => {
  engine = makeEngine();
  summary = await engine.load(dirSource(PACK_DIR), {}, (e) => loadEvents.push(e));
});
afterAll(async () => {
  await engine?.unload();
  await removeTempDirs();
});

/** Distinct RGB colours of RGBA frames. */
function colours(rgba: Uint8Array): number {
  const seen = new Set<number>();
  for (let i = 0; i < rgba.length; i += 4)
    seen.add(((rgba[i] as number) << 16) | ((rgba[i + 1] as number) << 8) | (rgba[i + 2] as number));
  return seen.size;
}

function alphaAllOpaque(rgba: Uint8Array): boolean {
  for (let i = 3; i < rgba.length; i += 4) if (rgba[i] !== 255) return false;
  return true;
}

/** Bytes that differ between two equally long arrays. */
function differing(a: Uint8Array, b: Uint8Array): number {
  expect(a.length).toBe(b.length);
  let n = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) n++;
  return n;
}

describe('loading the bundled pack from its folder', () => {
  it('summarises the pack: id, verified against the manifest, tokenizer, image model, sizes', async () => {
    const manifest = JSON.parse(await readFile(join(PACK_DIR, 'manifest.json'), 'utf8')) as {
      files: { path: string; size: number; sha256: string }[];
    };
    const { pack } = summary;
    expect(pack.id).toBe('tinyworld-v2');
    expect(pack.name).toBe('Tiny world');
    expect(pack.verified).toBe(true);
    expect(pack.hasTokenizer).toBe(true);
    expect(pack.hasImageModel).toBe(true);
    expect(pack.precision).toBe('fp32');
    expect(pack.nativeResolution).toEqual({ width: W, height: H });
    expect(pack.frames).toEqual({ default: 16, max: 32 });
    expect(pack.latentChannels).toBe(4);
    expect(pack.defaults).toEqual({ steps: 25, guidanceScale: 7.5, sampler: 'iv-iv' });
    expect(pack.preview?.latentToRgb).toHaveLength(3);
    expect(pack.suggestedPrompts.length).toBeGreaterThan(0);
    expect(pack.totalBytes).toBe(manifest.files.reduce((n, f) => n + f.size, 0));
    expect(pack.files).toEqual(manifest.files.map((f) => ({ path: f.path, sha256: f.sha256 })));
    expect(summary.onnxruntimeVersion).toMatch(/^\d+\.\d+\.\d+/);
    expect(summary.loadMs).toBeGreaterThanOrEqual(0);
  });

  it('runs on WASM and says why: WebGPU is unavailable in Node', () => {
    expect(summary.backend).toBe('wasm');
    expect(summary.backendReason).toMatch(/WASM/);
    expect(summary.backendReason).toMatch(/WebGPU is unavailable/);
    expect(summary.backendReason).toContain(NODE_CAPS.webgpu.reason as string);
    expect(summary.backendReason).toContain('1 thread');
  });

  it('reports the manifest, a verification of every part, and each compiled part', () => {
    expect(loadEvents[0]).toEqual({ phase: 'manifest' });
    const verified = loadEvents.flatMap((e) => (e.phase === 'verify' ? [e.file] : []));
    for (const f of ['text_encoder/model.onnx', 'motion_unet/model.onnx', 'vae_decoder/model.onnx', 'unet/model.onnx']) {
      expect(verified).toContain(f);
    }
    const compiled = loadEvents.flatMap((e) => (e.phase === 'compile' ? [e.part] : []));
    expect(compiled.sort()).toEqual(['imageUnet', 'textEncoder', 'vaeDecoder', 'videoUnet']);
  });

  it("falls back to WASM, saying why, when WebGPU looks usable but the build can't create WebGPU sessions", async () => {
    const gpu: Capabilities = {
      webgpu: { available: true, shaderF16: true, fallbackAdapter: false, adapter: 'Test GPU' },
      wasm: { threads: 1, crossOriginIsolated: true },
    };
    const other = makeEngine({ caps: gpu });
    try {
      const s = await other.load(dirSource(PACK_DIR));
      expect(s.backend).toBe('wasm');
      expect(s.backendReason).toMatch(/Running on WASM because WebGPU could not load this pack: .*could not load the model/);
      const r = await other.generate(TINY_REQUEST);
      expect(r.backend).toBe('wasm');
    } finally {
      await other.unload();
    }
  });
});

describe('generating a short video from a prompt (iv-iv, 3 steps, 4 frames)', () => {
  let result: GenerateResult;
  let events: EngineProgress[];
  beforeAll(async () => {
    ({ result, events } = await generateCollecting(engine, smallRequest()));
  });

  it('returns RGBA frames of the requested size, opaque, with an actual picture', () => {
    const { frames } = result;
    expect(frames).toMatchObject({ width: W, height: H, count: 4, fps: 8 });
    expect(frames.rgba.length).toBe(4 * W * H * 4);
    expect(alphaAllOpaque(frames.rgba)).toBe(true);
    expect(colours(frames.rgba)).toBeGreaterThan(16);
    expect(result.latentShape).toEqual([1, 4, 4, H / 8, W / 8]);
    expect(result.latents.length).toBe(4 * 4 * (H / 8) * (W / 8));
    expect(result.latents.every(Number.isFinite)).toBe(true);
    expect(result.backend).toBe('wasm');
    expect(result.seed).toBe(7);
    expect(result.warnings).toEqual([]);
  });

  it("uses the pack's defaults under the request's settings, and makes the calls the plan says", async () => {
    expect(result.settings).toMatchObject({ variant: 'iv-iv', steps: 3, guidanceScale: 7.5 });
    // iv-iv: four IV sub-steps (2 image, 2 video) and the plain DDIM step (video) per step.
    expect(result.modelCalls).toEqual({ video: 9, image: 6 });
    const config = parseSchedulerConfig(JSON.parse(await readFile(join(PACK_DIR, 'scheduler', 'scheduler_config.json'), 'utf8')));
    expect(result.modelCalls).toEqual(planSampling(config, withDefaults({ variant: 'iv-iv', steps: 3 })).modelCalls);
  });

  it('emits a start and an end event for every model call, in order', () => {
    const starts = events.filter((e) => e.type === 'model-call-start');
    const ends = events.filter((e) => e.type === 'model-call-end');
    expect(starts).toHaveLength(15);
    expect(ends).toHaveLength(15);
    expect(ends.map((e) => e.call)).toEqual(Array.from({ length: 15 }, (_, i) => i + 1));
    expect(ends.every((e) => e.totalCalls === 15 && e.steps === 3)).toBe(true);
    expect(ends.filter((e) => e.model === 'video')).toHaveLength(9);
    expect(ends.filter((e) => e.model === 'image')).toHaveLength(6);
    const calls = events.filter((e) => e.type === 'model-call-start' || e.type === 'model-call-end');
    for (let i = 0; i < calls.length; i += 2) {
      const [s, e] = [calls[i], calls[i + 1]];
      expect(s?.type).toBe('model-call-start');
      expect(e?.type).toBe('model-call-end');
      if (s?.type === 'model-call-start' && e?.type === 'model-call-end') {
        expect([e.call, e.label, e.model, e.step]).toEqual([s.call, s.label, s.model, s.step]);
        expect(e.durationMs).toBeGreaterThanOrEqual(0);
      }
    }
  });

  it('sends one latent-resolution preview per step (previewEvery 1), right after its step-end', () => {
    const previews = events.flatMap((e) => (e.type === 'preview' ? [e] : []));
    expect(previews.map((p) => p.step)).toEqual([0, 1, 2]);
    for (const p of previews) {
      expect(p.frames).toMatchObject({ width: W / 8, height: H / 8, count: 4, fps: 8 });
      expect(p.frames.rgba.length).toBe(4 * (W / 8) * (H / 8) * 4);
      expect(alphaAllOpaque(p.frames.rgba)).toBe(true);
      const i = events.indexOf(p);
      expect(events[i - 1]).toEqual({ type: 'step-end', step: p.step, steps: 3, timestep: expect.any(Number) });
    }
    // The live latents never cross the boundary.
    for (const e of events) expect(e).not.toHaveProperty('latents');
  });

  it('previews every second step with previewEvery 2 (and always the last), none with 0', async () => {
    const two = await generateCollecting(engine, smallRequest({ previewEvery: 2, settings: { steps: 4, variant: 'ddim' } }));
    expect(two.events.flatMap((e) => (e.type === 'preview' ? [e.step] : []))).toEqual([0, 2, 3]);
    const none = await generateCollecting(engine, smallRequest({ previewEvery: 0, settings: { steps: 2, variant: 'ddim' } }));
    expect(none.events.some((e) => e.type === 'preview')).toBe(false);
  });

  it('reports timings: all non-negative, one entry per model call', () => {
    const t = result.timings;
    for (const v of [t.totalMs, t.textEncoderMs, t.decodeMs, t.outsideCallsMs]) {
      expect(Number.isFinite(v)).toBe(true);
      expect(v).toBeGreaterThanOrEqual(0);
    }
    expect(t.calls).toHaveLength(15);
    expect(t.calls.every((c) => c.ms >= 0 && c.step >= 0 && c.step < 3)).toBe(true);
    expect(t.calls.filter((c) => c.model === 'video')).toHaveLength(9);
    const callMs = t.calls.reduce((n, c) => n + c.ms, 0);
    expect(t.totalMs).toBeGreaterThanOrEqual(callMs + t.textEncoderMs + t.decodeMs - 1);
  });

  it('is deterministic: the same seed gives the same frames and latents', async () => {
    const again = await engine.generate(smallRequest());
    expect(Buffer.from(again.frames.rgba).equals(Buffer.from(result.frames.rgba))).toBe(true);
    expect(Buffer.from(again.latents.buffer).equals(Buffer.from(result.latents.buffer))).toBe(true);
  });

  it('does not depend on what ran before: the same request after another shape gives the same frames', async () => {
    // The engine pins the session shapes per generation shape; switching shapes and back must not change results.
    const other = await engine.generate(smallRequest({ frames: 2, settings: { steps: 1 } }));
    expect(other.frames.count).toBe(2);
    const again = await engine.generate(smallRequest());
    expect(Buffer.from(again.frames.rgba).equals(Buffer.from(result.frames.rgba))).toBe(true);
  });

  it('a different seed gives a different video', async () => {
    const other = await engine.generate(smallRequest({ seed: 8 }));
    expect(differing(other.frames.rgba, result.frames.rgba)).toBeGreaterThan(other.frames.rgba.length / 10);
  });

  it('a negative prompt changes the result (same seed)', async () => {
    const withNegative = await engine.generate(smallRequest({ negativePrompt: 'a green square moving up on a navy background' }));
    expect(differing(withNegative.frames.rgba, result.frames.rgba)).toBeGreaterThan(0);
    expect(withNegative.warnings).toEqual([]);
  });
});

describe('prompts over the text encoder length', () => {
  it('warns in result.warnings and with a warning event, and still generates', async () => {
    const prompt = Array(10).fill('a red circle moving left on a black background').join(' '); // 90 words = 90 tokens
    const { result, events } = await generateCollecting(engine, smallRequest({ prompt, settings: { steps: 1 } }));
    expect(result.warnings).toHaveLength(1);
    const warning = result.warnings[0] as string;
    expect(warning).toMatch(/90 tokens long; only the first 75 are used/);
    expect(warning).toMatch(/Dropped: "/);
    expect(events.filter((e) => e.type === 'warning')).toEqual([{ type: 'warning', message: warning }]);
    expect(result.frames.count).toBe(4);
  });

  it('says which one it is when the negative prompt is too long', async () => {
    const negativePrompt = Array(9).fill('a green square moving up on a navy background').join(' '); // 81 tokens
    const { result, events } = await generateCollecting(engine, smallRequest({ negativePrompt, settings: { steps: 1 } }));
    expect(result.warnings).toEqual([expect.stringMatching(/^Negative prompt: The prompt is 81 tokens long/)]);
    expect(events.filter((e) => e.type === 'warning')).toHaveLength(1);
  });
});

describe('refusing bad requests', () => {
  const cases: [string, Parameters<typeof smallRequest>[0], string, RegExp][] = [
    ['an empty prompt', { prompt: '   ' }, 'prompt', /Type a prompt/],
    ['0 frames', { frames: 0 }, 'frames', /from 1 to 32 .*got 0/],
    ['33 frames (the pack allows 32)', { frames: 33 }, 'frames', /from 1 to 32 .*got 33/],
    ['a fractional frame count', { frames: 2.5 }, 'frames', /whole number/],
    ['a width that is not a multiple of 8', { width: 60 }, 'width', /width must be a multiple of 8 .*got 60/],
    ['a zero height', { height: 0 }, 'height', /height must be a multiple of 8 .*got 0/],
    ['0 steps', { settings: { steps: 0 } }, 'steps', /Steps must be a whole number/],
    ['an unknown sampler', { settings: { variant: 'nope' as never } }, 'variant', /Unknown sampler "nope"/],
  ];
  it.each(cases)('refuses %s with InvalidSettingsError naming the setting', async (_, overrides, setting, message) => {
    const events: EngineProgress[] = [];
    const error = await rejection(engine.generate(smallRequest(overrides), (e) => events.push(e)));
    expect(error).toBeInstanceOf(InvalidSettingsError);
    expect((error as InvalidSettingsError).setting).toBe(setting);
    expect(error.message).toMatch(message);
    expect(events.filter((e) => e.type === 'model-call-start')).toEqual([]);
  });

  it('is still ready after the refusals', async () => {
    const result = await engine.generate(TINY_REQUEST);
    expect(result.frames.count).toBe(4);
  });

  it('refuses a sampler that needs the IDM on a pack without unet/, and runs DDIM on it', async () => {
    const dir = await copyPack();
    await rm(join(dir, 'unet'), { recursive: true });
    await rewriteManifest(dir, (m) => {
      m.files = m.files.filter((f) => !f.path.startsWith('unet/'));
      delete m.components.imageUnet;
    });
    const noIdm = makeEngine();
    try {
      const s = await noIdm.load(dirSource(dir));
      expect(s.pack).toMatchObject({ id: 'tinyworld-v2', verified: true, hasImageModel: false });
      // The pack's default sampler is iv-iv.
      const error = await rejection(noIdm.generate(smallRequest({ settings: { steps: 1 } })));
      expect(error).toBeInstanceOf(InvalidSettingsError);
      expect((error as InvalidSettingsError).setting).toBe('variant');
      expect(error.message).toMatch(
        /The sampler "iv-iv" needs an image model, and this pack has none\. Choose DDIM or VDM zigzag/,
      );
      const viiv = await rejection(noIdm.generate(smallRequest({ settings: { steps: 1, variant: 'VIIV' } })));
      expect(viiv.message).toMatch(/"VIIV" needs an image model/);
      const ddim = await noIdm.generate(smallRequest({ settings: { steps: 2, variant: 'ddim' } }));
      expect(ddim.modelCalls).toEqual({ video: 2, image: 0 });
      const zigzag = await noIdm.generate(smallRequest({ settings: { steps: 2, variant: 'v-zigzag' } }));
      expect(zigzag.modelCalls.image).toBe(0);
    } finally {
      await noIdm.unload();
    }
  });
});

describe('cancelling and busy refusals', () => {
  it('cancels a running generation after the third model call; the next generation works', async () => {
    const events: EngineProgress[] = [];
    let ended = 0;
    const running = engine.generate(smallRequest({ settings: { steps: 20 } }), (e) => {
      events.push(e);
      if (e.type === 'model-call-end' && ++ended === 3) engine.cancel();
    });
    const error = await rejection(running);
    expect(error).toBeInstanceOf(SamplingCancelledError);
    expect(error.message).toMatch(/cancelled/);
    // It stopped at once: no further model call started, nothing was decoded or previewed past step 0.
    expect(events.filter((e) => e.type === 'model-call-start')).toHaveLength(3);
    expect(events.filter((e) => e.type === 'model-call-end')).toHaveLength(3);
    expect(events.some((e) => e.type === 'preview')).toBe(false);

    const next = await engine.generate(smallRequest());
    expect(next.frames.count).toBe(4);
    expect(next.timings.calls).toHaveLength(15);
  });

  it('cancel() right after generate() stops before any model call', async () => {
    const events: EngineProgress[] = [];
    const running = engine.generate(smallRequest(), (e) => events.push(e));
    engine.cancel();
    expect(await rejection(running)).toBeInstanceOf(SamplingCancelledError);
    expect(events.filter((e) => e.type === 'model-call-start')).toEqual([]);
  });

  it('cancel() with nothing running is harmless', async () => {
    engine.cancel();
    const result = await engine.generate(TINY_REQUEST);
    expect(result.frames.count).toBe(4);
  });

  it('refuses a second generate (and a load) while one runs, with EngineBusyError; the first finishes', async () => {
    const first = engine.generate(smallRequest());
    const second = await rejection(engine.generate(smallRequest({ seed: 9 })));
    expect(second).toBeInstanceOf(EngineBusyError);
    expect(second.message).toMatch(/already running/);
    const load = await rejection(engine.load(dirSource(PACK_DIR)));
    expect(load).toBeInstanceOf(EngineBusyError);
    const result = await first;
    expect(result.frames.count).toBe(4);
    expect(result.timings.calls).toHaveLength(15);
    // And it is free again.
    expect((await engine.generate(TINY_REQUEST)).frames.count).toBe(4);
  });

  it('unload() during a generation does not pull the sessions from under it', async () => {
    const other = makeEngine();
    await other.load(dirSource(PACK_DIR));
    let ended = 0;
    let unloading: Promise<unknown> | undefined;
    const running = other.generate(smallRequest({ settings: { steps: 5 } }), (e) => {
      if (e.type === 'model-call-end' && ++ended === 2) unloading = other.unload().catch((error: Error) => error);
    });
    const outcome = await running.catch((error: Error) => error);
    const unloaded = await unloading;
    // Acceptable: unload is refused as busy (or waits) and the run finishes, or the run ends as cancelled.
    // Not acceptable: the run dies on an onnxruntime error about released sessions.
    if (outcome instanceof Error) {
      expect(`${outcome.name}: ${outcome.message}`).toMatch(/^SamplingCancelledError/);
    } else {
      expect(outcome.frames.count).toBe(4);
    }
    if (unloaded instanceof Error) expect(unloaded).toBeInstanceOf(EngineBusyError);
    await other.unload();
  });
});
