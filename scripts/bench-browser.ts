/**
 * The bundled pack's whole generation in headless Chromium, the way a user's browser runs it: the built app,
 * its engine worker, onnxruntime-web WASM with threads under cross-origin isolation (COOP/COEP from
 * `vite preview`), one thread per core. Node's `npm run bench` measures the same engine without the browser.
 *
 *   npm run bench:browser [-- --pack /models/tinyworld-v2/ --frames 16 --steps 25 --repeats 1]
 *
 * Prints one line per run and a markdown table (median of the repeats).
 */
import { parseArgs } from 'node:util';
import { launchBrowser, startPreview } from '../e2e/harness.js';
import { type BenchRow, benchTable, summarize } from '../src/cli/bench.js';
import type { GenerateRequest, GenerateResult } from '../src/engine/types.js';

const { values } = parseArgs({
  options: {
    pack: { type: 'string', default: '/models/tinyworld-v2/' },
    frames: { type: 'string', default: '16' },
    steps: { type: 'string', default: '25' },
    repeats: { type: 'string', default: '1' },
    samplers: { type: 'string', default: 'ddim,iv-iv' },
  },
});

const server = await startPreview();
const browser = await launchBrowser({ webgpu: false });
try {
  const { page } = browser;
  await page.goto(`${server.url}?autoload=0`);
  await page.getByText('Engine ready.').waitFor({ timeout: 60_000 });
  const env = await page.evaluate(() => ({
    crossOriginIsolated: self.crossOriginIsolated,
    cores: navigator.hardwareConcurrency,
    userAgent: navigator.userAgent,
  }));
  const caps = await page.evaluate(() => window.ivmix.engine.probe());
  const loaded = await page.evaluate(
    (pack) => window.ivmix.engine.load({ kind: 'url', baseUrl: pack }, { backend: 'wasm' }),
    values.pack,
  );
  console.log(
    `Chromium ${env.userAgent.match(/Chrome\/([\d.]+)/)?.[1] ?? '?'}, ${env.cores} cores, crossOriginIsolated ${env.crossOriginIsolated}`,
  );
  console.log(`${loaded.backend} (${caps.wasm.threads} threads): ${loaded.backendReason}`);
  const rows: BenchRow[] = [];
  for (const sampler of values.samplers.split(',')) {
    const request: GenerateRequest = {
      prompt: 'a red circle moving left on a black background',
      seed: 7,
      frames: Number(values.frames),
      settings: { variant: sampler as NonNullable<GenerateRequest['settings']>['variant'], steps: Number(values.steps) },
      previewEvery: 1, // what the Studio does: a latent preview after every step
    };
    const runs: Pick<GenerateResult, 'timings' | 'modelCalls'>[] = [];
    for (let i = 0; i < Number(values.repeats); i++) {
      // Only timings and call counts come back: the frames would be a needless copy out of the page.
      const result = await page.evaluate(
        (r) => window.ivmix.engine.generate(r).then((g) => ({ timings: g.timings, modelCalls: g.modelCalls })),
        request,
      );
      runs.push(result);
      console.log(`${sampler.padEnd(6)} run ${i + 1}: ${(result.timings.totalMs / 1000).toFixed(2)} s`);
    }
    rows.push(summarize(sampler, Number(values.steps), caps.wasm.threads, runs));
  }
  console.log(`\n${benchTable(rows, Number(values.frames))}`);
  if (browser.externalRequests.length) throw new Error(`requests to other hosts: ${browser.externalRequests.join(', ')}`);
} finally {
  await browser.close();
  server.stop();
}
