/**
 * Faults while loading, through the engine: damaged files in a folder pack, malformed manifests, parts in the
 * wrong slots, and downloads into a store from a real HTTP server (127.0.0.1, tests/download/test-server.ts)
 * that cuts connections, corrupts bodies and answers 500 on demand. Each fault must be refused with a named
 * error whose message says what happened, and leave the engine usable.
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as ort from 'onnxruntime-web';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { formatShape } from '../../src/core/tensor/tensor.js';
import { type Engine, NoPackLoadedError } from '../../src/engine/engine.js';
import type { LoadEvent } from '../../src/engine/types.js';
import type { BlobStore, BlobWriter } from '../../src/runtime/download/blob-store.js';
import { IntegrityError } from '../../src/runtime/download/errors.js';
import { FsStore } from '../../src/runtime/download/fs-store.js';
import { MemoryStore } from '../../src/runtime/download/memory-store.js';
import { ModelSignatureError } from '../../src/runtime/errors.js';
import { ManifestError } from '../../src/runtime/pack/manifest.js';
import { TestServer } from '../download/test-server.js';
import {
  copyPack,
  dirSource,
  expectEngineRecovers,
  flipByte,
  type ManifestJson,
  makeEngine,
  PACK_DIR,
  readManifest,
  rejection,
  removeTempDirs,
  rewriteManifest,
  sha256,
  TINY_REQUEST,
  tempDir,
} from './support.js';

const MOTION = 'motion_unet/model.onnx';

let manifest: ManifestJson;
afterAll(removeTempDirs);
beforeAll(async () => {
  manifest = await readManifest(PACK_DIR);
});

/** The downloader's notes to the user (resumed, refetched, reused), in order. */
function notices(events: LoadEvent[]): string[] {
  return events.flatMap((e) => (e.phase === 'notice' ? [e.message] : []));
}

/** After a failed load the engine holds no pack, says so, and loads the intact pack again. */
async function expectNoPackThenRecovery(engine: Engine, options: { generate?: boolean } = {}): Promise<void> {
  const error = await rejection(engine.generate(TINY_REQUEST));
  expect(error).toBeInstanceOf(NoPackLoadedError);
  expect(error.message).toMatch(/No model pack is loaded/);
  await expectEngineRecovers(engine, options);
}

