import type { VideoFrames } from '../engine/types.js';
import { FramesCanvas } from './FramesCanvas.js';
import { usePlayback } from './use-playback.js';

/** The sampler's latents seen through the pack's latent→RGB map, looping, at latent resolution. */
export function LatentPreview({ frames, step }: { frames: VideoFrames; step: number }) {
  const { index } = usePlayback(frames.count, frames.fps);
  return (
    <figure className="latent-preview">
      <FramesCanvas
        frames={frames}
        index={index}
        label={`Live preview of the latents after step ${step + 1}`}
        testId="latent-preview"
      />
      <figcaption className="hint">
        Live preview after step {step + 1} ({frames.width}×{frames.height} latents)
      </figcaption>
    </figure>
  );
}
