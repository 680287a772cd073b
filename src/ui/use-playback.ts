import { useCallback, useEffect, useState } from 'react';

function prefersReducedMotion(): boolean {
  return typeof matchMedia === 'function' && matchMedia('(prefers-reduced-motion: reduce)').matches;
}

export interface Playback {
  index: number;
  playing: boolean;
  toggle(): void;
  /** Show this frame and pause. */
  seek(index: number): void;
}

/**
 * Loop through `count` frames at `fps` with requestAnimationFrame. Starts playing unless the user asked
 * for reduced motion. Give the component a new key for a new video to start again from frame 0.
 */
export function usePlayback(count: number, fps: number): Playback {
  const [index, setIndex] = useState(0);
  const [playing, setPlaying] = useState(() => !prefersReducedMotion());

  useEffect(() => {
    if (!playing || count <= 1) return;
    const frameMs = 1000 / Math.max(1, fps);
    let last = performance.now();
    let pending = 0;
    let raf = 0;
    const tick = (now: number) => {
      pending += now - last;
      last = now;
      if (pending >= frameMs) {
        const advance = Math.floor(pending / frameMs);
        pending -= advance * frameMs;
        setIndex((i) => (i + advance) % count);
      }
      raf = requestAnimationFrame(tick);
    };
    raf = requestAnimationFrame(tick);
    return () => cancelAnimationFrame(raf);
  }, [playing, count, fps]);

  const toggle = useCallback(() => setPlaying((p) => !p), []);
  const seek = useCallback(
    (i: number) => {
      setPlaying(false);
      setIndex(Math.max(0, Math.min(count - 1, Math.round(i))));
    },
    [count],
  );
  return { index: Math.min(index, Math.max(0, count - 1)), playing, toggle, seek };
}
