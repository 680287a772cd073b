import { hashForPage } from '../router.js';
import { useHistoryStore } from './history-store.js';

/** Whether the Studio's latest video made it into History; a failure is said plainly, the video stays. */
export function HistorySaveStatus({ runId }: { runId: number }) {
  const save = useHistoryStore((s) => s.saves[runId]);
  if (!save) return null;
  if (save.phase === 'error') {
    return (
      <p role="alert" className="alert" data-testid="history-save-error">
        {save.message}
      </p>
    );
  }
  return (
    <p role="status" className="hint" data-testid="history-save-status">
      {save.phase === 'saving' ? (
        'Saving to History…'
      ) : (
        <>
          Saved to <a href={hashForPage('history')}>History</a>.
        </>
      )}
    </p>
  );
}
