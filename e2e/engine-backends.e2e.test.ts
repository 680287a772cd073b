import { join } from 'node:path';
import * as ort from 'onnxruntime-web';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dirPackReader } from '../src/cli/models-dir.js';
import { Engine } from '../src/engine/engine.js';
import type { GenerateRequest, WebgpuBufferCache, WebgpuLayout } from '../src/engine/types.js';
import { frameDifference, rgbaToRgb } from '../tests/helpers/fixtures.js';
import { type BrowserSession, launchBrowser, openWithoutPack, type PreviewServer, startPreview } from './harness.js';

const PACK_URL = '/models/tinyworld-v2/';
const PACK_DIR = join(import.meta.dirname, '..', 'public', 'models', 'tinyworld-v2');
/** Small enough for software WebGPU (SwiftShader), still a full generation: text encoder, IV-mixed, VAE. */
const REQUEST: GenerateRequest = {
  prompt: 'a yellow square moving up on a navy background',
  seed: 11,
  frames: 4,
  settings: { variant: 'iv-iv', steps: 2 },
  previewEvery: 0,
};

async function runInNode() {
  ort.env.wasm.numThreads = 1;
  const engine = new Engine(ort, {
    readerFor: () => dirPackReader(`${PACK_DIR}/`),
    probe: async () => ({ webgpu: { available: false, reason: 'Node' }, wasm: { threads: 1, crossOriginIsolated: true } }),
  });
  await engine.load({ kind: 'url', baseUrl: PACK_URL });
  try {
    return await engine.generate(REQUEST);
  } finally {
    await engine.unload();
  }
}

async function runInBrowser(
  browser: BrowserSession,
  url: string,
  backend: 'wasm' | 'webgpu',
  options: { webgpuLayout?: WebgpuLayout; graphCapture?: boolean; webgpuBufferCache?: WebgpuBufferCache } = {},
) {
  const { page } = browser;
  await openWithoutPack(page, url);
  return page.evaluate(
    async ({ packUrl, request, backend, options }) => {
      const { engine } = window.ivmix;
      const loaded = await engine.load({ kind: 'url', baseUrl: packUrl }, { backend, ...options });
      const result = await engine.generate(request);
      return {
        backend: loaded.backend,
        reason: loaded.backendReason,
        verified: loaded.pack.verified,
        bufferCache: loaded.webgpuBufferCache,
        rgba: Array.from(result.frames.rgba),
        latents: Array.from(result.latents),
        calls: result.timings.calls.length,
        timings: {
          modelMs: result.timings.modelMs,
          schedulerMs: result.timings.schedulerMs,
          transferMs: result.timings.transferMs,
          schedulerSteps: result.timings.schedulerSteps,
          latentsOnGpu: result.timings.latentsOnGpu,
          gpuLiveTensorsAfter: result.timings.gpuLiveTensorsAfter,
          capturedCalls: result.timings.capturedCalls,
        },
        warnings: result.warnings,
      };
    },
    { packUrl: PACK_URL, request: REQUEST, backend, options },
  );
}

