/**
 * The BlobStore contract, run against every store that works in Node (FsStore in a temp dir, MemoryStore):
 * partial vs complete, writers that truncate at 0 and append at an offset, validators, list/usage/remove,
 * and keys that must be refused. FsStore also keeps complete files at <root>/<key> for other tools.
 */
import { mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type BlobStore, keySegments } from '../../src/runtime/download/blob-store.js';
import { BlobStoreError } from '../../src/runtime/download/errors.js';
import { FsStore } from '../../src/runtime/download/fs-store.js';
import { MemoryStore } from '../../src/runtime/download/memory-store.js';

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'blob-store-'));
  dirs.push(dir);
  return dir;
}

const bytes = (...values: number[]) => new Uint8Array(values);

async function put(store: BlobStore, key: string, data: Uint8Array, options: { complete?: boolean; validator?: string } = {}) {
  const w = await store.openWriter(key, { offset: 0, ...(options.validator ? { validator: options.validator } : {}) });
  await w.write(data);
  await w.close();
  if (options.complete) await store.markComplete(key);
}

const stores: [string, () => Promise<BlobStore>][] = [
  ['FsStore', async () => new FsStore(await tempDir())],
  ['MemoryStore', async () => new MemoryStore()],
];

describe.each(stores)('%s', (_name, make) => {
  it('holds partial files, appends at an offset, and marks complete', async () => {
    const store = await make();
    expect(await store.stat('p/a.bin')).toBeNull();
    await put(store, 'p/a.bin', bytes(1, 2, 3), { validator: '"v1"' });
    expect(await store.stat('p/a.bin')).toEqual({ size: 3, complete: false, validator: '"v1"' });

    const w = await store.openWriter('p/a.bin', { offset: 2, validator: '"v1"' });
    await w.write(bytes(9, 8));
    await w.write(bytes(7));
    await w.close();
    await w.close(); // idempotent
    expect(Array.from(await store.readAll('p/a.bin'))).toEqual([1, 2, 9, 8, 7]);

    await store.markComplete('p/a.bin');
    expect(await store.stat('p/a.bin')).toEqual({ size: 5, complete: true });
    expect(Array.from(await store.readAll('p/a.bin'))).toEqual([1, 2, 9, 8, 7]);
  });

  it('offset 0 truncates, a writer makes a complete file partial again, and a writer cannot leave a gap', async () => {
    const store = await make();
    await put(store, 'p/b', bytes(1, 2, 3, 4), { complete: true });
    const w = await store.openWriter('p/b', { offset: 1 });
    await w.close();
    expect(await store.stat('p/b')).toEqual({ size: 1, complete: false });
    await put(store, 'p/b', bytes(5));
    expect(Array.from(await store.readAll('p/b'))).toEqual([5]);
    await expect(store.openWriter('p/b', { offset: 2 })).rejects.toBeInstanceOf(BlobStoreError);
    await expect(store.openWriter('p/new', { offset: 1 })).rejects.toBeInstanceOf(BlobStoreError);
  });

  it('a writer without a validator drops the stale one', async () => {
    const store = await make();
    await put(store, 'p/c', bytes(1), { validator: '"old"' });
    const w = await store.openWriter('p/c', { offset: 1 });
    await w.close();
    expect(await store.stat('p/c')).toEqual({ size: 1, complete: false });
  });

  it('gives back the hash a complete file was verified against, until the file is written again', async () => {
    const store = await make();
    const sha256 = 'ab'.repeat(32);
    await put(store, 'p/v.bin', bytes(1, 2, 3), { complete: true });
    await settle(store, 'p/v.bin');
    await store.markComplete('p/v.bin', { sha256 });
    expect(await store.stat('p/v.bin')).toEqual({ size: 3, complete: true, verifiedSha256: sha256 });
    await store.markComplete('p/v.bin'); // marking again without a hash keeps the record of these bytes
    expect((await store.stat('p/v.bin'))?.verifiedSha256).toBe(sha256);

    const w = await store.openWriter('p/v.bin', { offset: 3 });
    await w.write(bytes(4));
    await w.close();
    expect(await store.stat('p/v.bin')).toEqual({ size: 4, complete: false });
    await store.markComplete('p/v.bin');
    expect(await store.stat('p/v.bin')).toEqual({ size: 4, complete: true });

    await settle(store, 'p/v.bin');
    await store.markComplete('p/v.bin', { sha256 });
    await store.remove('p/v.bin');
    await put(store, 'p/v.bin', bytes(1, 2, 3), { complete: true });
    expect(await store.stat('p/v.bin')).toEqual({ size: 3, complete: true });
  });

  it('lists by prefix, sums usage, removes', async () => {
    const store = await make();
    await put(store, 'pack/unet/model.onnx', bytes(1, 2, 3), { complete: true });
    await put(store, 'pack/vae/model.onnx', bytes(1, 2));
    await put(store, 'other/x', bytes(1));
    expect(await store.list('pack/')).toEqual([
      { key: 'pack/unet/model.onnx', size: 3, complete: true },
      { key: 'pack/vae/model.onnx', size: 2, complete: false },
    ]);
    expect((await store.list('')).map((e) => e.key)).toEqual(['other/x', 'pack/unet/model.onnx', 'pack/vae/model.onnx']);
    expect(await store.usage()).toBe(6);
    await store.remove('pack/unet/model.onnx');
    await store.remove('pack/vae/model.onnx');
    await store.remove('pack/never-was');
    expect(await store.list('pack')).toEqual([]);
    expect(await store.usage()).toBe(1);
    await expect(store.readAll('pack/unet/model.onnx')).rejects.toThrow(/Nothing is stored under "pack\/unet\/model.onnx"/);
    await expect(store.markComplete('pack/unet/model.onnx')).rejects.toBeInstanceOf(BlobStoreError);
  });

  it('refuses keys that could escape the store or clash with its bookkeeping', async () => {
    const store = await make();
    for (const key of ['', '/abs', 'a//b', '../up', 'a/../b', '.partial/x', 'a/.meta', 'a\\b', 'c:d', 'x\u0001']) {
      await expect(store.stat(key), key).rejects.toBeInstanceOf(BlobStoreError);
    }
  });
});

