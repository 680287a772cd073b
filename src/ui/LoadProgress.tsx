import type { LoadEvent } from '../engine/types.js';
import { formatBytes } from './format.js';

const PART_NAMES: Record<string, string> = {
  textEncoder: 'the text encoder',
  imageUnet: 'the image UNet',
  videoUnet: 'the video UNet',
  vaeDecoder: 'the VAE decoder',
};

/** The current phase of a pack load: manifest, download (with bytes), verification, compilation. */
export function LoadProgress({ event }: { event: LoadEvent | null }) {
  let text = 'Starting…';
  let value: number | undefined;
  let max: number | undefined;
  if (event?.phase === 'manifest') text = 'Reading the manifest…';
  else if (event?.phase === 'download') {
    text = `Downloading ${event.file}: ${formatBytes(event.overallLoaded)} of ${formatBytes(event.overallTotal)}`;
    value = event.overallLoaded;
    max = Math.max(1, event.overallTotal);
  } else if (event?.phase === 'verify') text = `Verifying ${event.file}…`;
  else if (event?.phase === 'notice') text = event.message;
  else if (event?.phase === 'compile') text = `Compiling ${PART_NAMES[event.part] ?? event.part}…`;
  return (
    <div className="load-progress" data-testid="load-progress">
      <progress value={value} max={max} aria-label="Loading the model pack" aria-valuetext={text} />
      <p>{text}</p>
    </div>
  );
}
