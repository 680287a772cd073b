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

/** Sidecar tree holding each key's state ({ complete, validator, verified }) at `.meta/<key>`; keys never start with ".". */
const META_DIR = '.meta';

interface Meta {
  complete: boolean;
  validator?: string;
  /** The SHA-256 the complete file was verified against, with its size and lastModified then. */
  verified?: { sha256: string; size: number; lastModified: number };
}

export interface OpfsStoreOptions {
  /** Directory to store into; default: `directory` under the origin's OPFS root (navigator.storage.getDirectory()). */
  root?: FileSystemDirectoryHandle;
  /** Folder under the OPFS root when `root` is not given. Default "downloads". */
  directory?: string;
}

/**
 * A BlobStore in the browser's Origin Private File System. Works in a page and in a dedicated worker: it only
 * uses getDirectory, getFileHandle/getDirectoryHandle, getFile and createWritable (no sync access handles,
 * which exist in workers only).
 *
 * Files sit at `<root>/<key>`; whether one is complete is recorded in a sidecar `<root>/.meta/<key>` written
 * after the data is closed, so a crash mid-write leaves at worst a partial file (a missing or unreadable
 * sidecar reads as partial, never as complete).
 *
 * createWritable writes to a swap file that replaces the real file on close(); with keepExistingData the swap
 * file starts as a copy of it. So resuming a large partial costs one copy and, briefly, twice its size in quota,
 * and bytes written since the writer opened are only durable once it closes (the downloader closes it on
 * errors and cancels too).
 */
export class OpfsStore implements BlobStore {
  private rootPromise: Promise<FileSystemDirectoryHandle> | undefined;

  constructor(private readonly options: OpfsStoreOptions = {}) {}

  private root(): Promise<FileSystemDirectoryHandle> {
    this.rootPromise ??= (async () => {
      if (this.options.root) return this.options.root;
      if (typeof navigator === 'undefined' || !navigator.storage?.getDirectory) {
        throw new Error(
          'This browser has no Origin Private File System (navigator.storage.getDirectory), so model packs cannot be stored. Use a current Chrome, Edge, Firefox or Safari, outside private browsing.',
        );
      }
      const opfs = await navigator.storage.getDirectory();
      return opfs.getDirectoryHandle(this.options.directory ?? 'downloads', { create: true });
    })();
    return this.rootPromise;
  }

  async stat(key: string): Promise<BlobStat | null> {
    const segments = keySegments(key);
    const file = await this.fileHandle(segments);
    if (!file) return null;
    const { size, lastModified } = await file.getFile();
    const meta = await this.readMeta(segments);
    const verified = meta.verified;
    const unchanged = meta.complete && verified?.size === size && verified.lastModified === lastModified;
    return {
      size,
      complete: meta.complete,
      ...(!meta.complete && meta.validator !== undefined ? { validator: meta.validator } : {}),
      ...(unchanged ? { verifiedSha256: verified.sha256 } : {}),
    };
  }

  async readAll(key: string): Promise<Uint8Array<ArrayBuffer>> {
    const file = await this.fileHandle(keySegments(key));
    if (!file) throw missingKey(key);
    return new Uint8Array(await (await file.getFile()).arrayBuffer());
  }

  async openWriter(key: string, options: { offset: number; validator?: string }): Promise<BlobWriter> {
    const segments = keySegments(key);
    const { offset } = options;
    const existing = await this.fileHandle(segments);
    const size = existing ? (await existing.getFile()).size : 0;
    if (offset > size) throw offsetBeyondEnd(key, offset, size);
    // State first: from here on the file is partial, whatever happens to the data below.
    await this.writeMeta(segments, {
      complete: false,
      ...(options.validator !== undefined ? { validator: options.validator } : {}),
    });
    const handle = existing ?? (await this.fileHandle(segments, true));
    if (!handle) throw missingKey(key);
    if (typeof handle.createWritable !== 'function') throw noCreateWritable();
    const writable = await handle.createWritable({ keepExistingData: offset > 0 });
    if (offset > 0) {
      await writable.truncate(offset);
      await writable.seek(offset);
    }
    let closed = false;
    return {
      async write(chunk) {
        // The stream takes ArrayBuffer-backed views only; fetch chunks are, anything else is copied.
        await writable.write(chunk.buffer instanceof ArrayBuffer ? (chunk as Uint8Array<ArrayBuffer>) : new Uint8Array(chunk));
      },
      async close() {
        if (closed) return;
        closed = true;
        await writable.close();
      },
    };
  }

