/**
 * A pack that borrows its IDM from an SD1.5 folder (manifest `imageModel`), loaded from a real HTTP server
 * (127.0.0.1) by an engine with a store: the borrowed files are downloaded with the pack (progress, verified
 * when the manifest lists hashes), kept under the pack in the store, listed and removed with it, reused with
 * the server stopped, and fetched again when the stored copy is damaged.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../src/engine/engine.js';
import type { LoadEvent } from '../../src/engine/types.js';
import type { BlobStore } from '../../src/runtime/download/blob-store.js';
import { MemoryStore } from '../../src/runtime/download/memory-store.js';
import { sha256, TestServer } from '../download/test-server.js';
import { borrowingPack, sd15Folder, unetFileList } from './sd15-folder-fixture.js';
import { makeEngine, PACK_DIR, removeTempDirs, tempDir } from './support.js';

const ID = 'tinyworld-v2';
const BORROWED = ['unet/model.onnx', 'unet/weights.pb'];
const borrowedKey = (path: string) => `${ID}/image-model/${path}`;

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) out.push(relative(dir, join(entry.parentPath, entry.name)).split(sep).join('/'));
  }
  return out;
}

/** Replaces a stored file with `bytes`, marked complete: what a damaged or truncated copy in OPFS looks like. */
async function overwrite(store: BlobStore, key: string, bytes: Uint8Array): Promise<void> {
  const writer = await store.openWriter(key, { offset: 0 });
  await writer.write(bytes);
  await writer.close();
  await store.markComplete(key);
}

const REQUEST = {
  prompt: 'a green diamond moving down on a gray background',
  seed: 5,
  frames: 4,
  settings: { variant: 'iv-iv' as const, steps: 2 },
  previewEvery: 0,
};

