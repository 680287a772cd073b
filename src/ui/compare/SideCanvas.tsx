import { useId } from 'react';
import { FramesCanvas } from '../FramesCanvas.js';
import type { ComparisonSide } from './comparison.js';

/** One sampler's video at the shared frame index, titled with the sampler. */
export function SideCanvas({ side, index }: { side: ComparisonSide; index: number }) {
  const titleId = useId();
  const { frames } = side.result;
  return (
    <figure className="compare-side" aria-labelledby={titleId} data-testid={`side-${side.id}`}>
      <h4 id={titleId} className="compare-side-title">
        {side.title}
      </h4>
      <FramesCanvas
        frames={frames}
        index={index}
        label={`${side.title} video, frame ${index + 1} of ${frames.count}`}
        className="compare-canvas"
        testId={`player-${side.id}`}
      />
    </figure>
  );
}
