import { useEffect, useId, useRef } from 'react';
import { DIFFERENCE_GAINS, type DifferenceGain, type DifferenceMap } from './difference-map.js';

interface Names {
  baseline: string;
  mixed: string;
}

/** The heat map of |DDIM − IV-mixed| for the frame on screen, titled like the two videos beside it. */
export function DifferenceCanvas({
  map,
  index,
  gain,
  names,
}: {
  map: DifferenceMap;
  index: number;
  gain: DifferenceGain;
  names: Names;
}) {
  const ref = useRef<HTMLCanvasElement>(null);
  const titleId = useId();

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
    </figure>
  );
}

interface DifferenceDetailsProps {
  map: DifferenceMap;
  gain: DifferenceGain;
  onGain: (gain: DifferenceGain) => void;
  names: Names;
}

/** How to read the heat map (legend, gain) and the numbers of the frame on screen. */
export function DifferenceDetails({ map, gain, onGain, names }: DifferenceDetailsProps) {
  const gainId = useId();
  const full = Math.round(255 / gain);
  return (
    <div className="difference-details">
      <span className="heat-legend" aria-hidden="true">
        <span>0</span>
        <span className="heat-ramp" />
        <span>≥ {full}</span>
      </span>
      <span className="hint">
        Difference: |{names.baseline} − {names.mixed}| per pixel (mean of R, G, B), ×{gain}: black = same, white = {full}+ levels
        apart.
      </span>
      <span data-testid="difference-stats">
        This frame: mean {map.mean.toFixed(1)}, max {Math.round(map.max)} levels
      </span>
      <span className="difference-gain">
        <label htmlFor={gainId}>Amplify</label>
        <select id={gainId} value={gain} onChange={(e) => onGain(Number(e.target.value) as DifferenceGain)}>
          {DIFFERENCE_GAINS.map((g) => (
            <option key={g} value={g}>
              ×{g}
            </option>
          ))}
        </select>
      </span>
    </div>
  );
}
