import { Field } from './Field.js';
import { useFormStore } from './form-store.js';
import { usePackStore } from './pack-store.js';

/** The prompt, with the pack's suggested prompts; Ctrl/Cmd+Enter submits the form (handled by the form). */
export function PromptField() {
  const prompt = useFormStore((s) => s.values.prompt);
  const setValue = useFormStore((s) => s.setValue);
  const suggestions = usePackStore((s) => s.summary?.pack.suggestedPrompts);

  return (
    <Field
      name="prompt"
      label="Prompt"
      hint="Ctrl+Enter (⌘+Enter on a Mac) generates."
      className="field-wide"
      after={
        suggestions &&
        suggestions.length > 0 && (
          <div className="suggestions">
            <span className="suggestions-label" id="suggestions-label">
              Suggestions for this pack:
            </span>
            <ul aria-labelledby="suggestions-label">
              {suggestions.map((text) => (
                <li key={text}>
                  <button type="button" className="chip" onClick={() => setValue('prompt', text)}>
                    {text}
                  </button>
                </li>
              ))}
            </ul>
          </div>
        )
      }
    >
      {(control) => (
        <textarea
          {...control}
          rows={3}
          value={prompt}
          placeholder={suggestions?.[0] ? `e.g. ${suggestions[0]}` : 'Describe the video'}
          onChange={(e) => setValue('prompt', e.target.value)}
        />
      )}
    </Field>
  );
}
