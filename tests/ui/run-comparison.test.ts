/**
 * The comparison runner on the real engine in Node (onnxruntime-web WASM, the bundled pack): both runs start
 * from the same noise, each equals the same request generated alone, the engine sees exactly two requests, and
 * a cancel or a failure never loses the comparison shown before. Kept small (4 frames, 2 steps).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Engine } from '../../src/engine/engine.js';
import type { GenerateRequest, LoadedPackSummary } from '../../src/engine/types.js';
import { connectEngine, generate } from '../../src/ui/actions.js';
import { useCompareStore } from '../../src/ui/compare/compare-store.js';
import { checkComparison } from '../../src/ui/compare/compare-validation.js';
import { cancelComparison, runComparison } from '../../src/ui/compare/run-comparison.js';
import type { StudioEngine } from '../../src/ui/engine.js';
import { useFormStore } from '../../src/ui/form-store.js';
import { usePackStore } from '../../src/ui/pack-store.js';
import { useRunStore } from '../../src/ui/run-store.js';
import { dirSource, makeEngine, PACK_DIR } from '../engine/support.js';

let engine: Engine;
let summary: LoadedPackSummary;
const requests: GenerateRequest[] = [];
/** Called before each engine generate (a test can cancel from here). */
let beforeGenerate: (call: number) => void = () => {};

beforeAll(async () => {
  engine = makeEngine();
  summary = await engine.load(dirSource(PACK_DIR));
  // The page's engine is the worker client; here the Node engine stands in for it with the calls the runner uses.
  const studio = {
    generate: (request: GenerateRequest, onProgress?: Parameters<Engine['generate']>[1]) => {
      requests.push(request);
      beforeGenerate(requests.length);
      return engine.generate(request, onProgress);
    },
    cancel: () => engine.cancel(),
    subscribe: () => () => {},
    onLifecycle: () => () => {},
  } as unknown as StudioEngine;
  connectEngine(studio);
});
afterAll(async () => {
  await engine?.unload();
});

const initialCompare = useCompareStore.getState();
beforeEach(() => {
  useCompareStore.setState(initialCompare, true);
  usePackStore.getState().loaded(summary);
  requests.length = 0;
  beforeGenerate = () => {};
});

function settings(prompt = 'a red circle moving left on a black background', seed = 11) {
  const checked = checkComparison({ prompt, seed: String(seed), steps: '2', frames: '4' }, summary.pack);
  if (!checked.ok) throw new Error(JSON.stringify(checked));
  return checked.value;
}

