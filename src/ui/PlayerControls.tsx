import type { Playback } from './use-playback.js';

interface PlayerControlsProps {
  playback: Playback;
  count: number;
  fps: number;
}

export function PlayerControls({ playback, count, fps }: PlayerControlsProps) {
  const { index, playing, toggle, seek } = playback;
  return (
    <div className="player-controls">
      <button type="button" className="secondary" onClick={toggle} aria-pressed={playing}>
        {playing ? 'Pause' : 'Play'}
      </button>
      <label htmlFor="player-frame">Frame</label>
      <input
        id="player-frame"
        type="range"
        min={0}
        max={Math.max(0, count - 1)}
        step={1}
        value={index}
        aria-valuetext={`${index + 1} of ${count}`}
        onChange={(e) => seek(Number(e.target.value))}
        data-testid="frame-scrubber"
      />
      <output htmlFor="player-frame" className="frame-count">
        {index + 1}/{count} · {fps} fps
      </output>
    </div>
  );
}
