import { runFfmpegWasmInNode } from './ffmpeg-wasm-node.js';
import { assertEncodableFrames, type VideoFrames } from './video-frames.js';
import { type X264Options, x264Mp4Args } from './x264-args.js';

export type NodeMp4Options = X264Options;

/**
 * Encode `frames` as an H.264 MP4 (yuv420p, BT.709 limited range, tagged; see x264-args.ts) at their native size,
 * with libx264 from ffmpeg.wasm run in this Node process: the CLI's export, and the reference the browser paths
 * are compared with. Deterministic: the same frames give the same bytes.
 *
 * Throws InvalidVideoFramesError for frames no encoder takes (empty, wrong buffer length, odd size...),
 * InvalidEncodeOptionsError for a bad crf/preset, VideoEncodingError (with ffmpeg's log tail) when ffmpeg fails.
 */
export async function encodeMp4InNode(frames: VideoFrames, options: NodeMp4Options = {}): Promise<Uint8Array> {
  assertEncodableFrames(frames);
  const input = 'frames.rgba';
  const output = 'video.mp4';
  return runFfmpegWasmInNode({
    args: x264Mp4Args(frames, input, output, options),
    inputs: { [input]: frames.rgba },
    output,
    what: `encoding ${frames.count} frames of ${frames.width}×${frames.height} to H.264`,
  });
}
