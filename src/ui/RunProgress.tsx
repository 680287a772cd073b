import { cancelGeneration } from './actions.js';
import { formatDuration, MODEL_NAMES } from './format.js';
import { LatentPreview } from './LatentPreview.js';
import { useRunStore } from './run-store.js';
import { useNow } from './use-now.js';

/** Remaining time from the calls done so far (wall time per call), or from the estimate before the first one. */
function remainingMs(
  progress: NonNullable<ReturnType<typeof useRunStore.getState>['progress']>,
  now: number,
  startedAt: number,
  estimatedMs: number | null,
): number | null {
  const { callsDone, totalCalls, firstCallAt, lastCallEndAt } = progress;
  if (callsDone > 0 && firstCallAt !== null && lastCallEndAt !== null && totalCalls > 0) {
    const perCall = (lastCallEndAt - firstCallAt) / callsDone;
    const sinceLast = now - lastCallEndAt;
    return Math.max(0, perCall * (totalCalls - callsDone) - sinceLast);
  }
  if (estimatedMs !== null) return Math.max(0, estimatedMs - (now - startedAt));
  return null;
}

export function RunProgress() {
  const progress = useRunStore((s) => s.progress);
  const startedAt = useRunStore((s) => s.startedAt);
  const input = useRunStore((s) => s.input);
  const preview = useRunStore((s) => s.preview);
  const cancelRequested = useRunStore((s) => s.cancelRequested);
  const now = useNow(true);
  if (!progress || startedAt === null) return null;

  const decoding = progress.model === null && progress.callsDone > 0 && progress.callsDone === progress.totalCalls;
  const remaining = decoding ? null : remainingMs(progress, now, startedAt, input?.estimatedMs ?? null);
  const stepText = progress.steps > 0 ? `Step ${Math.min(progress.step + 1, progress.steps)}/${progress.steps}` : 'Starting';

  return (
    <section className="run-progress" aria-labelledby="run-heading" data-testid="run-progress">
      <h3 id="run-heading">Generating…</h3>
      <progress
        value={progress.callsDone}
        max={Math.max(1, progress.totalCalls)}
        aria-label="Model calls done"
        aria-valuetext={`${progress.callsDone} of ${progress.totalCalls} model calls`}
      />
      <p className="progress-line">
        <strong>{stepText}</strong>
        <span>{progress.label}</span>
        {progress.model && <span>{MODEL_NAMES[progress.model]}</span>}
        {progress.totalCalls > 0 && (
          <span>
            call {Math.min(progress.callsDone + (decoding ? 0 : 1), progress.totalCalls)}/{progress.totalCalls}
          </span>
        )}
      </p>
      <p className="progress-line">
        <span>Elapsed {formatDuration(now - startedAt)}</span>
        <span>
          {decoding ? 'Decoding…' : remaining === null ? 'Estimating time left…' : `About ${formatDuration(remaining)} left`}
        </span>
        {input && <span>Seed {input.seed}</span>}
      </p>
      {preview && <LatentPreview frames={preview.frames} step={preview.step} />}
      <button type="button" className="secondary" onClick={cancelGeneration} aria-disabled={cancelRequested ? true : undefined}>
        {cancelRequested ? 'Cancelling…' : 'Cancel'}
      </button>
    </section>
  );
}