describe('damaged folder packs', () => {
  let engine: Engine;
  beforeAll(async () => {
    engine = makeEngine();
    await engine.load(dirSource(PACK_DIR)); // a pack is loaded before each fault
  });
  afterAll(async () => {
    await engine?.unload();
  });

  it('refuses a pack with one flipped byte in unet/model.onnx with IntegrityError naming the file and both hashes', async () => {
    const dir = await copyPack();
    const unet = join(dir, 'unet', 'model.onnx');
    await flipByte(unet);
    const entry = manifest.files.find((f) => f.path === 'unet/model.onnx');
    const error = await rejection(engine.load(dirSource(dir)));
    expect(error).toBeInstanceOf(IntegrityError);
    expect((error as IntegrityError).key).toBe('unet/model.onnx');
    expect(error.message).toContain('unet/model.onnx does not match the pack');
    expect(error.message).toContain(`expected ${entry?.size} bytes with sha256 ${entry?.sha256}`);
    expect(error.message).toContain(`got ${entry?.size} bytes with sha256 ${sha256(await readFile(unet))}`);
    expect(error.message).toMatch(/damaged .*copy it again/);
    await expectNoPackThenRecovery(engine, { generate: true });
  });

  it('names the damaged file by its real path in the folder', async () => {
    const dir = await copyPack();
    await flipByte(join(dir, 'unet', 'model.onnx'));
    const error = await rejection(engine.load(dirSource(dir)));
    expect(error).toBeInstanceOf(IntegrityError);
    // The user has to find this file to replace it.
    expect(error.message).toContain(join(dir, 'unet', 'model.onnx'));
    expect((error as IntegrityError).url).toBe(join(dir, 'unet', 'model.onnx'));
  });

  it('refuses a truncated file (size differs) with IntegrityError', async () => {
    const dir = await copyPack();
    const vae = join(dir, 'vae_decoder', 'model.onnx');
    const bytes = await readFile(vae);
    await writeFile(vae, bytes.subarray(0, bytes.byteLength - 1000));
    const error = await rejection(engine.load(dirSource(dir)));
    expect(error).toBeInstanceOf(IntegrityError);
    expect((error as IntegrityError).key).toBe('vae_decoder/model.onnx');
    expect(error.message).toContain(`got ${bytes.byteLength - 1000} bytes`);
  });

  const manifestFaults: [string, (m: ManifestJson) => void, string, RegExp][] = [
    ['a missing field', (m) => delete m.vaeScalingFactor, 'vaeScalingFactor', /vaeScalingFactor is missing/],
    [
      'a bad sha256',
      (m) => {
        (m.files[2] as { sha256: string }).sha256 = 'abc123';
      },
      'files[2].sha256',
      /files\[2\]\.sha256 must be 64 hex characters \(got "abc123"\)/,
    ],
  ];
  it.each(manifestFaults)('refuses a manifest with %s: ManifestError naming the field', async (_, edit, field, message) => {
    const dir = await copyPack();
    const m = await readManifest(dir);
    edit(m);
    await writeFile(join(dir, 'manifest.json'), JSON.stringify(m));
    const error = await rejection(engine.load(dirSource(dir)));
    expect(error).toBeInstanceOf(ManifestError);
    expect((error as ManifestError).field).toBe(field);
    expect(error.message).toMatch(message);
    expect(error.message).toContain('manifest.json');
    await expectNoPackThenRecovery(engine);
  });

  it('names the manifest by its real path in the folder', async () => {
    const dir = await copyPack();
    const m = await readManifest(dir);
    delete m.vaeScalingFactor;
    await writeFile(join(dir, 'manifest.json'), JSON.stringify(m));
    const error = await rejection(engine.load(dirSource(dir)));
    expect(error).toBeInstanceOf(ManifestError);
    expect(error.message).toContain(join(dir, 'manifest.json'));
  });

  it('refuses a manifest.json that is not JSON with a ManifestError naming the file', async () => {
    const dir = await copyPack();
    await writeFile(join(dir, 'manifest.json'), '{ "format": "ivmix-pack/1", ');
    const error = await rejection(engine.load(dirSource(dir)));
    expect(error).toBeInstanceOf(ManifestError);
    expect(error.message).toContain('manifest.json');
    await expectNoPackThenRecovery(engine);
  });

  it('refuses the VDM in the IDM slot (files swapped, manifest rehashed): ModelSignatureError naming "sample" and both shapes', async () => {
    const dir = await copyPack();
    const [video, image] = [join(dir, 'motion_unet', 'model.onnx'), join(dir, 'unet', 'model.onnx')];
    await rename(video, `${video}.tmp`);
    await rename(image, video);
    await rename(`${video}.tmp`, image);
    await rewriteManifest(dir);
    // The shape the message must quote: the video UNet's sample input, now under unet/.
    const session = await ort.InferenceSession.create(await readFile(image), { executionProviders: ['wasm'] });
    const sample = session.inputMetadata.find((m) => m.name === 'sample');
    await session.release();
    expect(sample?.isTensor).toBe(true);
    const shape = formatShape((sample as { shape: readonly (number | string)[] }).shape);

    const error = await rejection(engine.load(dirSource(dir)));
    expect(error).toBeInstanceOf(ModelSignatureError);
    expect((error as ModelSignatureError).part).toBe('unet');
    expect((error as ModelSignatureError).input).toBe('sample');
    expect(error.message).toContain(`input "sample" has shape ${shape}`);
    expect(error.message).toContain('the image model must take [batch, 4, height, width]');
    expect(error.message).toMatch(/video UNet in the image slot/);
    await expectNoPackThenRecovery(engine);
  });
});

/** A store that records where each writer started, per key. */
class RecordingStore implements BlobStore {
  readonly writers: { key: string; offset: number }[] = [];
  constructor(private readonly inner: BlobStore) {}
  stat(key: string) {
    return this.inner.stat(key);
  }
  readAll(key: string) {
    return this.inner.readAll(key);
  }
  openWriter(key: string, options: { offset: number; validator?: string }): Promise<BlobWriter> {
    this.writers.push({ key, offset: options.offset });
    return this.inner.openWriter(key, options);
  }
  markComplete(key: string, verified?: { sha256: string }) {
    return this.inner.markComplete(key, verified);
  }
  remove(key: string) {
    return this.inner.remove(key);
  }
  list(prefix: string) {
    return this.inner.list(prefix);
  }
  usage() {
    return this.inner.usage();
  }
}

