import { InvalidEncodeOptionsError } from './errors.js';
import type { VideoFrames } from './video-frames.js';

/** libx264 presets, fastest first. */
export const X264_PRESETS = [
  'ultrafast',
  'superfast',
  'veryfast',
  'faster',
  'fast',
  'medium',
  'slow',
  'slower',
  'veryslow',
] as const;
export type X264Preset = (typeof X264_PRESETS)[number];

export interface X264Options {
  /** Constant rate factor, 0 (lossless) to 51. Default 18: visually lossless for this content, still small files. */
  crf?: number;
  /** Default 'medium': x264's balance; a 16-frame 256² clip takes well under a second in wasm. */
  preset?: X264Preset;
}

export const X264_DEFAULTS = { crf: 18, preset: 'medium' } as const satisfies Required<X264Options>;

/**
 * The ffmpeg arguments (after ffmpeg.wasm's own `-nostdin -y`) that turn a raw RGBA file into an H.264 MP4, shared
 * by the Node and the browser ffmpeg.wasm encoders so both produce the same file.
 *
 * - Native size, no scaling: upscaling a 64² video only makes the file bigger; players scale at display time.
 * - Colour: RGB → YUV with the BT.709 matrix, limited ("tv") range, and the stream tagged as such (matrix,
 *   primaries, transfer, range in the SPS VUI and the MP4). Without tags ffmpeg converts with BT.601 and leaves
 *   the matrix unspecified, and players guess (BT.601 for small sizes in ffmpeg/mpv, often BT.709 in browsers):
 *   saturated colours then shift by up to ~20 levels. Tagged, every player decodes the same colours.
 * - No `-tune`: `animation` targets flat cel shading (stronger deblocking, weaker psy-rd), which smears the
 *   fine texture of diffusion output; `film`/`grain` spend bits on keeping noise. Defaults suit it.
 * - `+faststart`: the index goes first, so a browser can start playing before the download ends.
 * - Default GOP (250) means one keyframe for our ≤ 32-frame clips: smallest file, and seeking is instant anyway.
 */
export function x264Mp4Args(
  frames: Pick<VideoFrames, 'width' | 'height' | 'fps'>,
  input: string,
  output: string,
  options: X264Options = {},
): string[] {
  const crf = options.crf ?? X264_DEFAULTS.crf;
  const preset = options.preset ?? X264_DEFAULTS.preset;
  if (!Number.isInteger(crf) || crf < 0 || crf > 51) {
    throw new InvalidEncodeOptionsError(`crf ${crf} is not an integer from 0 to 51 (lower is better; 18 is the default).`);
  }
  if (!(X264_PRESETS as readonly string[]).includes(preset)) {
    throw new InvalidEncodeOptionsError(`preset '${preset}' is not one of libx264's presets: ${X264_PRESETS.join(', ')}.`);
  }
  return [
    // No banner: the log tail in VideoEncodingError should show the error, not the build configuration.
    '-hide_banner',
    ...['-f', 'rawvideo', '-pix_fmt', 'rgba', '-s', `${frames.width}x${frames.height}`, '-framerate', String(frames.fps)],
    ...['-i', input],
    ...['-vf', 'scale=out_color_matrix=bt709:out_range=tv,format=yuv420p'],
    ...['-c:v', 'libx264', '-preset', preset, '-crf', String(crf)],
    ...['-colorspace', 'bt709', '-color_primaries', 'bt709', '-color_trc', 'bt709', '-color_range', 'tv'],
    ...['-movflags', '+faststart', '-f', 'mp4', output],
  ];
}
