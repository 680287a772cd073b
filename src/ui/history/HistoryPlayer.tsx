import { useEffect, useState } from 'react';
import { VARIANTS } from '../../core/sampler/variants.js';
import type { VideoFrames } from '../../engine/types.js';
import { FramesDownload } from '../export/FramesDownload.js';
import { decodePngFrames } from '../export/png-frames.js';
import { errorMessage, formatDuration } from '../format.js';
import { Mp4Download } from '../Mp4Download.js';
import { ResultPlayer } from '../ResultPlayer.js';
import { applyRecipe } from '../recipe/apply-recipe.js';
import { RecipeDownload } from '../recipe/RecipeDownload.js';
import { useRecipeStore } from '../recipe/recipe-store.js';
import { navigate } from '../router.js';
import type { HistoryEntry } from './history-db.js';
import { historyFrames } from './history-store.js';

type Loaded =
  | { phase: 'loading' }
  | { phase: 'ready'; frames: VideoFrames; pngs: Uint8Array[] }
  | { phase: 'error'; message: string };

/** A kept video, decoded from its PNG frames, in the same player as the Studio's. */
export function HistoryPlayer({ entry }: { entry: HistoryEntry }) {
  const [loaded, setLoaded] = useState<Loaded>({ phase: 'loading' });
  const [openError, setOpenError] = useState<string | null>(null);
  const { recipe, cost } = entry;

  useEffect(() => {
    let live = true;
    setLoaded({ phase: 'loading' });
    (async () => {
      const pngs = await historyFrames(entry.id);
      if (!pngs) throw new Error('its frames are gone (deleted in another tab?)');
      const frames = await decodePngFrames(pngs, recipe.fps);
      if (live) setLoaded({ phase: 'ready', frames, pngs });
    })().catch((error: unknown) => {
      if (live) setLoaded({ phase: 'error', message: `This video could not be played: ${errorMessage(error)}` });
    });
    return () => {
      live = false;
    };
  }, [entry.id, recipe.fps]);

  if (loaded.phase === 'loading') return <p role="status">Loading the video…</p>;
  if (loaded.phase === 'error')
    return (
      <p role="alert" className="alert">
        {loaded.message}
      </p>
    );

  const base = `ivmix-${recipe.pack.id}-seed${recipe.seed}`;
  const openInStudio = () => {
    if (applyRecipe(recipe, 'The video’s recipe')) navigate('studio');
    else {
      // Said here: the Studio, where recipe notices usually show, is not on screen.
      const notice = useRecipeStore.getState().notice;
      setOpenError(notice?.kind === 'error' ? notice.text : 'The video’s recipe could not be loaded into the Studio.');
    }
  };
  return (
    <ResultPlayer
      key={entry.id}
      frames={loaded.frames}
      title={recipe.prompt}
      actions={
        <>
          <button type="button" onClick={openInStudio}>
            Open in Studio
          </button>
          <Mp4Download frames={loaded.frames} fileName={`${base}.mp4`} />
          <FramesDownload pngs={async () => loaded.pngs} fileName={`${base}-frames.zip`} />
          <RecipeDownload recipe={async () => recipe} />
        </>
      }
    >
      <dl className="result-cost">
        <dt>Made</dt>
        <dd>{new Date(entry.createdAt).toLocaleString()}</dd>
        <dt>UNet calls</dt>
        <dd>
          {cost.imageCalls + cost.videoCalls} ({cost.imageCalls} image, {cost.videoCalls} video)
        </dd>
        <dt>Total time</dt>
        <dd>{formatDuration(cost.totalMs)}</dd>
        <dt>Backend</dt>
        <dd>{recipe.backend === 'webgpu' ? 'WebGPU' : 'WASM'}</dd>
        <dt>Seed</dt>
        <dd>{recipe.seed}</dd>
        <dt>Sampler</dt>
        <dd>
          {VARIANTS[recipe.settings.variant].title}, {recipe.settings.steps} steps, {recipe.frames} frames {recipe.width}×
          {recipe.height}
        </dd>
        <dt>Pack</dt>
        <dd>{recipe.pack.id}</dd>
        {recipe.negativePrompt.trim() !== '' && (
          <>
            <dt>Negative prompt</dt>
            <dd>{recipe.negativePrompt}</dd>
          </>
        )}
      </dl>
      {openError && (
        <p role="alert" className="alert" data-testid="history-open-error">
          {openError}
        </p>
      )}
    </ResultPlayer>
  );
}
