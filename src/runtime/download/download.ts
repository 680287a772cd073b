import type { BlobStore, BlobWriter } from './blob-store.js';
import { DownloadCancelledError, DownloadError, formatBytes, IntegrityError, StorageQuotaError } from './errors.js';
import { bodyLength, isEtag, isRetryableStatus, parseContentRange, rangeValidator, retryAfterMs } from './http.js';
import { normalizeSha256, sha256Hex } from './sha256.js';

export interface DownloadOptions {
  url: string;
  /** Where the file lives in the store, e.g. "<pack-id>/unet/model.onnx". */
  key: string;
  /** Size in bytes from the pack manifest. With it, truncated files are caught without hashing. */
  expectedSize?: number;
  /** SHA-256 from the pack manifest, hex. */
  sha256?: string;
  store: BlobStore;
  /** Default globalThis.fetch. */
  fetch?: typeof globalThis.fetch;
  /** Aborting stops at once with DownloadCancelledError; the bytes received so far stay for a resume. */
  signal?: AbortSignal;
  /**
   * Bytes of this file held so far, and its size when known (expectedSize, else what the server says).
   * Non-decreasing while the download continues or resumes; it starts again from 0 only when the file has to
   * be fetched from scratch (the server ignored the range, or the bytes failed verification).
   */
  onProgress?: (loaded: number, total: number | undefined) => void;
  /** Consecutive failed attempts (network errors, 5xx, 429) to retry before giving up; default 5. An attempt that received bytes resets the count. */
  retries?: number;
  /** First retry delay; doubles per consecutive failure (capped at 30 s), or follows Retry-After. Default 500 ms. */
  retryDelayMs?: number;
  /** Notes on what happened ("reused from cache", "resuming at…"), for a console or a log panel. */
  log?: (message: string) => void;
}

export interface DownloadResult {
  bytes: Uint8Array<ArrayBuffer>;
  /** True when a complete, verified copy was already stored and no request was made. */
  fromCache: boolean;
  /** Byte offset of the first range request that continued stored bytes, when the download resumed. */
  resumedAt?: number;
}

const MAX_DELAY_MS = 30_000;

/**
 * Downloads `url` into `store` under `key`, streaming chunks to the store as they arrive, and returns the
 * verified bytes. A complete stored copy that passes the checks is returned without a request; a partial one
 * (or a connection lost mid-way) resumes with a range request. The file is marked complete only after its
 * size and SHA-256 match; a copy that does not match is deleted and fetched again from scratch, and a second
 * fresh copy that does not match either gives IntegrityError.
 *
 * The whole file ends up in memory (WebCrypto has no incremental SHA-256, and callers want the bytes).
 */
export async function downloadFile(options: DownloadOptions): Promise<DownloadResult> {
  const o = {
    ...options,
    fetch: options.fetch ?? globalThis.fetch.bind(globalThis),
    retries: options.retries ?? 5,
    retryDelayMs: options.retryDelayMs ?? 500,
    sha256: options.sha256 === undefined ? undefined : normalizeSha256(options.sha256, options.key),
  };
  if (o.signal?.aborted) throwIfCancelled(o, (await o.store.stat(o.key))?.size ?? 0, o.expectedSize);

  const cached = await reuseComplete(o);
  if (cached) return cached;

  let freshFailures = 0;
  for (;;) {
    const t = await transfer(o);
    const bytes = await o.store.readAll(o.key);
    const actual = { size: bytes.byteLength, ...(o.sha256 ? { sha256: await sha256Hex(bytes) } : {}) };
    const expected = {
      ...(o.expectedSize !== undefined || t.total !== undefined ? { size: o.expectedSize ?? t.total } : {}),
      ...(o.sha256 ? { sha256: o.sha256 } : {}),
    };
    const problem = mismatch(expected, actual);
    if (!problem) {
      await o.store.markComplete(o.key, o.sha256 ? { sha256: o.sha256 } : undefined);
      o.onProgress?.(actual.size, actual.size);
      return { bytes, fromCache: false, ...(t.resumedAt !== undefined ? { resumedAt: t.resumedAt } : {}) };
    }
    await o.store.remove(o.key);
    // Only a copy fetched entirely by this call counts against the server: one that continued stored bytes
    // may have been spoiled locally, or by a server copy that changed in between.
    if (t.fresh && ++freshFailures >= 2) {
      throw new IntegrityError(
        o.key,
        o.url,
        expected,
        actual,
        `${o.key}: downloaded twice from ${o.url} and both copies fail verification (${problem}). The server's copy is corrupt, or the pack manifest lists the wrong size or hash; nothing was kept. Re-upload the file or correct the manifest, then download again.`,
      );
    }
    o.log?.(`${o.key}: the downloaded copy fails verification (${problem}); deleted it, fetching again from scratch.`);
  }
}

