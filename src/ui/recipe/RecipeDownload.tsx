import { useState } from 'react';
import { errorMessage } from '../format.js';
import { saveFile } from '../save-file.js';
import { type Recipe, recipeFileName, serializeRecipe } from './recipe.js';

/** "Download recipe (JSON)": the settings, pack and versions that made this video, to remake or share it. */
export function RecipeDownload({ recipe }: { recipe: () => Promise<Recipe> }) {
  const [error, setError] = useState<string | null>(null);
  const download = async () => {
    try {
      const r = await recipe();
      saveFile(serializeRecipe(r), recipeFileName(r), 'application/json');
      setError(null);
    } catch (e) {
      setError(`The recipe could not be written: ${errorMessage(e)}`);
    }
  };
  return (
    <>
      <button type="button" onClick={download}>
        Download recipe (JSON)
      </button>
      {error && <span role="alert">{error}</span>}
    </>
  );
}
