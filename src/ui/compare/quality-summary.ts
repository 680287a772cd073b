import type { VideoFrames } from '../../engine/types.js';
import { flicker, frameToFrameDifference, sharpness } from '../../quality/video-metrics.js';

/** The model-free quality numbers of one video (src/quality/video-metrics.ts); null where the video is too short. */
export interface VideoQuality {
  sharpness: number;
  /** Needs 3 frames (a second difference of brightness). */
  flicker: number | null;
  /** Needs 2 frames. */
  frameDifference: number | null;
}

export type MetricId = keyof VideoQuality;

export interface MetricDefinition {
  id: MetricId;
  label: string;
  better: 'higher' | 'lower';
  /** One line for the page: what the number measures. */
  explanation: string;
}

/** The metrics the Compare page shows, with what they mean (the definitions of docs/quality.md). */
export const QUALITY_METRICS: readonly MetricDefinition[] = [
  {
    id: 'sharpness',
    label: 'Edge sharpness',
    better: 'higher',
    explanation:
      'Mean Sobel gradient of the strongest 5% of pixels (the edges), in luma levels per pixel: blur spreads edges and lowers it.',
  },
  {
    id: 'flicker',
    label: 'Flicker',
    better: 'lower',
    explanation:
      'How much the whole-frame brightness jumps from frame to frame beyond a smooth trend (mean |second difference| of mean luma).',
  },
  {
    id: 'frameDifference',
    label: 'Frame-to-frame difference',
    better: 'lower',
    explanation:
      'Mean absolute luma change between consecutive frames: motion plus flicker, so lower is steadier (real motion raises it too).',
  },
];

/** Measure one video. RGBA frames are read as they are: the metrics skip the alpha channel. */
export function measureQuality(frames: VideoFrames): VideoQuality {
  const set = { width: frames.width, height: frames.height, count: frames.count, channels: 4 as const, data: frames.rgba };
  return {
    sharpness: sharpness(set),
    flicker: frames.count >= 3 ? flicker(set) : null,
    frameDifference: frames.count >= 2 ? frameToFrameDifference(set) : null,
  };
}

/** Two decimals, the precision the page shows (and the one ties are judged at). */
export function formatMetric(value: number | null): string {
  return value === null || !Number.isFinite(value) ? '—' : value.toFixed(2);
}

export type Verdict = 'baseline' | 'mixed' | 'tie' | 'unmeasured';

export interface MetricRow {
  metric: MetricDefinition;
  baseline: string;
  mixed: string;
  verdict: Verdict;
}

/** Which side a metric favours: equal at the shown precision is a tie, so the page never calls 1.00 vs 1.00 a win. */
export function verdict(metric: MetricDefinition, baseline: number | null, mixed: number | null): Verdict {
  if (baseline === null || mixed === null || !Number.isFinite(baseline) || !Number.isFinite(mixed)) return 'unmeasured';
  if (formatMetric(baseline) === formatMetric(mixed)) return 'tie';
  const mixedHigher = mixed > baseline;
  return mixedHigher === (metric.better === 'higher') ? 'mixed' : 'baseline';
}

/** The rows of the quality table: both values, formatted, and which is better. */
export function compareQuality(baseline: VideoQuality, mixed: VideoQuality): MetricRow[] {
  return QUALITY_METRICS.map((metric) => ({
    metric,
    baseline: formatMetric(baseline[metric.id]),
    mixed: formatMetric(mixed[metric.id]),
    verdict: verdict(metric, baseline[metric.id], mixed[metric.id]),
  }));
}

/** What a verdict says on the page, naming the samplers. */
export function verdictText(value: Verdict, names: { baseline: string; mixed: string }): string {
  switch (value) {
    case 'baseline':
      return `${names.baseline} is better`;
    case 'mixed':
      return `${names.mixed} is better`;
    case 'tie':
      return 'Equal at this precision';
    case 'unmeasured':
      return 'Needs more frames';
  }
}
