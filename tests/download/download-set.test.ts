/**
 * downloadFiles: overall progress across the files of a pack, the quota check before any request (with an
 * injected storage estimate), and persist() asked once. Plus a guard that the browser-side files of the module
 * never import Node built-ins.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DownloadSetFile, type DownloadSetProgress, downloadFiles } from '../../src/runtime/download/download-set.js';
import { StorageQuotaError } from '../../src/runtime/download/errors.js';
import { MemoryStore } from '../../src/runtime/download/memory-store.js';
import { generatedBytes, sha256, TestServer } from './test-server.js';

const MB = 1024 * 1024;
const server = new TestServer();
beforeAll(async () => {
  await server.start();
});
afterAll(async () => {
  await server.close();
});

let n = 0;
/** A pack of two files served under a fresh prefix. */
function pack(): DownloadSetFile[] {
  const id = `set${++n}`;
  return [
    { name: 'unet/model.onnx', bytes: generatedBytes(3 * MB, n * 10 + 1) },
    { name: 'vae_decoder/model.onnx', bytes: generatedBytes(MB + 17, n * 10 + 2) },
  ].map(({ name, bytes }) => {
    server.serve(`/${id}/${name}`, bytes);
    return { url: server.url(`/${id}/${name}`), key: `${id}/${name}`, size: bytes.byteLength, sha256: sha256(bytes) };
  });
}

const requestsUnder = (files: DownloadSetFile[]) => server.log.filter((r) => files.some((f) => f.url.endsWith(r.path)));
const noEstimate = { estimate: null, persist: null } as const;

describe('downloadFiles', () => {
  it('reports per-file and overall progress that never goes back and ends at the total, and asks persist() once', async () => {
    const files = pack();
    const store = new MemoryStore();
    const events: DownloadSetProgress[] = [];
    let persistCalls = 0;
    let estimateCalls = 0;
    const result = await downloadFiles(files, {
      store,
      onProgress: (p) => events.push(p),
      persist: async () => {
        persistCalls++;
        return true;
      },
      estimate: async () => {
        estimateCalls++;
        return { quota: 100 * MB, usage: 0 };
      },
    });
    const total = 4 * MB + 17;
    expect(result).toEqual({
      files: files.map((f) => ({ key: f.key, size: f.size, fromCache: false })),
      persisted: true,
    });
    expect(persistCalls).toBe(1);
    expect(estimateCalls).toBe(1);
    for (let i = 1; i < events.length; i++) {
      const [a, b] = [events[i - 1] as DownloadSetProgress, events[i] as DownloadSetProgress];
      expect(b.overallLoaded).toBeGreaterThanOrEqual(a.overallLoaded);
      if (a.file === b.file) expect(b.loaded).toBeGreaterThanOrEqual(a.loaded);
    }
    expect(events.every((e) => e.overallTotal === total && e.total === files.find((f) => f.key === e.file)?.size)).toBe(true);
    expect(events.filter((e) => e.file === files[0]?.key).at(-1)).toMatchObject({ loaded: 3 * MB, overallLoaded: 3 * MB });
    expect(events.at(-1)).toEqual({
      file: files[1]?.key,
      loaded: MB + 17,
      total: MB + 17,
      overallLoaded: total,
      overallTotal: total,
    });
    for (const f of files) expect(await store.stat(f.key)).toMatchObject({ size: f.size, complete: true });

    // Again: everything from the store, no request, no quota question.
    const before = requestsUnder(files).length;
    const again = await downloadFiles(files, {
      store,
      estimate: async () => {
        throw new Error('not needed: nothing is missing');
      },
      persist: null,
    });
    expect(again.files.every((f) => f.fromCache)).toBe(true);
    expect(again.persisted).toBeUndefined();
    expect(requestsUnder(files)).toHaveLength(before);
  });

  it('throws StorageQuotaError before any request when the missing bytes do not fit', async () => {
    const files = pack();
    const store = new MemoryStore();
    const error = await downloadFiles(files, {
      store,
      persist: null,
      estimate: async () => ({ quota: 5 * MB, usage: 3 * MB }),
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StorageQuotaError);
    const e = error as StorageQuotaError;
    expect(e.needed).toBe(4 * MB + 17);
    expect(e.free).toBe(2 * MB);
    expect(e.message).toContain(`${4 * MB + 17} bytes`);
    expect(e.message).toContain(`${2 * MB} bytes`);
    expect(e.message).toMatch(/Remove model packs you no longer use/);
    expect(requestsUnder(files)).toHaveLength(0);
  });

  it('counts only the bytes still missing: complete files are free, partial ones need their rest', async () => {
    const files = pack();
    const [first, second] = files as [DownloadSetFile, DownloadSetFile];
    const store = new MemoryStore();
    await downloadFiles([second], { store, ...noEstimate });
    // A partial first MB of the first file, as a cancelled download leaves it.
    const bytes = generatedBytes(3 * MB, n * 10 + 1).subarray(0, MB);
    const w = await store.openWriter(first.key, { offset: 0 });
    await w.write(bytes);
    await w.close();

    const usage = 10 * MB;
    const tight = await downloadFiles(files, {
      store,
      persist: null,
      estimate: async () => ({ quota: usage + 2 * MB - 1, usage }),
    }).catch((e: unknown) => e);
    expect(tight).toBeInstanceOf(StorageQuotaError);
    expect((tight as StorageQuotaError).needed).toBe(2 * MB);

    const result = await downloadFiles(files, { store, persist: null, estimate: async () => ({ quota: usage + 2 * MB, usage }) });
    expect(result.files).toEqual([
      { key: first.key, size: first.size, fromCache: false, resumedAt: MB },
      { key: second.key, size: second.size, fromCache: true },
    ]);
  });

  it('refuses a file list with the same key twice', async () => {
    const [a] = pack() as [DownloadSetFile];
    await expect(downloadFiles([a, { ...a }], { store: new MemoryStore(), ...noEstimate })).rejects.toThrow(/listed twice/);
  });
});

it('only fs-store.ts imports Node built-ins, so the browser bundle never pulls node:fs', async () => {
  const dir = join(import.meta.dirname, '../../src/runtime/download');
  const offenders: string[] = [];
  for (const name of await readdir(dir)) {
    if (name === 'fs-store.ts') continue;
    const text = await readFile(join(dir, name), 'utf8');
    if (/from\s+['"](node:|fs|path|os|crypto)['"/]/.test(text) || /from\s+['"]\.\/fs-store/.test(text)) offenders.push(name);
  }
  expect(offenders).toEqual([]);
});
