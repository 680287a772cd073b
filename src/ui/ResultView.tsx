import { FramesDownload } from './export/FramesDownload.js';
import { encodePngFrames } from './export/png-frames.js';
import { HistorySaveStatus } from './history/HistorySaveStatus.js';
import { Mp4Download } from './Mp4Download.js';
import { ResultCost } from './ResultCost.js';
import { ResultPlayer } from './ResultPlayer.js';
import { RecipeDownload } from './recipe/RecipeDownload.js';
import { recipeOfRun } from './recipe/run-recipe.js';
import { useRunStore } from './run-store.js';

/** The latest finished run in the player, with its cost. */
export function ResultView() {
  const last = useRunStore((s) => s.last);
  if (!last) return null;
  return (
    <ResultPlayer
      key={last.id}
      frames={last.result.frames}
      title={last.input.prompt}
      actions={
        <>
          <Mp4Download frames={last.result.frames} fileName={`ivmix-${last.input.packId}-seed${last.input.seed}.mp4`} />
          <FramesDownload
            pngs={() => encodePngFrames(last.result.frames)}
            fileName={`ivmix-${last.input.packId}-seed${last.input.seed}-frames.zip`}
          />
          <RecipeDownload recipe={() => recipeOfRun(last)} />
        </>
      }
    >
      <ResultCost run={last} />
      <HistorySaveStatus runId={last.id} />
    </ResultPlayer>
  );
}