/** FsStore records a hash only for a complete file last modified a while ago: this one, a minute ago. */
async function settle(store: BlobStore, key: string): Promise<void> {
  if (!(store instanceof FsStore)) return;
  const past = new Date(Date.now() - 60_000);
  await utimes(join(store.root, ...key.split('/')), past, past);
}

describe('FsStore verified records', () => {
  it('records no hash for a file modified moments ago, and drops it when the file changes on disk', async () => {
    const store = new FsStore(await tempDir());
    const sha256 = 'cd'.repeat(32);
    await put(store, 'p/f.bin', bytes(1, 2, 3), { complete: true });
    await store.markComplete('p/f.bin', { sha256 });
    expect(await store.stat('p/f.bin')).toEqual({ size: 3, complete: true });

    await settle(store, 'p/f.bin');
    await store.markComplete('p/f.bin', { sha256 });
    expect((await store.stat('p/f.bin'))?.verifiedSha256).toBe(sha256);
    await writeFile(join(store.root, 'p', 'f.bin'), bytes(9, 9, 9)); // same size, behind the store's back
    expect(await store.stat('p/f.bin')).toEqual({ size: 3, complete: true });
  });
});

describe('FsStore layout', () => {
  it('keeps complete files at <root>/<key>, partials out of sight, and prunes empty folders', async () => {
    const root = await tempDir();
    const store = new FsStore(root);
    await put(store, 'pack/unet/model.onnx', bytes(4, 5, 6), { validator: '"e"' });
    await expect(readFile(join(root, 'pack/unet/model.onnx'))).rejects.toThrow();
    expect(await store.stat('pack/unet/model.onnx')).toEqual({ size: 3, complete: false, validator: '"e"' });
    await store.markComplete('pack/unet/model.onnx');
    expect(Array.from(await readFile(join(root, 'pack/unet/model.onnx')))).toEqual([4, 5, 6]);
    await store.remove('pack/unet/model.onnx');
    await expect(readFile(join(root, 'pack'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

it('keySegments splits valid keys', () => {
  expect(keySegments('sd15/unet/model.onnx')).toEqual(['sd15', 'unet', 'model.onnx']);
  expect(() => keySegments('a/./b')).toThrow(/Invalid storage key "a\/.\/b"/);
});
