import type { PackInfo } from '../../engine/types.js';
import { estimateCalls, estimateTimeMs } from '../estimate.js';
import { INITIAL_VALUES } from '../form-store.js';
import { readNumber, readSettings } from '../form-validation.js';
import type { CallTiming } from '../timing-store.js';
import { mixedVariantFor } from './compare-validation.js';
import { BASELINE_VARIANT } from './comparison.js';

export interface ComparisonEstimate {
  /** UNet calls of the DDIM run and of the IV-mixed run (a batched CFG call counts once). */
  baselineCalls: number;
  mixedCalls: number;
  /** Wall time of both runs from this device's earlier runs of the pack, or null before the first one. */
  ms: number | null;
}

/** What a comparison with these steps and frames will cost, or null while the steps do not parse. */
export function estimateComparison(
  steps: string,
  frames: string,
  pack: PackInfo | null,
  timing: CallTiming | undefined,
): ComparisonEstimate | null {
  const { settings, errors } = readSettings({ ...INITIAL_VALUES, steps, variant: mixedVariantFor(pack) });
  if (errors.steps) return null;
  const mixed = estimateCalls(settings);
  const baseline = estimateCalls({ ...settings, variant: BASELINE_VARIANT });
  if (!mixed || !baseline) return null;
  const frameCount = readNumber(frames, { label: 'Frames', integer: true, min: 1 }).value;
  const time = (calls: typeof mixed) => (frameCount === undefined ? null : estimateTimeMs(calls, frameCount, timing));
  const baselineMs = time(baseline);
  const mixedMs = time(mixed);
  return {
    baselineCalls: baseline.total,
    mixedCalls: mixed.total,
    ms: baselineMs === null || mixedMs === null ? null : baselineMs + mixedMs,
  };
}