type Resolved = DownloadOptions & {
  fetch: typeof globalThis.fetch;
  retries: number;
  retryDelayMs: number;
  sha256: string | undefined;
};

/** A stored complete copy that still matches the manifest, or null after deleting one that does not. */
async function reuseComplete(o: Resolved): Promise<DownloadResult | null> {
  const stat = await o.store.stat(o.key);
  if (!stat?.complete) return null;
  if (o.expectedSize !== undefined && stat.size !== o.expectedSize) {
    o.log?.(`${o.key}: the stored copy has ${stat.size} bytes instead of ${o.expectedSize}; deleted it, downloading again.`);
    await o.store.remove(o.key);
    return null;
  }
  const bytes = await o.store.readAll(o.key);
  // Bytes the store has kept unchanged since they were verified against this hash are not hashed again (a
  // full-size pack is seconds of hashing at every load); any other copy is, and its hash recorded when it matches.
  const alreadyVerified = o.sha256 !== undefined && stat.verifiedSha256 === o.sha256;
  if (o.sha256 && !alreadyVerified) {
    const actual = await sha256Hex(bytes);
    if (actual !== o.sha256) {
      o.log?.(`${o.key}: the stored copy is corrupt (sha256 ${actual}, expected ${o.sha256}); deleted it, downloading again.`);
      await o.store.remove(o.key);
      return null;
    }
    await o.store.markComplete(o.key, { sha256: o.sha256 });
  }
  o.log?.(
    `${o.key}: reused from cache (${formatBytes(bytes.byteLength)}${alreadyVerified ? ', unchanged since it was verified' : ''}).`,
  );
  o.onProgress?.(bytes.byteLength, bytes.byteLength);
  return { bytes, fromCache: true };
}

function mismatch(expected: { size?: number; sha256?: string }, actual: { size: number; sha256?: string }): string | null {
  if (expected.size !== undefined && expected.size !== actual.size) {
    return `expected ${expected.size} bytes, got ${actual.size}`;
  }
  if (expected.sha256 !== undefined && expected.sha256 !== actual.sha256) {
    return `expected sha256 ${expected.sha256}, got ${actual.sha256}`;
  }
  return null;
}

interface Transfer {
  /** The size the server stated last (Content-Range total, or Content-Length of a full response). */
  total?: number;
  resumedAt?: number;
  /** Every byte of the stored copy was received during this call. */
  fresh: boolean;
}

/** How one request ended when it did not finish the file. */
interface Setback {
  error: unknown;
  status?: number;
  /** Bytes were stored during the attempt: the next one starts further on, so the failure count restarts. */
  progressed: boolean;
  retryAfter?: number;
}

/**
 * Requests until the store holds as many bytes as the file has (or the server says it has): ranges from what
 * is stored, back to 0 when the server sends the whole file, with backoff between failures.
 */
