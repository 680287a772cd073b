import { type DBSchema, type IDBPDatabase, openDB } from 'idb';
import { formatBytes } from '../format.js';
import type { Recipe } from '../recipe/recipe.js';

/** A finished video kept in History: its recipe, what it cost, a thumbnail, and (stored apart) its frames. */
export interface HistoryEntry {
  id: number;
  /** Date.now() when the video was finished. */
  createdAt: number;
  recipe: Recipe;
  cost: { imageCalls: number; videoCalls: number; totalMs: number };
  /** A PNG of one frame, small enough for a list. */
  thumbnail: Uint8Array;
  /** What this entry takes in the database: frames, thumbnail and recipe. */
  bytes: number;
}

export type NewHistoryEntry = Omit<HistoryEntry, 'id' | 'bytes'> & {
  /** The frames as lossless PNGs, in playing order. */
  pngs: Uint8Array[];
};

interface HistorySchema extends DBSchema {
  videos: { key: number; value: Omit<HistoryEntry, 'id'> & { id?: number }; indexes: { createdAt: number } };
  /** Frames live apart from the list so that listing never reads them. */
  frames: { key: number; value: { pngs: Uint8Array[] } };
}

export const HISTORY_DB_NAME = 'ivmix-history';

/** Not enough storage for a video: says how much it needs and what to do. */
export class HistoryQuotaError extends Error {
  override name = 'HistoryQuotaError';
}

/** IndexedDB is missing or refuses to open (some private browsing modes). */
export class HistoryUnavailableError extends Error {
  override name = 'HistoryUnavailableError';
}

export type StorageEstimator = () => Promise<{ usage?: number; quota?: number }>;

function defaultEstimator(): StorageEstimator | null {
  const storage = globalThis.navigator?.storage;
  return storage && typeof storage.estimate === 'function' ? () => storage.estimate() : null;
}

export function isQuotaError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && 'name' in error && error.name === 'QuotaExceededError';
}

function quotaMessage(bytes: number, free: number | null): string {
  return (
    `This video could not be kept in History: the browser's storage for this site is full` +
    `${free === null ? '' : ` (it needs ${formatBytes(bytes)}, ${formatBytes(Math.max(0, free))} are free)`}. ` +
    'Delete older videos in History to make room. The video stays here: download it to keep it.'
  );
}

/** The recipe's share of an entry, as stored (UTF-16 would be larger, but browsers store strings compactly). */
function recipeBytes(recipe: Recipe): number {
  return new TextEncoder().encode(JSON.stringify(recipe)).byteLength;
}

/** The History database: finished videos, newest first, kept across reloads. */
export class HistoryDb {
  private constructor(
    private readonly db: IDBPDatabase<HistorySchema>,
    private readonly estimate: StorageEstimator | null,
  ) {}

  static async open(options: { name?: string; estimate?: StorageEstimator | null } = {}): Promise<HistoryDb> {
    if (typeof indexedDB === 'undefined') {
      throw new HistoryUnavailableError('History needs IndexedDB, which this browser does not offer here (private browsing?).');
    }
    try {
      const db = await openDB<HistorySchema>(options.name ?? HISTORY_DB_NAME, 1, {
        upgrade(database) {
          const videos = database.createObjectStore('videos', { keyPath: 'id', autoIncrement: true });
          videos.createIndex('createdAt', 'createdAt');
          database.createObjectStore('frames');
        },
      });
      return new HistoryDb(db, options.estimate === undefined ? defaultEstimator() : options.estimate);
    } catch (error) {
      throw new HistoryUnavailableError(
        `History could not open its database: ${error instanceof Error ? error.message : String(error)}.`,
      );
    }
  }

  /** Keep a video; returns it as listed. Throws HistoryQuotaError when storage is full. */
  async add(entry: NewHistoryEntry): Promise<HistoryEntry> {
    const { pngs, ...summary } = entry;
    const bytes = pngs.reduce((n, p) => n + p.byteLength, 0) + entry.thumbnail.byteLength + recipeBytes(entry.recipe);
    // Ask first where the browser tells: a write that fails for quota can take a while to be refused.
    if (this.estimate) {
      const { usage, quota } = await this.estimate().catch(() => ({ usage: undefined, quota: undefined }));
      if (usage !== undefined && quota !== undefined && quota - usage < bytes) {
        throw new HistoryQuotaError(quotaMessage(bytes, quota - usage));
      }
    }
    const record = { ...summary, bytes };
    const tx = this.db.transaction(['videos', 'frames'], 'readwrite');
    const done = tx.done;
    try {
      const id = await tx.objectStore('videos').add(record);
      await tx.objectStore('frames').put({ pngs }, id);
      await done;
      return { ...record, id };
    } catch (error) {
      // A video without its frames (or frames without their entry) must not stay behind.
      try {
        tx.abort();
      } catch {
        // Already finished or aborted by the failure itself.
      }
      done.catch(() => undefined);
      if (isQuotaError(error)) throw new HistoryQuotaError(quotaMessage(bytes, null));
      throw error;
    }
  }

  /** Every kept video, newest first (frames not included). */
  async list(): Promise<HistoryEntry[]> {
    const rows = await this.db.getAllFromIndex('videos', 'createdAt');
    return rows.reverse().map((row) => ({ ...row, id: row.id as number }));
  }

  async frames(id: number): Promise<Uint8Array[] | null> {
    return (await this.db.get('frames', id))?.pngs ?? null;
  }

  async delete(id: number): Promise<void> {
    const tx = this.db.transaction(['videos', 'frames'], 'readwrite');
    await Promise.all([tx.objectStore('videos').delete(id), tx.objectStore('frames').delete(id), tx.done]);
  }

  close(): void {
    this.db.close();
  }
}
