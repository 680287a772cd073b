import { VARIANTS } from '../../core/sampler/variants.js';
import type { GenerateResult } from '../../engine/types.js';
import { requireEngine } from '../actions.js';
import { errorMessage, errorName } from '../format.js';
import { usePackStore } from '../pack-store.js';
import { useRunStore } from '../run-store.js';
import { useTimingStore } from '../timing-store.js';
import { useCompareStore } from './compare-store.js';
import {
  type ComparisonOrigin,
  type ComparisonSettings,
  type ComparisonSide,
  comparisonRequests,
  type FinishedComparison,
  type SideId,
} from './comparison.js';
import { measureQuality } from './quality-summary.js';

export type ComparisonOutcome =
  | { status: 'done'; comparison: FinishedComparison }
  | { status: 'cancelled' }
  | { status: 'error'; message: string }
  /** Another comparison is running; nothing was changed. */
  | { status: 'busy' };

export const PACK_NOT_READY_MESSAGE = 'The model pack is not loaded yet. Wait for it to finish loading (see “Model pack”).';

const SIDES: readonly SideId[] = ['baseline', 'mixed'];

function isCancellation(error: unknown): boolean {
  const name = errorName(error);
  return name === 'SamplingCancelledError' || name === 'AbortError' || useCompareStore.getState().cancelRequested;
}

/** Let the page paint the progress (e.g. "Measuring quality") before a synchronous stretch of work. */
const nextTask = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/**
 * Run DDIM, then IV-mixed, on the shared engine with the same prompt, seed and knobs, measure both videos and
 * keep the pair as `origin`'s latest comparison. Progress, errors and the result go to the compare store; a
 * failed or cancelled comparison leaves the previous one in place.
 */
export async function runComparison(
  settings: ComparisonSettings,
  origin: ComparisonOrigin = 'compare',
): Promise<ComparisonOutcome> {
  const store = useCompareStore.getState();
  if (store.status === 'running') return { status: 'busy' };
  const fail = (message: string): ComparisonOutcome => {
    useCompareStore.getState().fail(origin, message);
    return { status: 'error', message };
  };
  if (useRunStore.getState().status === 'running') {
    return fail('A Studio generation is running on the engine. Wait for it to finish (or cancel it), then compare.');
  }
  const pack = usePackStore.getState();
  if (pack.status !== 'ready' || !pack.summary) {
    return fail(PACK_NOT_READY_MESSAGE);
  }
  const packId = pack.summary.pack.id;

  store.start(origin, settings);
  const results: GenerateResult[] = [];
  for (const [run, request] of comparisonRequests(settings).entries()) {
    if (useCompareStore.getState().cancelRequested) {
      useCompareStore.getState().cancelled();
      return { status: 'cancelled' };
    }
    const variant = request.settings?.variant ?? settings.settings.variant;
    const title = VARIANTS[variant].title;
    useCompareStore.getState().runStarted(run as 0 | 1, variant, title);
    try {
      results.push(await requireEngine().generate(request, (event) => useCompareStore.getState().onEvent(event)));
    } catch (error) {
      if (isCancellation(error)) {
        useCompareStore.getState().cancelled();
        return { status: 'cancelled' };
      }
      return fail(`The ${title} run failed: ${errorMessage(error)}`);
    }
  }
  // A cancel that came while the last run waited in the engine's queue stopped nothing there: honour it here.
  if (useCompareStore.getState().cancelRequested) {
    useCompareStore.getState().cancelled();
    return { status: 'cancelled' };
  }

  useCompareStore.getState().measuring();
  await nextTask();
  let sides: ComparisonSide[];
  try {
    sides = results.map((result, i): ComparisonSide => {
      useTimingStore.getState().record(packId, result);
      return {
        id: SIDES[i] as SideId,
        variant: result.settings.variant,
        title: VARIANTS[result.settings.variant].title,
        result,
        quality: measureQuality(result.frames),
      };
    });
  } catch (error) {
    return fail(`Measuring the two videos failed: ${errorMessage(error)}`);
  }
  const [baseline, mixed] = sides as [ComparisonSide, ComparisonSide];
  const warnings = [...new Set(results.flatMap((r) => r.warnings))];
  useCompareStore.getState().finish({ origin, input: settings, packId, baseline, mixed }, warnings);
  const comparison = useCompareStore.getState().results[origin];
  if (!comparison) throw new Error('the finished comparison was not stored');
  return { status: 'done', comparison };
}

/** Stop the running comparison: the run in the engine rejects, the second run never starts. */
export function cancelComparison(): void {
  const state = useCompareStore.getState();
  if (state.status !== 'running' || state.cancelRequested) return;
  state.requestCancel();
  requireEngine().cancel();
}