  async markComplete(key: string, verified?: { sha256: string }): Promise<void> {
    const segments = keySegments(key);
    const handle = await this.fileHandle(segments);
    if (!handle) throw missingKey(key);
    const { size, lastModified } = await handle.getFile();
    let record: Meta['verified'];
    if (verified) {
      // A file written moments ago could be written again within the same clock tick: hashed at its next use instead.
      const settled = Date.now() - lastModified >= VERIFIED_MIN_AGE_MS;
      if (settled) record = { sha256: verified.sha256, size, lastModified };
    } else {
      // Marking again without a hash keeps the record of these same bytes.
      const kept = (await this.readMeta(segments)).verified;
      if (kept?.size === size && kept.lastModified === lastModified) record = kept;
    }
    await this.writeMeta(segments, { complete: true, ...(record ? { verified: record } : {}) });
  }

  async remove(key: string): Promise<void> {
    const segments = keySegments(key);
    const name = segments[segments.length - 1] as string;
    // Data before state: a crash in between leaves an orphan sidecar, which stat ignores (no data file).
    await removeEntry(await this.dirHandle(segments.slice(0, -1)), name);
    await removeEntry(await this.dirHandle([META_DIR, ...segments.slice(0, -1)]), name);
  }

  async list(prefix: string): Promise<BlobEntry[]> {
    const out: BlobEntry[] = [];
    const visit = async (dir: FileSystemDirectoryHandle, path: string[]): Promise<void> => {
      for await (const [name, handle] of dir.entries()) {
        if (name.startsWith('.')) continue;
        const segments = [...path, name];
        if (handle.kind === 'directory') {
          await visit(handle, segments);
          continue;
        }
        const key = segments.join('/');
        if (!key.startsWith(prefix)) continue;
        const size = (await handle.getFile()).size;
        out.push({ key, size, complete: (await this.readMeta(segments)).complete });
      }
    };
    await visit(await this.root(), []);
    return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async usage(): Promise<number> {
    return (await this.list('')).reduce((sum, e) => sum + e.size, 0);
  }

  /** The directory at `segments` under the root, created when asked, or null when absent. */
  private async dirHandle(segments: string[], create = false): Promise<FileSystemDirectoryHandle | null> {
    let dir = await this.root();
    for (const name of segments) {
      try {
        dir = await dir.getDirectoryHandle(name, { create });
      } catch (error) {
        if (!create && isAbsent(error)) return null;
        throw error;
      }
    }
    return dir;
  }

  private async fileHandle(segments: string[], create = false): Promise<FileSystemFileHandle | null> {
    const dir = await this.dirHandle(segments.slice(0, -1), create);
    if (!dir) return null;
    try {
      return await dir.getFileHandle(segments[segments.length - 1] as string, { create });
    } catch (error) {
      if (!create && isAbsent(error)) return null;
      throw error;
    }
  }

  private async readMeta(segments: string[]): Promise<Meta> {
    try {
      const file = await this.fileHandle([META_DIR, ...segments]);
      if (!file) return { complete: false };
      const parsed = JSON.parse(await (await file.getFile()).text()) as Partial<Meta>;
      const v = parsed.verified;
      const verified =
        typeof v?.sha256 === 'string' && typeof v.size === 'number' && typeof v.lastModified === 'number' ? v : undefined;
      return {
        complete: parsed.complete === true,
        ...(typeof parsed.validator === 'string' ? { validator: parsed.validator } : {}),
        ...(verified ? { verified } : {}),
      };
    } catch {
      return { complete: false }; // unreadable state is "not known to be complete"
    }
  }

  private async writeMeta(segments: string[], meta: Meta): Promise<void> {
    const file = await this.fileHandle([META_DIR, ...segments], true);
    if (!file) return;
    if (typeof file.createWritable !== 'function') throw noCreateWritable();
    const writable = await file.createWritable();
    try {
      await writable.write(JSON.stringify(meta));
    } catch (error) {
      await writable.abort().catch(() => {});
      throw error;
    }
    await writable.close(); // replaces the old sidecar in one step
  }
}

/** NotFoundError (no such entry) and TypeMismatchError (a file where a folder is expected, or the reverse). */
function isAbsent(error: unknown): boolean {
  const name = (error as { name?: string }).name;
  return name === 'NotFoundError' || name === 'TypeMismatchError';
}

async function removeEntry(dir: FileSystemDirectoryHandle | null, name: string): Promise<void> {
  if (!dir) return;
  try {
    await dir.removeEntry(name);
  } catch (error) {
    if (!isAbsent(error)) throw error;
  }
}

function noCreateWritable(): Error {
  return new Error(
    'This browser cannot write files in its Origin Private File System (no FileSystemFileHandle.createWritable; Safari before 26, or an old Chrome in a worker), so model packs cannot be stored. Update the browser, or use a current Chrome, Edge or Firefox.',
  );
}
