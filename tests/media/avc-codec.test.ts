import { expect, test } from 'vitest';
import { avcCodecCandidates, avcLevelFor } from '../../src/media/avc-codec.js';

test('level 3.1 covers every Studio size, higher levels bigger frames or rates', () => {
  expect(avcLevelFor(64, 64, 8)).toBe(0x1f);
  expect(avcLevelFor(512, 512, 8)).toBe(0x1f);
  expect(avcLevelFor(1280, 720, 30)).toBe(0x1f); // exactly 3600 macroblocks, 108000 per second
  expect(avcLevelFor(1280, 720, 60)).toBe(0x28); // the rate, not the frame, needs more than 3.1
  expect(avcLevelFor(1920, 1080, 30)).toBe(0x28);
  expect(avcLevelFor(1920, 1080, 60)).toBe(0x2a); // 489600 macroblocks/s: beyond 4.0
  expect(avcLevelFor(2560, 1440, 8)).toBe(0x33); // 14400 macroblocks: beyond 4.2's frame size
  expect(avcLevelFor(4096, 2304, 8)).toBe(0x33);
  expect(avcLevelFor(4096, 4096, 8)).toBe(0x3c);
  expect(avcLevelFor(8192, 8192, 8)).toBeUndefined();
});

test('candidates go High, Main, Baseline at that level', () => {
  expect(avcCodecCandidates(64, 64, 8)).toEqual(['avc1.64001f', 'avc1.4d001f', 'avc1.42001f']);
  expect(avcCodecCandidates(1920, 1080, 30)).toEqual(['avc1.640028', 'avc1.4d0028', 'avc1.420028']);
  expect(avcCodecCandidates(8192, 8192, 8)).toEqual([]);
});
