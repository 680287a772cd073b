import type { GenerateResult } from '../../engine/types.js';

/** "5.0×": how many times the baseline's cost another run took; null when the baseline cost nothing. */
export function costRatio(mixed: number, baseline: number): string | null {
  if (!Number.isFinite(mixed) || !Number.isFinite(baseline) || baseline <= 0) return null;
  return `${(mixed / baseline).toFixed(1)}×`;
}

export function unetCalls(result: GenerateResult): number {
  return result.modelCalls.image + result.modelCalls.video;
}

/** One sentence on what the IV-mixed run cost next to DDIM's (UNet calls and wall time). */
export function costSentence(
  baseline: GenerateResult,
  mixed: GenerateResult,
  names: { baseline: string; mixed: string },
): string {
  const calls = costRatio(unetCalls(mixed), unetCalls(baseline));
  const time = costRatio(mixed.timings.totalMs, baseline.timings.totalMs);
  const parts = [calls && `${calls} the UNet calls`, time && `${time} the time`].filter(Boolean);
  if (parts.length === 0) return `${names.mixed} and ${names.baseline} cannot be compared by cost.`;
  return `${names.mixed} took ${parts.join(' and ')} of ${names.baseline}.`;
}
