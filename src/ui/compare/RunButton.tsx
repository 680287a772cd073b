import { usePackStore } from '../pack-store.js';
import { useRunStore } from '../run-store.js';
import { useCompareStore } from './compare-store.js';
import type { ComparisonOrigin } from './comparison.js';

const PAGE_NAMES: Record<ComparisonOrigin, string> = { compare: 'Compare', demo: 'Demo' };

/**
 * The submit button of a comparison form, why it waits, and the message of this page's last failed attempt.
 * It stays focusable while unavailable (aria-disabled), so keyboard users can still reach it and read why.
 */
export function RunButton({ origin, label }: { origin: ComparisonOrigin; label: string }) {
  const packStatus = usePackStore((s) => s.status);
  const studioRunning = useRunStore((s) => s.status === 'running');
  const running = useCompareStore((s) => s.status === 'running');
  const runningOrigin = useCompareStore((s) => s.origin);
  const error = useCompareStore((s) => (s.status === 'error' && s.origin === origin ? s.error : null));
  const waitId = `${origin}-run-wait`;
  const reason = running
    ? runningOrigin === origin
      ? 'A comparison is running.'
      : `A comparison started on the ${PAGE_NAMES[runningOrigin ?? 'compare']} page is running.`
    : studioRunning
      ? 'A Studio generation is running.'
      : packStatus === 'error'
        ? 'The model pack failed to load.'
        : packStatus !== 'ready'
          ? 'Waiting for the model pack…'
          : null;
  return (
    <div className="generate-controls">
      <button
        type="submit"
        className="primary"
        aria-disabled={reason ? true : undefined}
        aria-describedby={reason ? waitId : undefined}
      >
        {label}
      </button>
      {reason && (
        <span id={waitId} className="hint">
          {reason}
        </span>
      )}
      {error && (
        <p role="alert" className="alert" data-testid="compare-error">
          {error}
        </p>
      )}
    </div>
  );
}
