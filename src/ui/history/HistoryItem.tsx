import { useEffect, useId, useState } from 'react';
import { VARIANTS } from '../../core/sampler/variants.js';
import { formatBytes, formatDuration } from '../format.js';
import type { HistoryEntry } from './history-db.js';

interface HistoryItemProps {
  entry: HistoryEntry;
  playing: boolean;
  onPlay(): void;
  onDelete(): void;
}

/** An object URL for PNG bytes, freed when the bytes change or the component goes. */
function usePngUrl(png: Uint8Array): string | null {
  const [url, setUrl] = useState<string | null>(null);
  useEffect(() => {
    const next = URL.createObjectURL(new Blob([png as Uint8Array<ArrayBuffer>], { type: 'image/png' }));
    setUrl(next);
    return () => URL.revokeObjectURL(next);
  }, [png]);
  return url;
}

/** One kept video: thumbnail, prompt (as text), date, sampler, cost and size, with Play and Delete. */
export function HistoryItem({ entry, playing, onPlay, onDelete }: HistoryItemProps) {
  const promptId = useId();
  const thumbnail = usePngUrl(entry.thumbnail);
  const { recipe, cost } = entry;
  const created = new Date(entry.createdAt);
  return (
    <li className="history-item" data-testid="history-item" aria-current={playing ? 'true' : undefined}>
      {thumbnail && <img className="history-thumb" src={thumbnail} alt="" width={recipe.width} height={recipe.height} />}
      <div className="history-body">
        <p id={promptId} className="history-prompt" data-testid="history-prompt">
          {recipe.prompt}
        </p>
        <p className="history-meta">
          <time dateTime={created.toISOString()}>{created.toLocaleString()}</time>
          <span>
            {VARIANTS[recipe.settings.variant].title}, {recipe.settings.steps} steps, {recipe.frames} frames
          </span>
          <span>
            {cost.imageCalls + cost.videoCalls} UNet calls, {formatDuration(cost.totalMs)}
          </span>
          <span>
            seed {recipe.seed} · {formatBytes(entry.bytes)}
          </span>
        </p>
        <div className="history-actions">
          <button type="button" onClick={onPlay} aria-describedby={promptId}>
            Play
          </button>
          <button type="button" className="danger" onClick={onDelete} aria-describedby={promptId}>
            Delete
          </button>
        </div>
      </div>
    </li>
  );
}
