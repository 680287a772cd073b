import { DEFAULT_SAMPLER_SETTINGS } from '../../core/sampler/settings.js';
import { VARIANTS } from '../../core/sampler/variants.js';
import type { PackInfo } from '../../engine/types.js';
import type { FormValues } from '../form-store.js';
import type { Recipe } from './recipe.js';

export type RecipeFit = { ok: true; warning: string | null } | { ok: false; field: string; message: string };

/**
 * Whether the Studio can remake this recipe's video with the loaded pack. Another pack is refused (its
 * settings mean nothing to this one); the same pack id with other files is allowed with a warning, since
 * the video will likely differ.
 */
export function checkRecipeForPack(recipe: Recipe, pack: PackInfo): RecipeFit {
  if (recipe.pack.id !== pack.id) {
    return {
      ok: false,
      field: 'pack.id',
      message: `This recipe is for the pack “${recipe.pack.id}”, and the loaded pack is “${pack.id}”. Load the pack “${recipe.pack.id}” first, then the recipe.`,
    };
  }
  const { width, height } = pack.nativeResolution;
  if (recipe.width !== width || recipe.height !== height) {
    return {
      ok: false,
      field: 'width',
      message: `This recipe is for ${recipe.width}×${recipe.height} video, and the Studio makes ${width}×${height} with this pack.`,
    };
  }
  if (recipe.frames > pack.frames.max) {
    return {
      ok: false,
      field: 'frames',
      message: `This recipe asks for ${recipe.frames} frames; this pack makes at most ${pack.frames.max}.`,
    };
  }
  if (VARIANTS[recipe.settings.variant].usesImageModel && !pack.hasImageModel) {
    return {
      ok: false,
      field: 'settings.variant',
      message: `This recipe uses “${VARIANTS[recipe.settings.variant].title}”, which needs an image model, and the loaded pack has none.`,
    };
  }
  if (recipe.settings.eta !== DEFAULT_SAMPLER_SETTINGS.eta) {
    return {
      ok: false,
      field: 'settings.eta',
      message: `This recipe uses eta ${recipe.settings.eta}; the Studio runs deterministic DDIM (eta ${DEFAULT_SAMPLER_SETTINGS.eta}) only.`,
    };
  }
  return { ok: true, warning: packFilesWarning(recipe, pack) };
}

/** Which of the pack's files differ from the ones the recipe was made with, said in one sentence. */
function packFilesWarning(recipe: Recipe, pack: PackInfo): string | null {
  const ours = new Map(pack.files.map((f) => [f.path, f.sha256]));
  const theirs = new Map(recipe.pack.files.map((f) => [f.path, f.sha256]));
  const changed = [...new Set([...ours.keys(), ...theirs.keys()])].filter((path) => ours.get(path) !== theirs.get(path)).sort();
  if (changed.length === 0) return null;
  const shown = changed.length > 3 ? `${changed.slice(0, 3).join(', ')} and ${changed.length - 3} more` : changed.join(', ');
  return `The loaded pack “${pack.id}” is not the same version as the recipe's (files that differ: ${shown}): the video will likely not be the same.`;
}

/** The Studio form that regenerates the recipe's video (numbers written back as the form's strings). */
export function recipeToFormValues(recipe: Recipe): FormValues {
  const s = recipe.settings;
  return {
    prompt: recipe.prompt,
    negativePrompt: recipe.negativePrompt,
    seed: String(recipe.seed),
    steps: String(s.steps),
    frames: String(recipe.frames),
    variant: s.variant,
    intervalBegin: s.interval ? String(s.interval[0]) : '',
    intervalEnd: s.interval ? String(s.interval[1]) : '',
    zz: String(s.zz),
    imageBegin: String(s.imageGuidance.begin),
    imageEnd: String(s.imageGuidance.end),
    videoBegin: String(s.videoGuidance.begin),
    videoEnd: String(s.videoGuidance.end),
    rho: String(s.rho),
    guidanceScale: String(s.guidanceScale),
  };
}
