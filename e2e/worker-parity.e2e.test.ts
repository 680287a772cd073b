import { join } from 'node:path';
import * as ort from 'onnxruntime-web';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dirPackReader } from '../src/cli/models-dir.js';
import { readParityCase } from '../src/cli/parity-case.js';
import { generateVideo } from '../src/pipeline/text-to-video.js';
import { createModelSet } from '../src/runtime/model-set.js';
import { readPack } from '../src/runtime/pack-reader.js';
import {
  caseDir,
  expectMatchesReference,
  frameDifference,
  maxRelativeError,
  PARITY_DIR,
  PARITY_MODELS,
  rgbaToRgb,
} from '../tests/helpers/fixtures.js';
import {
  type BrowserSession,
  FIXTURE_PREFIX,
  launchBrowser,
  openWithoutPack,
  type PreviewServer,
  startPreview,
} from './harness.js';

const CASE = 'v2-ddim-50';

/** The same case in Node, through the same core and onnxruntime-web's WASM build. */
async function runInNode() {
  ort.env.wasm.numThreads = 1;
  const { bytes, schedulers } = await readPack(dirPackReader(PARITY_MODELS));
  const models = await createModelSet(ort, bytes);
  try {
    const { request } = readParityCase(join(caseDir(CASE), 'case.json'));
    return await generateVideo(models, schedulers, request);
  } finally {
    await models.release();
  }
}

describe('sampler core in a Web Worker (comlink, WASM backend)', () => {
  let server: PreviewServer;
  let browser: BrowserSession;

  beforeAll(async () => {
    server = await startPreview();
    browser = await launchBrowser({ fixturesDir: PARITY_DIR });
  });
  afterAll(async () => {
    await browser?.close();
    server?.stop();
  });

  it(`runs parity case ${CASE} in the built page and matches the Node run and the reference`, async () => {
    const { page } = browser;
    await openWithoutPack(page, server.url);
    expect(await page.evaluate(() => self.crossOriginIsolated)).toBe(true);

    const fromBrowser = await page.evaluate(
      async ({ prefix, caseName }) => {
        const result = await window.ivmix.runParityCase({
          modelsUrl: `${prefix}models/`,
          caseUrl: `${prefix}visible/${caseName}/`,
          backend: 'wasm',
        });
        const { rgba, count, width, height } = result.frames;
        return {
          latents: Array.from(result.latents),
          rgba: Array.from(rgba),
          frameShape: { count, height, width },
          backend: result.backend,
          calls: result.timings.calls.length,
        };
      },
      { prefix: FIXTURE_PREFIX, caseName: CASE },
    );
    const node = await runInNode();

    expect(fromBrowser.backend).toBe('wasm');
    expect(fromBrowser.calls).toBe(50);
    expect(fromBrowser.frameShape).toEqual({ count: 8, height: 64, width: 64 });
    const browserLatents = Float32Array.from(fromBrowser.latents);
    const browserFrames = rgbaToRgb(fromBrowser.rgba);
    // Same core, same WASM kernels: the worker and Node agree to float32 rounding.
    expect(maxRelativeError(browserLatents, node.latents.data)).toBeLessThanOrEqual(1e-6);
    expect(frameDifference(browserFrames, node.frames).maxLsb).toBeLessThanOrEqual(1);
    // And both reproduce the official implementation within the fixture tolerances.
    expectMatchesReference(CASE, browserLatents, browserFrames);

    expect(browser.gpuErrors).toEqual([]);
    expect(browser.externalRequests).toEqual([]);
  });
});
