import { formatBytes } from '../format.js';
import type { HistoryEntry } from './history-db.js';
import type { StorageUse } from './history-store.js';

/** How much History keeps, and how much of the browser's allowance the whole site uses. */
export function StorageUsage({ entries, storage }: { entries: HistoryEntry[]; storage: StorageUse | null }) {
  const kept = entries.reduce((n, e) => n + e.bytes, 0);
  return (
    <p className="history-storage" data-testid="history-storage">
      History keeps {entries.length} {entries.length === 1 ? 'video' : 'videos'} in {formatBytes(kept)}.
      {storage?.usage != null && storage.quota != null && (
        <>
          {' '}
          This site uses {formatBytes(storage.usage)} of the {formatBytes(storage.quota)} the browser allows it (model packs
          included).
        </>
      )}
    </p>
  );
}
