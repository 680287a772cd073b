import { useEffect, useRef } from 'react';
import type { VideoFrames } from '../engine/types.js';

interface FramesCanvasProps {
  frames: VideoFrames;
  /** Which frame to show. */
  index: number;
  /** What the picture is, for assistive technology. */
  label: string;
  className?: string;
  testId?: string;
}

/** One frame of an RGBA video on a canvas at its own resolution; CSS scales it up with sharp pixels. */
export function FramesCanvas({ frames, index, label, className, testId }: FramesCanvasProps) {
  const ref = useRef<HTMLCanvasElement>(null);
  const { width, height, count, rgba } = frames;

  useEffect(() => {
    const canvas = ref.current;
    const context = canvas?.getContext('2d');
    if (!context || count === 0) return;
    const size = width * height * 4;
    const frame = Math.max(0, Math.min(count - 1, index));
    const pixels = new Uint8ClampedArray(size);
    pixels.set(rgba.subarray(frame * size, (frame + 1) * size));
    context.putImageData(new ImageData(pixels, width, height), 0, 0);
  }, [width, height, count, rgba, index]);

  return (
    <canvas
      ref={ref}
      width={width}
      height={height}
      role="img"
      aria-label={label}
      className={['frames-canvas', className].filter(Boolean).join(' ')}
      style={{ aspectRatio: `${width} / ${height}` }}
      data-testid={testId}
    />
  );
}
