import {
  type BlobEntry,
  type BlobStat,
  type BlobStore,
  type BlobWriter,
  keySegments,
  missingKey,
  offsetBeyondEnd,
} from './blob-store.js';

interface MemoryEntry {
  bytes: Uint8Array<ArrayBuffer>;
  size: number;
  complete: boolean;
  validator?: string;
  verifiedSha256?: string;
}

/** A BlobStore in memory, for tests and for short-lived use. Same key rules and semantics as the persistent stores. */
export class MemoryStore implements BlobStore {
  private readonly entries = new Map<string, MemoryEntry>();

  async stat(key: string): Promise<BlobStat | null> {
    keySegments(key);
    const e = this.entries.get(key);
    if (!e) return null;
    return {
      size: e.size,
      complete: e.complete,
      ...(e.validator !== undefined ? { validator: e.validator } : {}),
      ...(e.complete && e.verifiedSha256 !== undefined ? { verifiedSha256: e.verifiedSha256 } : {}),
    };
  }

  async readAll(key: string): Promise<Uint8Array<ArrayBuffer>> {
    keySegments(key);
    const e = this.entries.get(key);
    if (!e) throw missingKey(key);
    return e.bytes.slice(0, e.size);
  }

  async openWriter(key: string, options: { offset: number; validator?: string }): Promise<BlobWriter> {
    keySegments(key);
    const old = this.entries.get(key);
    const offset = options.offset;
    if (offset > (old?.size ?? 0)) throw offsetBeyondEnd(key, offset, old?.size ?? 0);
    const entry: MemoryEntry = {
      bytes: old && offset > 0 ? old.bytes : new Uint8Array(0),
      size: offset,
      complete: false,
      ...(options.validator !== undefined ? { validator: options.validator } : {}),
    };
    this.entries.set(key, entry);
    let closed = false;
    return {
      write: async (chunk) => {
        if (closed) throw new Error(`write after close on "${key}"`);
        const end = entry.size + chunk.byteLength;
        if (end > entry.bytes.byteLength) {
          // Grow geometrically so a download of many small chunks stays linear.
          const grown = new Uint8Array(Math.max(end, entry.bytes.byteLength * 2, 1024));
          grown.set(entry.bytes.subarray(0, entry.size));
          entry.bytes = grown;
        }
        entry.bytes.set(chunk, entry.size);
        entry.size = end;
      },
      close: async () => {
        closed = true;
      },
    };
  }

  async markComplete(key: string, verified?: { sha256: string }): Promise<void> {
    keySegments(key);
    const e = this.entries.get(key);
    if (!e) throw missingKey(key);
    e.complete = true;
    delete e.validator;
    // A writer replaces the entry, so a recorded hash lives exactly as long as these bytes.
    if (verified) e.verifiedSha256 = verified.sha256;
  }

  async remove(key: string): Promise<void> {
    keySegments(key);
    this.entries.delete(key);
  }

  async list(prefix: string): Promise<BlobEntry[]> {
    return [...this.entries]
      .filter(([key]) => key.startsWith(prefix))
      .map(([key, e]) => ({ key, size: e.size, complete: e.complete }))
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async usage(): Promise<number> {
    let total = 0;
    for (const e of this.entries.values()) total += e.size;
    return total;
  }
}
