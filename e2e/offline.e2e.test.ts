import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BrowserSession, launchBrowser, type PreviewServer, startPreview } from './harness.js';

/** Files the app needs offline, by path pattern, each of which must be in the service worker's cache. */
const MUST_BE_CACHED = [
  /\/index\.html$/,
  /\/assets\/index-[^/]+\.js$/,
  /\/assets\/index-[^/]+\.css$/,
  /\/assets\/engine\.worker-[^/]+\.js$/,
  /\/assets\/ort-wasm-[^/]+\.wasm$/,
  /\/assets\/ffmpeg-core-[^/]+\.js$/,
  /\/assets\/ffmpeg-core-[^/]+\.wasm$/,
  /\/models\/tinyworld-v2\/manifest\.json$/,
  /\/models\/tinyworld-v2\/motion_unet\/model\.onnx$/,
];

describe('offline: the service worker stores the app, serves it with the network cut, and swaps in a new build', () => {
  let server: PreviewServer;
  let browser: BrowserSession;

  beforeAll(async () => {
    server = await startPreview();
    browser = await launchBrowser({ serviceWorkers: true });
  });

  afterAll(async () => {
    await browser?.close();
    server?.stop();
  });

  it('serves everything from the service worker cache after a reload offline, cross-origin isolated, and generates', async () => {
    const { page, context } = browser;
    await page.goto(server.url);
    // The service worker controls the page once its precache is complete (it activates only then).
    await page.waitForFunction(() => navigator.serviceWorker.controller?.state === 'activated', null, { timeout: 120_000 });
    await page.getByTestId('pack-status').getByText('is ready').waitFor({ timeout: 60_000 });
    await page.getByRole('link', { name: 'Models' }).click();
    await expect.poll(() => page.getByTestId('offline-status').textContent(), { timeout: 30_000 }).toMatch(/^Available offline/);

    const cached = await page.evaluate(async () => {
      const urls: string[] = [];
      for (const name of await caches.keys())
        for (const request of await (await caches.open(name)).keys()) urls.push(request.url);
      return urls;
    });
    for (const pattern of MUST_BE_CACHED) expect(cached.some((u) => pattern.test(new URL(u).pathname))).toBe(true);

    // Cut everything: the browser's network, every request the page still makes, and the server itself.
    const reachedNetwork: string[] = [];
    await context.setOffline(true);
    await context.route('**/*', (route) => {
      reachedNetwork.push(route.request().url());
      return route.abort('internetdisconnected');
    });
    server.stop();

    await page.reload();
    await page.getByTestId('engine-status').getByText('Engine ready.').waitFor({ timeout: 60_000 });
    await page.getByTestId('pack-status').getByText('is ready').waitFor({ timeout: 60_000 });
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
    const caps = await page.evaluate(() => window.ivmix.engine.probe());
    // The engine worker is isolated too, so onnxruntime-web keeps its WASM threads.
    expect(caps.wasm.crossOriginIsolated).toBe(true);

    // The Demo runs the pack's defaults (25 steps, 16 frames) twice; this test shrinks each run to 4 frames and
    // 3 steps so that it stays quick. The engine still runs both for real, offline.
    await page.evaluate(() => {
      const { engine } = window.ivmix;
      const generate = engine.generate;
      engine.generate = (request, onProgress) =>
        generate({ ...request, frames: 4, settings: { ...request.settings, steps: 3 } }, onProgress);
    });
    await page.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name: 'Demo' }).click();
    await page.getByLabel('Prompt', { exact: true }).fill('a red circle moving left on a black background');
    await page.getByRole('button', { name: 'Generate and compare' }).click();
    const comparison = page.getByTestId('comparison');
    await comparison.waitFor({ timeout: 120_000 });
    const sides = await comparison.locator('[data-testid^="side-"] canvas').evaluateAll((canvases) =>
      (canvases as HTMLCanvasElement[]).map((c) => {
        const pixels = c.getContext('2d')?.getImageData(0, 0, c.width, c.height).data ?? new Uint8ClampedArray();
        let lit = 0;
        for (let i = 0; i < pixels.length; i += 4) if ((pixels[i] ?? 0) + (pixels[i + 1] ?? 0) + (pixels[i + 2] ?? 0) > 0) lit++;
        return lit;
      }),
    );
    expect(await comparison.textContent()).toMatch(/3 steps, 4\s+frames/);
    expect(sides).toHaveLength(2);
    for (const lit of sides) expect(lit).toBeGreaterThan(0);
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);

    // The bundled pack removed from the engine's store comes back from the service worker's copy, offline.
    await page.getByRole('link', { name: 'Models' }).click();
    await page.getByRole('button', { name: 'Remove Tiny world' }).click();
    await page.getByText('Removed Tiny world').waitFor();
    expect(await page.getByTestId('cached-pack').first().textContent()).toMatch(/Not stored yet/);
    await page.getByRole('button', { name: 'Use the bundled pack' }).click();
    await page.getByTestId('pack-load-status').getByText('Loaded from').waitFor({ timeout: 60_000 });
    await expect
      .poll(() => page.getByTestId('cached-pack').first().textContent())
      .toMatch(/Tiny world.*Complete, 7 files, loads offline/);
    // Nothing went past the service worker.
    expect(reachedNetwork).toEqual([]);
    expect(browser.externalRequests).toEqual([]);
  });

  it('replaces the stored app when a new build is deployed, and the new one opens offline', async () => {
    // A deployment of our own: a copy of the build that the test can change.
    const deployed = mkdtempSync(join(tmpdir(), 'ivmix-deploy-'));
    cpSync(join(import.meta.dirname, '..', 'dist'), deployed, { recursive: true });
    const site = await startPreview({ outDir: deployed });
    const session = await launchBrowser({ serviceWorkers: true });
    try {
      const { page, context } = session;
      await page.goto(`${site.url}#/models`);
      await page.waitForFunction(() => navigator.serviceWorker.controller?.state === 'activated', null, { timeout: 120_000 });
      const cachedIndex = () =>
        page.evaluate(async () => {
          const urls: string[] = [];
          for (const name of await caches.keys())
            for (const request of await (await caches.open(name)).keys()) urls.push(request.url);
          return { all: urls.length, index: urls.filter((u) => new URL(u).pathname === '/index.html') };
        });
      const before = await cachedIndex();
      expect(before.index).toHaveLength(1);

      // The new build: index.html changed, so its revision in the service worker's list changed too.
      const indexPath = join(deployed, 'index.html');
      const oldIndex = readFileSync(indexPath, 'utf8');
      const newIndex = oldIndex.replace('<head>', '<head>\n    <meta name="build" content="2" />');
      writeFileSync(indexPath, newIndex);
      const oldRevision = createHash('md5').update(oldIndex).digest('hex');
      const newRevision = createHash('md5').update(newIndex).digest('hex');
      const swPath = join(deployed, 'sw.js');
      const sw = readFileSync(swPath, 'utf8');
      expect(sw).toContain(`"revision":"${oldRevision}","url":"index.html"`);
      writeFileSync(swPath, sw.replace(oldRevision, newRevision));

      await page.evaluate(async () => (await navigator.serviceWorker.getRegistration())?.update());
      await page.getByText('A newer version of the app was stored.').waitFor({ timeout: 60_000 });
      // The old copy is deleted as the new worker activates (it may finish just after it takes control).
      await expect.poll(cachedIndex).toEqual({
        all: before.all,
        index: [expect.stringContaining(`__WB_REVISION__=${newRevision}`)],
      });

      // The new version opens with the network cut.
      await context.setOffline(true);
      await context.route('**/*', (route) => route.abort('internetdisconnected'));
      site.stop();
      await page.getByRole('button', { name: 'Reload to use it' }).click();
      await page.getByTestId('engine-status').getByText('Engine ready.').waitFor({ timeout: 60_000 });
      expect(await page.locator('meta[name="build"]').getAttribute('content')).toBe('2');
      expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
    } finally {
      await session.close();
      site.stop();
      rmSync(deployed, { recursive: true, force: true });
    }
  });
});
