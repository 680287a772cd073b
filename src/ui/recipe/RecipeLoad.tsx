import { type ChangeEvent, useId } from 'react';
import { loadRecipeFile } from './apply-recipe.js';
import { useRecipeStore } from './recipe-store.js';

/** "Load recipe": a recipe file fills the form, so that Generate remakes its video. */
export function RecipeLoad() {
  const id = useId();
  const hintId = `${id}-hint`;
  const notice = useRecipeStore((s) => s.notice);

  const onChange = async (e: ChangeEvent<HTMLInputElement>) => {
    const input = e.currentTarget;
    const file = input.files?.[0];
    if (!file) return;
    await loadRecipeFile(file);
    // Picking the same file again (after fixing it) must fire another change.
    input.value = '';
  };

  return (
    <div className="field recipe-load">
      <label htmlFor={id}>Load recipe</label>
      <input id={id} type="file" accept=".json,application/json" onChange={onChange} aria-describedby={hintId} />
      <p id={hintId} className="hint">
        A recipe (.json from “Download recipe”) fills the form with its prompt, seed and settings.
      </p>
      <div role="status" data-testid="recipe-status">
        {notice?.kind === 'loaded' && (
          <p className="notice">
            {notice.text}
            {notice.warning && (
              <>
                {' '}
                <strong>{notice.warning}</strong>
              </>
            )}
          </p>
        )}
      </div>
      {notice?.kind === 'error' && (
        <p role="alert" className="alert" data-testid="recipe-error">
          {notice.text}
        </p>
      )}
    </div>
  );
}
