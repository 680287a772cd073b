import { useFormStore } from '../form-store.js';
import { usePackStore } from '../pack-store.js';
import { useRunStore } from '../run-store.js';
import { MAX_RECIPE_BYTES, parseRecipeText, type Recipe, RecipeError } from './recipe.js';
import { checkRecipeForPack, recipeToFormValues } from './recipe-form.js';
import { useRecipeStore } from './recipe-store.js';

/**
 * Fill the Studio form from a recipe so that Generate remakes its video. Refused (the form untouched) when
 * no pack is loaded or the recipe is for another pack; the outcome is shown as the recipe notice.
 */
export function applyRecipe(recipe: Recipe, source: string): boolean {
  const { setNotice } = useRecipeStore.getState();
  const pack = usePackStore.getState();
  if (pack.status !== 'ready' || !pack.summary) {
    setNotice({
      kind: 'error',
      text: `${source} was not loaded: the model pack is not loaded yet. Wait for it (see “Model pack”), then load the recipe again.`,
    });
    return false;
  }
  const fit = checkRecipeForPack(recipe, pack.summary.pack);
  if (!fit.ok) {
    setNotice({ kind: 'error', text: `${source} was not loaded. ${fit.message}` });
    return false;
  }
  useFormStore.getState().setValues(recipeToFormValues(recipe));
  useRunStore.getState().clearError();
  setNotice({
    kind: 'loaded',
    text: `${source} loaded: the form holds its prompt, seed ${recipe.seed} and settings. Press Generate to make the video again.`,
    warning: fit.warning,
  });
  return true;
}

/** Read a recipe file the user picked and apply it; a malformed or foreign file is explained, field named. */
export async function loadRecipeFile(file: File): Promise<boolean> {
  const { setNotice } = useRecipeStore.getState();
  const name = `The recipe “${file.name}”`;
  if (file.size > MAX_RECIPE_BYTES) {
    setNotice({
      kind: 'error',
      text: `${name} was not loaded: at ${file.size} bytes it is too large to be a recipe (they are a few KB). Pick the file that “Download recipe (JSON)” saved.`,
    });
    return false;
  }
  let recipe: Recipe;
  try {
    recipe = parseRecipeText(await file.text());
  } catch (error) {
    const message = error instanceof RecipeError ? error.message : `it could not be read (${String(error)}).`;
    setNotice({ kind: 'error', text: `${name} was not loaded. ${message}` });
    return false;
  }
  return applyRecipe(recipe, name);
}
