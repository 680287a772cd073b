import type { Mp4Encoder } from './errors.js';
import { encodeMp4WithFfmpegWasm, type FfmpegWasmMp4Options } from './mp4-ffmpeg-browser.js';
import { encodeMp4WithWebCodecs, findWebCodecsAvcCodec, type WebCodecsMp4Options } from './mp4-webcodecs.js';
import { assertEncodableFrames, type VideoFrames } from './video-frames.js';

export interface EncodeMp4Options {
  /** Where the app serves ffmpeg.wasm's core; only loaded when WebCodecs cannot encode. */
  ffmpeg: Pick<FfmpegWasmMp4Options, 'coreURL' | 'wasmURL' | 'crf' | 'preset'>;
  webcodecs?: Pick<WebCodecsMp4Options, 'quality'>;
  /** Progress of whichever encoder runs, 0..1 (it may restart from 0 when falling back). */
  onProgress?: (fraction: number) => void;
}

export interface EncodedMp4 {
  bytes: Uint8Array;
  encoder: Mp4Encoder;
  /** Wall time of the encoder that produced `bytes`, ffmpeg.wasm's first load included. */
  ms: number;
  /** Why WebCodecs was not used or failed, when ffmpeg.wasm ran. */
  fallbackReason?: string;
}

/**
 * Browser MP4 export: WebCodecs when this browser has an H.264 encoder for the size (fast, nothing to download),
 * otherwise ffmpeg.wasm. A WebCodecs failure mid-way also falls back, since the frames are still at hand. Both
 * write H.264 yuv420p, BT.709 limited range, so the choice changes speed and size, not colours.
 */
export async function encodeMp4(frames: VideoFrames, options: EncodeMp4Options): Promise<EncodedMp4> {
  assertEncodableFrames(frames); // bad input is the caller's bug: no encoder should try it
  const { onProgress } = options;
  let fallbackReason: string;
  const codec = await findWebCodecsAvcCodec(frames.width, frames.height, frames.fps);
  if (codec !== undefined) {
    const started = performance.now();
    try {
      const bytes = await encodeMp4WithWebCodecs(frames, { ...options.webcodecs, ...(onProgress ? { onProgress } : {}) });
      return { bytes, encoder: 'webcodecs', ms: performance.now() - started };
    } catch (error) {
      fallbackReason = `WebCodecs (${codec}) failed: ${error instanceof Error ? error.message : String(error)}`;
    }
  } else {
    fallbackReason = `no WebCodecs H.264 encoder for ${frames.width}×${frames.height} in this browser`;
  }
  const started = performance.now();
  const bytes = await encodeMp4WithFfmpegWasm(frames, { ...options.ffmpeg, ...(onProgress ? { onProgress } : {}) });
  return { bytes, encoder: 'ffmpeg.wasm', ms: performance.now() - started, fallbackReason };
}
