import { execFileSync } from 'node:child_process';
import { expect, test } from 'vitest';
import { i420Layout, rgbaToI420 } from '../../src/media/rgba-to-i420.js';
import { FFMPEG, movingGradient, quadrants, requireDebianFfmpeg } from './support.js';

test('BT.709 limited-range values of reference colours', () => {
  // Y, Cb, Cr of BT.709 in 8-bit limited range (ITU-R BT.709 table; red = 63, 102, 240)
  const cases: [number[], number[]][] = [
    [
      [0, 0, 0],
      [16, 128, 128],
    ],
    [
      [255, 255, 255],
      [235, 128, 128],
    ],
    [
      [255, 0, 0],
      [63, 102, 240],
    ],
    [
      [0, 255, 0],
      [173, 42, 26],
    ],
    [
      [0, 0, 255],
      [32, 240, 118],
    ],
  ];
  for (const [rgb, yuv] of cases) {
    const frame = quadrants(2, 2, 1, [rgb, rgb, rgb, rgb] as [number, number, number][]);
    const i420 = rgbaToI420(frame.rgba, 2, 2);
    expect(Array.from(i420), `rgb ${rgb}`).toEqual([yuv[0], yuv[0], yuv[0], yuv[0], yuv[1], yuv[2]]);
  }
});

test('matches ffmpeg’s own conversion (the x264 path’s input) to within 1 level', () => {
  requireDebianFfmpeg();
  const { width, height, rgba } = movingGradient(64, 48, 1);
  const ours = rgbaToI420(rgba, width, height);
  const theirs = execFileSync(
    FFMPEG,
    [
      ...['-v', 'error', '-f', 'rawvideo', '-pix_fmt', 'rgba', '-s', `${width}x${height}`, '-i', '-'],
      ...['-vf', 'scale=out_color_matrix=bt709:out_range=tv:flags=accurate_rnd+full_chroma_int,format=yuv420p'],
      ...['-f', 'rawvideo', '-'],
    ],
    { input: rgba },
  );
  expect(theirs.length).toBe(i420Layout(width, height).frameSize);
  let worst = 0;
  for (let i = 0; i < ours.length; i++) worst = Math.max(worst, Math.abs((ours[i] as number) - (theirs[i] as number)));
  expect(worst).toBeLessThanOrEqual(1);
});
