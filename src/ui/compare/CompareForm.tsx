import type { FormEvent, KeyboardEvent } from 'react';
import { VARIANTS } from '../../core/sampler/variants.js';
import { MAX_SEED } from '../form-store.js';
import { MAX_STEPS } from '../form-validation.js';
import { type LabelledControl, LabelledField } from '../LabelledField.js';
import { usePackStore } from '../pack-store.js';
import { ComparisonEstimateLine } from './ComparisonEstimateLine.js';
import { useCompareStore } from './compare-store.js';
import { COMPARE_FIELDS, type CompareField, checkComparison, mixedVariantFor } from './compare-validation.js';
import { BASELINE_VARIANT } from './comparison.js';
import { PromptSuggestions } from './PromptSuggestions.js';
import { RunButton } from './RunButton.js';
import { runComparison } from './run-comparison.js';

export const compareFieldId = (name: CompareField) => `compare-${name}`;

/** A whole-number input bound to the compare store; checked when the form is submitted. */
function NumberInput({
  name,
  min,
  max,
  ...control
}: LabelledControl & { name: 'seed' | 'steps' | 'frames'; min: number; max?: number }) {
  const value = useCompareStore((s) => s.values[name]);
  const setValue = useCompareStore((s) => s.setValue);
  return (
    <input
      {...control}
      type="number"
      inputMode="numeric"
      min={min}
      max={max}
      step={1}
      value={value}
      onChange={(e) => setValue(name, e.target.value)}
    />
  );
}

/** One prompt, one seed, steps and frames: checked like the Studio's form, then run as DDIM and IV-mixed. */
export function CompareForm() {
  const values = useCompareStore((s) => s.values);
  const errors = useCompareStore((s) => s.errors);
  const setValue = useCompareStore((s) => s.setValue);
  const randomizeSeed = useCompareStore((s) => s.randomizeSeed);
  const pack = usePackStore((s) => s.summary?.pack ?? null);
  const mixedTitle = VARIANTS[mixedVariantFor(pack)].title;

  const onSubmit = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const state = useCompareStore.getState();
    if (state.status === 'running') return;
    const checked = checkComparison(state.values, usePackStore.getState().summary?.pack ?? null);
    if (!checked.ok) {
      state.setErrors(checked.errors);
      if (checked.general) state.fail('compare', checked.general);
      else state.clearError();
      const first = COMPARE_FIELDS.find((name) => checked.errors[name]);
      if (first) document.getElementById(compareFieldId(first))?.focus();
      return;
    }
    state.setErrors({});
    if (checked.seedDrawn) state.setValue('seed', String(checked.value.seed));
    await runComparison(checked.value, 'compare');
  };

  const onPromptKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      e.currentTarget.form?.requestSubmit();
    }
  };

  return (
    <form className="panel compare-form" onSubmit={onSubmit} noValidate aria-labelledby="compare-form-heading">
      <h2 id="compare-form-heading">DDIM vs IV-mixed, same seed</h2>
      <p className="hint">
        Runs {VARIANTS[BASELINE_VARIANT].title}, then {mixedTitle}, from the same initial noise with the same prompt, steps and
        guidance; only the sampler differs.
      </p>
      <LabelledField
        id={compareFieldId('prompt')}
        label="Prompt"
        error={errors.prompt}
        hint="Ctrl+Enter (⌘+Enter on a Mac) runs the comparison."
        className="field-wide"
        after={<PromptSuggestions onChoose={(text) => setValue('prompt', text)} />}
      >
        {(control) => (
          <textarea
            {...control}
            rows={2}
            value={values.prompt}
            onChange={(e) => setValue('prompt', e.target.value)}
            onKeyDown={onPromptKeyDown}
          />
        )}
      </LabelledField>
      <div className="field-row">
        <LabelledField id={compareFieldId('seed')} label="Seed" error={errors.seed} hint="Empty draws one at random.">
          {(control) => (
            <div className="input-with-addon">
              <NumberInput {...control} name="seed" min={0} max={MAX_SEED} />
              <button type="button" className="secondary" onClick={randomizeSeed}>
                Random
              </button>
            </div>
          )}
        </LabelledField>
        <LabelledField id={compareFieldId('steps')} label="Steps" error={errors.steps}>
          {(control) => <NumberInput {...control} name="steps" min={1} max={MAX_STEPS} />}
        </LabelledField>
        <LabelledField
          id={compareFieldId('frames')}
          label="Frames"
          error={errors.frames}
          hint={pack ? `Up to ${pack.frames.max} for this pack.` : undefined}
        >
          {(control) => <NumberInput {...control} name="frames" min={1} max={pack?.frames.max} />}
        </LabelledField>
      </div>
      <ComparisonEstimateLine steps={values.steps} frames={values.frames} />
      <RunButton origin="compare" label="Run comparison" />
    </form>
  );
}
