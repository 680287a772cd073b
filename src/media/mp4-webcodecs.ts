import { BufferTarget, Mp4OutputFormat, Output, Quality, VideoSample, VideoSampleSource } from 'mediabunny';
import { avcCodecCandidates } from './avc-codec.js';
import { EncoderUnavailableError, VideoEncodingError } from './errors.js';
import { rgbaToI420 } from './rgba-to-i420.js';
import { assertEncodableFrames, frameRgba, type VideoFrames } from './video-frames.js';

/**
 * The fast browser path (page or worker): the browser's own H.264 encoder through WebCodecs, muxed to MP4 by
 * mediabunny. Tens of milliseconds for a clip, and no 32 MB ffmpeg core to download.
 *
 * Colour: we convert RGBA → I420 ourselves (BT.709, limited range) and tag the frames so. Handed RGBA,
 * Chromium converts to *full-range* BT.709 (yuvj420p; tagged correctly in the SPS and the MP4 `colr` box), which
 * decodes right in browsers and ffmpeg but is mishandled by some players, editors and upload transcoders that
 * ignore the range flag (washed-out or crushed blacks). Converting ourselves gives the same limited-range,
 * BT.709-tagged yuv420p stream as the ffmpeg.wasm path, whichever encoder ran. Verified in Chromium 156: the
 * SPS VUI says full_range 0, matrix/primaries 1, and decoded colours match the input.
 */

/** The bitstream wrapped as `avc` (length-prefixed NALs + avcC), which MP4 needs; 'annexb' is for streaming. */
const AVC_CONFIG = { format: 'avc' } as const;

/** The first H.264 codec string (best profile first) this browser encodes at this size, or undefined. */
export async function findWebCodecsAvcCodec(width: number, height: number, fps = 8): Promise<string | undefined> {
  if (typeof VideoEncoder === 'undefined') return undefined; // not a secure context, or no WebCodecs
  if (width % 2 !== 0 || height % 2 !== 0) return undefined; // 4:2:0 needs even sizes
  for (const codec of avcCodecCandidates(width, height, fps)) {
    try {
      const { supported } = await VideoEncoder.isConfigSupported({ codec, width, height, framerate: fps, avc: AVC_CONFIG });
      if (supported) return codec;
    } catch {
      // A TypeError means this browser cannot even parse the config; try the next candidate.
    }
  }
  return undefined;
}

/** Whether `encodeMp4WithWebCodecs` can run here for this size (even sizes only). */
export async function canEncodeWithWebCodecs(width: number, height: number, fps = 8): Promise<boolean> {
  return (await findWebCodecsAvcCodec(width, height, fps)) !== undefined;
}

export interface WebCodecsMp4Options {
  /**
   * mediabunny's quality level, mapped to a bitrate for the size (Chromium's H.264 encoder has no constant-quality
   * mode). Default 'very-high': clips are short, so bytes are cheap and artefacts are not.
   */
  quality?: 'medium' | 'high' | 'very-high';
  /** Fraction of frames handed to the encoder, 0..1. */
  onProgress?: (fraction: number) => void;
}

/**
 * Encode `frames` as an H.264 MP4 (yuv420p, BT.709 limited range, one keyframe per 2 s) with WebCodecs.
 * Throws EncoderUnavailableError when this browser has no H.264 encoder for the size (nothing was started),
 * VideoEncodingError when the encoder failed mid-way.
 */
export async function encodeMp4WithWebCodecs(frames: VideoFrames, options: WebCodecsMp4Options = {}): Promise<Uint8Array> {
  assertEncodableFrames(frames);
  const { width, height, count, fps } = frames;
  const codec = await findWebCodecsAvcCodec(width, height, fps);
  if (codec === undefined) {
    throw new EncoderUnavailableError(
      'webcodecs',
      `This browser has no WebCodecs H.264 encoder for ${width}×${height} at ${fps} fps ` +
        `(tried ${avcCodecCandidates(width, height, fps).join(', ') || 'no codec: size beyond H.264 levels'}). ` +
        'Use encodeMp4, which falls back to ffmpeg.wasm.',
    );
  }
  const output = new Output({ format: new Mp4OutputFormat({ fastStart: 'in-memory' }), target: new BufferTarget() });
  const source = new VideoSampleSource({
    codec: 'avc',
    fullCodecString: codec,
    quality: new Quality(options.quality ?? 'very-high'),
    latencyMode: 'quality',
  });
  output.addVideoTrack(source, { frameRate: fps });
  try {
    await output.start();
    for (let i = 0; i < count; i++) {
      const sample = new VideoSample(rgbaToI420(frameRgba(frames, i), width, height), {
        format: 'I420',
        codedWidth: width,
        codedHeight: height,
        timestamp: i / fps,
        duration: 1 / fps,
        colorSpace: { matrix: 'bt709', primaries: 'bt709', transfer: 'bt709', fullRange: false },
      });
      try {
        await source.add(sample); // resolves when the encoder can take more: respects backpressure
      } finally {
        sample.close();
      }
      options.onProgress?.((i + 1) / count);
    }
    await output.finalize();
  } catch (error) {
    await output.cancel().catch(() => {}); // the original error is the one worth reporting
    throw new VideoEncodingError(
      'webcodecs',
      `WebCodecs H.264 encoding (${codec}, ${width}×${height}) failed: ${String(error)}. Try again, or export with ffmpeg.wasm.`,
      [],
      { cause: error },
    );
  }
  const buffer = output.target.buffer;
  if (!buffer)
    throw new VideoEncodingError('webcodecs', 'mediabunny finished without an MP4 buffer; this is a bug, please report it.');
  return new Uint8Array(buffer);
}
