/** The bits of HTTP that resuming a download depends on (RFC 9110 range requests), as pure functions. */

/** Content-Range: "bytes START-END/TOTAL", TOTAL may be "*"; on 416 "bytes *\/TOTAL". */
export interface ContentRange {
  start?: number;
  end?: number;
  total?: number;
}

export function parseContentRange(header: string | null): ContentRange | null {
  if (!header) return null;
  const m = /^\s*bytes\s+(?:(\d+)-(\d+)|\*)\s*\/\s*(\d+|\*)\s*$/i.exec(header);
  if (!m) return null;
  return {
    ...(m[1] !== undefined && m[2] !== undefined ? { start: Number(m[1]), end: Number(m[2]) } : {}),
    ...(m[3] !== undefined && m[3] !== '*' ? { total: Number(m[3]) } : {}),
  };
}

/**
 * The body length in bytes as sent, when Content-Length counts the bytes the reader will see: with a
 * Content-Encoding (gzip…) fetch hands out decoded bytes, so the header no longer matches them.
 */
export function bodyLength(headers: Headers): number | undefined {
  const encoding = headers.get('content-encoding');
  if (encoding && encoding.trim().toLowerCase() !== 'identity') return undefined;
  const raw = headers.get('content-length');
  if (raw === null || !/^\s*\d+\s*$/.test(raw)) return undefined;
  return Number(raw);
}

/**
 * What to send as If-Range so that a resumed range only applies to the same server copy: a strong ETag, else
 * Last-Modified (weak ETags are not allowed in If-Range). Cross-origin servers must list ETag in
 * Access-Control-Expose-Headers for the browser to show it; otherwise Last-Modified (always exposed) is used.
 */
export function rangeValidator(headers: Headers): string | undefined {
  const etag = headers.get('etag');
  if (etag && !etag.trim().startsWith('W/')) return etag.trim();
  return headers.get('last-modified')?.trim() || undefined;
}

export function isEtag(validator: string): boolean {
  return validator.startsWith('"');
}

/** Statuses worth retrying: the server or a proxy is busy or briefly failing, not refusing this request. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 425 || status === 429 || (status >= 500 && status !== 501 && status !== 505);
}

/** Retry-After as milliseconds (seconds or an HTTP date), or undefined when absent or unreadable. */
export function retryAfterMs(headers: Headers, now = Date.now()): number | undefined {
  const raw = headers.get('retry-after')?.trim();
  if (!raw) return undefined;
  if (/^\d+$/.test(raw)) return Number(raw) * 1000;
  const at = Date.parse(raw);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
