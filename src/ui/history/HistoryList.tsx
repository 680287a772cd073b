import { HistoryItem } from './HistoryItem.js';
import type { HistoryEntry } from './history-db.js';

interface HistoryListProps {
  entries: HistoryEntry[];
  playingId: number | null;
  onPlay(entry: HistoryEntry): void;
  onDelete(entry: HistoryEntry): void;
}

/** The kept videos, newest first. */
export function HistoryList({ entries, playingId, onPlay, onDelete }: HistoryListProps) {
  return (
    <ol className="history-list" aria-label="Kept videos, newest first" data-testid="history-list">
      {entries.map((entry) => (
        <HistoryItem
          key={entry.id}
          entry={entry}
          playing={entry.id === playingId}
          onPlay={() => onPlay(entry)}
          onDelete={() => onDelete(entry)}
        />
      ))}
    </ol>
  );
}