async function transfer(o: Resolved): Promise<Transfer> {
  const stat = await o.store.stat(o.key);
  let have = stat?.size ?? 0;
  let validator = stat?.validator;
  let serverTotal: number | undefined;
  let resumedAt: number | undefined;
  let fresh = have === 0;
  let failures = 0;
  let last: Setback | undefined;

  const startOver = async (why: string): Promise<void> => {
    o.log?.(`${o.key}: ${why}; starting again from byte 0.`);
    await o.store.remove(o.key);
    have = 0;
    validator = undefined;
    resumedAt = undefined;
    fresh = true;
  };
  const total = (): number | undefined => o.expectedSize ?? serverTotal;

  if (o.expectedSize !== undefined && have > o.expectedSize) {
    await startOver(`the stored partial file (${have} bytes) is longer than the file (${o.expectedSize} bytes)`);
  } else if (have > 0) {
    o.log?.(`${o.key}: resuming at byte ${have}.`);
  }

  /** One request: resolves when the file is done, returns a Setback otherwise; throws what retrying cannot fix. */
  const attempt = async (): Promise<Setback | 'done'> => {
    throwIfCancelled(o, have, total());
    const known = total();
    if (known !== undefined && have >= known) return 'done';
    const headers: Record<string, string> = {};
    if (have > 0) {
      headers.Range = `bytes=${have}-`;
      // If-Range is not a CORS-safelisted header (a simple Range is): cross-origin it would need a preflight
      // that many static hosts do not answer. There the validator is compared on the answer instead (below).
      if (validator && sameOrigin(o.url)) headers['If-Range'] = validator;
    }
    let response: Response;
    try {
      // no-store: the store is the cache; multi-GB bodies must not fill the HTTP cache as well.
      response = await o.fetch(o.url, { headers, cache: 'no-store', ...(o.signal ? { signal: o.signal } : {}) });
    } catch (error) {
      throwIfCancelled(o, have, total(), error);
      return { error, progressed: false };
    }
    const { status } = response;
    const range = parseContentRange(response.headers.get('content-range'));
    const length = bodyLength(response.headers);

    if (status === 416 && have > 0) {
      await response.body?.cancel().catch(() => {});
      const full = o.expectedSize ?? range?.total;
      if (full === have) {
        serverTotal = range?.total ?? serverTotal;
        return 'done'; // the previous attempt had already received the last byte
      }
      await startOver(`the server cannot serve bytes from ${have} on (HTTP 416, size ${full ?? 'unknown'})`);
      return { error: new Error('HTTP 416 Range Not Satisfiable'), status, progressed: false };
    }
    if (!response.ok) {
      await response.body?.cancel().catch(() => {});
      if (!isRetryableStatus(status)) throw httpError(o.url, response);
      const wait = retryAfterMs(response.headers);
      return {
        error: new Error(`HTTP ${status} ${response.statusText}`.trim()),
        status,
        progressed: false,
        ...(wait !== undefined ? { retryAfter: wait } : {}),
      };
    }

    let offset: number;
    const sent = rangeValidator(response.headers);
    if (status === 206 && have > 0) {
      const changed = validator !== undefined && sent !== undefined && isEtag(validator) === isEtag(sent) && sent !== validator;
      if ((range?.start !== undefined && range.start !== have) || changed) {
        await response.body?.cancel().catch(() => {});
        await startOver(
          changed
            ? 'the server copy changed since the stored bytes were fetched'
            : 'the server sent another range than asked for',
        );
        return { error: new Error('unusable range response'), status, progressed: false };
      }
      offset = have;
      resumedAt ??= have;
      // Without Content-Range (a cross-origin server that does not expose it) the body is the rest of the file.
      serverTotal = range?.total ?? (length !== undefined ? have + length : serverTotal);
    } else {
      if (have > 0) {
        o.log?.(
          `${o.key}: the server sent the whole file instead of the range from byte ${have} (HTTP ${status}); starting again from byte 0.`,
        );
      }
      offset = 0;
      have = 0;
      resumedAt = undefined;
      fresh = true;
      serverTotal = status === 206 ? (range?.total ?? serverTotal) : length;
    }
    validator = sent ?? (offset > 0 ? validator : undefined);

    const writer = await o.store.openWriter(o.key, { offset, ...(validator !== undefined ? { validator } : {}) });
    have = offset;
    o.onProgress?.(have, total());
    const before = have;
    const ended = await pump(o, response, writer, (n) => {
      have += n;
      o.onProgress?.(have, total());
    });
    throwIfCancelled(o, have, total());
    const received = have - before;
    if (ended !== 'end') return { error: ended.error, progressed: received > 0 };
    if (length !== undefined && received < length) {
      return { error: new Error(`the connection closed after ${received} of ${length} bytes`), progressed: received > 0 };
    }
    const known2 = total();
    if (known2 !== undefined && have < known2) {
      // A complete response that still leaves the file short (a wrong Content-Length): ask for the rest.
      return { error: new Error(`the response ended at byte ${have} of ${known2}`), progressed: received > 0 };
    }
    return 'done';
  };

  for (;;) {
    const outcome = await attempt();
    if (outcome === 'done') {
      return {
        fresh,
        ...(serverTotal !== undefined ? { total: serverTotal } : {}),
        ...(resumedAt !== undefined ? { resumedAt } : {}),
      };
    }
    last = outcome;
    failures = outcome.progressed ? 1 : failures + 1;
    if (failures > o.retries) {
      const kept = have > 0 ? ` The ${formatBytes(have)} received are kept; downloading again resumes there.` : '';
      throw new DownloadError(
        o.url,
        last.status,
        `${o.url}: gave up after ${failures} failed attempt${failures === 1 ? '' : 's'} in a row (last: ${describe(last.error)}).${kept} Check the network connection and that the server is up, then try again.`,
        { cause: last.error },
      );
    }
    if (!outcome.progressed || outcome.retryAfter !== undefined) {
      const backoff = Math.min(o.retryDelayMs * 2 ** (failures - 1), MAX_DELAY_MS);
      // Jitter spreads the retries of many clients after a server hiccup.
      const delay = Math.max(backoff * (0.5 + Math.random() / 2), Math.min(outcome.retryAfter ?? 0, 2 * MAX_DELAY_MS));
      o.log?.(`${o.key}: ${describe(outcome.error)}; retrying in ${Math.round(delay)} ms.`);
      await sleep(delay, o.signal);
    } else {
      o.log?.(`${o.key}: ${describe(outcome.error)}; resuming at byte ${have}.`);
    }
  }
}

