import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseWorldPrompt, scoreWorldVideo } from '../../src/quality/tinyworld-metrics.js';
import { type FrameSet, flicker, frameToFrameDifference, sharpness } from '../../src/quality/video-metrics.js';

/** Ground truth: videos rendered by the world's own generator (tools/tinyworld/make_metric_fixtures.py). */
const DIR = join(import.meta.dirname, '..', 'fixtures', 'tinyworld');
const index = JSON.parse(readFileSync(join(DIR, 'index.json'), 'utf8')) as {
  file: string;
  prompt: string;
  kind: string;
  frames: number;
  height: number;
  width: number;
}[];
const load = (e: (typeof index)[number]): FrameSet => ({
  width: e.width,
  height: e.height,
  count: e.frames,
  channels: 3,
  data: new Uint8Array(readFileSync(join(DIR, e.file))),
});

describe('tiny-world metrics on the world renderer’s own videos', () => {
  const sharp = index.filter((e) => e.kind === 'sharp');
  it('read colour, shape and direction of rendered scenes', () => {
    let shapeHits = 0;
    for (const e of sharp) {
      const s = scoreWorldVideo(load(e), parseWorldPrompt(e.prompt));
      expect(s.objectFound, e.prompt).toBe(1);
      expect(s.colourAccuracy, e.prompt).toBe(1);
      expect(s.motionCorrect, e.prompt).toBe(1);
      expect(s.motionAlongPx, e.prompt).toBeGreaterThan(15);
      shapeHits += s.shapeAccuracy;
    }
    // Small shapes on a 64 px grid: most frames are classified right.
    expect(shapeHits / sharp.length).toBeGreaterThan(0.8);
  });

  it('score a wrong prompt as wrong', () => {
    const e = sharp[0] as (typeof index)[number];
    const truth = parseWorldPrompt(e.prompt);
    const otherColour = truth.colour === 'red' ? 'blue' : 'red';
    const opposite = { left: 'right', right: 'left', up: 'down', down: 'up' }[truth.direction] as string;
    const s = scoreWorldVideo(load(e), { ...truth, colour: otherColour, direction: opposite });
    expect(s.colourAccuracy).toBe(0);
    expect(s.motionCorrect).toBe(0);
    expect(s.motionAlongPx).toBeLessThan(-15);
  });

  it('find degraded frames less sharp and less consistent than sharp ones, with the same motion', () => {
    for (const e of sharp) {
      const d = index.find(
        (x) => x.kind === 'degraded' && x.prompt === e.prompt && x.file.slice(0, 2) === e.file.slice(0, 2),
      ) as (typeof index)[number];
      const fs = load(e);
      const fd = load(d);
      expect(sharpness(fd), e.prompt).toBeLessThan(sharpness(fs));
      const prompt = parseWorldPrompt(e.prompt);
      expect(scoreWorldVideo(fd, prompt).motionCorrect, e.prompt).toBe(1);
      expect(scoreWorldVideo(fd, prompt).compensatedDifference).toBeGreaterThan(
        scoreWorldVideo(fs, prompt).compensatedDifference,
      );
    }
  });

  it('generic metrics: a still video has no frame difference and no flicker; alternating brightness flickers', () => {
    const still: FrameSet = { width: 8, height: 8, count: 4, channels: 3, data: new Uint8Array(8 * 8 * 3 * 4).fill(100) };
    expect(frameToFrameDifference(still)).toBe(0);
    expect(flicker(still)).toBe(0);
    const data = new Uint8Array(8 * 8 * 3 * 4);
    for (let k = 0; k < 4; k++) data.fill(k % 2 ? 200 : 100, k * 192, (k + 1) * 192);
    const blinking: FrameSet = { ...still, data };
    expect(frameToFrameDifference(blinking)).toBeCloseTo(100, 3);
    expect(flicker(blinking)).toBeCloseTo(200, 3);
  });

  it('parses prompts and refuses ones outside the world', () => {
    expect(parseWorldPrompt('a red circle moving left on a black background')).toEqual({
      colour: 'red',
      shape: 'circle',
      direction: 'left',
      background: 'black',
    });
    expect(parseWorldPrompt('a blue square moving up')).toEqual({ colour: 'blue', shape: 'square', direction: 'up' });
    expect(() => parseWorldPrompt('a cat')).toThrow(RangeError);
  });
});
