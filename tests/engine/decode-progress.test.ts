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
