import { describe, expect, it } from 'vitest';
import { ISOLATION_HEADERS, withIsolationHeaders } from '../../src/offline/isolation-headers.js';

describe('withIsolationHeaders: cached responses keep the page cross-origin isolated', () => {
  it('adds COOP, COEP and CORP to a response without them, keeping status, other headers and body', async () => {
    const cached = new Response('<!doctype html>', { status: 200, statusText: 'OK', headers: { 'content-type': 'text/html' } });
    const served = withIsolationHeaders(cached);
    for (const [name, value] of Object.entries(ISOLATION_HEADERS)) expect(served.headers.get(name)).toBe(value);
    expect(served.headers.get('content-type')).toBe('text/html');
    expect([served.status, served.statusText]).toEqual([200, 'OK']);
    expect(await served.text()).toBe('<!doctype html>');
  });

  it('replaces a weaker policy, and returns a response that already has the three untouched', () => {
    const weak = new Response(null, { headers: { 'cross-origin-embedder-policy': 'unsafe-none' } });
    expect(withIsolationHeaders(weak).headers.get('cross-origin-embedder-policy')).toBe('require-corp');
    const isolated = new Response(null, { headers: ISOLATION_HEADERS });
    expect(withIsolationHeaders(isolated)).toBe(isolated);
  });
});
