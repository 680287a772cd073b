import type { FormEvent, KeyboardEvent } from 'react';
import { generate } from './actions.js';
import { CostEstimate } from './CostEstimate.js';
import { type FieldName, fieldId } from './form-store.js';
import { MAX_STEPS } from './form-validation.js';
import { GenerateControls } from './GenerateControls.js';
import { IvKnobs } from './IvKnobs.js';
import { NegativePromptField } from './NegativePromptField.js';
import { NumberField } from './NumberField.js';
import { PromptField } from './PromptField.js';
import { usePackStore } from './pack-store.js';
import { RecipeLoad } from './recipe/RecipeLoad.js';
import { SamplerSelect } from './SamplerSelect.js';
import { SeedField } from './SeedField.js';

const FIELD_ORDER: FieldName[] = [
  'prompt',
  'negativePrompt',
  'seed',
  'steps',
  'frames',
  'variant',
  'intervalBegin',
  'intervalEnd',
  'imageBegin',
  'imageEnd',
  'videoBegin',
  'videoEnd',
  'guidanceScale',
  'rho',
  'zz',
];

/** The generation form: validated here, then sent to the engine by the generate action. */
export function GenerateForm() {
  const maxFrames = usePackStore((s) => s.summary?.pack.frames.max);

  const onSubmit = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const errors = await generate();
    const first = FIELD_ORDER.find((name) => errors[name]);
    if (first) document.getElementById(fieldId(first))?.focus();
  };

  // Ctrl/Cmd+Enter generates from any field (the prompt's hint says so): keyboard users set Steps or Frames and
  // start without tabbing back, and a plain Enter in the textarea stays a new line.
  const onKeyDown = (e: KeyboardEvent<HTMLFormElement>) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      e.currentTarget.requestSubmit();
    }
  };

  return (
    <form className="panel generate-form" onSubmit={onSubmit} onKeyDown={onKeyDown} noValidate aria-labelledby="form-heading">
      <h2 id="form-heading">Describe the video</h2>
      <PromptField />
      <NegativePromptField />
      <div className="field-row">
        <SeedField />
        <NumberField name="steps" label="Steps" min={1} max={MAX_STEPS} step={1} />
        <NumberField
          name="frames"
          label="Frames"
          min={1}
          max={maxFrames}
          step={1}
          hint={maxFrames ? `Up to ${maxFrames} for this pack.` : undefined}
        />
      </div>
      <SamplerSelect />
      <IvKnobs />
      <CostEstimate />
      <GenerateControls />
      <RecipeLoad />
    </form>
  );
}