describe('runComparison on the bundled pack', () => {
  it('runs DDIM then IV-mixed from the same seed, each equal to that request generated alone', async () => {
    const outcome = await runComparison(settings(), 'compare');
    if (outcome.status !== 'done') throw new Error(JSON.stringify(outcome));
    expect(requests.map((r) => [r.seed, r.settings?.variant])).toEqual([
      [11, 'ddim'],
      [11, 'iv-iv'],
    ]);
    const { baseline, mixed } = outcome.comparison;
    expect(baseline.result.settings.variant).toBe('ddim');
    expect(mixed.result.settings.variant).toBe('iv-iv');
    expect(baseline.result.modelCalls).toEqual({ image: 0, video: 2 });
    expect(mixed.result.modelCalls.image).toBeGreaterThan(0);

    const alone = await engine.generate({ ...(requests[0] as GenerateRequest) });
    expect(alone.latents).toEqual(baseline.result.latents);
    const aloneMixed = await engine.generate({ ...(requests[1] as GenerateRequest) });
    expect(aloneMixed.latents).toEqual(mixed.result.latents);
    // Same noise, different sampler: the videos differ.
    expect(mixed.result.frames.rgba).not.toEqual(baseline.result.frames.rgba);

    expect(baseline.quality.sharpness).toBeGreaterThan(0);
    expect(mixed.quality.flicker).not.toBeNull();
    expect(useCompareStore.getState()).toMatchObject({ status: 'done', progress: null });
    expect(useCompareStore.getState().results.compare).toBe(outcome.comparison);
  });

  it('cancelled during the IV-mixed run: stops, and keeps the comparison shown before', async () => {
    const first = await runComparison(settings(), 'demo');
    if (first.status !== 'done') throw new Error(JSON.stringify(first));
    requests.length = 0;
    // Cancel once the IV-mixed run is in the engine (its first model call).
    beforeGenerate = (call) => {
      if (call !== 2) return;
      const unsubscribe = useCompareStore.subscribe((state) => {
        if (state.progress?.run === 1 && state.progress.phase === 'sampling') {
          unsubscribe();
          cancelComparison();
        }
      });
    };
    const outcome = await runComparison(settings('a yellow square moving up on a navy background', 3), 'demo');
    expect(outcome).toEqual({ status: 'cancelled' });
    expect(requests).toHaveLength(2);
    expect(useCompareStore.getState()).toMatchObject({ status: 'cancelled', cancelRequested: false });
    expect(useCompareStore.getState().results.demo).toBe(first.comparison);
    // The engine is ready for the next comparison.
    expect((await runComparison(settings(), 'demo')).status).toBe('done');
  });

  it('cancelled before the IV-mixed run starts: never asks the engine for it', async () => {
    beforeGenerate = (call) => {
      if (call === 1) useCompareStore.getState().requestCancel();
    };
    expect(await runComparison(settings(), 'compare')).toEqual({ status: 'cancelled' });
    expect(requests).toHaveLength(1);
  });

  it('cancelled while the IV-mixed run waited in the engine’s queue: discards that run, keeps the previous comparison', async () => {
    const first = await runComparison(settings(), 'compare');
    if (first.status !== 'done') throw new Error('first comparison failed');
    // The cancel reaches no running generation (as when another caller's run held the engine): only the flag is set.
    beforeGenerate = (call) => {
      if (call === 4) useCompareStore.getState().requestCancel();
    };
    expect(await runComparison(settings('a white triangle moving right on a maroon background', 5), 'compare')).toEqual({
      status: 'cancelled',
    });
    expect(requests).toHaveLength(4);
    expect(useCompareStore.getState().results.compare).toBe(first.comparison);
  });

  it('the Studio refuses to generate while a comparison runs, and says why', async () => {
    const running = runComparison(settings(), 'compare');
    const form = useFormStore.getState();
    form.setValue('prompt', 'a red circle moving left on a black background');
    form.setValue('steps', '2');
    form.setValue('frames', '4');
    expect(await generate()).toEqual({});
    expect(useRunStore.getState().error).toMatch(/comparison is running/);
    expect((await running).status).toBe('done');
    expect(requests.map((r) => r.settings?.variant)).toEqual(['ddim', 'iv-iv']);
  });

  it('says what failed, names the run, and keeps the previous comparison', async () => {
    const first = await runComparison(settings(), 'compare');
    if (first.status !== 'done') throw new Error('first comparison failed');
    const bad = { ...settings(), frames: 999 };
    const outcome = await runComparison(bad, 'compare');
    expect(outcome.status).toBe('error');
    expect(useCompareStore.getState().error).toMatch(/^The DDIM run failed: .*frames/i);
    expect(useCompareStore.getState().results.compare).toBe(first.comparison);
  });

  it('refuses while the pack is not loaded, and while another comparison runs', async () => {
    usePackStore.getState().unloaded();
    expect(await runComparison(settings(), 'demo')).toMatchObject({ status: 'error', message: /not loaded yet/ });
    expect(requests).toHaveLength(0);
    usePackStore.getState().loaded(summary);
    const running = runComparison(settings(), 'compare');
    expect(await runComparison(settings(), 'demo')).toEqual({ status: 'busy' });
    expect((await running).status).toBe('done');
    expect(requests).toHaveLength(2);
  });
});
