import { useId, useMemo } from 'react';
import { guidanceRampForSteps } from '../core/sampler/guidance-ramp.js';
import type { SamplerSettings } from '../core/sampler/settings.js';
import { VARIANTS } from '../core/sampler/variants.js';
import { MAX_STEPS } from './form-validation.js';

interface GuidanceCurveProps {
  settings: SamplerSettings;
  showImage: boolean;
  showVideo: boolean;
}

const W = 240;
const H = 96;
const PAD = { left: 26, right: 6, top: 8, bottom: 18 };

const fmt = (v: number) => (Math.abs(v) >= 10 ? v.toFixed(0) : v.toFixed(1));

/** The IDM and VDM guidance ramps over the steps (official indexing), and the mixing interval. */
export function GuidanceCurve({ settings, showImage, showVideo }: GuidanceCurveProps) {
  const titleId = useId();
  const descId = useId();
  const steps = Math.max(1, Math.min(MAX_STEPS, Math.round(settings.steps)));
  const { image, video, interval } = useMemo(() => {
    const safe = (v: number) => (Number.isFinite(v) ? Math.max(0, Math.min(50, v)) : 0);
    const rho = Number.isFinite(settings.rho) && settings.rho > 0 ? settings.rho : 7;
    const ramp = (r: SamplerSettings['imageGuidance']) =>
      Array.from(guidanceRampForSteps(steps, { begin: safe(r.begin), end: safe(r.end) }, rho));
    return {
      image: ramp(settings.imageGuidance),
      video: ramp(settings.videoGuidance),
      interval: settings.interval ?? VARIANTS[settings.variant].defaultInterval(steps),
    };
  }, [steps, settings]);

  const shown = [...(showImage ? image : []), ...(showVideo ? video : [])].filter(Number.isFinite);
  const yMax = Math.max(1, ...shown) * 1.1;
  const x = (i: number) => PAD.left + (steps === 1 ? 0.5 : i / (steps - 1)) * (W - PAD.left - PAD.right);
  const y = (v: number) => H - PAD.bottom - (v / yMax) * (H - PAD.top - PAD.bottom);
  const line = (values: number[]) =>
    values.length === 1
      ? `${PAD.left},${y(values[0] as number)} ${W - PAD.right},${y(values[0] as number)}`
      : values.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
  const [begin, end] = interval;
  const first = Math.max(0, begin);
  const last = Math.min(steps - 1, end);
  const ends = (values: number[]) => `${fmt(values[0] ?? 0)} → ${fmt(values[values.length - 1] ?? 0)}`;
  const description = [
    showImage ? `IDM guidance ${ends(image)}` : null,
    showVideo ? `VDM guidance ${ends(video)}` : null,
    last >= first ? `mixing on steps ${first + 1} to ${last + 1} of ${steps}` : 'no mixing steps',
  ]
    .filter(Boolean)
    .join('; ');

  return (
    <figure className="guidance-curve">
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-labelledby={titleId} aria-describedby={descId}>
        <title id={titleId}>Guidance ramps over the steps</title>
        <desc id={descId}>{description}</desc>
        {last >= first && (
          <rect
            className="curve-interval"
            x={steps === 1 ? PAD.left : x(first)}
            y={PAD.top}
            width={steps === 1 ? W - PAD.left - PAD.right : Math.max(2, x(last) - x(first))}
            height={H - PAD.top - PAD.bottom}
          />
        )}
        <line className="curve-axis" x1={PAD.left} y1={H - PAD.bottom} x2={W - PAD.right} y2={H - PAD.bottom} />
        <line className="curve-axis" x1={PAD.left} y1={PAD.top} x2={PAD.left} y2={H - PAD.bottom} />
        <text className="curve-label" x={PAD.left - 3} y={y(0) + 3} textAnchor="end">
          0
        </text>
        <text className="curve-label" x={PAD.left - 3} y={PAD.top + 6} textAnchor="end">
          {fmt(yMax)}
        </text>
        <text className="curve-label" x={PAD.left} y={H - 4}>
          step 1
        </text>
        <text className="curve-label" x={W - PAD.right} y={H - 4} textAnchor="end">
          step {steps}
        </text>
        {showImage && <polyline className="curve-idm" points={line(image)} />}
        {showVideo && <polyline className="curve-vdm" points={line(video)} />}
      </svg>
      <figcaption className="curve-legend">
        {showImage && (
          <span>
            <span className="swatch swatch-idm" aria-hidden="true" /> IDM {ends(image)}
          </span>
        )}
        {showVideo && (
          <span>
            <span className="swatch swatch-vdm" aria-hidden="true" /> VDM {ends(video)}
          </span>
        )}
        <span>
          <span className="swatch swatch-interval" aria-hidden="true" /> mixing interval
        </span>
      </figcaption>
    </figure>
  );
}
