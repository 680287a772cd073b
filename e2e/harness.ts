import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, normalize, resolve } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { build } from 'vite';
import { expect } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..');
/** Test-only files (fixtures) are served under this path by request interception, never shipped in the app. */
export const FIXTURE_PREFIX = '/__fixtures__/';

async function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      srv.close(() => (typeof address === 'object' && address ? ok(address.port) : fail(new Error('no port'))));
    });
  });
}

export interface PreviewServer {
  url: string;
  stop(): void;
}

/**
 * `vite preview` of the built app (dist/, or a copy of it in `outDir`), started through node so that the PID is
 * the server's own.
 */
export async function startPreview(options: { outDir?: string } = {}): Promise<PreviewServer> {
  if (!existsSync(join(options.outDir ?? join(ROOT, 'dist'), 'index.html')))
    throw new Error('dist/ is missing: run `vite build` first (npm run test:e2e does)');
  const port = await freePort();
  const child: ChildProcess = spawn(
    process.execPath,
    [
      join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js'),
      'preview',
      '--port',
      String(port),
      '--strictPort',
      '--host',
      '127.0.0.1',
      ...(options.outDir ? ['--outDir', options.outDir] : []),
    ],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const url = `http://127.0.0.1:${port}/`;
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(url)).ok) return { url, stop: () => child.kill('SIGTERM') };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  child.kill('SIGKILL');
  throw new Error(`vite preview did not answer on ${url}`);
}

export interface BrowserSession {
  context: BrowserContext;
  page: Page;
  /** Requests to hosts other than 127.0.0.1: every one is aborted, and a test asserts there were none. */
  externalRequests: string[];
  /** Console errors from the page and its workers that signal silent GPU failures. */
  gpuErrors: string[];
  consoleLines: string[];
  close(): Promise<void>;
}

const CHROMIUM_CANDIDATES = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter(
  Boolean,
) as string[];

/**
 * Debian's Chromium, headless, with the flags of shared/docs/browser-recipe.md: no background
 * networking (the sandbox has no internet) and --enable-unsafe-webgpu, the one flag that gives the
 * SwiftShader WebGPU adapter on a machine without a GPU.
 */
export async function launchBrowser(
  options: {
    fixturesDir?: string;
    webgpu?: boolean;
    /**
     * Let the app's offline service worker run. Off by default: it precaches the bundled pack and answers the
     * page's requests for it from its cache, out of reach of the routes that tests use to fault or count them.
     */
    serviceWorkers?: boolean;
  } = {},
): Promise<BrowserSession> {
  const executablePath = CHROMIUM_CANDIDATES.find((p) => existsSync(p));
  if (!executablePath) throw new Error('No Chromium found: run `node scripts/ensure-chromium.mjs` (npm run test:e2e does).');
  const userDataDir = mkdtempSync(join(tmpdir(), 'ivmix-e2e-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath,
    headless: true,
    serviceWorkers: options.serviceWorkers ? 'allow' : 'block',
    args: [
      '--no-sandbox',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      // The one flag that exposes the SwiftShader WebGPU adapter; without it the page has no adapter at all.
      ...(options.webgpu === false ? [] : ['--enable-unsafe-webgpu']),
    ],
  });
  const externalRequests: string[] = [];
  const gpuErrors: string[] = [];
  const consoleLines: string[] = [];
  await context.route('**/*', async (route) => {
    const url = new URL(route.request().url());
    if (url.hostname !== '127.0.0.1') {
      externalRequests.push(url.href);
      return route.abort();
    }
    if (options.fixturesDir && url.pathname.startsWith(FIXTURE_PREFIX)) {
      const rel = normalize(decodeURIComponent(url.pathname.slice(FIXTURE_PREFIX.length)));
      const file = join(options.fixturesDir, rel);
      if (rel.startsWith('..') || !existsSync(file)) return route.fulfill({ status: 404, body: 'not found' });
      return route.fulfill({
        status: 200,
        body: readFileSync(file),
        headers: { 'content-type': 'application/octet-stream', 'cross-origin-resource-policy': 'same-origin' },
      });
    }
    return route.continue();
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const watch = (text: string) => {
    consoleLines.push(text);
    if (/WebGPU validation error|uncaught WebGPU/i.test(text)) gpuErrors.push(text);
  };
  page.on('console', (m) => watch(m.text()));
  page.on('worker', (w) => w.on('console', (m) => watch(`[worker] ${m.text()}`)));
  return {
    context,
    page,
    externalRequests,
    gpuErrors,
    consoleLines,
    close: async () => {
      await context.close();
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Bundle a test-only browser module (e.g. e2e/gpu-scheduler.entry.ts) into one ES module, for a test to serve
 * to the page under a route of its own: test code stays out of dist/.
 */
export async function bundleTestEntry(entry: string): Promise<Buffer> {
  const outDir = mkdtempSync(join(tmpdir(), 'ivmix-test-entry-'));
  try {
    await build({
      configFile: false,
      logLevel: 'warn',
      build: { outDir, emptyOutDir: true, minify: false, lib: { entry, formats: ['es'], fileName: () => 'entry.js' } },
    });
    return readFileSync(join(outDir, 'entry.js'));
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}

/** Opens the app without its bundled pack (`?autoload=0`, then `hash`) and waits for the engine worker to be ready. */
export async function openWithoutPack(page: Page, serverUrl: string, hash = ''): Promise<void> {
  await page.goto(`${serverUrl}?autoload=0${hash}`);
  await expect.poll(() => page.getByTestId('engine-status').textContent(), { timeout: 30_000 }).toBe('Engine ready.');
}
