import { sha256Hex } from '../../runtime/download/sha256.js';
import { APP_VERSION } from '../app-version.js';
import type { FinishedRun } from '../run-store.js';
import { RECIPE_FORMAT, type Recipe } from './recipe.js';

/** SHA-256 of a video's RGBA bytes, the fingerprint a recipe keeps of its frames. */
export function framesSha256(rgba: Uint8Array): Promise<string> {
  return sha256Hex(rgba as Uint8Array<ArrayBuffer>);
}

/** The recipe of a finished Studio run: what was asked for, what ran it, and which frames it gave. */
export async function recipeOfRun(run: FinishedRun): Promise<Recipe> {
  const { input, result } = run;
  return {
    format: RECIPE_FORMAT,
    createdAt: new Date(run.finishedAt).toISOString(),
    prompt: input.prompt,
    negativePrompt: input.negativePrompt,
    seed: result.seed,
    frames: result.frames.count,
    width: result.frames.width,
    height: result.frames.height,
    fps: result.frames.fps,
    settings: result.settings,
    pack: { id: input.packId, files: input.packFiles.map((f) => ({ path: f.path, sha256: f.sha256 })) },
    backend: result.backend,
    app: { version: APP_VERSION, onnxruntimeWeb: input.onnxruntimeVersion },
    framesSha256: await framesSha256(result.frames.rgba),
  };
}
