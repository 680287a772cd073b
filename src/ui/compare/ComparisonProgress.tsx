import { formatDuration } from '../format.js';
import { useNow } from '../use-now.js';
import { useCompareStore } from './compare-store.js';
import { cancelComparison } from './run-comparison.js';

/** Which sampler runs, its step and model calls, the elapsed time, and Cancel. */
export function ComparisonProgress() {
  const progress = useCompareStore((s) => s.progress);
  const startedAt = useCompareStore((s) => s.startedAt);
  const input = useCompareStore((s) => s.input);
  const cancelRequested = useCompareStore((s) => s.cancelRequested);
  const now = useNow(true);
  if (startedAt === null) return null;

  const stepText =
    progress?.phase === 'sampling' && progress.steps > 0
      ? `Step ${Math.min(progress.step + 1, progress.steps)}/${progress.steps}`
      : progress?.label;
  return (
    <section className="run-progress" aria-labelledby="compare-run-heading" data-testid="compare-progress">
      <h3 id="compare-run-heading">Comparing…</h3>
      <p className="progress-line" data-testid="compare-progress-run">
        <strong>{progress ? `Run ${progress.run + 1} of 2: ${progress.title}` : 'Starting'}</strong>
        {stepText && <span>{stepText}</span>}
        {progress?.phase === 'sampling' && <span>{progress.label}</span>}
      </p>
      <progress
        value={progress?.callsDone ?? 0}
        max={Math.max(1, progress?.totalCalls ?? 0)}
        aria-label={progress ? `Model calls done in the ${progress.title} run` : 'Model calls done'}
        aria-valuetext={progress ? `${progress.callsDone} of ${progress.totalCalls} model calls` : undefined}
      />
      <p className="progress-line">
        <span>Elapsed {formatDuration(now - startedAt)}</span>
        {input && <span>Seed {input.seed}</span>}
      </p>
      <button type="button" className="secondary" onClick={cancelComparison} aria-disabled={cancelRequested ? true : undefined}>
        {cancelRequested ? 'Cancelling…' : 'Cancel'}
      </button>
    </section>
  );
}