describe('a full generation of the bundled pack in the engine worker', () => {
  let server: PreviewServer;
  let node: Awaited<ReturnType<typeof runInNode>>;
  beforeAll(async () => {
    server = await startPreview();
    node = await runInNode();
  });
  afterAll(() => server?.stop());

  // WebGPU by default captures the bundled pack's UNets: every call answered by a captured session (its first call
  // checked against the plain one, its later runs watched for a real replay: a session that runs node by node is
  // turned off with a warning, which would fail the count and the empty warnings below). Without capture: the plain shape-pinned sessions. NCHW: onnxruntime's WebGPU EP
  // with preferredLayout NCHW instead of its default NHWC (convolutions without the layout Transposes, other
  // kernels), one of the speed options the GPU benchmark compares. Simple cache: onnxruntime keeps every buffer its
  // kernels release (the Models page's "Keep GPU buffers"), here without capture so that the plain sessions'
  // buffers go through it. Same frames required of all.
  const variants = [
    ['wasm', {}],
    ['webgpu', {}],
    ['webgpu', { graphCapture: false }],
    ['webgpu', { webgpuLayout: 'NCHW' }],
    ['webgpu', { webgpuBufferCache: 'simple', graphCapture: false }],
  ] as const;
  for (const [backend, options] of variants) {
    const label =
      'webgpuBufferCache' in options
        ? ` (${options.webgpuBufferCache} buffer cache, no graph capture)`
        : 'webgpuLayout' in options
          ? ` (${options.webgpuLayout})`
          : 'graphCapture' in options
            ? ' (no graph capture)'
            : '';
    it(`on ${backend}${label} matches the Node run of the same request`, async () => {
      const browser = await launchBrowser();
      try {
        const got = await runInBrowser(browser, server.url, backend, options);
        expect(got.backend).toBe(backend);
        expect(got.verified).toBe(true);
        // onnxruntime's default buffer cache unless the load asks for another; nothing to say on WASM.
        const cache = 'webgpuBufferCache' in options ? options.webgpuBufferCache : 'bucket';
        expect(got.bufferCache).toBe(backend === 'webgpu' ? cache : undefined);
        expect(got.calls).toBe(10);
        // On WebGPU the latents stay on the GPU between UNet calls; every GPU handle is released at the end.
        expect(got.timings.latentsOnGpu).toBe(backend === 'webgpu');
        if (backend === 'webgpu') expect(got.timings.gpuLiveTensorsAfter).toBe(0);
        expect(got.timings.schedulerSteps).toBe(10);
        console.log(`${backend}${label}: sampling breakdown`, got.timings, 'warnings', got.warnings);
        const captured = backend === 'webgpu' && !('graphCapture' in options);
        expect(got.timings.capturedCalls).toBe(captured ? 10 : backend === 'webgpu' ? 0 : undefined);
        expect(got.warnings).toEqual([]);
        const diff = frameDifference(rgbaToRgb(got.rgba), rgbaToRgb(node.frames.rgba));
        // WASM runs the same kernels as Node; WebGPU's float32 kernels differ in the last bits.
        expect(diff.maxLsb).toBeLessThanOrEqual(backend === 'wasm' ? 1 : 2);
        expect(diff.fractionOff).toBeLessThanOrEqual(backend === 'wasm' ? 0.001 : 0.02);
        expect(browser.gpuErrors).toEqual([]);
        expect(browser.externalRequests).toEqual([]);
      } finally {
        await browser.close();
      }
    });
  }

  it('recovers from a lost GPU device: the running call fails with a clear message, the pack is reloaded', async () => {
    const browser = await launchBrowser();
    try {
      const { page } = browser;
      await openWithoutPack(page, server.url);
      const outcome = await page.evaluate(async (packUrl) => {
        const { engine } = window.ivmix;
        const events: string[] = [];
        const restarted = new Promise<void>((resolve) => {
          engine.onLifecycle((e) => {
            events.push(e.type);
            if (e.type === 'restarted') resolve();
          });
        });
        await engine.load({ kind: 'url', baseUrl: packUrl }, { backend: 'webgpu' });
        const running = engine.generate({
          prompt: 'a red circle moving left',
          seed: 1,
          frames: 2,
          settings: { variant: 'ddim', steps: 20 },
        });
        await new Promise((r) => setTimeout(r, 500));
        await engine.simulateDeviceLoss();
        const failure = await running.then(
          () => 'no error',
          (e: Error) => `${e.name}: ${e.message}`,
        );
        await restarted;
        // The new worker has the pack again: a small generation works without reloading the page.
        const after = await engine.generate({
          prompt: 'a red circle moving left',
          seed: 1,
          frames: 1,
          settings: { variant: 'ddim', steps: 1 },
        });
        return { failure, events, frames: after.frames.count, backend: after.backend };
      }, PACK_URL);
      expect(outcome.failure).toMatch(/^GpuDeviceLostError: The GPU device was lost .*out of memory/);
      expect(outcome.events).toEqual(['device-lost', 'restarted']);
      expect(outcome.frames).toBe(1);
      expect(outcome.backend).toBe('webgpu');
    } finally {
      await browser.close();
    }
  });

  it('unloading a WebGPU pack is not a lost device: the worker is not restarted', async () => {
    const browser = await launchBrowser();
    try {
      const { page } = browser;
      await openWithoutPack(page, server.url);
      const outcome = await page.evaluate(async (packUrl) => {
        const { engine } = window.ivmix;
        const events: string[] = [];
        engine.onLifecycle((e) => events.push(e.type));
        const request = {
          prompt: 'a red circle moving left',
          seed: 1,
          frames: 1,
          settings: { variant: 'ddim' as const, steps: 1 },
        };
        await engine.load({ kind: 'url', baseUrl: packUrl }, { backend: 'webgpu' });
        await engine.generate(request);
        await engine.unload();
        // A device the runtime let go of reports itself lost ("destroyed") a moment later, if at all.
        await new Promise((r) => setTimeout(r, 1500));
        const eventsAfterUnload = [...events];
        await engine.load({ kind: 'url', baseUrl: packUrl }, { backend: 'webgpu' });
        const again = await engine.generate(request);
        return { eventsAfterUnload, events, backend: again.backend, frames: again.frames.count };
      }, PACK_URL);
      expect(outcome.eventsAfterUnload).toEqual([]);
      expect(outcome.events).toEqual([]);
      expect(outcome.backend).toBe('webgpu');
      expect(outcome.frames).toBe(1);
      expect(browser.externalRequests).toEqual([]);
    } finally {
      await browser.close();
    }
  });

  it('falls back to WASM with a message when the browser has no WebGPU', async () => {
    const browser = await launchBrowser({ webgpu: false });
    try {
      const { page } = browser;
      await page.goto(`${server.url}?autoload=0`);
      const loaded = await page.evaluate(async (packUrl) => {
        const caps = await window.ivmix.engine.probe();
        const summary = await window.ivmix.engine.load({ kind: 'url', baseUrl: packUrl }, { backend: 'webgpu' });
        return { available: caps.webgpu.available, backend: summary.backend, reason: summary.backendReason };
      }, PACK_URL);
      expect(loaded.available).toBe(false);
      expect(loaded.backend).toBe('wasm');
      expect(loaded.reason).toMatch(/WebGPU is unavailable/);
      expect(browser.externalRequests).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
