import { FFmpeg } from '@ffmpeg/ffmpeg';
import { EncoderUnavailableError, VideoEncodingError } from './errors.js';
import { assertEncodableFrames, type VideoFrames } from './video-frames.js';
import { type X264Options, x264Mp4Args } from './x264-args.js';

/**
 * The browser fallback: libx264 in ffmpeg.wasm (@ffmpeg/ffmpeg runs the core in its own module worker). The core
 * (`@ffmpeg/core/dist/esm/ffmpeg-core.{js,wasm}`, the single-thread ESM build: 0.12's worker is a module
 * worker) is served by the app from its own origin; nothing comes from a CDN. Same arguments as the Node
 * encoder, so the files match.
 */

export interface FfmpegWasmMp4Options extends X264Options {
  /** URL of ffmpeg-core.js (ESM build), on the app's origin. */
  coreURL: string;
  /** URL of ffmpeg-core.wasm, on the app's origin. */
  wasmURL: string;
  /** ffmpeg's progress through the video, 0..1. */
  onProgress?: (fraction: number) => void;
}

const LOG_TAIL_LINES = 20;

/** One loaded FFmpeg per core location: loading costs ~0.75 s and 32 MB, so it is done once and reused. */
const instances = new Map<string, Promise<FFmpeg>>();

function loadFfmpeg(coreURL: string, wasmURL: string): Promise<FFmpeg> {
  const key = `${coreURL}\n${wasmURL}`;
  let instance = instances.get(key);
  if (!instance) {
    instance = (async () => {
      const ffmpeg = new FFmpeg();
      try {
        await ffmpeg.load({ coreURL, wasmURL });
      } catch (error) {
        ffmpeg.terminate();
        throw error;
      }
      return ffmpeg;
    })().catch((error: unknown) => {
      instances.delete(key); // a later call may retry (e.g. after a network hiccup)
      throw new EncoderUnavailableError(
        'ffmpeg.wasm',
        `Could not load ffmpeg.wasm from ${coreURL} and ${wasmURL}: ${String(error)}. The app must serve ` +
          '@ffmpeg/core/dist/esm/ffmpeg-core.js and ffmpeg-core.wasm at these URLs (wasm as application/wasm).',
        { cause: error },
      );
    });
    instances.set(key, instance);
  }
  return instance;
}

/**
 * Calls run one at a time: an FFmpeg instance has one virtual file system and one log/progress stream, and
 * interleaved calls would mix their logs and progress.
 */
let queue: Promise<unknown> = Promise.resolve();
let callId = 0;

/**
 * Encode `frames` as an H.264 MP4 (yuv420p, BT.709 limited range) with ffmpeg.wasm. Throws
 * EncoderUnavailableError when the core cannot be loaded, VideoEncodingError (with ffmpeg's log tail) when
 * ffmpeg fails.
 */
export async function encodeMp4WithFfmpegWasm(frames: VideoFrames, options: FfmpegWasmMp4Options): Promise<Uint8Array> {
  // Refuse bad frames and options before anything is downloaded or queued.
  assertEncodableFrames(frames);
  const id = ++callId;
  const files = { input: `frames-${id}.rgba`, output: `video-${id}.mp4` };
  const args = x264Mp4Args(frames, files.input, files.output, options);
  const run = queue.then(() => encodeNow(frames, options, args, files));
  queue = run.catch(() => {});
  return run;
}

async function encodeNow(
  frames: VideoFrames,
  options: FfmpegWasmMp4Options,
  args: string[],
  { input, output }: { input: string; output: string },
): Promise<Uint8Array> {
  const ffmpeg = await loadFfmpeg(options.coreURL, options.wasmURL);
  const log: string[] = [];
  const onLog = ({ message }: { message: string }) => {
    log.push(message);
    if (log.length > LOG_TAIL_LINES) log.shift();
  };
  const onProgress = ({ progress }: { progress: number }) => {
    if (Number.isFinite(progress)) options.onProgress?.(Math.min(1, Math.max(0, progress)));
  };
  ffmpeg.on('log', onLog);
  ffmpeg.on('progress', onProgress);
  try {
    // writeFile transfers the buffer to the worker; a copy keeps the caller's frames intact.
    await ffmpeg.writeFile(input, frames.rgba.slice());
    const rc = await ffmpeg.exec(args);
    if (rc !== 0) {
      throw new VideoEncodingError(
        'ffmpeg.wasm',
        `ffmpeg exited with code ${rc} while encoding ${frames.count} frames of ${frames.width}×${frames.height}. ` +
          'See the log below; report it with the frame size if it persists.',
        log,
      );
    }
    const data = await ffmpeg.readFile(output);
    if (!(data instanceof Uint8Array)) {
      throw new VideoEncodingError('ffmpeg.wasm', 'ffmpeg.wasm returned the MP4 as text; this is a bug, please report it.');
    }
    options.onProgress?.(1);
    return data;
  } catch (error) {
    if (error instanceof VideoEncodingError) throw error;
    // The worker itself failed (out of memory, terminated): drop it so the next call starts a fresh one.
    instances.delete(`${options.coreURL}\n${options.wasmURL}`);
    ffmpeg.terminate();
    throw new VideoEncodingError('ffmpeg.wasm', `ffmpeg.wasm failed while encoding: ${String(error)}.`, log, { cause: error });
  } finally {
    ffmpeg.off('log', onLog);
    ffmpeg.off('progress', onProgress);
    // Free the worker's memory (the input alone is up to 33 MB); a missing output after a failure is fine.
    await Promise.allSettled([ffmpeg.deleteFile(input), ffmpeg.deleteFile(output)]);
  }
}
