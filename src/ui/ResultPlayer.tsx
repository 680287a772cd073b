import { type ReactNode, useId } from 'react';
import type { VideoFrames } from '../engine/types.js';
import { FramesCanvas } from './FramesCanvas.js';
import { PlayerControls } from './PlayerControls.js';
import { usePlayback } from './use-playback.js';

export interface ResultPlayerProps {
  frames: VideoFrames;
  /** The prompt; shown as text, never as HTML. */
  title: string;
  /** Details under the controls (cost, settings). */
  children?: ReactNode;
  /** Buttons acting on this video (export, compare, …). */
  actions?: ReactNode;
}

/** A looping player for RGBA frames: canvas at the video's resolution, play/pause and a frame scrubber. */
export function ResultPlayer({ frames, title, children, actions }: ResultPlayerProps) {
  const titleId = useId();
  const playback = usePlayback(frames.count, frames.fps);
  return (
    <figure className="player" aria-labelledby={titleId} data-testid="player">
      <h3 id={titleId} className="player-title" data-testid="player-title">
        {title}
      </h3>
      <FramesCanvas
        frames={frames}
        index={playback.index}
        label={`Generated video, frame ${playback.index + 1} of ${frames.count}`}
        className="player-canvas"
        testId="player-canvas"
      />
      <PlayerControls playback={playback} count={frames.count} fps={frames.fps} />
      {children}
      {actions && <div className="player-actions">{actions}</div>}
    </figure>
  );
}
