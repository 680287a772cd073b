import { useMemo } from 'react';
import { VARIANTS } from '../core/sampler/variants.js';
import { useFormStore } from './form-store.js';
import { knobsInUse, readSettings } from './form-validation.js';
import { GuidanceCurve } from './GuidanceCurve.js';
import { NumberField } from './NumberField.js';

/** The IV-mixed Sampler's knobs, with a preview of the two guidance ramps. */
export function IvKnobs() {
  const values = useFormStore((s) => s.values);
  const { settings } = useMemo(() => readSettings(values), [values]);
  const use = knobsInUse(values.variant);
  const [defaultBegin, defaultEnd] = VARIANTS[values.variant].defaultInterval(settings.steps);
  const unused = (what: string) => `Not used by ${VARIANTS[values.variant].title}${what}.`;

  return (
    <fieldset className="iv-knobs">
      <legend>IV knobs</legend>
      <p className="hint">
        {use.imageModel
          ? 'Each step inside the interval runs the image model (IDM) and the video model (VDM) forward and back, then a plain DDIM step.'
          : use.video
            ? 'Each step inside the interval runs a video-model zigzag (denoise, invert), then a plain DDIM step.'
            : 'DDIM runs one video-model step per timestep; only the guidance scale applies.'}
      </p>
      <div className="knob-grid">
        <NumberField
          name="intervalBegin"
          label="Interval begin"
          min={0}
          step={1}
          disabled={!use.interval}
          placeholder={use.interval ? String(defaultBegin) : ''}
          hint={use.interval ? 'First mixing step (0-based); empty = default.' : unused('')}
        />
        <NumberField
          name="intervalEnd"
          label="Interval end"
          min={0}
          step={1}
          disabled={!use.interval}
          placeholder={use.interval ? String(defaultEnd) : ''}
          hint={use.interval ? 'Last mixing step (0-based); empty = default.' : unused('')}
        />
        <NumberField name="imageBegin" label="IDM guidance begin" min={0} max={50} step="any" disabled={!use.imageModel} />
        <NumberField name="imageEnd" label="IDM guidance end" min={0} max={50} step="any" disabled={!use.imageModel} />
        <NumberField name="videoBegin" label="VDM guidance begin" min={0} max={50} step="any" disabled={!use.video} />
        <NumberField name="videoEnd" label="VDM guidance end" min={0} max={50} step="any" disabled={!use.video} />
        <NumberField name="guidanceScale" label="Guidance scale" min={0} max={50} step="any" hint="CFG of the plain DDIM step." />
        <NumberField
          name="rho"
          label="Rho (ρ)"
          min={0}
          step="any"
          disabled={!use.video}
          hint={use.video ? 'Curvature of both ramps.' : undefined}
        />
        <NumberField
          name="zz"
          label="zz"
          min={1}
          step={1}
          disabled={!use.imageModel}
          hint={use.imageModel ? 'Every zz-th step the VDM stands in for the IDM (1000 = never).' : unused(' (no image model)')}
        />
      </div>
      {use.video && <GuidanceCurve settings={settings} showImage={use.imageModel} showVideo={use.video} />}
    </fieldset>
  );
}
