import type { FormEvent } from 'react';
import { VARIANTS } from '../../core/sampler/variants.js';
import { ComparisonEstimateLine } from '../compare/ComparisonEstimateLine.js';
import { ComparisonPanel } from '../compare/ComparisonPanel.js';
import { useCompareStore } from '../compare/compare-store.js';
import { checkComparison, mixedVariantFor, packDefaultValues } from '../compare/compare-validation.js';
import { BASELINE_VARIANT } from '../compare/comparison.js';
import { PromptSuggestions } from '../compare/PromptSuggestions.js';
import { RunButton } from '../compare/RunButton.js';
import { PACK_NOT_READY_MESSAGE, runComparison } from '../compare/run-comparison.js';
import { LabelledField } from '../LabelledField.js';
import { usePackStore } from '../pack-store.js';

const PROMPT_ID = 'demo-prompt';

/**
 * One button: the prompt generated with DDIM and with IV-mixed from the same noise, with the pack's own
 * defaults and a fresh seed, shown side by side. Needs nothing but the loaded (bundled) pack.
 */
export function DemoPage() {
  const prompt = useCompareStore((s) => s.demoPrompt);
  const error = useCompareStore((s) => s.demoError);
  const setPrompt = useCompareStore((s) => s.setDemoPrompt);
  const pack = usePackStore((s) => s.summary?.pack ?? null);
  const defaults = pack ? packDefaultValues(pack) : null;

  const onSubmit = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const state = useCompareStore.getState();
    if (state.status === 'running') return;
    const current = usePackStore.getState().summary?.pack ?? null;
    if (!current) {
      state.fail('demo', PACK_NOT_READY_MESSAGE);
      return;
    }
    // No seed: a fresh one is drawn for every click and shown with the result.
    const checked = checkComparison({ prompt: state.demoPrompt, seed: '', ...packDefaultValues(current) }, current);
    if (!checked.ok) {
      state.setDemoError(checked.errors.prompt ?? null);
      const others = Object.entries(checked.errors).filter(([name]) => name !== 'prompt');
      const general = [checked.general, ...others.map(([, message]) => message)].filter(Boolean).join(' ');
      if (general) state.fail('demo', general);
      else state.clearError();
      if (checked.errors.prompt) document.getElementById(PROMPT_ID)?.focus();
      return;
    }
    state.setDemoError(null);
    await runComparison(checked.value, 'demo');
  };

  return (
    <div className="compare-page demo-page">
      <form className="panel compare-form" onSubmit={onSubmit} noValidate aria-labelledby="demo-heading">
        <h2 id="demo-heading">See what IV-mixed changes</h2>
        <p>
          Pick a prompt and press the button: your browser generates the video twice from the same random noise, once with{' '}
          {VARIANTS[BASELINE_VARIANT].title} and once with {VARIANTS[mixedVariantFor(pack)].title}, and plays both side by side.
          Everything runs on this device with the bundled model pack.
        </p>
        <LabelledField
          id={PROMPT_ID}
          label="Prompt"
          error={error}
          className="field-wide"
          after={<PromptSuggestions onChoose={setPrompt} />}
        >
          {(control) => (
            <textarea
              {...control}
              rows={2}
              value={prompt}
              placeholder={pack?.suggestedPrompts[0] ? `e.g. ${pack.suggestedPrompts[0]}` : 'Describe the video'}
              onChange={(e) => setPrompt(e.target.value)}
            />
          )}
        </LabelledField>
        <p className="hint" data-testid="demo-settings">
          {pack && defaults
            ? `${pack.name}'s defaults: ${defaults.steps} steps, ${defaults.frames} frames, a new random seed each time.`
            : 'Waiting for the bundled model pack…'}
        </p>
        {defaults && <ComparisonEstimateLine steps={defaults.steps} frames={defaults.frames} />}
        <RunButton origin="demo" label="Generate and compare" />
      </form>
      <ComparisonPanel
        origin="demo"
        placeholder="Both videos will appear here. Pick a suggested prompt, then press Generate and compare."
      />
    </div>
  );
}
