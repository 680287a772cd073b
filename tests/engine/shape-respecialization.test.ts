/**
 * The engine re-creates its sessions with the generation's shapes pinned whenever the shape changes
 * (engine.ts specializeFor, pack-loader.ts respecializer). Every re-created set must pin them, not only the first:
 * the symbols are read from the graphs as loaded, since a pinned session reports numbers where its graph has
 * symbols. (Reading them from the current sessions pinned nothing after the first change: on the H100 the bundled
 * pack then ran 2.5x slower and onnxruntime refused graph capture.)
 */
import * as ort from 'onnxruntime-web';
import { afterAll, describe, expect, it } from 'vitest';
import { dirPackReader } from '../../src/cli/models-dir.js';
import { Engine } from '../../src/engine/engine.js';
import type { OrtModule, OrtSessionOptions } from '../../src/runtime/ort.js';
import { NODE_CAPS, PACK_DIR, TINY_REQUEST } from './support.js';

/** onnxruntime with its session options recorded, in creation order. */
const created: (Record<string, number> | undefined)[] = [];
const recordingOrt = {
  ...ort,
  InferenceSession: {
    create: (data: Uint8Array, options?: OrtSessionOptions) => {
      created.push(options?.freeDimensionOverrides as Record<string, number> | undefined);
      return ort.InferenceSession.create(data, options);
    },
  },
} as unknown as OrtModule;

const engine = new Engine(recordingOrt, {
  readerFor: (source) => dirPackReader((source as { baseUrl: string }).baseUrl),
  probe: async () => NODE_CAPS,
});
afterAll(() => engine.unload());

/** The four sessions (text encoder, IDM, VDM, VAE) each generation made, after the load's own four. */
async function sessionsMadeBy(frames: number): Promise<(Record<string, number> | undefined)[]> {
  const before = created.length;
  await engine.generate({ ...TINY_REQUEST, frames });
  return created.slice(before);
}

describe('shape re-specialization', () => {
  it('pins every re-created set to its own shape, however many times the shape changes', async () => {
    await engine.load({ kind: 'url', baseUrl: PACK_DIR }, { backend: 'wasm' });
    const atLoad = created.length;
    expect(atLoad).toBe(4);
    expect(created.every((o) => o === undefined)).toBe(true);

    for (const frames of [4, 2, 4, 3]) {
      const sessions = await sessionsMadeBy(frames);
      expect(sessions, `frames ${frames}`).toHaveLength(4);
      for (const overrides of sessions) expect(Object.keys(overrides ?? {}).length, `frames ${frames}`).toBeGreaterThan(0);
      // The VDM's sample is [batch, 4, frames, height, width] with those symbols in the bundled pack.
      expect(sessions).toContainEqual({ batch: 2, frames, height: 8, width: 8 });
      // The IDM's batch folds the frames and the CFG rows.
      expect(sessions).toContainEqual({ batch: 2 * frames, height: 8, width: 8 });
    }
    // The same shape again re-creates nothing.
    expect(await sessionsMadeBy(3)).toHaveLength(0);
  }, 120_000);
});
