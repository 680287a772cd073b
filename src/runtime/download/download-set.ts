import type { BlobStat } from './blob-store.js';
import { type DownloadOptions, downloadFile } from './download.js';
import { formatBytes, StorageQuotaError } from './errors.js';

/** One file of a pack, as listed by its manifest. */
export interface DownloadSetFile {
  url: string;
  key: string;
  size: number;
  sha256?: string;
}

export interface DownloadSetProgress {
  /** Key of the file being downloaded. */
  file: string;
  loaded: number;
  total: number;
  /** Bytes held of all files: the finished ones plus `loaded` (it drops only when a file restarts from 0). */
  overallLoaded: number;
  overallTotal: number;
}

export interface DownloadSetOptions
  extends Pick<DownloadOptions, 'store' | 'fetch' | 'signal' | 'retries' | 'retryDelayMs' | 'log'> {
  onProgress?: (progress: DownloadSetProgress) => void;
  /** Storage estimate; default navigator.storage.estimate when the browser has it. null skips the check. */
  estimate?: (() => Promise<StorageEstimate>) | null;
  /**
   * Asks the browser not to evict this origin's storage; default navigator.storage.persist (pages only, not
   * workers), skipped when already persisted. null skips it. Failures are ignored: eviction is only a risk.
   */
  persist?: (() => Promise<boolean>) | null;
}

export interface DownloadSetFileResult {
  key: string;
  size: number;
  fromCache: boolean;
  resumedAt?: number;
}

export interface DownloadSetResult {
  files: DownloadSetFileResult[];
  /** Whether the storage is persistent, when it could be asked. */
  persisted?: boolean;
}

/**
 * Downloads the files of a pack one after the other into the store (see downloadFile), after checking that
 * the bytes still missing fit the storage quota. The bytes are not returned: a pack can be larger than what
 * a tab may hold at once; read the files from the store when loading the models.
 */
export async function downloadFiles(files: readonly DownloadSetFile[], options: DownloadSetOptions): Promise<DownloadSetResult> {
  const seen = new Set<string>();
  for (const f of files) {
    if (seen.has(f.key)) throw new TypeError(`downloadFiles: the key "${f.key}" is listed twice; each file needs its own key.`);
    seen.add(f.key);
  }
  const { store } = options;

  const persist = options.persist === undefined ? browserPersist() : options.persist;
  let persisted: boolean | undefined;
  if (persist) persisted = await persist().catch(() => undefined);

  const stats = await Promise.all(files.map((f) => store.stat(f.key)));
  const missing = files.reduce((sum, f, i) => sum + missingBytes(f, stats[i] ?? null), 0);
  const estimate = options.estimate === undefined ? browserEstimate() : options.estimate;
  if (estimate && missing > 0) await checkQuota(missing, estimate);

  const overallTotal = files.reduce((sum, f) => sum + f.size, 0);
  let finished = 0;
  const results: DownloadSetFileResult[] = [];
  for (const f of files) {
    const { fromCache, resumedAt } = await downloadFile({
      url: f.url,
      key: f.key,
      expectedSize: f.size,
      store,
      ...(f.sha256 !== undefined ? { sha256: f.sha256 } : {}),
      ...(options.fetch ? { fetch: options.fetch } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.retries !== undefined ? { retries: options.retries } : {}),
      ...(options.retryDelayMs !== undefined ? { retryDelayMs: options.retryDelayMs } : {}),
      ...(options.log ? { log: options.log } : {}),
      onProgress: (loaded) =>
        options.onProgress?.({ file: f.key, loaded, total: f.size, overallLoaded: finished + loaded, overallTotal }),
    });
    // The bytes are dropped here on purpose (see above).
    finished += f.size;
    results.push({ key: f.key, size: f.size, fromCache, ...(resumedAt !== undefined ? { resumedAt } : {}) });
  }
  return { files: results, ...(persisted !== undefined ? { persisted } : {}) };
}

/** Bytes still to fetch for a file: all of it, or the rest after a partial that can be resumed. */
function missingBytes(file: DownloadSetFile, stat: BlobStat | null): number {
  if (!stat) return file.size;
  if (stat.complete) return stat.size === file.size ? 0 : file.size;
  return stat.size <= file.size ? file.size - stat.size : file.size;
}

async function checkQuota(missing: number, estimate: () => Promise<StorageEstimate>): Promise<void> {
  let quota: number | undefined;
  let usage: number | undefined;
  try {
    ({ quota, usage } = await estimate());
  } catch {
    return; // no estimate: the writes will tell
  }
  if (quota === undefined) return;
  const free = Math.max(0, quota - (usage ?? 0));
  if (missing <= free) return;
  throw new StorageQuotaError(
    missing,
    free,
    `Not enough storage for this model pack: ${formatBytes(missing)} (${missing} bytes) still to download, but only ${formatBytes(free)} (${free} bytes) of this site's storage quota is free (${formatBytes(usage ?? 0)} used of ${formatBytes(quota)}). Remove model packs you no longer use, or free disk space (browsers size the quota from free disk space; private windows get very little), then try again.`,
  );
}

function browserEstimate(): (() => Promise<StorageEstimate>) | null {
  const storage = typeof navigator === 'undefined' ? undefined : navigator.storage;
  return storage?.estimate ? () => storage.estimate() : null;
}

function browserPersist(): (() => Promise<boolean>) | null {
  const storage = typeof navigator === 'undefined' ? undefined : navigator.storage;
  // persist() exists in pages only; a worker gets null and leaves it to the page.
  if (!storage || typeof storage.persist !== 'function') return null;
  return async () => ((await storage.persisted?.()) ? true : storage.persist());
}
