import { useEffect, useRef, useState } from 'react';
import { HistoryList } from '../history/HistoryList.js';
import { HistoryPlayer } from '../history/HistoryPlayer.js';
import type { HistoryEntry } from '../history/history-db.js';
import { useHistoryStore } from '../history/history-store.js';
import { StorageUsage } from '../history/StorageUsage.js';
import { hashForPage } from '../router.js';

/** Shortened for messages (the full prompt is in the list). */
function shortPrompt(prompt: string): string {
  return prompt.length > 60 ? `${prompt.slice(0, 60)}…` : prompt;
}

/** Every video made in the Studio, kept in this browser: play one again, export it, or delete it. */
export function HistoryPage() {
  const entries = useHistoryStore((s) => s.entries);
  const error = useHistoryStore((s) => s.error);
  const storage = useHistoryStore((s) => s.storage);
  const [playingId, setPlayingId] = useState<number | null>(null);
  const [announcement, setAnnouncement] = useState('');
  const listHeading = useRef<HTMLHeadingElement>(null);
  const playerRef = useRef<HTMLElement>(null);

  useEffect(() => {
    void useHistoryStore.getState().refresh();
  }, []);

  const playing = entries?.find((e) => e.id === playingId) ?? null;

  const play = (entry: HistoryEntry) => {
    setPlayingId(entry.id);
    // On a phone the player is below the list: bring it into view.
    requestAnimationFrame(() => playerRef.current?.scrollIntoView({ block: 'nearest' }));
  };

  const remove = async (entry: HistoryEntry) => {
    await useHistoryStore.getState().remove(entry.id);
    if (useHistoryStore.getState().entries?.some((e) => e.id === entry.id)) return;
    if (playingId === entry.id) setPlayingId(null);
    setAnnouncement(`Deleted “${shortPrompt(entry.recipe.prompt)}”.`);
    // The button is gone with its item: keep keyboard focus on the list.
    listHeading.current?.focus();
  };

  return (
    <div className="history">
      <section className="panel history-videos" aria-labelledby="history-heading">
        <h2 id="history-heading" ref={listHeading} tabIndex={-1}>
          Kept videos
        </h2>
        <p role="status" className="visually-hidden">
          {announcement}
        </p>
        {error && (
          <p role="alert" className="alert" data-testid="history-error">
            {error}
          </p>
        )}
        {entries === null ? (
          !error && <p>Reading History…</p>
        ) : (
          <>
            <StorageUsage entries={entries} storage={storage} />
            {entries.length === 0 ? (
              <p className="placeholder" data-testid="history-empty">
                No videos yet. Every video you make in the <a href={hashForPage('studio')}>Studio</a> is kept here, in this
                browser.
              </p>
            ) : (
              <HistoryList entries={entries} playingId={playingId} onPlay={play} onDelete={(e) => void remove(e)} />
            )}
          </>
        )}
      </section>
      {playing && (
        <section ref={playerRef} className="panel history-player" aria-label="Playing" data-testid="history-player">
          <HistoryPlayer entry={playing} />
        </section>
      )}
    </div>
  );
}
