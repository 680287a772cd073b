import { Field } from './Field.js';
import { useFormStore } from './form-store.js';

export function NegativePromptField() {
  const value = useFormStore((s) => s.values.negativePrompt);
  const setValue = useFormStore((s) => s.setValue);
  return (
    <Field name="negativePrompt" label="Negative prompt" hint="What the video should not show (optional)." className="field-wide">
      {(control) => <textarea {...control} rows={2} value={value} onChange={(e) => setValue('negativePrompt', e.target.value)} />}
    </Field>
  );
}
