import { BlobStoreError } from './errors.js';

/**
 * Persistent storage for downloaded files, keyed by a relative path such as "<pack-id>/unet/model.onnx".
 * A key holds either a partial file (kept so an interrupted download can resume) or a complete one (fully
 * downloaded and verified). Implementations: OPFS in the browser (opfs-store.ts), a directory in Node
 * (fs-store.ts), memory for tests (memory-store.ts). Nothing here may import Node or DOM-only modules.
 *
 * A store does not lock keys: two downloads of the same key at once must be prevented by the caller.
 */
export interface BlobStore {
  /** Size and state of a key, or null when nothing (not even a partial) is stored under it. */
  stat(key: string): Promise<BlobStat | null>;
  /** The whole file, complete or partial. Throws BlobStoreError when the key is absent. */
  readAll(key: string): Promise<Uint8Array<ArrayBuffer>>;
  /**
   * A writer that starts at `offset`: 0 starts an empty file, a larger offset keeps the first `offset` bytes
   * (dropping any beyond) and appends; an offset past the stored size throws BlobStoreError. Opening a writer makes the key partial again. `validator` (an ETag or
   * Last-Modified of the server copy the bytes come from) is kept with the partial for a later If-Range.
   */
  openWriter(key: string, options: { offset: number; validator?: string }): Promise<BlobWriter>;
  /**
   * Marks a closed, fully written file as complete. Throws BlobStoreError when the key is absent. `verified`: the
   * SHA-256 the caller checked the bytes against; stat gives it back (`verifiedSha256`) for as long as the file is
   * not written again, so that a later load need not hash the same bytes again. Marking an already complete file
   * again records the hash.
   */
  markComplete(key: string, verified?: { sha256: string }): Promise<void>;
  /** Deletes the file (complete or partial); absent keys are fine. */
  remove(key: string): Promise<void>;
  /** Every stored key starting with `prefix` (plain string prefix; '' lists all), sorted by key. */
  list(prefix: string): Promise<BlobEntry[]>;
  /** Bytes held by all files, complete and partial. */
  usage(): Promise<number>;
}

export interface BlobStat {
  size: number;
  complete: boolean;
  /** Validator stored with a partial file by openWriter, if any. */
  validator?: string;
  /**
   * The SHA-256 given to markComplete, only while the file is unchanged since: not written through the store, and
   * (where the store can tell, FsStore and OpfsStore) with the size and modification time it had then. Damage that
   * changes neither (bit rot on the disk) is not detected; the downloader then trusts the record.
   */
  verifiedSha256?: string;
}

/**
 * Stores that tie a verified hash to a file's modification time (FsStore, OpfsStore) record it only for a file last
 * modified at least this long before. File systems stamp writes with a coarse clock (a few ms on Linux, 2 s on
 * FAT), so a change made just after the record could leave the same time (git's "racily clean" files): such a file
 * is hashed again at its next use, and recorded then.
 */
export const VERIFIED_MIN_AGE_MS = 2000;

export interface BlobEntry {
  key: string;
  size: number;
  complete: boolean;
}

export interface BlobWriter {
  /** Appends a chunk. Writes are sequential: await each before the next. */
  write(chunk: Uint8Array): Promise<void>;
  /** Flushes and releases the file; the bytes written so far stay as a partial file. Idempotent. */
  close(): Promise<void>;
}

/** Characters that some file systems (Windows, OPFS in some browsers) refuse in names. */
const FORBIDDEN = /[\\:*?"<>|]/;

/**
 * Splits a key into path segments, refusing keys that could escape the store or clash with its own entries:
 * empty segments, "." and "..", names starting with "." (reserved for the stores' bookkeeping) and
 * characters that file systems refuse.
 */
export function keySegments(key: string): string[] {
  const segments = key.split('/');
  for (const s of segments) {
    if (s === '' || s.startsWith('.') || FORBIDDEN.test(s) || hasControlCharacter(s)) {
      throw new BlobStoreError(
        key,
        `Invalid storage key "${key}": keys are "/"-separated relative paths whose names are not empty, do not start with "." and have no \\ : * ? " < > | or control characters.`,
      );
    }
  }
  return segments;
}

export function missingKey(key: string): BlobStoreError {
  return new BlobStoreError(key, `Nothing is stored under "${key}". Download the file first.`);
}

export function offsetBeyondEnd(key: string, offset: number, size: number): BlobStoreError {
  return new BlobStoreError(
    key,
    `Cannot write "${key}" at byte ${offset}: only ${size} bytes are stored, a writer can only append.`,
  );
}

function hasControlCharacter(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) < 0x20) return true;
  return false;
}
