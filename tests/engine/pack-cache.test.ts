/**
 * The packs the engine keeps in its store, as the model manager lists and removes them: packs downloaded by
 * the engine from a real HTTP server (127.0.0.1) into a MemoryStore and an FsStore.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../src/engine/engine.js';
import { listCachedPacks, rememberedManifestKeys, removeCachedPack } from '../../src/engine/pack-cache.js';
import type { BlobStore } from '../../src/runtime/download/blob-store.js';
import { FsStore } from '../../src/runtime/download/fs-store.js';
import { MemoryStore } from '../../src/runtime/download/memory-store.js';
import { parsePackManifest } from '../../src/runtime/pack/manifest.js';
import { TestServer } from '../download/test-server.js';
import { makeEngine, PACK_DIR, smallRequest } from './support.js';

const manifestBytes = new Uint8Array(await readFile(join(PACK_DIR, 'manifest.json')));
const manifest = parsePackManifest(JSON.parse(new TextDecoder().decode(manifestBytes)));
const packBytes = manifest.files.reduce((n, f) => n + f.size, 0);
/** The bundled pack under another id: the same files, its own folder in the store. */
const copyManifestBytes = new TextEncoder().encode(
  JSON.stringify({ ...JSON.parse(new TextDecoder().decode(manifestBytes)), id: 'tinyworld-copy', name: 'Tiny world (copy)' }),
);

async function writeComplete(store: BlobStore, key: string, bytes: Uint8Array): Promise<void> {
  const writer = await store.openWriter(key, { offset: 0 });
  await writer.write(bytes);
  await writer.close();
  await store.markComplete(key);
}

const stores: [string, () => Promise<{ store: BlobStore; cleanup: () => Promise<void> }>][] = [
  ['MemoryStore', async () => ({ store: new MemoryStore(), cleanup: async () => {} })],
  [
    'FsStore',
    async () => {
      const dir = await mkdtemp(join(tmpdir(), 'ivmix-pack-cache-'));
      return { store: new FsStore(dir), cleanup: () => rm(dir, { recursive: true, force: true }) };
    },
  ],
];

