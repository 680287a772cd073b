import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BrowserSession, bundleTestEntry, launchBrowser, type PreviewServer, startPreview } from './harness.js';

type Entry = typeof import('./gpu-scheduler.entry.js');

/** The entry module is bundled here and served to the page under this path (test-only code, not in dist/). */
const ENTRY_PATH = '/__gpu-scheduler__/entry.js';

/**
 * The WebGPU latent space's WGSL passes (CFG, DDIM, DDIM inversion, layouts, fp16) on Chromium's software
 * adapter, against the core's CPU code, and the sampler loop run in that space against the CPU space.
 */
describe('WebGPU scheduler passes (SwiftShader) match the CPU scheduler', () => {
  let server: PreviewServer;
  let browser: BrowserSession;

  beforeAll(async () => {
    const code = await bundleTestEntry(join(import.meta.dirname, 'gpu-scheduler.entry.ts'));
    server = await startPreview();
    browser = await launchBrowser();
    // Registered after the harness's own route, so it is consulted first.
    await browser.context.route(`**${ENTRY_PATH}`, (route) =>
      route.fulfill({
        status: 200,
        body: code,
        headers: { 'content-type': 'text/javascript', 'cross-origin-resource-policy': 'same-origin' },
      }),
    );
    await browser.page.goto(`${server.url}?autoload=0`);
  });

  /**
   * Evaluate `expression` in the page with the bundled entry module bound to `entry`. A string, because vitest
   * would rewrite a dynamic import inside a function passed to page.evaluate.
   */
  async function inPage<T>(expression: string): Promise<T> {
    return browser.page.evaluate<T>(`(async () => { const entry = await import('${ENTRY_PATH}'); return ${expression}; })()`);
  }

  afterAll(async () => {
    await browser?.close();
    server?.stop();
  });

  it('CFG, DDIM steps (ε, x0, v; clip; eta noise) and inversions agree to 1e-6; layouts, copies and fp16 are exact', async () => {
    const report = await inPage<Awaited<ReturnType<Entry['checkKernels']>>>('entry.checkKernels()');
    if (process.env.IVMIX_PRINT) console.log(report);
    const numeric = Object.entries(report).filter(([k]) => /^(guide|step|invert)/.test(k));
    expect(numeric.length).toBe(6 + 3 * 2 * 4 * 3);
    for (const [name, error] of numeric) expect(error, name).toBeLessThanOrEqual(1e-6);
    for (const name of [
      'videoToFrames shape',
      'videoToFrames',
      'framesToVideo',
      'videoToFrames batch 2',
      'framesToVideo batch 2',
      'duplicateBatch',
      'repeatInterleaveBatch',
      'sliceBatch',
      'halfRoundTrip',
    ]) {
      expect(report[name], name).toBe(true);
    }
    expect(report.liveTensorsAfter).toBe(0);
    expect(report.buffersAfterDispose).toBe(0);
    expect(browser.gpuErrors).toEqual([]);
    expect(browser.externalRequests).toEqual([]);
  });

  it('the whole IV-mixed loop in the GPU space gives the CPU result, releases every handle, and does not grow with steps', async () => {
    type Run = Awaited<ReturnType<Entry['checkSampler']>>;
    const runs = await inPage<Record<'batched2' | 'batched4' | 'split3' | 'noCfg', Run>>(`({
      batched2: await entry.checkSampler({ variant: 'iv-iv', steps: 2, eta: 0.5 }, 'batched'),
      batched4: await entry.checkSampler({ variant: 'iv-iv', steps: 4, eta: 0.5 }, 'batched'),
      split3: await entry.checkSampler({ variant: 'iv-iv', steps: 3 }, 'split'),
      noCfg: await entry.checkSampler({ variant: 'iv-iv-chain', steps: 2, guidanceScale: 1 }, 'batched'),
    })`);
    if (process.env.IVMIX_PRINT) console.log(runs);
    for (const [name, run] of Object.entries(runs)) {
      expect(run.relError, name).toBeLessThanOrEqual(1e-5);
      expect(run.liveAfter, name).toBe(0);
      // Only step 0 was asked for: previews of the other steps are not read back.
      expect(run.previews, name).toBe(1);
    }
    // Twice the steps, same peak: handles are released step by step, buffers reused from the pool.
    expect(runs.batched4.peakLive).toBe(runs.batched2.peakLive);
    expect(runs.batched4.buffersAfterSampling).toBe(runs.batched2.buffersAfterSampling);
    expect(browser.gpuErrors).toEqual([]);
  });
});
