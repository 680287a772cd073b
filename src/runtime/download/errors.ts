/**
 * Errors of the download module. Each message says what happened to which file and what the user can do;
 * the fields carry the same facts for code (UI badges, retry buttons).
 */

/** Bytes as a short human-readable size ("1.5 GB"), for messages. Decimal units, like the browser's storage UI. */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return String(bytes);
  const units = ['bytes', 'kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return unit === 0 ? `${value} bytes` : `${value.toFixed(value < 10 ? 2 : 1)} ${units[unit]}`;
}

/**
 * A request that failed for good: an HTTP status the server will not change its mind about (404, 403…), or
 * network errors that outlasted every retry (status undefined). Bytes already stored are kept for a resume.
 */
export class DownloadError extends Error {
  override name = 'DownloadError';
  constructor(
    readonly url: string,
    readonly status: number | undefined,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The caller's AbortSignal fired. The partial file stays in the store; the next download of it resumes there. */
export class DownloadCancelledError extends Error {
  override name = 'DownloadCancelledError';
  constructor(
    readonly key: string,
    /** Bytes of the file held in the store when the download stopped. */
    readonly loaded: number,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A file that was fetched from scratch twice and failed its size or SHA-256 check both times. */
export class IntegrityError extends Error {
  override name = 'IntegrityError';
  constructor(
    readonly key: string,
    readonly url: string,
    readonly expected: { size?: number; sha256?: string },
    readonly actual: { size: number; sha256?: string },
    message: string,
  ) {
    super(message);
  }
}

/**
 * Not enough storage for the bytes still to download: either the up-front estimate says so (needed and free
 * are set), or the browser refused a write (QuotaExceededError) part-way through.
 */
export class StorageQuotaError extends Error {
  override name = 'StorageQuotaError';
  constructor(
    readonly needed: number | undefined,
    readonly free: number | undefined,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A key the stores cannot map to a file, or a read of a key that is not there. */
export class BlobStoreError extends Error {
  override name = 'BlobStoreError';
  constructor(
    readonly key: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
