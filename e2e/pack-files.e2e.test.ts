import { join } from 'node:path';
import * as ort from 'onnxruntime-web';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dirPackReader } from '../src/cli/models-dir.js';
import { Engine } from '../src/engine/engine.js';
import type { GenerateRequest } from '../src/engine/types.js';
import { frameDifference, rgbaToRgb } from '../tests/helpers/fixtures.js';
import { type BrowserSession, launchBrowser, openWithoutPack, type PreviewServer, startPreview } from './harness.js';

const PACK_DIR = join(import.meta.dirname, '..', 'public', 'models', 'tinyworld-v2');
const REQUEST: GenerateRequest = {
  prompt: 'a red circle moving left on a black background',
  seed: 3,
  frames: 4,
  settings: { variant: 'iv-iv', steps: 2 },
  previewEvery: 0,
  decodeChunk: 1,
};

async function runInNode() {
  ort.env.wasm.numThreads = 1;
  const engine = new Engine(ort, {
    readerFor: () => dirPackReader(`${PACK_DIR}/`),
    probe: async () => ({ webgpu: { available: false, reason: 'Node' }, wasm: { threads: 1, crossOriginIsolated: true } }),
  });
  await engine.load({ kind: 'url', baseUrl: '/models/tinyworld-v2/' });
  try {
    return await engine.generate(REQUEST);
  } finally {
    await engine.unload();
  }
}

/**
 * A pack folder picked on this computer (the Models page's folder input, i.e. File objects with their
 * webkitRelativePath): the engine reads the files in place, checks them against the manifest, and generates;
 * its decode progress crosses the worker boundary frame by frame.
 */
describe('a pack loaded from a picked folder', () => {
  let server: PreviewServer;
  let browser: BrowserSession;

  beforeAll(async () => {
    server = await startPreview();
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    server?.stop();
  });

  it('loads through the folder input without any request for the pack, and generates what Node does', async () => {
    const { page, context } = browser;
    const packRequests: string[] = [];
    context.on('request', (r) => {
      if (new URL(r.url()).pathname.startsWith('/models/')) packRequests.push(r.url());
    });
    await openWithoutPack(page, server.url, '#/models');
    await page.getByLabel('Pack folder', { exact: true }).setInputFiles(PACK_DIR);
    await expect.poll(() => page.getByTestId('pack-status').textContent(), { timeout: 60_000 }).toMatch(/Tiny world is ready/);

    const got = await page.evaluate(async (request) => {
      const decodes: { frame: number; frames: number }[] = [];
      const result = await window.ivmix.engine.generate(request, (e) => {
        if (e.type === 'decode') decodes.push({ frame: e.frame, frames: e.frames });
      });
      return { decodes, rgba: Array.from(result.frames.rgba), backend: result.backend };
    }, REQUEST);
    expect(got.decodes).toEqual([1, 2, 3, 4].map((frame) => ({ frame, frames: 4 })));
    const node = await runInNode();
    // Software WebGPU makes 'auto' pick WASM: the same kernels as Node.
    expect(got.backend).toBe('wasm');
    const diff = frameDifference(rgbaToRgb(got.rgba), rgbaToRgb(node.frames.rgba));
    expect(diff.maxLsb).toBeLessThanOrEqual(1);
    expect(diff.fractionOff).toBeLessThanOrEqual(0.001);
    expect(packRequests).toEqual([]);
    expect(browser.externalRequests).toEqual([]);
  });
});
