/**
 * pinRegistrations (src/runtime/webgpu/captured-unet.ts): the workaround that keeps onnxruntime-web's registrations
 * of a captured session's buffers (a [handle, count] pair under the private symbol `gpuBufferMetadata`) alive after
 * the capturing run, so that replays find their output again. Here over stand-in buffers that "onnxruntime"
 * registers a little after the run starts, as its async run does.
 */
import { describe, expect, it } from 'vitest';
import { pinRegistrations } from '../../src/runtime/webgpu/captured-unet.js';

const metadata = Symbol('gpuBufferMetadata');
type Registered = { [metadata]?: [number, number] };
const buffers = (n: number) => Array.from({ length: n }, () => ({}) as Registered);
const later = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** What onnxruntime does around one run: register (count 1), run, unregister (count down; dropped at 0). */
async function fakeRun(bs: Registered[], registerAfterMs: number, runMs: number) {
  await later(registerAfterMs);
  bs.forEach((b, i) => {
    b[metadata] = [100 + i, 1];
  });
  await later(runMs);
  for (const b of bs) {
    const meta = b[metadata] as [number, number];
    meta[1]--;
    if (meta[1] === 0) delete b[metadata];
  }
}

describe('pinRegistrations', () => {
  it('adds one count to every buffer once registered, so the registration outlives the run', async () => {
    const bs = buffers(4);
    const running = fakeRun(bs, 5, 20);
    expect(await pinRegistrations(bs as unknown as GPUBuffer[], running)).toBe(true);
    await running;
    expect(bs.map((b) => b[metadata])).toEqual([
      [100, 1],
      [101, 1],
      [102, 1],
      [103, 1],
    ]);
  });

  it('reports failure when the run ends before onnxruntime registered the buffers', async () => {
    const bs = buffers(2);
    const running = later(5);
    expect(await pinRegistrations(bs as unknown as GPUBuffer[], running)).toBe(false);
    expect(bs.map((b) => b[metadata])).toEqual([undefined, undefined]);
  });

  it('waits for all of them: one missing registration pins none', async () => {
    const bs = buffers(3);
    const running = (async () => {
      await later(5);
      (bs[0] as Registered)[metadata] = [7, 1];
      await later(10);
    })();
    expect(await pinRegistrations(bs as unknown as GPUBuffer[], running)).toBe(false);
    expect((bs[0] as Registered)[metadata]).toEqual([7, 1]);
  });
});