describe('a borrowed IDM in the engine store', () => {
  let root: string;
  let hashedList: Awaited<ReturnType<typeof unetFileList>>;
  let borrowedBytes: number;
  let packBytes: number;
  const servers: TestServer[] = [];
  const engines: Engine[] = [];

  beforeAll(async () => {
    root = await tempDir('ivmix-borrowed-store-');
    await sd15Folder(join(root, 'sd15'), join(PACK_DIR, 'unet', 'model.onnx'));
    hashedList = await unetFileList(join(root, 'sd15'));
    borrowedBytes = hashedList.reduce((n, f) => n + f.size, 0);
    await borrowingPack(join(root, 'hashed', 'pack'), '../../sd15/', hashedList);
    await borrowingPack(join(root, 'plain', 'pack'), '../../sd15/');
    const manifest = JSON.parse(await readFile(join(root, 'plain', 'pack', 'manifest.json'), 'utf8')) as {
      files: { size: number }[];
    };
    packBytes = manifest.files.reduce((n, f) => n + f.size, 0);
  });
  afterEach(async () => {
    await Promise.all(engines.splice(0).map((e) => e.unload()));
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });
  afterAll(removeTempDirs);

  /** A server for everything under `root`; closing it is what "offline" means here. */
  const serve = async (): Promise<TestServer> => {
    const server = await new TestServer().start();
    servers.push(server);
    for (const path of await filesUnder(root)) server.serve(`/${path}`, new Uint8Array(await readFile(join(root, path))));
    return server;
  };
  const engineOn = (store: BlobStore) => {
    const engine = makeEngine({ store });
    engines.push(engine);
    return engine;
  };
  const load = async (engine: Engine, server: TestServer, pack: 'hashed' | 'plain') => {
    const events: LoadEvent[] = [];
    const summary = await engine.load({ kind: 'url', baseUrl: server.url(`/${pack}/pack/`) }, {}, (e) => events.push(e));
    return { summary, events, notices: events.flatMap((e) => (e.phase === 'notice' ? [e.message] : [])) };
  };
  const gets = (server: TestServer, path: string) => server.requests(path).filter((r) => r.method === 'GET').length;

  it('downloads hashed borrowed files with the pack (progress per file and overall), verifies them and loads them offline', async () => {
    const store = new MemoryStore();
    const server = await serve();
    // The connection drops partway through the borrowed weights: the download resumes with a range.
    const cut = Math.floor((hashedList[1]?.size ?? 0) / 2);
    server.fault('/sd15/unet/weights.pb', { dropAfter: cut });
    const { summary, events, notices } = await load(engineOn(store), server, 'hashed');
    expect(summary.pack.verified).toBe(true);
    expect(summary.pack.totalBytes).toBe(packBytes + borrowedBytes);
    expect(notices).toContainEqual(expect.stringMatching(/sd15\/.*stored with the pack and verified against the sha256/));

    // One download: the pack's files and the borrowed ones under one overall total.
    const downloads = events.flatMap((e) => (e.phase === 'download' ? [e] : []));
    for (const path of BORROWED) {
      const last = downloads.filter((d) => d.file === borrowedKey(path)).at(-1);
      const size = hashedList.find((f) => f.path === path)?.size;
      expect(last).toMatchObject({ loaded: size, total: size, overallTotal: packBytes + borrowedBytes });
    }
    expect(downloads.at(-1)).toMatchObject({ overallLoaded: packBytes + borrowedBytes, overallTotal: packBytes + borrowedBytes });
    const weights = server.requests('/sd15/unet/weights.pb').filter((r) => r.method === 'GET');
    expect(weights.map((r) => [r.range, r.status])).toEqual([
      [undefined, 200],
      [expect.stringMatching(/^bytes=\d+-$/), 206],
    ]);
    const offset = Number(/^bytes=(\d+)-$/.exec(weights[1]?.range ?? '')?.[1]);
    expect(offset).toBeGreaterThan(0);
    expect(offset).toBeLessThanOrEqual(cut);
    expect(notices).toContainEqual(
      expect.stringMatching(new RegExp(`image-model/unet/weights\\.pb: .*resuming at byte ${offset}\\.$`)),
    );
    for (const path of BORROWED) {
      // Stored with the hash they were verified against, so that a later load need not hash them again.
      const source = await readFile(join(root, 'sd15', path));
      expect(await store.stat(borrowedKey(path))).toEqual({
        size: (await stat(join(root, 'sd15', path))).size,
        complete: true,
        verifiedSha256: sha256(source),
      });
    }
    // The hashed case needs no probing of the folder: only its two listed files were asked for.
    expect(server.log.filter((r) => r.path.startsWith('/sd15/')).map((r) => r.path)).toEqual([
      '/sd15/unet/model.onnx',
      '/sd15/unet/weights.pb',
      '/sd15/unet/weights.pb',
    ]);

    const [listed] = await engineOn(store).listCachedPacks();
    expect(listed).toMatchObject({
      key: ID,
      files: 7 - 1 + 2,
      expected: { files: 7 - 1 + 2, bytes: packBytes + borrowedBytes },
      complete: true,
    });
    expect(listed?.bytes).toBe(await store.usage());

    // Offline: the server is gone; a fresh engine (a reloaded page) loads everything from the store.
    await server.close();
    const offline = engineOn(store);
    const again = await offline.load({ kind: 'url', baseUrl: server.url('/hashed/pack/') });
    expect(again.pack.verified).toBe(true);
    expect(again.pack.hasImageModel).toBe(true);
    const result = await offline.generate(REQUEST);
    expect(result.modelCalls.image).toBe(4);
    expect(result.frames.count).toBe(4);
  });

  it('refetches a hashed borrowed file that arrives corrupt, or whose stored copy is corrupt or truncated', async () => {
    const store = new MemoryStore();
    const server = await serve();
    server.fault('/sd15/unet/weights.pb', { corrupt: 'once' });
    const first = await load(engineOn(store), server, 'hashed');
    expect(first.notices).toContainEqual(
      expect.stringMatching(/image-model\/unet\/weights\.pb: the downloaded copy fails verification/),
    );
    expect(gets(server, '/sd15/unet/weights.pb')).toBe(2);

    const weights = await store.readAll(borrowedKey('unet/weights.pb'));
    const flipped = weights.slice();
    flipped[1000] = (flipped[1000] as number) ^ 0xff;
    await overwrite(store, borrowedKey('unet/weights.pb'), flipped);
    const graph = await store.readAll(borrowedKey('unet/model.onnx'));
    await overwrite(store, borrowedKey('unet/model.onnx'), graph.subarray(0, graph.byteLength - 10));

    const second = await load(engineOn(store), server, 'hashed');
    expect(second.summary.pack.verified).toBe(true);
    expect(second.notices).toContainEqual(expect.stringMatching(/image-model\/unet\/weights\.pb: the stored copy is corrupt/));
    expect(second.notices).toContainEqual(
      expect.stringMatching(/image-model\/unet\/model\.onnx: the stored copy has \d+ bytes instead of \d+/),
    );
    expect(gets(server, '/sd15/unet/weights.pb')).toBe(3);
    expect(gets(server, '/sd15/unet/model.onnx')).toBe(2);
    expect(await store.readAll(borrowedKey('unet/weights.pb'))).toEqual(weights);
  });

  it('stores an unhashed folder after a size check, unverified, and loads it offline from what it stored', async () => {
    const store = new MemoryStore();
    const server = await serve();
    const { summary, notices } = await load(engineOn(store), server, 'plain');
    expect(summary.pack.verified).toBe(false);
    expect(summary.pack.totalBytes).toBe(packBytes + borrowedBytes);
    expect(notices).toContainEqual(expect.stringMatching(/lists no sha256 for it .* size check only and are not verified/));
    for (const path of BORROWED) expect(gets(server, `/sd15/${path}`)).toBe(1);
    const [listed] = await engineOn(store).listCachedPacks();
    expect(listed).toMatchObject({ files: 8, expected: { files: 8, bytes: packBytes + borrowedBytes }, complete: true });
    expect(listed?.bytes).toBe(await store.usage());

    // Loaded again online: reused, not downloaded again.
    await load(engineOn(store), server, 'plain');
    for (const path of BORROWED) expect(gets(server, `/sd15/${path}`)).toBe(1);

    // A truncated stored copy fails the size check against the server's and is fetched again.
    const weights = await store.readAll(borrowedKey('unet/weights.pb'));
    await overwrite(store, borrowedKey('unet/weights.pb'), weights.subarray(0, 5000));
    const refetched = await load(engineOn(store), server, 'plain');
    expect(refetched.notices).toContainEqual(
      expect.stringMatching(/image-model\/unet\/weights\.pb: the stored copy has 5000 bytes/),
    );
    expect(gets(server, '/sd15/unet/weights.pb')).toBe(2);

    await server.close();
    const offline = engineOn(store);
    const events: LoadEvent[] = [];
    const again = await offline.load({ kind: 'url', baseUrl: server.url('/plain/pack/') }, {}, (e) => events.push(e));
    expect(again.pack.verified).toBe(false);
    expect(events).toContainEqual({
      phase: 'notice',
      message: expect.stringMatching(/sd15\/ cannot be reached .* stored with the pack/),
    });
    expect((await offline.generate(REQUEST)).modelCalls.image).toBe(4);
  });

  it('counts a pack incomplete until its borrowed files are stored, and removes them with the pack', async () => {
    const store = new MemoryStore();
    const server = await serve();
    const engine = engineOn(store);
    await load(engine, server, 'plain');
    await store.remove(borrowedKey('unet/weights.pb'));
    const [partial] = await engine.listCachedPacks();
    expect(partial).toMatchObject({ files: 7, expected: { files: 8 }, complete: false });

    await load(engine, server, 'hashed');
    await engine.unload();
    const removed = await engine.removeCachedPack(ID);
    // 6 pack files + 2 borrowed + the record of the unhashed folder, and two remembered manifests (+ URLs).
    expect(removed.entries).toBe(6 + 2 + 1 + 4);
    expect(await store.list('')).toEqual([]);
    expect(await engine.listCachedPacks()).toEqual([]);
  });
});
