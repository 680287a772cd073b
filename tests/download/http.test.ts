/** The HTTP helpers that resuming depends on: Content-Range, usable Content-Length, If-Range validators, Retry-After. */
import { expect, it } from 'vitest';
import {
  bodyLength,
  isRetryableStatus,
  parseContentRange,
  rangeValidator,
  retryAfterMs,
} from '../../src/runtime/download/http.js';

it('parses Content-Range of 206 and 416 answers', () => {
  expect(parseContentRange('bytes 100-199/1000')).toEqual({ start: 100, end: 199, total: 1000 });
  expect(parseContentRange('bytes 100-199/*')).toEqual({ start: 100, end: 199 });
  expect(parseContentRange('bytes */1000')).toEqual({ total: 1000 });
  expect(parseContentRange(null)).toBeNull();
  expect(parseContentRange('items 1-2/3')).toBeNull();
});

it('trusts Content-Length only when the body is not content-encoded', () => {
  expect(bodyLength(new Headers({ 'content-length': '42' }))).toBe(42);
  expect(bodyLength(new Headers({ 'content-length': '42', 'content-encoding': 'identity' }))).toBe(42);
  expect(bodyLength(new Headers({ 'content-length': '42', 'content-encoding': 'gzip' }))).toBeUndefined();
  expect(bodyLength(new Headers())).toBeUndefined();
});

it('uses a strong ETag for If-Range, else Last-Modified', () => {
  const lm = 'Wed, 01 Jan 2025 00:00:00 GMT';
  expect(rangeValidator(new Headers({ etag: '"abc"', 'last-modified': lm }))).toBe('"abc"');
  expect(rangeValidator(new Headers({ etag: 'W/"abc"', 'last-modified': lm }))).toBe(lm);
  expect(rangeValidator(new Headers({ etag: 'W/"abc"' }))).toBeUndefined();
});

it('retries busy or failing servers, not refusals', () => {
  expect([408, 429, 500, 502, 503, 504].every(isRetryableStatus)).toBe(true);
  expect([400, 401, 403, 404, 410, 416, 501, 505].some(isRetryableStatus)).toBe(false);
});

it('reads Retry-After as seconds or a date', () => {
  const now = Date.parse('Wed, 01 Jan 2025 00:00:00 GMT');
  expect(retryAfterMs(new Headers({ 'retry-after': '3' }), now)).toBe(3000);
  expect(retryAfterMs(new Headers({ 'retry-after': 'Wed, 01 Jan 2025 00:00:05 GMT' }), now)).toBe(5000);
  expect(retryAfterMs(new Headers({ 'retry-after': 'soon' }), now)).toBeUndefined();
});
