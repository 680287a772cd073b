import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_SAMPLER_SETTINGS } from '../../src/core/sampler/settings.js';
import { HistoryDb, HistoryQuotaError, type NewHistoryEntry, type StorageEstimator } from '../../src/ui/history/history-db.js';
import { RECIPE_FORMAT, type Recipe } from '../../src/ui/recipe/recipe.js';

let dbCount = 0;
const opened: HistoryDb[] = [];

/** A fresh database per test (fake-indexeddb keeps databases for the whole process). */
async function openFresh(options: { estimate?: StorageEstimator | null } = {}) {
  const db = await HistoryDb.open({ name: `history-test-${++dbCount}`, estimate: null, ...options });
  opened.push(db);
  return db;
}

afterEach(() => {
  for (const db of opened.splice(0)) db.close();
});

function entry(prompt: string, createdAt: number, frameBytes = 100): NewHistoryEntry {
  const recipe: Recipe = {
    format: RECIPE_FORMAT,
    createdAt: new Date(createdAt).toISOString(),
    prompt,
    negativePrompt: '',
    seed: 1,
    frames: 2,
    width: 64,
    height: 64,
    fps: 8,
    settings: { ...DEFAULT_SAMPLER_SETTINGS, steps: 2 },
    pack: { id: 'tinyworld-v2', files: [] },
    backend: 'wasm',
    app: { version: '0.1.0', onnxruntimeWeb: '1.30.0' },
    framesSha256: '0'.repeat(64),
  };
  return {
    createdAt,
    recipe,
    cost: { imageCalls: 4, videoCalls: 6, totalMs: 1234 },
    thumbnail: new Uint8Array(10).fill(7),
    pngs: [new Uint8Array(frameBytes).fill(1), new Uint8Array(frameBytes).fill(2)],
  };
}

describe('History database', () => {
  it('keeps videos with their frames and lists them newest first, frames apart', async () => {
    const db = await openFresh();
    const first = await db.add(entry('first', 1000));
    const second = await db.add(entry('second', 3000));
    const third = await db.add(entry('third', 2000));
    const list = await db.list();
    expect(list.map((e) => e.recipe.prompt)).toEqual(['second', 'third', 'first']);
    expect(list[0]).toEqual(second);
    expect(list[0]).not.toHaveProperty('pngs');
    expect(third.id).not.toBe(first.id);
    const frames = await db.frames(first.id);
    expect(frames?.map((f) => [f.byteLength, f[0]])).toEqual([
      [100, 1],
      [100, 2],
    ]);
  });

  it('counts the bytes of each entry: frames, thumbnail and recipe', async () => {
    const db = await openFresh();
    const added = await db.add(entry('sized', 1, 500));
    const recipeBytes = new TextEncoder().encode(JSON.stringify(added.recipe)).byteLength;
    expect(added.bytes).toBe(2 * 500 + 10 + recipeBytes);
  });

  it('deletes a video and its frames, and survives a reopen', async () => {
    const name = `history-test-${++dbCount}`;
    const db = await HistoryDb.open({ name, estimate: null });
    const keep = await db.add(entry('keep', 1));
    const gone = await db.add(entry('gone', 2));
    await db.delete(gone.id);
    db.close();
    const reopened = await HistoryDb.open({ name, estimate: null });
    opened.push(reopened);
    expect((await reopened.list()).map((e) => e.id)).toEqual([keep.id]);
    expect(await reopened.frames(gone.id)).toBeNull();
    expect(await reopened.frames(keep.id)).toHaveLength(2);
  });

  it('refuses a video that does not fit the storage estimate, saying how much it needs, and keeps nothing', async () => {
    const db = await openFresh({ estimate: async () => ({ usage: 9_900, quota: 10_000 }) });
    const error = await db.add(entry('too big', 1, 4096)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HistoryQuotaError);
    expect((error as Error).message).toMatch(/storage for this site is full \(it needs 8\.\d KB, 100 B are free\)/);
    expect((error as Error).message).toMatch(/Delete older videos in History/);
    expect(await db.list()).toEqual([]);
  });

  it('turns a QuotaExceededError from IndexedDB into the same clear message', async () => {
    const db = await openFresh();
    const store = globalThis.IDBObjectStore.prototype;
    const put = store.put;
    store.put = function quotaFull() {
      throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
    };
    try {
      const error = await db.add(entry('no room', 1)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(HistoryQuotaError);
      expect((error as Error).message).toMatch(/storage for this site is full\. Delete older videos/);
    } finally {
      store.put = put;
    }
    // The failed write left nothing half-saved.
    expect(await db.list()).toEqual([]);
  });
});