describe('downloading the pack over HTTP into a store', () => {
  const server = new TestServer();
  const ROOT = '/packs/tinyworld-v2/';
  const source = () => ({ kind: 'url' as const, baseUrl: server.url(ROOT) });
  const paths = () => ['manifest.json', ...manifest.files.map((f) => f.path)];
  const key = (path: string) => `tinyworld-v2/${path}`;
  const entry = (path: string) => manifest.files.find((f) => f.path === path) as { size: number; sha256: string };
  /** GET requests for `path` logged since index `since`. */
  const gets = (path: string, since = 0) =>
    server.log.slice(since).filter((r) => r.path === `${ROOT}${path}` && r.method === 'GET');
  const engines: Engine[] = [];
  const engineWith = (store: BlobStore) => {
    const e = makeEngine({ store });
    engines.push(e);
    return e;
  };

  beforeAll(async () => {
    await server.start();
    for (const path of paths()) server.serve(`${ROOT}${path}`, new Uint8Array(await readFile(join(PACK_DIR, path))));
  });
  afterEach(() => {
    for (const path of paths()) server.fault(`${ROOT}${path}`, {});
  });
  afterAll(async () => {
    await Promise.all(engines.map((e) => e.unload()));
    await server.close();
  });

  it('resumes a connection cut midway through motion_unet/model.onnx with a Range request at the stored offset', async () => {
    const store = new RecordingStore(new MemoryStore());
    const engine = engineWith(store);
    const since = server.log.length;
    server.fault(`${ROOT}${MOTION}`, { dropAfter: 2_000_000 });
    const events: LoadEvent[] = [];
    const summary = await engine.load(source(), {}, (e) => events.push(e));
    expect(summary.pack).toMatchObject({ id: 'tinyworld-v2', verified: true });

    const requests = gets(MOTION, since);
    expect(requests.map((r) => [r.range, r.status])).toEqual([
      [undefined, 200],
      [expect.stringMatching(/^bytes=\d+-$/), 206],
    ]);
    // The range starts exactly where the stored partial ended.
    const resumeWriter = store.writers.filter((w) => w.key === key(MOTION))[1];
    const offset = Number(/^bytes=(\d+)-$/.exec(requests[1]?.range ?? '')?.[1]);
    expect(resumeWriter?.offset).toBe(offset);
    expect(offset).toBeGreaterThan(0);
    expect(offset).toBeLessThanOrEqual(2_000_000);
    expect(requests[1]?.ifRange).toBe(server.etag(`${ROOT}${MOTION}`));
    // The user is told what happened.
    expect(notices(events)).toContainEqual(
      expect.stringMatching(new RegExp(`^${key(MOTION)}: .*resuming at byte ${offset}\\.$`)),
    );
    // Progress of that file never went back and ended complete.
    const loaded = events.flatMap((e) => (e.phase === 'download' && e.file === key(MOTION) ? [e.loaded] : []));
    for (let i = 1; i < loaded.length; i++) expect(loaded[i]).toBeGreaterThanOrEqual(loaded[i - 1] as number);
    expect(loaded.at(-1)).toBe(entry(MOTION).size);
    expect(sha256(await store.readAll(key(MOTION)))).toBe(entry(MOTION).sha256);
    // Every other file came in one request.
    for (const f of manifest.files.filter((f) => f.path !== MOTION)) expect(gets(f.path, since)).toHaveLength(1);
    expect((await engine.generate(TINY_REQUEST)).frames.count).toBe(4);
  });

  it('loads again from the store without fetching any file: with model files answering 500, then with everything 500', async () => {
    const store = new MemoryStore();
    const engine = engineWith(store);
    await engine.load(source());
    const fromCache = async (): Promise<void> => {
      const since = server.log.length;
      const events: LoadEvent[] = [];
      const outcome = await engine.load(source(), {}, (e) => events.push(e)).catch((error: Error) => error);
      expect(outcome instanceof Error ? `${outcome.name}: ${outcome.message}` : outcome.pack).toMatchObject({
        id: 'tinyworld-v2',
        verified: true,
      });
      for (const f of manifest.files) expect(gets(f.path, since)).toEqual([]);
      // Each file is reported held in full at once, and reused from the store.
      const first = new Map<string, number>();
      for (const e of events) if (e.phase === 'download' && !first.has(e.file)) first.set(e.file, e.loaded);
      for (const f of manifest.files) {
        expect(first.get(key(f.path))).toBe(f.size);
        expect(notices(events)).toContainEqual(expect.stringMatching(new RegExp(`^${key(f.path)}: reused from cache`)));
      }
    };
    const always500 = { status: { code: 500, times: Number.POSITIVE_INFINITY } };
    for (const f of manifest.files) server.fault(`${ROOT}${f.path}`, always500);
    await fromCache();
    // Offline: the manifest too comes from the store (remembered at the first load).
    server.fault(`${ROOT}manifest.json`, always500);
    await fromCache();
    expect((await engine.generate(TINY_REQUEST)).frames.count).toBe(4);
  });

  it('does not silently load the pack unverified when manifest.json answers 500', async () => {
    const engine = engineWith(new MemoryStore());
    server.fault(`${ROOT}manifest.json`, { status: { code: 500, times: 2 } });
    const outcome = await engine.load(source()).catch((error: Error) => error);
    if (outcome instanceof Error) {
      // Refusing is fine, if the message says the server failed on the manifest.
      expect(outcome.message).toMatch(/manifest\.json/);
      expect(outcome.message).toMatch(/500/);
    } else {
      // Loading is fine too, but only verified (through the manifest).
      expect(outcome.pack).toMatchObject({ id: 'tinyworld-v2', verified: true });
    }
  });

  it('refuses a file corrupted in transit and fetches it again from scratch', async () => {
    const store = new MemoryStore();
    const engine = engineWith(store);
    const since = server.log.length;
    server.fault(`${ROOT}unet/model.onnx`, { corrupt: 'once' });
    const events: LoadEvent[] = [];
    const summary = await engine.load(source(), {}, (e) => events.push(e));
    expect(summary.pack.verified).toBe(true);
    expect(gets('unet/model.onnx', since).map((r) => [r.range, r.status])).toEqual([
      [undefined, 200],
      [undefined, 200],
    ]);
    expect(sha256(await store.readAll(key('unet/model.onnx')))).toBe(entry('unet/model.onnx').sha256);
    expect(notices(events)).toContainEqual(
      expect.stringMatching(
        new RegExp(`^${key('unet/model.onnx')}: the downloaded copy fails verification .*fetching again from scratch\\.$`),
      ),
    );
  });

  it('gives IntegrityError naming the file when every copy is corrupt, keeps nothing of it, and recovers', async () => {
    const store = new MemoryStore();
    const engine = engineWith(store);
    await engine.load(source()); // a pack is loaded, and the store holds every file
    const VAE = 'vae_decoder/model.onnx';
    await store.remove(key(VAE));
    server.fault(`${ROOT}${VAE}`, { corrupt: 'always' });
    const error = await rejection(engine.load(source()));
    expect(error).toBeInstanceOf(IntegrityError);
    expect((error as IntegrityError).key).toBe(key(VAE));
    expect(error.message).toContain(`${key(VAE)}: downloaded twice from ${server.url(ROOT)}${VAE}`);
    expect(error.message).toMatch(/both copies fail verification \(expected sha256 [0-9a-f]{64}, got [0-9a-f]{64}\)/);
    expect(await store.stat(key(VAE))).toBeNull();
    const noPack = await rejection(engine.generate(TINY_REQUEST));
    expect(noPack).toBeInstanceOf(NoPackLoadedError);

    server.fault(`${ROOT}${VAE}`, {});
    const since = server.log.length;
    expect((await engine.load(source())).pack.verified).toBe(true);
    // The files that were fine stayed in the store; only the damaged one is fetched again.
    for (const f of manifest.files) expect(gets(f.path, since)).toHaveLength(f.path === VAE ? 1 : 0);
  });

  it('detects a stored file corrupted on disk (FsStore) and fetches it again', async () => {
    const root = await tempDir('ivmix-engine-store-');
    const store = new FsStore(root);
    const engine = engineWith(store);
    await engine.load(source());
    const onDisk = join(root, 'tinyworld-v2', 'unet', 'model.onnx');
    expect(sha256(await readFile(onDisk))).toBe(entry('unet/model.onnx').sha256);
    await flipByte(onDisk);
    const since = server.log.length;
    const events: LoadEvent[] = [];
    const summary = await engine.load(source(), {}, (e) => events.push(e));
    expect(summary.pack.verified).toBe(true);
    expect(notices(events)).toContainEqual(
      expect.stringMatching(new RegExp(`^${key('unet/model.onnx')}: the stored copy is corrupt .*downloading again\\.$`)),
    );
    for (const f of manifest.files) expect(gets(f.path, since)).toHaveLength(f.path === 'unet/model.onnx' ? 1 : 0);
    expect(gets('unet/model.onnx', since)[0]?.range).toBeUndefined();
    expect(sha256(await readFile(onDisk))).toBe(entry('unet/model.onnx').sha256);
  });
});
