/**
 * What a load of a stored pack spends on hashing, and what the verified-hash record saves (docs/engine.md, step 3):
 * SHA-256 throughput of WebCrypto (files under 2 GiB) and @noble/hashes (larger ones), then the downloader reusing
 * a stored file of SIZE_MIB (default 1024) from an FsStore: once hashed (no record yet), once trusted (record).
 * Usage: npm run bench:hash [-- <MiB>]
 */
import { mkdtemp, rm, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { downloadFile } from '../src/runtime/download/download.js';
import { FsStore } from '../src/runtime/download/fs-store.js';
import { incrementalSha256Hex, sha256Hex } from '../src/runtime/download/sha256.js';

const mib = Number(process.argv[2] ?? 1024);
const bytes = new Uint8Array(mib * 2 ** 20);
for (let i = 0; i < bytes.length; i += 4093) bytes[i] = i & 255;
const seconds = async (work: () => Promise<unknown>) => {
  const t = performance.now();
  await work();
  return (performance.now() - t) / 1000;
};

for (const [name, hash] of [
  ['WebCrypto', sha256Hex],
  ['@noble/hashes (files of 2 GiB and more)', incrementalSha256Hex],
] as const) {
  const s = await seconds(() => hash(bytes));
  console.log(`SHA-256, ${name}: ${mib} MiB in ${s.toFixed(2)} s (${(mib / s).toFixed(0)} MiB/s)`);
}

const dir = await mkdtemp(join(tmpdir(), 'bench-hash-'));
try {
  const store = new FsStore(dir);
  const key = 'pack/unet/model.onnx';
  const writer = await store.openWriter(key, { offset: 0 });
  await writer.write(bytes);
  await writer.close();
  await store.markComplete(key);
  const past = new Date(Date.now() - 60_000);
  await utimes(join(dir, 'pack', 'unet', 'model.onnx'), past, past);
  const sha256 = await sha256Hex(bytes);
  const reuse = () => downloadFile({ url: 'http://127.0.0.1:9/unreachable', key, store, expectedSize: bytes.byteLength, sha256 });
  const hashed = await seconds(reuse); // no record yet: hashed, then recorded
  const trusted = await seconds(reuse);
  console.log(
    `reuse of a stored ${mib} MiB file: hashed ${hashed.toFixed(2)} s, unchanged since verified ${trusted.toFixed(2)} s`,
  );
} finally {
  await rm(dir, { recursive: true, force: true });
}
