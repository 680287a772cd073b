import { type FileHandle, mkdir, open, readdir, readFile, rename, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import {
  type BlobEntry,
  type BlobStat,
  type BlobStore,
  type BlobWriter,
  keySegments,
  missingKey,
  offsetBeyondEnd,
  VERIFIED_MIN_AGE_MS,
} from './blob-store.js';

/** Partial files live apart from complete ones, so the root only ever shows finished, verified files. */
const PARTIAL_DIR = '.partial';
/** The server validator (ETag / Last-Modified) a partial came from, one small text file per key. */
const VALIDATOR_DIR = '.validator';
/**
 * The SHA-256 a complete file was verified against, with the file's size, modification time and inode then
 * (JSON, one small file per key): a file changed on disk since, by the store or by anything else, no longer
 * matches and is hashed again.
 */
const VERIFIED_DIR = '.verified';
interface VerifiedRecord {
  sha256: string;
  size: number;
  mtimeNs: string;
  ino: string;
}

/**
 * A BlobStore in a directory on disk (Node: the CLI cache, tests). Complete files sit at `<root>/<key>`, so a
 * pack stored under "<pack-id>/" is a plain diffusers-ONNX folder at `<root>/<pack-id>` that other tools can
 * open; partials sit at `<root>/.partial/<key>` and become complete by an atomic rename.
 */
export class FsStore implements BlobStore {
  constructor(readonly root: string) {}

  private completePath(key: string): string {
    return join(this.root, ...keySegments(key));
  }

  private partialPath(key: string): string {
    return join(this.root, PARTIAL_DIR, ...keySegments(key));
  }

  private validatorPath(key: string): string {
    return join(this.root, VALIDATOR_DIR, ...keySegments(key));
  }

  private verifiedPath(key: string): string {
    return join(this.root, VERIFIED_DIR, ...keySegments(key));
  }

  async stat(key: string): Promise<BlobStat | null> {
    const complete = await fileIdentity(this.completePath(key));
    if (complete !== null) {
      const record = await readVerified(this.verifiedPath(key));
      const unchanged =
        record !== null && record.size === complete.size && record.mtimeNs === complete.mtimeNs && record.ino === complete.ino;
      return { size: complete.size, complete: true, ...(unchanged ? { verifiedSha256: record.sha256 } : {}) };
    }
    const partial = await fileSize(this.partialPath(key));
    if (partial === null) return null;
    const validator = await readFile(this.validatorPath(key), 'utf8').catch(ignoreMissing);
    return { size: partial, complete: false, ...(validator ? { validator } : {}) };
  }

  async readAll(key: string): Promise<Uint8Array<ArrayBuffer>> {
    for (const path of [this.completePath(key), this.partialPath(key)]) {
      const bytes = await readWhole(path);
      if (bytes) return bytes;
    }
    throw missingKey(key);
  }

  async openWriter(key: string, options: { offset: number; validator?: string }): Promise<BlobWriter> {
    const { offset } = options;
    const current = await this.stat(key);
    if (offset > (current?.size ?? 0)) throw offsetBeyondEnd(key, offset, current?.size ?? 0);
    const path = this.partialPath(key);
    await mkdir(dirname(path), { recursive: true });
    await rm(this.verifiedPath(key), { force: true });
    if (current?.complete) {
      if (offset > 0) await rename(this.completePath(key), path);
      else await rm(this.completePath(key), { force: true });
    }
    // A validator belongs to the bytes it came with: a writer without one must not inherit a stale one.
    const validatorPath = this.validatorPath(key);
    if (options.validator !== undefined) {
      await mkdir(dirname(validatorPath), { recursive: true });
      await writeFile(validatorPath, options.validator);
    } else {
      await rm(validatorPath, { force: true });
    }
    const handle = await open(path, offset === 0 ? 'w' : 'r+');
    if (offset > 0) await handle.truncate(offset);
    return fileWriter(handle, offset);
  }

  async markComplete(key: string, verified?: { sha256: string }): Promise<void> {
    const partial = this.partialPath(key);
    const complete = this.completePath(key);
    if ((await fileSize(partial)) === null) {
      if ((await fileSize(complete)) === null) throw missingKey(key);
    } else {
      await mkdir(dirname(complete), { recursive: true });
      await rename(partial, complete);
      await rm(this.validatorPath(key), { force: true });
      await this.prune(PARTIAL_DIR, key);
      await this.prune(VALIDATOR_DIR, key);
    }
    if (!verified) return;
    // The identity of the file as it is now, renamed into place (a rename keeps its modification time).
    const identity = await fileIdentity(complete);
    const path = this.verifiedPath(key);
    if (!identity || Date.now() - Number(BigInt(identity.mtimeNs) / 1_000_000n) < VERIFIED_MIN_AGE_MS) {
      await rm(path, { force: true });
      return;
    }
    await mkdir(dirname(path), { recursive: true });
    const record: VerifiedRecord = { sha256: verified.sha256, ...identity };
    await writeFile(path, JSON.stringify(record));
  }

  async remove(key: string): Promise<void> {
    await rm(this.completePath(key), { force: true });
    await rm(this.partialPath(key), { force: true });
    await rm(this.validatorPath(key), { force: true });
    await rm(this.verifiedPath(key), { force: true });
    await this.prune('', key);
    await this.prune(PARTIAL_DIR, key);
    await this.prune(VALIDATOR_DIR, key);
    await this.prune(VERIFIED_DIR, key);
  }

  async list(prefix: string): Promise<BlobEntry[]> {
    const found = new Map<string, BlobEntry>();
    for (const [tree, complete] of [[PARTIAL_DIR, false] as const, ['', true] as const]) {
      for (const { key, size } of await walk(join(this.root, tree), '')) {
        if (key.startsWith(prefix)) found.set(key, { key, size, complete });
      }
    }
    return [...found.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async usage(): Promise<number> {
    return (await this.list('')).reduce((sum, e) => sum + e.size, 0);
  }

  /** Removes the key's parent folders in one tree while they are empty, so removed packs leave no husks. */
  private async prune(tree: string, key: string): Promise<void> {
    const segments = keySegments(key).slice(0, -1);
    while (segments.length > 0) {
      try {
        await rmdir(join(this.root, tree, ...segments));
      } catch {
        return; // not empty, or already gone
      }
      segments.pop();
    }
  }
}

function fileWriter(handle: FileHandle, start: number): BlobWriter {
  let position = start;
  let closed = false;
  return {
    async write(chunk) {
      let done = 0;
      while (done < chunk.byteLength) {
        const { bytesWritten } = await handle.write(chunk, done, chunk.byteLength - done, position);
        done += bytesWritten;
        position += bytesWritten;
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      await handle.close();
    },
  };
}

function isMissing(error: unknown): boolean {
  const code = (error as { code?: string }).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

function ignoreMissing(error: unknown): null {
  if (isMissing(error)) return null;
  throw error;
}

async function fileSize(path: string): Promise<number | null> {
  const s = await stat(path).catch(ignoreMissing);
  return s?.isFile() ? s.size : null;
}

/** Size, modification time (ns) and inode of a file, or null when there is none: what a verified record is tied to. */
async function fileIdentity(path: string): Promise<Omit<VerifiedRecord, 'sha256'> | null> {
  const s = await stat(path, { bigint: true }).catch(ignoreMissing);
  if (!s?.isFile()) return null;
  return { size: Number(s.size), mtimeNs: s.mtimeNs.toString(), ino: s.ino.toString() };
}

async function readVerified(path: string): Promise<VerifiedRecord | null> {
  const text = await readFile(path, 'utf8').catch(ignoreMissing);
  if (text === null) return null;
  try {
    const r = JSON.parse(text) as Partial<VerifiedRecord>;
    const valid =
      typeof r.sha256 === 'string' && typeof r.size === 'number' && typeof r.mtimeNs === 'string' && typeof r.ino === 'string';
    return valid ? (r as VerifiedRecord) : null;
  } catch {
    return null; // an unreadable record only means hashing again
  }
}

/** Reads a file into one buffer in slices: fs.readFile refuses files over 2 GiB, model weights can be larger. */
async function readWhole(path: string): Promise<Uint8Array<ArrayBuffer> | null> {
  const handle = await open(path, 'r').catch(ignoreMissing);
  if (!handle) return null;
  try {
    const info = await handle.stat();
    if (!info.isFile()) return null;
    const size = info.size;
    const bytes = new Uint8Array(size);
    let done = 0;
    while (done < size) {
      const { bytesRead } = await handle.read(bytes, done, Math.min(size - done, 1 << 26), done);
      if (bytesRead === 0) return bytes.slice(0, done); // shrank while reading
      done += bytesRead;
    }
    return bytes;
  } finally {
    await handle.close();
  }
}

/** Every file under `dir` as a "/"-joined key, skipping the stores' dot-named bookkeeping folders. */
async function walk(dir: string, base: string): Promise<{ key: string; size: number }[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(ignoreMissing);
  if (!entries) return [];
  const out: { key: string; size: number }[] = [];
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue;
    const key = base ? `${base}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...(await walk(join(dir, entry.name), key)));
    else if (entry.isFile()) out.push({ key, size: (await stat(join(dir, entry.name))).size });
  }
  return out;
}
