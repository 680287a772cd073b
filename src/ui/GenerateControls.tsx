import { usePackStore } from './pack-store.js';
import { useRunStore } from './run-store.js';

/** The Generate button, why it waits, and the engine's error for the last run. */
export function GenerateControls() {
  const packStatus = usePackStore((s) => s.status);
  const running = useRunStore((s) => s.status === 'running');
  const error = useRunStore((s) => (s.status === 'error' ? s.error : null));
  const waiting = packStatus !== 'ready';
  const unavailable = running || waiting;
  return (
    <div className="generate-controls">
      <button
        type="submit"
        className="primary"
        aria-disabled={unavailable ? true : undefined}
        aria-describedby={unavailable ? 'generate-wait' : undefined}
      >
        Generate
      </button>
      {unavailable && (
        <span id="generate-wait" className="hint">
          {running
            ? 'A generation is running.'
            : packStatus === 'error'
              ? 'The model pack failed to load.'
              : 'Waiting for the model pack…'}
        </span>
      )}
      {error && (
        <p role="alert" className="alert" data-testid="run-error">
          {error}
        </p>
      )}
    </div>
  );
}