describe.each(stores)('cached packs in a %s', (_name, makeStore) => {
  const server = new TestServer();
  const engines: Engine[] = [];
  const cleanups: (() => Promise<void>)[] = [];
  const url = (root: string) => server.url(root);
  const fresh = async () => {
    const { store, cleanup } = await makeStore();
    cleanups.push(cleanup);
    const engine = makeEngine({ store });
    engines.push(engine);
    return { store, engine };
  };

  beforeAll(async () => {
    await server.start();
    for (const root of ['/a/tinyworld-v2/', '/b/tinyworld-v2/', '/copy/']) {
      for (const f of manifest.files) server.serve(`${root}${f.path}`, new Uint8Array(await readFile(join(PACK_DIR, f.path))));
    }
    server.serve('/a/tinyworld-v2/manifest.json', manifestBytes);
    server.serve('/b/tinyworld-v2/manifest.json', manifestBytes);
    server.serve('/copy/manifest.json', copyManifestBytes);
  });
  afterAll(async () => {
    await Promise.all(engines.map((e) => e.unload()));
    await server.close();
    for (const c of cleanups) await c();
  });

  it('lists each downloaded pack with its name, source, size and file count, complete', async () => {
    const { store, engine } = await fresh();
    expect(await engine.listCachedPacks()).toEqual([]);
    await engine.load({ kind: 'url', baseUrl: url('/a/tinyworld-v2/') });
    await engine.load({ kind: 'url', baseUrl: url('/copy/') });
    const { manifest: key } = await rememberedManifestKeys(url('/a/tinyworld-v2/'));
    const remembered = (await store.stat(key))?.size ?? Number.NaN;
    const sourceBytes = new TextEncoder().encode(url('/a/tinyworld-v2/')).byteLength;

    const packs = await engine.listCachedPacks();
    expect(packs.map((p) => p.name)).toEqual(['Tiny world', 'Tiny world (copy)']);
    expect(packs[0]).toEqual({
      key: 'tinyworld-v2',
      id: 'tinyworld-v2',
      name: 'Tiny world',
      sources: [url('/a/tinyworld-v2/')],
      bytes: packBytes + remembered + sourceBytes,
      files: manifest.files.length,
      expected: { files: manifest.files.length, bytes: packBytes },
      complete: true,
    });
    expect(packs[1]).toMatchObject({ key: 'tinyworld-copy', sources: [url('/copy/')], files: 7, complete: true });
    // The listing adds up to what the store holds.
    expect(packs.reduce((n, p) => n + p.bytes, 0)).toBe(await store.usage());
  });

  it('removes one pack (files and remembered manifests) and leaves the other whole', async () => {
    const { store, engine } = await fresh();
    await engine.load({ kind: 'url', baseUrl: url('/copy/') });
    await engine.load({ kind: 'url', baseUrl: url('/a/tinyworld-v2/') });
    const before = await engine.listCachedPacks();
    const copy = before.find((p) => p.key === 'tinyworld-copy');

    const removed = await engine.removeCachedPack('tinyworld-copy');
    expect(removed).toEqual({ key: 'tinyworld-copy', entries: 7 + 2, bytes: copy?.bytes });
    expect((await engine.listCachedPacks()).map((p) => p.key)).toEqual(['tinyworld-v2']);
    expect(await store.list('tinyworld-copy/')).toEqual([]);
    const { manifest: m, source: s } = await rememberedManifestKeys(url('/copy/'));
    expect([await store.stat(m), await store.stat(s)]).toEqual([null, null]);
    // The loaded pack still generates, and removing what is gone removes nothing.
    expect((await engine.generate(smallRequest({ settings: { steps: 1 } }))).frames.count).toBe(4);
    expect(await engine.removeCachedPack('tinyworld-copy')).toEqual({ key: 'tinyworld-copy', entries: 0, bytes: 0 });
  });

  it('merges one pack downloaded from two URLs, and removes both of its manifests', async () => {
    const { store, engine } = await fresh();
    await engine.load({ kind: 'url', baseUrl: url('/a/tinyworld-v2/') });
    await engine.load({ kind: 'url', baseUrl: url('/b/tinyworld-v2/') });
    const [pack, ...others] = await engine.listCachedPacks();
    expect(others).toEqual([]);
    expect(pack?.sources.sort()).toEqual([url('/a/tinyworld-v2/'), url('/b/tinyworld-v2/')].sort());
    expect(pack?.files).toBe(7);
    expect((await engine.removeCachedPack('tinyworld-v2')).entries).toBe(7 + 4);
    expect(await store.list('')).toEqual([]);
  });

  it('marks a pack whose download failed midway as incomplete, with what it holds', async () => {
    const { store, engine } = await fresh();
    const missing = manifest.files[manifest.files.length - 1]?.path as string;
    server.fault(`/copy/${missing}`, { status: { code: 404, times: 1 } });
    await expect(engine.load({ kind: 'url', baseUrl: url('/copy/') })).rejects.toThrow();
    const [pack] = await listCachedPacks(store);
    expect(pack).toMatchObject({ key: 'tinyworld-copy', name: 'Tiny world (copy)', complete: false });
    expect(pack?.files).toBeLessThan(manifest.files.length);
    expect(pack?.expected).toEqual({ files: manifest.files.length, bytes: packBytes });
    // Loading it again completes it.
    await engine.load({ kind: 'url', baseUrl: url('/copy/') });
    expect((await listCachedPacks(store))[0]).toMatchObject({ files: 7, complete: true });
  });

  it('refuses to remove the pack that is generating, with a message, and removes it once the run is over', async () => {
    const { engine } = await fresh();
    await engine.load({ kind: 'url', baseUrl: url('/copy/') });
    const run = engine.generate(smallRequest({ settings: { steps: 2 } }));
    await expect(engine.removeCachedPack('tinyworld-copy')).rejects.toMatchObject({
      name: 'PackInUseError',
      message: expect.stringMatching(/Tiny world \(copy\) is generating a video right now\. Wait for it to finish/),
    });
    expect((await run).frames.count).toBe(4);
    expect((await engine.listCachedPacks())[0]?.complete).toBe(true);
    expect((await engine.removeCachedPack('tinyworld-copy')).entries).toBe(9);
  });

  it('lists a remembered manifest it cannot read, and removes it by its key; refuses keys that are no pack id', async () => {
    const { store } = await fresh();
    const { manifest: key, source } = await rememberedManifestKeys('http://127.0.0.1:1/broken/');
    await writeComplete(store, key, new TextEncoder().encode('{ not json'));
    await writeComplete(store, source, new TextEncoder().encode('http://127.0.0.1:1/broken/'));
    const [entry, ...rest] = await listCachedPacks(store);
    expect(rest).toEqual([]);
    expect(entry).toMatchObject({
      key,
      id: null,
      name: 'Unreadable manifest from http://127.0.0.1:1/broken/',
      files: 0,
      complete: false,
    });
    expect(await removeCachedPack(store, key)).toEqual({ key, entries: 2, bytes: entry?.bytes });
    expect(await store.list('')).toEqual([]);
    await expect(removeCachedPack(store, '../etc')).rejects.toThrow(/is not a pack id/);
    await expect(removeCachedPack(store, '')).rejects.toThrow(/is not a pack id/);
  });
});
