/**
 * Named errors of the video-encoding module. Each message says what happened and what to do, so the UI
 * (and the CLI) can show it as is; the fields carry the same facts for code.
 */

/** Which encoder produced an MP4 (or failed to). */
export type Mp4Encoder = 'webcodecs' | 'ffmpeg.wasm';

/** Frames that no encoder should be given: empty, wrongly sized buffer, odd dimensions, bad fps... */
export class InvalidVideoFramesError extends Error {
  override name = 'InvalidVideoFramesError';
  constructor(
    /** The offending field: 'width', 'height', 'count', 'fps' or 'rgba'. */
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

/** Encoder options out of range (crf, preset...). A programming error on the caller's side. */
export class InvalidEncodeOptionsError extends Error {
  override name = 'InvalidEncodeOptionsError';
}

/**
 * The encoder cannot run here at all: no WebCodecs H.264 encoder for this size, or ffmpeg.wasm's core could not
 * be loaded. Nothing was encoded; another encoder (or fixing the deployment) is the way out.
 */
export class EncoderUnavailableError extends Error {
  override name = 'EncoderUnavailableError';
  constructor(
    readonly encoder: Mp4Encoder,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The encoder ran and failed. `logTail` holds ffmpeg's last log lines (empty for WebCodecs). */
export class VideoEncodingError extends Error {
  override name = 'VideoEncodingError';
  constructor(
    readonly encoder: Mp4Encoder,
    message: string,
    readonly logTail: readonly string[] = [],
    options?: { cause?: unknown },
  ) {
    super(
      logTail.length > 0 ? `${message}\nffmpeg log (last ${logTail.length} lines):\n${logTail.join('\n')}` : message,
      options,
    );
  }
}
