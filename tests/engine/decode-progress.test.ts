import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Engine } from '../../src/engine/engine.js';
import { dirSource, generateCollecting, makeEngine, PACK_DIR, TINY_REQUEST } from './support.js';

let engine: Engine;
beforeAll(async () => {
  engine = makeEngine();
  await engine.load(dirSource(PACK_DIR));
});
afterAll(async () => {
  await engine?.unload();
});

it.each([
  [1, [1, 2, 3, 4]],
  [2, [2, 4]],
  [4, [4]],
])(
  'sends a decode event after every VAE chunk of %i frame(s), after the last step, counting frames done',
  async (chunk, done) => {
    const { result, events } = await generateCollecting(engine, { ...TINY_REQUEST, decodeChunk: chunk });
    const decodes = events.filter((e) => e.type === 'decode');
    expect(decodes).toEqual(done.map((frame) => ({ type: 'decode', frame, frames: 4 })));
    const lastStep = events.findLastIndex((e) => e.type === 'step-end');
    const firstDecode = events.findIndex((e) => e.type === 'decode');
    expect(firstDecode).toBeGreaterThan(lastStep);
    expect(result.frames.count).toBe(4);
  },
);

it('decodes the bundled pack in one call by default, frames within 1 LSB of one call per frame', async () => {
  const { result: byDefault, events } = await generateCollecting(engine, TINY_REQUEST);
  expect(byDefault.timings.decodeChunk).toBe(4);
  expect(events.filter((e) => e.type === 'decode')).toEqual([{ type: 'decode', frame: 4, frames: 4 }]);
  const { result: perFrame } = await generateCollecting(engine, { ...TINY_REQUEST, decodeChunk: 1 });
  expect(perFrame.timings.decodeChunk).toBe(1);
  let maxLsb = 0;
  for (let i = 0; i < perFrame.frames.rgba.length; i++) {
    maxLsb = Math.max(maxLsb, Math.abs((perFrame.frames.rgba[i] as number) - (byDefault.frames.rgba[i] as number)));
  }
  // The batched convolutions sum in another order: last-bit differences, nothing visible.
  expect(maxLsb).toBeLessThanOrEqual(1);
});