/**
 * Copies the response body into the writer. Returns 'end' when the body ended, or the read error (a dropped
 * connection); store errors are thrown. An abort cancels the reader, so a pending read returns at once even
 * with a fetch that ignores the signal. The writer is always closed, which keeps what was written.
 */
async function pump(
  o: Resolved,
  response: Response,
  writer: BlobWriter,
  onBytes: (n: number) => void,
): Promise<'end' | { error: unknown }> {
  const reader = response.body?.getReader();
  let result: 'end' | { error: unknown } = 'end';
  let failed = true;
  const onAbort = () => {
    reader?.cancel(o.signal?.reason).catch(() => {});
  };
  o.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    while (reader && !o.signal?.aborted) {
      let chunk: ReadableStreamReadResult<Uint8Array>;
      try {
        chunk = await reader.read();
      } catch (error) {
        result = { error };
        break;
      }
      if (chunk.done || o.signal?.aborted) break;
      try {
        await writer.write(chunk.value);
      } catch (error) {
        reader.cancel().catch(() => {});
        throw storeError(o, error);
      }
      onBytes(chunk.value.byteLength);
    }
    failed = false;
  } finally {
    o.signal?.removeEventListener('abort', onAbort);
    if (failed) {
      await writer.close().catch(() => {}); // the error being thrown says more than a failed close
    }
  }
  try {
    await writer.close();
  } catch (error) {
    throw storeError(o, error);
  }
  return result;
}

/** A full disk or quota (QuotaExceededError in browsers, ENOSPC in Node) as StorageQuotaError; others unchanged. */
function storeError(o: Resolved, error: unknown): unknown {
  const { name, code } = error as { name?: string; code?: string };
  if (name !== 'QuotaExceededError' && code !== 'ENOSPC') return error;
  return new StorageQuotaError(
    undefined,
    undefined,
    `${o.key}: storage is full, the download stopped (${describe(error)}). The bytes received so far are kept. Free space by removing model packs you no longer use, or other site data, then download again.`,
    { cause: error },
  );
}

function throwIfCancelled(o: Resolved, have: number, total: number | undefined, cause?: unknown): void {
  if (!o.signal?.aborted) return;
  const of = total !== undefined ? ` of ${formatBytes(total)}` : '';
  throw new DownloadCancelledError(
    o.key,
    have,
    `Download of ${o.key} cancelled at ${formatBytes(have)}${of}. The bytes received are kept; downloading it again resumes there.`,
    { cause: cause ?? o.signal.reason },
  );
}

/** Same origin as the page or worker; always true outside browsers (Node has no CORS). */
function sameOrigin(url: string): boolean {
  const here = globalThis.location?.href;
  if (!here) return true;
  try {
    return new URL(url, here).origin === new URL(here).origin;
  } catch {
    return false;
  }
}

function httpError(url: string, response: Response): DownloadError {
  const { status } = response;
  const hint =
    status === 404 || status === 410
      ? 'The file is not on the server: check the pack URL and the file list in its manifest.'
      : status === 401 || status === 403
        ? 'The server refused access: the pack may need a login or token, or the server does not allow downloads from this site.'
        : 'The server refused the request; retrying will not help.';
  return new DownloadError(url, status, `${`${url}: HTTP ${status} ${response.statusText}`.trimEnd()}. ${hint}`);
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const cause = error.cause instanceof Error ? ` (${error.cause.message})` : '';
    return `${error.message}${cause}`;
  }
  return String(error);
}

/** Waits, or returns early when the signal fires (the caller then reports the cancel). */
function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
