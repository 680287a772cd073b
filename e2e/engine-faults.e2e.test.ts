import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BrowserSession, launchBrowser, type PreviewServer, startPreview } from './harness.js';

const PACK_URL = '/models/tinyworld-v2/';
const PACK_DIR = join(import.meta.dirname, '..', 'public', 'models', 'tinyworld-v2');
const manifest = () =>
  JSON.parse(readFileSync(join(PACK_DIR, 'manifest.json'), 'utf8')) as {
    precision: string;
    files: { path: string; size: number; sha256: string }[];
  };

/** Load in the page; a failure comes back as "Name: message". */
async function tryLoad(browser: BrowserSession, backend: 'auto' | 'wasm' | 'webgpu' = 'wasm') {
  return browser.page.evaluate(
    async ({ packUrl, backend }) => {
      try {
        const s = await window.ivmix.engine.load({ kind: 'url', baseUrl: packUrl }, { backend });
        return { ok: true as const, backend: s.backend, reason: s.backendReason };
      } catch (e) {
        return { ok: false as const, error: `${(e as Error).name}: ${(e as Error).message}` };
      }
    },
    { packUrl: PACK_URL, backend },
  );
}

describe('engine faults in the browser: a clear message, and nothing lost', () => {
  let server: PreviewServer;
  let browser: BrowserSession;
  beforeAll(async () => {
    server = await startPreview();
    browser = await launchBrowser();
    await browser.page.goto(`${server.url}?autoload=0`);
  });
  afterAll(async () => {
    await browser?.close();
    server?.stop();
  });

  it('refuses a malformed manifest, naming the field', async () => {
    const bad = manifest();
    (bad.files[0] as { sha256: string }).sha256 = 'not-a-hash';
    await browser.context.route(`**${PACK_URL}manifest.json`, (r) =>
      r.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify(bad) }),
    );
    const result = await tryLoad(browser);
    await browser.context.unroute(`**${PACK_URL}manifest.json`);
    expect(result.ok).toBe(false);
    expect(result.ok ? '' : result.error).toMatch(/^ManifestError: .*files\[0\]\.sha256 must be 64 hex characters/);
  });

  it('refuses a pack whose image model has the wrong signature, naming the input and both shapes', async () => {
    // The video UNet served as the image UNet, with a manifest that matches it (so only the signature is wrong).
    const video = readFileSync(join(PACK_DIR, 'motion_unet', 'model.onnx'));
    const swapped = manifest();
    const unet = swapped.files.find((f) => f.path === 'unet/model.onnx') as { size: number; sha256: string };
    unet.size = video.length;
    unet.sha256 = createHash('sha256').update(video).digest('hex');
    await browser.context.route(`**${PACK_URL}manifest.json`, (r) =>
      r.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify(swapped) }),
    );
    await browser.context.route(`**${PACK_URL}unet/model.onnx`, (r) => r.fulfill({ status: 200, body: video }));
    const result = await tryLoad(browser);
    await browser.context.unroute(`**${PACK_URL}manifest.json`);
    await browser.context.unroute(`**${PACK_URL}unet/model.onnx`);
    expect(result.ok).toBe(false);
    const error = result.ok ? '' : result.error;
    expect(error).toMatch(/^ModelSignatureError: unet: input "sample" has shape \[batch, 4, frames, height, width\]/);
    expect(error).toContain('[batch, 4, height, width]');
  });

  it('says why an fp16 pack does not run on a GPU without shader-f16, and runs it on WASM', async () => {
    const fp16 = { ...manifest(), precision: 'fp16' };
    await browser.context.route(`**${PACK_URL}manifest.json`, (r) =>
      r.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify(fp16) }),
    );
    const result = await tryLoad(browser, 'webgpu');
    await browser.context.unroute(`**${PACK_URL}manifest.json`);
    expect(result.ok).toBe(true);
    expect(result.ok && result.backend).toBe('wasm');
    expect(result.ok ? result.reason : '').toMatch(/fp16 and the GPU adapter lacks the shader-f16 feature/);
  });

  it('cancels mid-generation and is ready for the next request', async () => {
    expect((await tryLoad(browser)).ok).toBe(true);
    const outcome = await browser.page.evaluate(async () => {
      const { engine } = window.ivmix;
      let calls = 0;
      const running = engine.generate(
        { prompt: 'a red circle moving left', seed: 3, frames: 4, settings: { variant: 'iv-iv', steps: 25 } },
        (e) => {
          if (e.type === 'model-call-end' && ++calls === 3) engine.cancel();
        },
      );
      const cancelled = await running.then(
        () => 'finished',
        (e: Error) => `${e.name}: ${e.message}`,
      );
      const next = await engine.generate({
        prompt: 'a red circle moving left',
        seed: 3,
        frames: 2,
        settings: { variant: 'ddim', steps: 2 },
      });
      return { cancelled, calls, nextFrames: next.frames.count };
    });
    expect(outcome.cancelled).toMatch(/^SamplingCancelledError: Generation was cancelled/);
    expect(outcome.calls).toBeLessThan(6);
    expect(outcome.nextFrames).toBe(2);
    expect(browser.externalRequests).toEqual([]);
  });
});
