import { beforeEach, describe, expect, it } from 'vitest';
import type { GenerateResult } from '../../src/engine/types.js';
import { useCompareStore } from '../../src/ui/compare/compare-store.js';
import type { ComparisonSettings, FinishedComparison } from '../../src/ui/compare/comparison.js';

const INPUT = { prompt: 'p', seed: 1, frames: 4, settings: {} } as ComparisonSettings;

function finished(origin: 'compare' | 'demo'): Omit<FinishedComparison, 'id'> {
  const side = { result: {} as GenerateResult, quality: { sharpness: 1, flicker: null, frameDifference: null } };
  return {
    origin,
    input: INPUT,
    packId: 'tiny',
    baseline: { ...side, id: 'baseline', variant: 'ddim', title: 'DDIM' },
    mixed: { ...side, id: 'mixed', variant: 'iv-iv', title: 'IV-mixed (IV-IV)' },
  };
}

const initial = useCompareStore.getState();
beforeEach(() => useCompareStore.setState(initial, true));

describe('compare store', () => {
  it('follows each run’s steps and model calls, then the decode', () => {
    const store = useCompareStore.getState();
    store.start('compare', INPUT);
    store.runStarted(1, 'iv-iv', 'IV-mixed (IV-IV)');
    const call = {
      step: 1,
      steps: 2,
      subStep: 0,
      subSteps: 5,
      label: 'I-denoise',
      model: 'image' as const,
      op: 'denoise' as const,
      timestep: 1,
      guidance: 4,
      call: 6,
      totalCalls: 10,
    };
    store.onEvent({ type: 'model-call-start', ...call });
    expect(useCompareStore.getState().progress).toMatchObject({
      run: 1,
      title: 'IV-mixed (IV-IV)',
      phase: 'sampling',
      step: 1,
      steps: 2,
      totalCalls: 10,
      callsDone: 0,
    });
    store.onEvent({ type: 'model-call-end', ...call, durationMs: 3 });
    expect(useCompareStore.getState().progress?.callsDone).toBe(6);
    store.onEvent({ type: 'step-end', step: 1, steps: 2, timestep: 1 });
    expect(useCompareStore.getState().progress).toMatchObject({ phase: 'decoding', callsDone: 10 });
    store.measuring();
    expect(useCompareStore.getState().progress?.phase).toBe('measuring');
  });

  it('keeps each page’s latest comparison, with ids that grow across pages', () => {
    const store = useCompareStore.getState();
    store.start('compare', INPUT);
    store.finish(finished('compare'), []);
    store.start('demo', INPUT);
    store.finish(finished('demo'), ['truncated']);
    const { results, status, warnings } = useCompareStore.getState();
    expect(status).toBe('done');
    expect(results.compare?.id).toBe(1);
    expect(results.demo?.id).toBe(2);
    expect(warnings).toEqual(['truncated']);
  });

  it('keeps the previous comparison when a later one fails or is cancelled', () => {
    const store = useCompareStore.getState();
    store.start('compare', INPUT);
    store.finish(finished('compare'), []);
    store.start('compare', INPUT);
    store.fail('compare', 'The IV-mixed (IV-IV) run failed: boom');
    expect(useCompareStore.getState()).toMatchObject({
      status: 'error',
      origin: 'compare',
      error: 'The IV-mixed (IV-IV) run failed: boom',
    });
    expect(useCompareStore.getState().results.compare?.id).toBe(1);
    store.start('compare', INPUT);
    store.requestCancel();
    store.cancelled();
    expect(useCompareStore.getState()).toMatchObject({ status: 'cancelled', cancelRequested: false, progress: null });
    expect(useCompareStore.getState().results.compare?.id).toBe(1);
  });

  it('takes a pack’s defaults once, so that later edits stay', () => {
    const store = useCompareStore.getState();
    const pack = { id: 'tiny', frames: { default: 16, max: 32 }, defaults: { steps: 25 } } as never;
    store.applyPackDefaults(pack);
    expect(useCompareStore.getState().values).toMatchObject({ steps: '25', frames: '16' });
    store.setValue('steps', '3');
    store.applyPackDefaults(pack);
    expect(useCompareStore.getState().values.steps).toBe('3');
  });

  it('clears a field’s message when the field is edited', () => {
    const store = useCompareStore.getState();
    store.setErrors({ prompt: 'Type a prompt', steps: 'bad' });
    store.setValue('prompt', 'x');
    expect(useCompareStore.getState().errors).toEqual({ steps: 'bad' });
  });
});
