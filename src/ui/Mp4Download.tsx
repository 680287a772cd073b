import wasmURL from '@ffmpeg/core/wasm?url';
import coreURL from '@ffmpeg/core?url';
import { useState } from 'react';
import type { VideoFrames } from '../engine/types.js';
import { encodeMp4 } from '../media/mp4.js';

interface Mp4DownloadProps {
  frames: VideoFrames;
  fileName: string;
}

type State = { phase: 'idle' } | { phase: 'encoding' } | { phase: 'done'; message: string } | { phase: 'error'; message: string };

/**
 * Export the result as an H.264 MP4 that ordinary players open: WebCodecs where the browser can encode it,
 * else ffmpeg.wasm, whose core the app serves itself (bundled as assets, never a CDN).
 */
export function Mp4Download({ frames, fileName }: Mp4DownloadProps) {
  const [state, setState] = useState<State>({ phase: 'idle' });
  const download = async () => {
    setState({ phase: 'encoding' });
    try {
      const encoded = await encodeMp4(frames, { ffmpeg: { coreURL, wasmURL } });
      const url = URL.createObjectURL(new Blob([encoded.bytes as Uint8Array<ArrayBuffer>], { type: 'video/mp4' }));
      const link = document.createElement('a');
      link.href = url;
      link.download = fileName;
      link.click();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
      const how = encoded.encoder === 'webcodecs' ? 'WebCodecs' : `ffmpeg.wasm (${encoded.fallbackReason})`;
      setState({ phase: 'done', message: `MP4 encoded with ${how} in ${Math.round(encoded.ms)} ms.` });
    } catch (error) {
      setState({
        phase: 'error',
        message: `The MP4 could not be encoded: ${error instanceof Error ? error.message : String(error)}`,
      });
    }
  };
  return (
    <>
      <button type="button" onClick={download} disabled={state.phase === 'encoding'}>
        {state.phase === 'encoding' ? 'Encoding MP4…' : 'Download MP4'}
      </button>
      {state.phase === 'done' && (
        <span role="status" data-testid="mp4-status">
          {state.message}
        </span>
      )}
      {state.phase === 'error' && <span role="alert">{state.message}</span>}
    </>
  );
}
