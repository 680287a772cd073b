import { useEffect, useId, useMemo, useRef, useState } from 'react';
import type { VideoFrames } from '../../engine/types.js';
import { DIFFERENCE_GAINS, type DifferenceGain, differenceMap } from './difference-map.js';

interface DifferenceViewProps {
  baseline: VideoFrames;
  mixed: VideoFrames;
  /** The frame both players show (one shared clock). */
  index: number;
  names: { baseline: string; mixed: string };
}

/** |DDIM − IV-mixed| of the frame on screen as a heat map, amplified by a chosen gain, with its numbers. */
export function DifferenceView({ baseline, mixed, index, names }: DifferenceViewProps) {
  const [gain, setGain] = useState<DifferenceGain>(4);
  const ref = useRef<HTMLCanvasElement>(null);
  const titleId = useId();
  const gainId = useId();
  const map = useMemo(() => differenceMap(baseline, mixed, index, gain), [baseline, mixed, index, gain]);

  useEffect(() => {
    const context = ref.current?.getContext('2d');
    if (!context) return;
    context.putImageData(new ImageData(map.rgba, map.width, map.height), 0, 0);
  }, [map]);

  return (
    <figure className="compare-side" aria-labelledby={titleId} data-testid="difference-view">
      <h4 id={titleId} className="compare-side-title">
        Difference
      </h4>
      <canvas
        ref={ref}
        width={map.width}
        height={map.height}
        role="img"
        aria-label={`Per-pixel difference between ${names.baseline} and ${names.mixed}, frame ${index + 1}, amplified ×${gain}; mean ${map.mean.toFixed(1)} levels`}
        className="frames-canvas compare-canvas"
        style={{ aspectRatio: `${map.width} / ${map.height}` }}
        data-testid="difference-canvas"
      />
      <figcaption className="compare-caption">
        <span className="heat-legend" aria-hidden="true">
          <span>0</span>
          <span className="heat-ramp" />
          <span>≥ {Math.round(255 / gain)}</span>
        </span>
        <span className="hint">
          |{names.baseline} − {names.mixed}| per pixel (mean of R, G, B), ×{gain}: black = same, white = {Math.round(255 / gain)}+
          levels apart.
        </span>
        <span data-testid="difference-stats">
          This frame: mean {map.mean.toFixed(1)}, max {Math.round(map.max)} levels
        </span>
        <span className="difference-gain">
          <label htmlFor={gainId}>Amplify</label>
          <select id={gainId} value={gain} onChange={(e) => setGain(Number(e.target.value) as DifferenceGain)}>
            {DIFFERENCE_GAINS.map((g) => (
              <option key={g} value={g}>
                ×{g}
              </option>
            ))}
          </select>
        </span>
      </figcaption>
    </figure>
  );
}
