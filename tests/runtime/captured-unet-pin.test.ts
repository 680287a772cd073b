/**
 * pinRegistrations (src/runtime/webgpu/captured-unet.ts), the workaround that keeps onnxruntime-web's registrations
 * of a captured session's buffers (a [handle, count] pair under the private symbol `gpuBufferMetadata`) alive after
 * the capturing run, so that replays find their output again. Here over stand-in buffers and a stand-in for
 * onnxruntime-web 1.30's webgpuRegisterBuffer / webgpuUnregisterBuffer, written as its bundle does them: the symbol
 * is private to it, set by assignment, counted, deleted at 0.
 */
import { describe, expect, it } from 'vitest';
import { paddedTo4, pinRegistrations } from '../../src/runtime/webgpu/captured-unet.js';

/** A class with a prototype method and accessor, as a GPUBuffer has (`size`, `destroy`). */
class StandInBuffer {
  destroyed = false;
  constructor(private readonly bytes: number) {}
  get size(): number {
    return this.bytes;
  }
  destroy(): void {
    this.destroyed = true;
  }
}

/** onnxruntime-web's registration code, with its own symbol and handle counter. */
function standInOnnxruntime() {
  const metadata = Symbol('gpuBufferMetadata');
  let nextHandle = 100;
  const table = new Set<number>();
  type Tagged = Record<symbol, [number, number] | undefined>;
  const register = (buffer: object): number => {
    const meta = (buffer as Tagged)[metadata];
    if (meta) {
      meta[1]++;
      return meta[0];
    }
    const handle = nextHandle++;
    table.add(handle);
    (buffer as Tagged)[metadata] = [handle, 1];
    return handle;
  };
  const unregister = (buffer: object): void => {
    const meta = (buffer as Tagged)[metadata];
    if (!meta) throw new Error('Buffer is not registered');
    meta[1]--;
    if (meta[1] === 0) {
      table.delete(meta[0]);
      delete (buffer as Tagged)[metadata];
    }
  };
  /** One run: every buffer registered (after an await, as its async run does), then let go. */
  const run = async (buffers: object[]): Promise<number[]> => {
    await Promise.resolve();
    const handles = buffers.map(register);
    await Promise.resolve();
    for (const b of buffers) unregister(b);
    return handles;
  };
  return { metadata, table, run, register, unregister };
}

describe('pinRegistrations', () => {
  it('keeps each buffer registered under one handle across runs, whatever the run timing', async () => {
    const ort = standInOnnxruntime();
    const buffers = [new StandInBuffer(16), new StandInBuffer(32), new StandInBuffer(48), new StandInBuffer(64)];
    const settled = pinRegistrations(buffers as unknown as GPUBuffer[]);
    const first = await ort.run(buffers);
    expect(settled()).toBe(true);
    // Registered once more than onnxruntime let go: the handles stay in its table after the capturing run.
    expect(buffers.map((b) => (b as unknown as Record<symbol, unknown>)[ort.metadata])).toEqual(first.map((h) => [h, 1]));
    expect([...ort.table]).toEqual(first);
    // A replay finds the same handles.
    expect(await ort.run(buffers)).toEqual(first);
    // The buffers are what they were: their own prototype, methods and accessors.
    for (const b of buffers) expect(Object.getPrototypeOf(b)).toBe(StandInBuffer.prototype);
    expect(buffers.map((b) => b.size)).toEqual([16, 32, 48, 64]);
    buffers[0]?.destroy();
    expect(buffers[0]?.destroyed).toBe(true);
  });

  it('without it, a second run registers the buffers under new handles (the fault it works around)', async () => {
    const ort = standInOnnxruntime();
    const buffers = [new StandInBuffer(16), new StandInBuffer(32)];
    const first = await ort.run(buffers);
    expect(ort.table.size).toBe(0);
    expect(await ort.run(buffers)).not.toEqual(first);
  });

  it('reports failure and restores the buffers when the run never registered them', async () => {
    const ort = standInOnnxruntime();
    const buffers = [new StandInBuffer(16), new StandInBuffer(32), new StandInBuffer(48)];
    const settled = pinRegistrations(buffers as unknown as GPUBuffer[]);
    await ort.run(buffers.slice(0, 1));
    expect(settled()).toBe(false);
    for (const b of buffers) expect(Object.getPrototypeOf(b)).toBe(StandInBuffer.prototype);
    // The one that was registered stays pinned (one handle left in the table); the others were never touched.
    expect(ort.table.size).toBe(1);
    expect(Object.getOwnPropertySymbols(buffers[1] as object)).toEqual([]);
  });

  it('pins a buffer that is registered already by raising its count', () => {
    const ort = standInOnnxruntime();
    const buffer = new StandInBuffer(16);
    const handle = ort.register(buffer);
    expect(pinRegistrations([buffer as unknown as GPUBuffer])()).toBe(true);
    ort.unregister(buffer);
    expect((buffer as unknown as Record<symbol, unknown>)[ort.metadata]).toEqual([handle, 1]);
  });

  it('leaves other properties set on the buffer alone while armed', async () => {
    const buffer = new StandInBuffer(16) as StandInBuffer & { label?: string };
    const settled = pinRegistrations([buffer as unknown as GPUBuffer]);
    buffer.label = 'sample';
    expect(Object.getOwnPropertyDescriptor(buffer, 'label')?.value).toBe('sample');
    expect(settled()).toBe(false);
  });
});

describe('paddedTo4', () => {
  it('pads an fp16 timestep (2 bytes) to the 4 bytes writeBuffer needs, keeping its bytes', () => {
    const half = new Uint16Array([0x3c00]);
    const padded = paddedTo4(half);
    expect(padded.byteLength).toBe(4);
    expect([...padded]).toEqual([0x00, 0x3c, 0, 0]);
  });

  it('copies a view at an offset, and leaves whole words as they are', () => {
    const backing = new Float32Array([1, 2, 3]);
    const view = new Float32Array(backing.buffer, 4, 2);
    expect(new Float32Array(paddedTo4(view).buffer)).toEqual(new Float32Array([2, 3]));
  });
});
