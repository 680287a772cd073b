import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { dirPackReader } from '../../src/cli/models-dir.js';
import { incrementalSha256Hex, sha256Hex } from '../../src/runtime/download/sha256.js';

const dir = mkdtempSync(join(tmpdir(), 'ivmix-dir-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('a folder reader returns every byte of a file, read in pieces', async () => {
  const bytes = new Uint8Array(3 * 2 ** 20 + 7).map((_, i) => (i * 31) & 255);
  writeFileSync(join(dir, 'w.bin'), bytes);
  const reader = dirPackReader(dir);
  expect(reader.location).toBe(`${dir}/`);
  expect(await reader.exists('w.bin')).toBe(true);
  expect(await reader.exists('none.bin')).toBe(false);
  expect(Buffer.from(await reader.read('w.bin')).equals(Buffer.from(bytes))).toBe(true);
});

it('the incremental SHA-256 (files of 2 GiB and more) equals WebCrypto and node:crypto, across its 64 MiB pieces', async () => {
  for (const size of [0, 1, 64 * 2 ** 20 + 3]) {
    const bytes = new Uint8Array(size).map((_, i) => (i * 7 + (i >> 13)) & 255);
    const want = createHash('sha256').update(bytes).digest('hex');
    expect(await incrementalSha256Hex(bytes)).toBe(want);
    expect(await sha256Hex(bytes)).toBe(want);
  }
});
