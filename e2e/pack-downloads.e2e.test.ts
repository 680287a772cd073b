import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Route } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BrowserSession, launchBrowser, type PreviewServer, startPreview } from './harness.js';

const PACK_URL = '/models/tinyworld-v2/';
const PACK_DIR = join(import.meta.dirname, '..', 'public', 'models', 'tinyworld-v2');

interface Loaded {
  notices: string[];
  verified: boolean;
  error?: string;
}

/** Load the bundled pack in the worker (downloaded into OPFS, verified) and collect the downloader's notices. */
async function loadInPage(browser: BrowserSession): Promise<Loaded> {
  return browser.page.evaluate(async (packUrl) => {
    const notices: string[] = [];
    try {
      const summary = await window.ivmix.engine.load({ kind: 'url', baseUrl: packUrl }, { backend: 'wasm' }, (e) => {
        if (e.phase === 'notice') notices.push(e.message);
      });
      return { notices, verified: summary.pack.verified };
    } catch (e) {
      return { notices, verified: false, error: `${(e as Error).name}: ${(e as Error).message}` };
    }
  }, PACK_URL);
}

/** Serve one pack file through a handler of our own (faults), the rest from the app server. */
async function intercept(browser: BrowserSession, file: string, handler: (route: Route, range: string | null) => Promise<void>) {
  await browser.context.route(`**${PACK_URL}${file}`, (route) => handler(route, route.request().headers().range ?? null));
}

function rangeResponse(route: Route, bytes: Buffer, range: string) {
  const start = Number(/bytes=(\d+)-/.exec(range)?.[1] ?? 0);
  return route.fulfill({
    status: 206,
    headers: {
      'content-range': `bytes ${start}-${bytes.length - 1}/${bytes.length}`,
      'content-type': 'application/octet-stream',
    },
    body: bytes.subarray(start),
  });
}

describe('pack downloads in the browser: resumable, verified, cached in OPFS', () => {
  let server: PreviewServer;
  beforeAll(async () => {
    server = await startPreview();
  });
  afterAll(() => server?.stop());

  it('resumes a download cut midway with an HTTP Range request', async () => {
    const browser = await launchBrowser();
    try {
      const file = 'motion_unet/model.onnx';
      const bytes = readFileSync(join(PACK_DIR, file));
      const ranges: string[] = [];
      let cut = false;
      await intercept(browser, file, async (route, range) => {
        if (range) {
          ranges.push(range);
          return rangeResponse(route, bytes, range);
        }
        if (!cut) {
          cut = true;
          // The connection "drops": half the body arrives under the full Content-Length.
          return route.fulfill({
            status: 200,
            headers: { 'content-length': String(bytes.length) },
            body: bytes.subarray(0, bytes.length >> 1),
          });
        }
        return route.fulfill({ status: 200, body: bytes });
      });
      await browser.page.goto(`${server.url}?autoload=0`);
      const loaded = await loadInPage(browser);
      expect(loaded.error).toBeUndefined();
      expect(loaded.verified).toBe(true);
      expect(ranges.length).toBeGreaterThanOrEqual(1);
      const start = Number(/bytes=(\d+)-/.exec(ranges[0] as string)?.[1]);
      expect(start).toBeGreaterThan(0);
      expect(start).toBeLessThanOrEqual(bytes.length >> 1);
      expect(loaded.notices.some((n) => n.includes(`resuming at byte ${start}`))).toBe(true);
      expect(browser.externalRequests).toEqual([]);
    } finally {
      await browser.close();
    }
  });

  it('refuses a corrupted transfer, fetches it again, and reuses the verified cache with the network cut', async () => {
    const browser = await launchBrowser();
    try {
      const file = 'unet/model.onnx';
      const bytes = readFileSync(join(PACK_DIR, file));
      let requests = 0;
      await intercept(browser, file, async (route) => {
        requests++;
        const body = Buffer.from(bytes);
        if (requests === 1) body[body.length >> 1] = ((body[body.length >> 1] as number) + 1) & 0xff; // one flipped byte
        return route.fulfill({ status: 200, body });
      });
      await browser.page.goto(`${server.url}?autoload=0`);
      const first = await loadInPage(browser);
      expect(first.error).toBeUndefined();
      expect(requests).toBe(2);
      expect(first.notices.some((n) => n.includes(`${file}: the downloaded copy fails verification`))).toBe(true);

      // Network cut for the pack: a reload still loads it, from OPFS, verified. The copies were written moments
      // ago, too recently for OPFS to record their hashes (OpfsStore, 2 s), so this load hashes them and records.
      await browser.context.unroute(`**${PACK_URL}${file}`);
      await browser.context.route(`**${PACK_URL}**`, (route) => route.abort('internetdisconnected'));
      await new Promise((resolve) => setTimeout(resolve, 2100));
      await browser.page.reload();
      const offline = await loadInPage(browser);
      expect(offline.error).toBeUndefined();
      expect(offline.verified).toBe(true);
      const reused = (l: Loaded) => l.notices.filter((n) => n.includes('reused from cache'));
      expect(reused(offline).length).toBeGreaterThanOrEqual(7);
      expect(reused(offline).filter((n) => n.includes('unchanged since it was verified'))).toEqual([]);

      // The next load trusts those records: nothing is hashed again.
      await browser.page.reload();
      const again = await loadInPage(browser);
      expect(again.error).toBeUndefined();
      expect(again.verified).toBe(true);
      expect(reused(again).length).toBe(reused(offline).length);
      expect(reused(again).every((n) => n.includes('unchanged since it was verified'))).toBe(true);
    } finally {
      await browser.close();
    }
  });
});
