import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { InvalidEncodeOptionsError, InvalidVideoFramesError } from '../../src/media/errors.js';
import { encodeMp4InNode } from '../../src/media/mp4-node.js';
import type { VideoFrames } from '../../src/media/video-frames.js';
import {
  decodeRgb,
  ffprobe,
  meanColour,
  movingGradient,
  psnr,
  quadrants,
  requireDebianFfmpeg,
  topLevelBoxes,
} from './support.js';

let dir: string;
beforeAll(() => {
  requireDebianFfmpeg();
  dir = mkdtempSync(join(tmpdir(), 'media-test-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let fileNo = 0;
function save(mp4: Uint8Array): string {
  const file = join(dir, `video-${++fileNo}.mp4`);
  writeFileSync(file, mp4);
  return file;
}

describe.each([
  { width: 64, height: 64, count: 16 },
  { width: 96, height: 80, count: 24 },
])('encodeMp4InNode, $count frames of $width×$height', ({ width, height, count }) => {
  const frames = movingGradient(width, height, count);
  let mp4: Uint8Array;
  let file: string;
  beforeAll(async () => {
    mp4 = await encodeMp4InNode(frames);
    file = save(mp4);
  });

  test('is an H.264 yuv420p MP4 of the right size, frame count and duration', () => {
    const { stream, formatDuration, formatName } = ffprobe(file);
    expect(formatName).toContain('mp4');
    expect(stream.codec_name).toBe('h264');
    expect(stream.profile).toBe('High');
    expect([stream.width, stream.height]).toEqual([width, height]);
    expect(Number(stream.nb_read_frames)).toBe(count);
    expect(stream.pix_fmt).toBe('yuv420p');
    expect(Number(stream.duration)).toBeCloseTo(count / frames.fps, 3);
    expect(formatDuration).toBeCloseTo(count / frames.fps, 3);
  });

  test('is tagged BT.709, limited range', () => {
    const { stream } = ffprobe(file);
    expect(stream).toMatchObject({ color_range: 'tv', color_space: 'bt709', color_primaries: 'bt709', color_transfer: 'bt709' });
  });

  test('has its index before the media data (+faststart), so browsers can play it while downloading', () => {
    const boxes = topLevelBoxes(mp4);
    expect(boxes).toContain('moov');
    expect(boxes.indexOf('moov')).toBeLessThan(boxes.indexOf('mdat'));
  });

  test('decodes back to the input: first frame mean colour, every frame close and in order', () => {
    const rgb = decodeRgb(file);
    expect(rgb.length).toBe(width * height * 3 * count);
    const decodedMean = meanColour(rgb, 3, width, height, 0);
    const inputMean = meanColour(frames.rgba, 4, width, height, 0);
    for (let c = 0; c < 3; c++) expect(Math.abs((decodedMean[c] as number) - (inputMean[c] as number))).toBeLessThan(2);
    for (let f = 0; f < count; f++) {
      const own = psnr(rgb, f, frames.rgba, f, width, height);
      // Measured: ≥ 38.3 dB (64×64) and ≥ 40.1 dB (96×80) at crf 18; a neighbouring frame scores ≤ 27 dB.
      expect(own, `frame ${f}`).toBeGreaterThan(35);
      // The pattern moves every frame: a dropped, duplicated or reordered frame would match a neighbour better.
      for (const other of [f - 1, f + 1].filter((o) => o >= 0 && o < count)) {
        expect(own, `frame ${f} vs input ${other}`).toBeGreaterThan(psnr(rgb, f, frames.rgba, other, width, height) + 3);
      }
    }
  });
});

test('saturated colours come back (matrix and range tags agree with the conversion)', async () => {
  // A BT.709-converted stream tagged BT.601 decodes red as ~(232, 0, 1): 20 levels off. Range mix-ups are worse.
  const colours: [number, number, number][] = [
    [255, 0, 0],
    [0, 255, 0],
    [0, 0, 255],
    [255, 255, 255],
  ];
  const frames = quadrants(64, 64, 4, colours);
  const rgb = decodeRgb(save(await encodeMp4InNode(frames)));
  const at = (x: number, y: number) => Array.from(rgb.subarray((y * 64 + x) * 3, (y * 64 + x) * 3 + 3));
  const centres = [at(16, 16), at(48, 16), at(16, 48), at(48, 48)];
  centres.forEach((got, i) => {
    const want = colours[i] as number[];
    for (let c = 0; c < 3; c++) {
      expect(Math.abs((got[c] as number) - (want[c] as number)), `patch ${i} channel ${c}`).toBeLessThanOrEqual(4);
    }
  });
});

test('is deterministic, and ignores alpha', async () => {
  const frames = movingGradient(64, 48, 8);
  const transparent: VideoFrames = { ...frames, rgba: frames.rgba.map((v, i) => (i % 4 === 3 ? 0 : v)) };
  const [a, b, c] = await Promise.all([encodeMp4InNode(frames), encodeMp4InNode(frames), encodeMp4InNode(transparent)]);
  expect(Buffer.from(b).equals(Buffer.from(a))).toBe(true);
  expect(Buffer.from(c).equals(Buffer.from(a))).toBe(true);
});

test('crf trades size for quality', async () => {
  const frames = movingGradient(128, 128, 8);
  const [fine, coarse] = await Promise.all([encodeMp4InNode(frames, { crf: 12 }), encodeMp4InNode(frames, { crf: 35 })]);
  expect(coarse.length).toBeLessThan(fine.length);
  const psnrOf = (mp4: Uint8Array) => psnr(decodeRgb(save(mp4)), 0, frames.rgba, 0, 128, 128);
  expect(psnrOf(fine)).toBeGreaterThan(psnrOf(coarse));
});

describe('refusals', () => {
  const ok = movingGradient(64, 64, 2);
  test.each([
    ['no frames', { ...ok, count: 0, rgba: new Uint8Array(0) }, 'count'],
    ['a buffer one frame short', { ...ok, count: 3 }, 'rgba'],
    ['a buffer one byte long', { ...ok, rgba: ok.rgba.subarray(1) }, 'rgba'],
    ['RGB instead of RGBA', { ...ok, rgba: new Uint8Array(64 * 64 * 3 * 2) }, 'rgba'],
    ['an odd width', { ...ok, width: 63, rgba: new Uint8Array(63 * 64 * 4 * 2) }, 'width'],
    ['an odd height', { ...ok, height: 65, rgba: new Uint8Array(64 * 65 * 4 * 2) }, 'height'],
    ['zero fps', { ...ok, fps: 0 }, 'fps'],
  ] as [string, VideoFrames, string][])('%s', async (_, frames, field) => {
    const error = await encodeMp4InNode(frames).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidVideoFramesError);
    expect((error as InvalidVideoFramesError).field).toBe(field);
  });

  test('an odd size says why and what to do', async () => {
    await expect(encodeMp4InNode({ ...ok, width: 63, rgba: new Uint8Array(63 * 64 * 4 * 2) })).rejects.toThrow(
      /width 63 is odd.*even.*padToEvenSize/,
    );
  });

  test('bad x264 options', async () => {
    await expect(encodeMp4InNode(ok, { crf: 60 })).rejects.toThrow(InvalidEncodeOptionsError);
    await expect(encodeMp4InNode(ok, { preset: 'warp' as 'medium' })).rejects.toThrow(/preset 'warp'/);
  });
});
