/**
 * downloadFile against a real HTTP server on 127.0.0.1 that drops connections, ignores ranges, corrupts bytes
 * and lies about Content-Length on demand. Run with both FsStore (temp dir) and MemoryStore. The server's
 * request log and a fetch wrapper that reads the store before each request show what was asked for and why.
 */
import { mkdtemp, rm, stat, truncate, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { BlobStore } from '../../src/runtime/download/blob-store.js';
import { type DownloadOptions, downloadFile } from '../../src/runtime/download/download.js';
import { DownloadCancelledError, DownloadError, IntegrityError } from '../../src/runtime/download/errors.js';
import { FsStore } from '../../src/runtime/download/fs-store.js';
import { MemoryStore } from '../../src/runtime/download/memory-store.js';
import { generatedBytes, sha256, TestServer } from './test-server.js';

const SIZE = 3 * 1024 * 1024;
const MB = 1024 * 1024;
const FILE = generatedBytes(SIZE, 7);
const SHA = sha256(FILE);

const server = new TestServer();
const dirs: string[] = [];
beforeAll(async () => {
  await server.start();
});
afterAll(async () => {
  await server.close();
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

let n = 0;
/** A fresh path on the server serving FILE, so tests never share faults or logs. */
function servedPath(bytes: Uint8Array = FILE): string {
  const path = `/packs/t${++n}/model.onnx`;
  server.serve(path, bytes);
  return path;
}

interface Call {
  range: string | null;
  ifRange: string | null;
  /** Bytes under the key in the store when the request was made. */
  stored: number;
}

/** globalThis.fetch, recording each request's Range and the stored size at that moment. */
function recordingFetch(store: BlobStore, key: string): { fetch: typeof fetch; calls: Call[] } {
  const calls: Call[] = [];
  const wrapped: typeof fetch = async (input, init) => {
    const headers = new Headers(init?.headers);
    calls.push({ range: headers.get('range'), ifRange: headers.get('if-range'), stored: (await store.stat(key))?.size ?? 0 });
    return fetch(input, init);
  };
  return { fetch: wrapped, calls };
}

/** Records progress and checks it never goes back. */
function progressRecorder() {
  const events: [number, number | undefined][] = [];
  return {
    events,
    onProgress: (loaded: number, total: number | undefined) => {
      events.push([loaded, total]);
    },
    expectMonotonicTo(total: number) {
      expect(events.length).toBeGreaterThan(2);
      for (let i = 1; i < events.length; i++) {
        expect((events[i] as [number, number])[0]).toBeGreaterThanOrEqual((events[i - 1] as [number, number])[0]);
      }
      expect(events.at(-1)).toEqual([total, total]);
    },
  };
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

const KEY = 'pack/unet/model.onnx';
/** A resume after a cut; where exactly depends on what arrived before it (asserted against the store elsewhere). */
const RANGE_FROM = /^bytes=[1-9]\d*-$/;

const stores: [string, () => Promise<BlobStore>][] = [
  [
    'FsStore',
    async () => {
      const dir = await mkdtemp(join(tmpdir(), 'download-'));
      dirs.push(dir);
      return new FsStore(dir);
    },
  ],
  ['MemoryStore', async () => new MemoryStore()],
];

describe.each(stores)('downloadFile with %s', (_name, make) => {
  let store: BlobStore;
  beforeEach(async () => {
    store = await make();
  });
  const base = (path: string, extra: Partial<DownloadOptions> = {}): DownloadOptions => ({
    url: server.url(path),
    key: KEY,
    store,
    retryDelayMs: 1,
    ...extra,
  });

  it('downloads, streams progress up to the total, and marks the file complete', async () => {
    const path = servedPath();
    const progress = progressRecorder();
    const result = await downloadFile(base(path, { expectedSize: SIZE, sha256: SHA, onProgress: progress.onProgress }));
    expect(result.fromCache).toBe(false);
    expect(result.resumedAt).toBeUndefined();
    expect(sha256(result.bytes)).toBe(SHA);
    // The hash it was checked against is kept with it (FsStore: not for a file written moments ago, see below).
    const recorded = store instanceof MemoryStore ? { verifiedSha256: SHA } : {};
    expect(await store.stat(KEY)).toEqual({ size: SIZE, complete: true, ...recorded });
    expect(server.requests(path).map((r) => [r.range, r.status])).toEqual([[undefined, 200]]);
    progress.expectMonotonicTo(SIZE);
    // Streamed in chunks, not one report at the end.
    expect(progress.events.filter(([loaded]) => loaded > 0 && loaded < SIZE).length).toBeGreaterThan(3);
  });

  it('resumes a connection cut mid-way with a Range starting exactly at the stored bytes', async () => {
    const path = servedPath();
    server.fault(path, { dropAfter: MB + 12345 });
    const { fetch, calls } = recordingFetch(store, KEY);
    const progress = progressRecorder();
    const result = await downloadFile(base(path, { sha256: SHA, fetch, onProgress: progress.onProgress }));

    // The client asked for exactly what the store held at that moment (all the server sent before the cut).
    const stored = calls[1]?.stored as number;
    expect(stored).toBeGreaterThan(0);
    expect(stored).toBeLessThanOrEqual(MB + 12345);
    expect(calls[1]).toEqual({ range: `bytes=${stored}-`, ifRange: server.etag(path), stored });
    const log = server.requests(path);
    expect(log.map((r) => [r.range, r.ifRange, r.status])).toEqual([
      [undefined, undefined, 200],
      [`bytes=${stored}-`, server.etag(path), 206],
    ]);
    expect(result.resumedAt).toBe(stored);
    expect(sha256(result.bytes)).toBe(SHA);
    progress.expectMonotonicTo(SIZE);
  });

  it('restarts from byte 0 when the server ignores Range (200)', async () => {
    const path = servedPath();
    server.fault(path, { dropAfter: MB, ignoreRange: true });
    const result = await downloadFile(base(path, { expectedSize: SIZE, sha256: SHA }));
    expect(server.requests(path).map((r) => [r.range, r.status])).toEqual([
      [undefined, 200],
      [expect.stringMatching(RANGE_FROM), 200],
    ]);
    expect(result.resumedAt).toBeUndefined();
    expect(sha256(result.bytes)).toBe(SHA);
    expect(await store.stat(KEY)).toMatchObject({ size: SIZE, complete: true });
  });

  it('restarts from byte 0 when the server copy changed since the partial was stored (If-Range)', async () => {
    const path = servedPath(generatedBytes(SIZE, 99));
    server.fault(path, { dropAfter: MB });
    await rejection(downloadFile(base(path, { retries: 0 })));
    expect((await store.stat(KEY))?.validator).toBe(server.etag(path));
    server.serve(path, FILE); // new version, new ETag
    const result = await downloadFile(base(path, { sha256: SHA }));
    expect(server.requests(path).map((r) => [r.range, r.ifRange !== undefined, r.status])).toEqual([
      [undefined, false, 200],
      [expect.stringMatching(RANGE_FROM), true, 200],
    ]);
    expect(sha256(result.bytes)).toBe(SHA);
  });

  it('restarts when a range answer comes from another server copy (no If-Range, as cross-origin)', async () => {
    const path = servedPath(generatedBytes(SIZE, 98));
    server.fault(path, { dropAfter: MB });
    await rejection(downloadFile(base(path, { retries: 0 })));
    server.serve(path, FILE);
    const withoutIfRange: typeof fetch = (input, init) => {
      const headers = new Headers(init?.headers);
      headers.delete('if-range');
      return fetch(input, { ...init, headers });
    };
    const result = await downloadFile(base(path, { sha256: SHA, fetch: withoutIfRange }));
    expect(server.requests(path).map((r) => [r.range, r.ifRange, r.status])).toEqual([
      [undefined, undefined, 200],
      [expect.stringMatching(RANGE_FROM), undefined, 206],
      [undefined, undefined, 200],
    ]);
    expect(result.resumedAt).toBeUndefined();
    expect(sha256(result.bytes)).toBe(SHA);
  });

  it('refuses a corrupted transfer and fetches the file again from scratch', async () => {
    const path = servedPath();
    server.fault(path, { corrupt: 'once' });
    const notes: string[] = [];
    const result = await downloadFile(base(path, { sha256: SHA, log: (m) => notes.push(m) }));
    expect(server.requests(path).map((r) => [r.range, r.status])).toEqual([
      [undefined, 200],
      [undefined, 200],
    ]);
    expect(sha256(result.bytes)).toBe(SHA);
    expect(notes.join('\n')).toMatch(/fails verification \(expected sha256 [0-9a-f]{64}, got [0-9a-f]{64}\)/);
  });

  it('throws IntegrityError when the server copy is corrupt, naming file and hashes, and keeps nothing', async () => {
    const path = servedPath();
    server.fault(path, { corrupt: 'always' });
    const error = await rejection(downloadFile(base(path, { expectedSize: SIZE, sha256: SHA })));
    expect(error).toBeInstanceOf(IntegrityError);
    const e = error as IntegrityError;
    expect(e.key).toBe(KEY);
    expect(e.expected.sha256).toBe(SHA);
    expect(e.actual.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(e.actual.sha256).not.toBe(SHA);
    for (const part of [KEY, server.url(path), SHA, e.actual.sha256 as string, 'corrupt']) expect(e.message).toContain(part);
    expect(server.requests(path)).toHaveLength(2);
    expect(await store.stat(KEY)).toBeNull();
  });

  it('never returns a complete stored file that was corrupted on disk; it is fetched again', async () => {
    const path = servedPath();
    await downloadFile(base(path, { expectedSize: SIZE, sha256: SHA }));
    await corruptStored(store, KEY, 'flip');
    const result = await downloadFile(base(path, { expectedSize: SIZE, sha256: SHA }));
    expect(result.fromCache).toBe(false);
    expect(sha256(result.bytes)).toBe(SHA);
    expect(server.requests(path).map((r) => [r.range, r.status])).toEqual([
      [undefined, 200],
      [undefined, 200],
    ]);
  });

  it('never returns a truncated complete file (size check alone catches it)', async () => {
    const path = servedPath();
    await downloadFile(base(path, { expectedSize: SIZE }));
    await corruptStored(store, KEY, 'truncate');
    expect(await store.stat(KEY)).toEqual({ size: SIZE - 1000, complete: true });
    const result = await downloadFile(base(path, { expectedSize: SIZE }));
    expect(result.fromCache).toBe(false);
    expect(sha256(result.bytes)).toBe(SHA);
    expect(server.requests(path)).toHaveLength(2);
  });

  it('returns a verified cached file without any request, even with the network down', async () => {
    const path = servedPath();
    await downloadFile(base(path, { expectedSize: SIZE, sha256: SHA }));
    server.fault(path, { refuse: true });
    let requests = 0;
    const failing: typeof fetch = async () => {
      requests++;
      throw new TypeError('fetch failed');
    };
    const notes: string[] = [];
    const progress = progressRecorder();
    const result = await downloadFile(
      base(path, { expectedSize: SIZE, sha256: SHA, fetch: failing, log: (m) => notes.push(m), onProgress: progress.onProgress }),
    );
    expect(result.fromCache).toBe(true);
    expect(sha256(result.bytes)).toBe(SHA);
    expect(requests).toBe(0);
    expect(server.requests(path)).toHaveLength(1);
    // MemoryStore keeps the hash the download checked; FsStore's copy was written moments ago, so it is hashed once
    // more (see the FsStore tests below).
    const trusted = store instanceof MemoryStore;
    expect(notes).toEqual([`${KEY}: reused from cache (3.15 MB${trusted ? ', unchanged since it was verified' : ''}).`]);
    expect(progress.events).toEqual([[SIZE, SIZE]]);
  });

  it('stops at once on cancel, keeps the partial file, and a later call resumes from it', async () => {
    const path = servedPath();
    server.fault(path, { chunkDelayMs: 2 });
    const controller = new AbortController();
    const error = await rejection(
      downloadFile(
        base(path, {
          expectedSize: SIZE,
          sha256: SHA,
          signal: controller.signal,
          onProgress: (loaded) => {
            if (loaded >= MB) controller.abort();
          },
        }),
      ),
    );
    expect(error).toBeInstanceOf(DownloadCancelledError);
    expect(error.name).toBe('DownloadCancelledError');
    const kept = await store.stat(KEY);
    expect(kept?.complete).toBe(false);
    expect(kept?.size).toBeGreaterThanOrEqual(MB);
    expect(kept?.size).toBeLessThan(SIZE);
    expect((error as DownloadCancelledError).loaded).toBe(kept?.size);
    expect(error.message).toContain('resumes');
    expect(server.requests(path)).toHaveLength(1);

    server.fault(path, {});
    const { fetch, calls } = recordingFetch(store, KEY);
    const result = await downloadFile(base(path, { expectedSize: SIZE, sha256: SHA, fetch }));
    expect(calls).toEqual([{ range: `bytes=${kept?.size}-`, ifRange: server.etag(path), stored: kept?.size }]);
    expect(result.resumedAt).toBe(kept?.size);
    expect(sha256(result.bytes)).toBe(SHA);
  });

  it('gives up with DownloadError naming the URL and the status on a 404, without retrying', async () => {
    const path = `/packs/missing-${++n}/model.onnx`;
    const url = server.url(path);
    const error = await rejection(downloadFile({ url, key: KEY, store, retryDelayMs: 1 }));
    expect(error).toBeInstanceOf(DownloadError);
    expect((error as DownloadError).status).toBe(404);
    expect((error as DownloadError).url).toBe(url);
    expect(error.message).toContain(url);
    expect(error.message).toContain('404');
    expect(server.requests(path)).toHaveLength(1);
  });

  it('retries 503s, then succeeds', async () => {
    const path = servedPath();
    server.fault(path, { status: { code: 503, times: 2 } });
    const result = await downloadFile(base(path, { sha256: SHA }));
    expect(server.requests(path).map((r) => r.status)).toEqual([503, 503, 200]);
    expect(sha256(result.bytes)).toBe(SHA);
  });

  it('gives up after `retries` network errors in a row, keeping nothing it did not have', async () => {
    const path = servedPath();
    server.fault(path, { refuse: true });
    const error = await rejection(downloadFile(base(path, { retries: 2 })));
    expect(error).toBeInstanceOf(DownloadError);
    expect((error as DownloadError).status).toBeUndefined();
    expect(error.message).toMatch(/gave up after 3 failed attempts in a row/);
    expect(server.requests(path)).toHaveLength(3);
  });

  it('asks for the rest when a response ends early under a Content-Length that is too short', async () => {
    const path = servedPath();
    server.fault(path, { contentLength: 'short' });
    const result = await downloadFile(base(path, { expectedSize: SIZE, sha256: SHA }));
    expect(server.requests(path).map((r) => [r.range, r.status])).toEqual([
      [undefined, 200],
      [`bytes=${SIZE - 1000}-`, 206],
    ]);
    expect(result.resumedAt).toBe(SIZE - 1000);
    expect(sha256(result.bytes)).toBe(SHA);
  });

  it('treats 416 as done when the stored partial already is the whole file', async () => {
    const path = servedPath();
    const w = await store.openWriter(KEY, { offset: 0, validator: server.etag(path) as string });
    await w.write(FILE);
    await w.close();
    const result = await downloadFile(base(path, { sha256: SHA }));
    expect(server.requests(path).map((r) => [r.range, r.status])).toEqual([[`bytes=${SIZE}-`, 416]]);
    expect(result.fromCache).toBe(false);
    expect(sha256(result.bytes)).toBe(SHA);
    expect(await store.stat(KEY)).toMatchObject({ size: SIZE, complete: true });
  });

  it('recovers from a Content-Length that is too long (the body ends early) by asking for the rest', async () => {
    const path = servedPath();
    server.fault(path, { contentLength: 'long' });
    const { fetch, calls } = recordingFetch(store, KEY);
    const result = await downloadFile(base(path, { sha256: SHA, fetch }));
    const log = server.requests(path);
    expect(log).toHaveLength(2);
    expect(log[1]?.range).toBe(`bytes=${calls[1]?.stored}-`);
    // Normally every byte arrived before the cut, and the range past the end gets 416 ("done").
    if (calls[1]?.stored === SIZE) expect(log[1]?.status).toBe(416);
    expect(sha256(result.bytes)).toBe(SHA);
  });

  it('keeps going while each attempt makes progress, however many times the connection drops', async () => {
    const path = servedPath();
    server.fault(path, { dropEvery: 512 * 1024 });
    const progress = progressRecorder();
    const result = await downloadFile(
      base(path, { retries: 1, expectedSize: SIZE, sha256: SHA, onProgress: progress.onProgress }),
    );
    const log = server.requests(path);
    expect(log.length).toBeGreaterThanOrEqual(6);
    expect(log.slice(1).every((r) => r.status === 206)).toBe(true);
    expect(sha256(result.bytes)).toBe(SHA);
    progress.expectMonotonicTo(SIZE);
  });
});

describe('downloadFile with FsStore: hashes recorded with the stored copy', () => {
  let store: FsStore;
  let onDisk: string;
  beforeEach(async () => {
    const dir = await mkdtemp(join(tmpdir(), 'download-verified-'));
    dirs.push(dir);
    store = new FsStore(dir);
    onDisk = join(dir, ...KEY.split('/'));
  });
  const reuse = async (path: string) => {
    const notes: string[] = [];
    const result = await downloadFile({
      url: server.url(path),
      key: KEY,
      store,
      expectedSize: SIZE,
      sha256: SHA,
      retryDelayMs: 1,
      log: (m) => notes.push(m),
    });
    return { result, notes };
  };
  /** The file as if written a minute ago (a download's copy is too fresh to be recorded: racily clean). */
  const age = async () => {
    const past = new Date(Date.now() - 60_000);
    await utimes(onDisk, past, past);
  };
  const HASHED = `${KEY}: reused from cache (3.15 MB).`;
  const TRUSTED = `${KEY}: reused from cache (3.15 MB, unchanged since it was verified).`;

  it('hashes a copy written moments ago once more, then trusts its record while the file is unchanged', async () => {
    const path = servedPath();
    await reuse(path);
    expect((await store.stat(KEY))?.verifiedSha256).toBeUndefined();
    expect((await reuse(path)).notes).toEqual([HASHED]);
    await age();
    const hashedAgain = await reuse(path);
    expect(hashedAgain.notes).toEqual([HASHED]);
    expect((await store.stat(KEY))?.verifiedSha256).toBe(SHA);
    const trusted = await reuse(path);
    expect(trusted.notes).toEqual([TRUSTED]);
    expect(trusted.result.fromCache).toBe(true);
    expect(sha256(trusted.result.bytes)).toBe(SHA);
    expect(server.requests(path)).toHaveLength(1);
  });

  it('hashes a recorded file again once it changed on disk, and fetches it again when corrupt', async () => {
    const path = servedPath();
    await reuse(path);
    await age();
    await reuse(path); // recorded now
    const bytes = await store.readAll(KEY);
    bytes[12345] = (bytes[12345] as number) ^ 1;
    await writeFile(onDisk, bytes); // same size and inode, new modification time
    const { result, notes } = await reuse(path);
    expect(notes[0]).toMatch(new RegExp(`^${KEY}: the stored copy is corrupt .*downloading again\\.$`));
    expect(result.fromCache).toBe(false);
    expect(sha256(result.bytes)).toBe(SHA);
    expect(server.requests(path)).toHaveLength(2);
  });

  it('trusts the record against damage that keeps size, modification time and inode (the trade for not hashing)', async () => {
    const path = servedPath();
    await reuse(path);
    await age();
    await reuse(path);
    const { mtime } = await stat(onDisk);
    const bytes = await store.readAll(KEY);
    bytes[12345] = (bytes[12345] as number) ^ 1;
    await writeFile(onDisk, bytes);
    await utimes(onDisk, mtime, mtime); // bit rot: nothing the file system shows has changed
    const { result, notes } = await reuse(path);
    expect(notes).toEqual([TRUSTED]);
    expect(sha256(result.bytes)).not.toBe(SHA);
  });
});

/** Damages the complete file under `key` behind the store's back (on disk for FsStore). */
async function corruptStored(store: BlobStore, key: string, how: 'flip' | 'truncate'): Promise<void> {
  if (store instanceof FsStore) {
    const path = join(store.root, ...key.split('/'));
    if (how === 'truncate') await truncate(path, SIZE - 1000);
    else {
      const bytes = await store.readAll(key);
      bytes[12345] = (bytes[12345] as number) ^ 1;
      await writeFile(path, bytes);
    }
    return;
  }
  const bytes = await store.readAll(key);
  const damaged = how === 'truncate' ? bytes.subarray(0, SIZE - 1000) : bytes;
  if (how === 'flip') damaged[12345] = (damaged[12345] as number) ^ 1;
  const w = await store.openWriter(key, { offset: 0 });
  await w.write(damaged);
  await w.close();
  await store.markComplete(key);
}
