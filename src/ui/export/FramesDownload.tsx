import { useState } from 'react';
import { errorMessage } from '../format.js';
import { saveFile } from '../save-file.js';
import { zipPngFrames } from './png-frames.js';

interface FramesDownloadProps {
  /** The frames as PNGs (encoded on demand in the Studio, as stored in History). */
  pngs: () => Promise<Uint8Array[]>;
  fileName: string;
}

type State = { phase: 'idle' } | { phase: 'encoding' } | { phase: 'error'; message: string };

/** "Download frames (PNG)": every frame as a lossless PNG, in one zip. */
export function FramesDownload({ pngs, fileName }: FramesDownloadProps) {
  const [state, setState] = useState<State>({ phase: 'idle' });
  const download = async () => {
    setState({ phase: 'encoding' });
    try {
      saveFile(zipPngFrames(await pngs()) as Uint8Array<ArrayBuffer>, fileName, 'application/zip');
      setState({ phase: 'idle' });
    } catch (error) {
      setState({ phase: 'error', message: `The PNG frames could not be written: ${errorMessage(error)}` });
    }
  };
  return (
    <>
      <button type="button" onClick={download} disabled={state.phase === 'encoding'}>
        {state.phase === 'encoding' ? 'Encoding PNG frames…' : 'Download frames (PNG)'}
      </button>
      {state.phase === 'error' && <span role="alert">{state.message}</span>}
    </>
  );
}
