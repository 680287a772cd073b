import { useId, useMemo, useState } from 'react';
import { PlayerControls } from '../PlayerControls.js';
import { usePlayback } from '../use-playback.js';
import type { FinishedComparison } from './comparison.js';
import { costSentence } from './cost-summary.js';
import { DifferenceCanvas, DifferenceDetails } from './DifferenceView.js';
import { type DifferenceGain, differenceMap, meanAbsoluteDifference } from './difference-map.js';
import { QualityTable } from './QualityTable.js';
import { SideCanvas } from './SideCanvas.js';
import { SideCost } from './SideCost.js';

/**
 * Both videos side by side on one clock (one play/pause, one scrubber), their difference, what each cost and
 * how they measure. Give it a new key for a new comparison so that playback starts again from frame 0.
 */
export function ComparisonView({ comparison }: { comparison: FinishedComparison }) {
  const { baseline, mixed, input } = comparison;
  const frames = baseline.result.frames;
  const playback = usePlayback(frames.count, frames.fps);
  const titleId = useId();
  const names = { baseline: baseline.title, mixed: mixed.title };
  const [gain, setGain] = useState<DifferenceGain>(4);
  const map = useMemo(
    () => differenceMap(baseline.result.frames, mixed.result.frames, playback.index, gain),
    [baseline, mixed, playback.index, gain],
  );
  const overall = useMemo(() => meanAbsoluteDifference(baseline.result.frames, mixed.result.frames), [baseline, mixed]);

  return (
    <section className="comparison" aria-labelledby={titleId} data-testid="comparison">
      <h3 id={titleId} className="player-title" data-testid="comparison-title">
        {input.prompt}
      </h3>
      <p className="hint">
        Seed <span data-testid="comparison-seed">{input.seed}</span>, {baseline.result.settings.steps} steps, {frames.count}{' '}
        frames {frames.width}×{frames.height}. Mean difference over the whole video: {overall.toFixed(1)} levels of 255.
      </p>
      <div className="compare-grid">
        <SideCanvas side={baseline} index={playback.index} />
        <SideCanvas side={mixed} index={playback.index} />
        <DifferenceCanvas map={map} index={playback.index} gain={gain} names={names} />
      </div>
      <PlayerControls playback={playback} count={frames.count} fps={frames.fps} />
      <DifferenceDetails map={map} gain={gain} onGain={setGain} names={names} />
      <section className="compare-costs" aria-label="Cost of each run">
        <p data-testid="cost-summary">
          <strong>{costSentence(baseline.result, mixed.result, names)}</strong>
        </p>
        <div className="compare-cost-grid">
          <SideCost title={baseline.title} result={baseline.result} />
          <SideCost title={mixed.title} result={mixed.result} />
        </div>
      </section>
      <QualityTable baseline={baseline.quality} mixed={mixed.quality} names={names} />
    </section>
  );
}
