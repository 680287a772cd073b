import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { VideoFrames } from '../../src/media/video-frames.js';

/**
 * Helpers of the media tests: synthetic videos, and Debian's ffprobe/ffmpeg as the independent judge of what
 * the encoders wrote (a different build from ffmpeg.wasm, so a wrong tag or layout cannot cancel itself out).
 */

export const FFPROBE = '/usr/bin/ffprobe';
export const FFMPEG = '/usr/bin/ffmpeg';

export function requireDebianFfmpeg(): void {
  for (const tool of [FFPROBE, FFMPEG]) {
    if (!existsSync(tool)) throw new Error(`${tool} is missing: install Debian's ffmpeg (apt-get install -y ffmpeg).`);
  }
}

const clamp = (v: number) => Math.max(0, Math.min(255, Math.round(v)));

/**
 * Smooth colour that moves from frame to frame: a horizontal sine in red whose phase advances each frame, a
 * vertical ramp in green, a diagonal ramp in blue. Smooth on purpose: 4:2:0 chroma subsampling would blur fine
 * colour detail and drown the content check in expected loss.
 */
export function movingGradient(width: number, height: number, count: number, fps = 8): VideoFrames {
  const rgba = new Uint8Array(width * height * 4 * count);
  for (let f = 0; f < count; f++) {
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const o = ((f * height + y) * width + x) * 4;
        rgba[o] = clamp(128 + 110 * Math.sin(2 * Math.PI * (x / width + f / count)));
        rgba[o + 1] = clamp(20 + (215 * y) / (height - 1));
        rgba[o + 2] = clamp(230 - (200 * (x + y)) / (width + height - 2));
        rgba[o + 3] = 255;
      }
    }
  }
  return { width, height, count, fps, rgba };
}

/** Solid colour quadrants, the same in every frame. */
export function quadrants(width: number, height: number, count: number, colours: [number, number, number][]): VideoFrames {
  const rgba = new Uint8Array(width * height * 4 * count);
  for (let f = 0; f < count; f++) {
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const c = colours[(y < height / 2 ? 0 : 2) + (x < width / 2 ? 0 : 1)] as [number, number, number];
        rgba.set([...c, 255], ((f * height + y) * width + x) * 4);
      }
    }
  }
  return { width, height, count, fps: 8, rgba };
}

export interface ProbedStream {
  codec_name: string;
  profile: string;
  width: number;
  height: number;
  pix_fmt: string;
  nb_read_frames: string;
  duration: string;
  color_range?: string;
  color_space?: string;
  color_primaries?: string;
  color_transfer?: string;
}

export function ffprobe(file: string): { stream: ProbedStream; formatDuration: number; formatName: string } {
  const json = execFileSync(FFPROBE, [
    ...['-v', 'error', '-count_frames', '-select_streams', 'v:0'],
    ...[
      '-show_entries',
      'stream=codec_name,profile,width,height,nb_read_frames,pix_fmt,duration,color_range,color_space,color_primaries,color_transfer:format=duration,format_name',
    ],
    ...['-of', 'json', file],
  ]).toString();
  const parsed = JSON.parse(json) as { streams: ProbedStream[]; format: { duration: string; format_name: string } };
  const stream = parsed.streams[0];
  if (!stream) throw new Error(`ffprobe found no video stream in ${file}`);
  return { stream, formatDuration: Number(parsed.format.duration), formatName: parsed.format.format_name };
}

/** Every frame decoded by Debian's ffmpeg to RGB24 (it honours the stream's matrix and range tags). */
export function decodeRgb(file: string): Uint8Array {
  return new Uint8Array(
    execFileSync(FFMPEG, ['-v', 'error', '-i', file, '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'], { maxBuffer: 1 << 30 }),
  );
}

/** Mean R, G, B of frame `index` in an RGB24 or RGBA buffer. */
export function meanColour(pixels: Uint8Array, channels: 3 | 4, width: number, height: number, index: number): number[] {
  const sums = [0, 0, 0];
  const n = width * height;
  const base = index * n * channels;
  for (let p = 0; p < n; p++) {
    for (let c = 0; c < 3; c++) sums[c] = (sums[c] as number) + (pixels[base + p * channels + c] as number);
  }
  return sums.map((s) => s / n);
}

/** PSNR (dB) between decoded RGB24 frame `a` and input RGBA frame `b`, over R, G, B. */
export function psnr(rgb: Uint8Array, a: number, rgba: Uint8Array, b: number, width: number, height: number): number {
  const n = width * height;
  let se = 0;
  for (let p = 0; p < n; p++) {
    for (let c = 0; c < 3; c++) {
      const d = (rgb[(a * n + p) * 3 + c] as number) - (rgba[(b * n + p) * 4 + c] as number);
      se += d * d;
    }
  }
  return se === 0 ? Number.POSITIVE_INFINITY : 10 * Math.log10((255 * 255) / (se / (n * 3)));
}

/** Top-level MP4 box types in file order. */
export function topLevelBoxes(mp4: Uint8Array): string[] {
  const view = new DataView(mp4.buffer, mp4.byteOffset, mp4.byteLength);
  const boxes: string[] = [];
  for (let at = 0; at + 8 <= mp4.length; ) {
    let size = view.getUint32(at);
    if (size === 1) size = Number(view.getBigUint64(at + 8));
    boxes.push(new TextDecoder().decode(mp4.subarray(at + 4, at + 8)));
    if (size < 8) break;
    at += size;
  }
  return boxes;
}
