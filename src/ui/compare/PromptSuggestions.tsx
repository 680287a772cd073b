import { useId } from 'react';
import { usePackStore } from '../pack-store.js';

/** The loaded pack's suggested prompts as buttons; choosing one puts it in the prompt field. */
export function PromptSuggestions({ onChoose }: { onChoose: (prompt: string) => void }) {
  const suggestions = usePackStore((s) => s.summary?.pack.suggestedPrompts);
  const labelId = useId();
  if (!suggestions || suggestions.length === 0) return null;
  return (
    <div className="suggestions">
      <span className="suggestions-label" id={labelId}>
        Suggestions for this pack:
      </span>
      <ul aria-labelledby={labelId}>
        {suggestions.map((text) => (
          <li key={text}>
            <button type="button" className="chip" onClick={() => onChoose(text)}>
              {text}
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
}
