import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatBytes } from '../src/ui/format.js';
import { type BrowserSession, FIXTURE_PREFIX, launchBrowser, type PreviewServer, startPreview } from './harness.js';

const PACK_DIR = join(import.meta.dirname, '..', 'public', 'models', 'tinyworld-v2');
const RESULTS = join(import.meta.dirname, '..', 'test-results');
const manifest = JSON.parse(readFileSync(join(PACK_DIR, 'manifest.json'), 'utf8')) as {
  files: { path: string; size: number }[];
};
const filesBytes = manifest.files.reduce((n, f) => n + f.size, 0);

type Recorded = Window & { __downloads: [string, number, number, number][]; __run: Promise<string>; __progress: number };

/** What the store holds for a pack downloaded from `url`: its files, its remembered manifest and that URL. */
function storedBytes(url: string, manifestBytes: number): number {
  return filesBytes + manifestBytes + new TextEncoder().encode(url).byteLength;
}

describe('Models page: load a pack from a URL or a folder, see it stored, remove it', () => {
  let server: PreviewServer;
  let browser: BrowserSession;
  let fixtures: string;
  /** The bundled pack under another id and name: its own folder in the store, so it is really downloaded. */
  let copyDir: string;
  let copyManifestBytes: number;

  beforeAll(async () => {
    fixtures = mkdtempSync(join(tmpdir(), 'ivmix-models-'));
    copyDir = join(fixtures, 'tinyworld-copy');
    mkdirSync(copyDir);
    cpSync(PACK_DIR, copyDir, { recursive: true });
    const copy = JSON.stringify({
      ...JSON.parse(readFileSync(join(PACK_DIR, 'manifest.json'), 'utf8')),
      id: 'tinyworld-copy',
      name: 'Tiny world (copy)',
    });
    writeFileSync(join(copyDir, 'manifest.json'), copy);
    copyManifestBytes = Buffer.byteLength(copy);
    server = await startPreview();
    browser = await launchBrowser({ fixturesDir: fixtures });
    await browser.page.goto(`${server.url}#/models`);
    await browser.page.getByTestId('pack-status').getByText('is ready').waitFor({ timeout: 60_000 });
  });

  afterAll(async () => {
    await browser?.close();
    server?.stop();
    if (fixtures) rmSync(fixtures, { recursive: true, force: true });
  });

  const row = (name: string) => browser.page.getByTestId('cached-pack').filter({ hasText: name });

  it('lists the bundled pack, loaded by default, with its size', async () => {
    const bundled = row('Tiny world').first();
    await expect.poll(() => bundled.textContent()).toMatch(/Tiny world\s*In use.*Bundled with the app/);
    const manifestBytes = readFileSync(join(PACK_DIR, 'manifest.json')).byteLength;
    const size = formatBytes(storedBytes(`${server.url}models/tinyworld-v2/`, manifestBytes));
    expect(await bundled.getByTestId('cached-pack-size').textContent()).toBe(size);
    expect(await bundled.textContent()).toMatch(/Complete, 7 files, loads offline/);
    expect(await browser.page.getByTestId('storage-use').textContent()).toMatch(
      /This site uses [\d.]+ [KMG]B of the [\d.]+ [KMG]B/,
    );
  });

  it('keeps the choice to keep GPU buffers on this machine, for the loads after it', async () => {
    const { page } = browser;
    const box = page.getByLabel('Keep GPU buffers between model calls');
    expect(await box.isChecked()).toBe(false);
    await box.check();
    await page.reload();
    await page.getByTestId('pack-status').getByText('is ready').waitFor({ timeout: 60_000 });
    expect(await page.getByLabel('Keep GPU buffers between model calls').isChecked()).toBe(true);
    const stored = await page.evaluate(() => localStorage.getItem('ivmix.gpu-settings.v1'));
    expect(JSON.parse(stored ?? '{}').state).toEqual({ keepGpuBuffers: true });
    // Off again for the tests after this one.
    await page.getByLabel('Keep GPU buffers between model calls').uncheck();
    expect(JSON.parse((await page.evaluate(() => localStorage.getItem('ivmix.gpu-settings.v1'))) ?? '{}').state).toEqual({
      keepGpuBuffers: false,
    });
  });

  it('refuses an address that is not http(s), next to the field', async () => {
    const { page } = browser;
    await page.getByLabel('Pack URL').fill('ftp://example.org/pack/');
    await page.getByRole('button', { name: 'Load from URL' }).click();
    const field = page.getByLabel('Pack URL');
    await expect.poll(() => field.getAttribute('aria-invalid')).toBe('true');
    expect(await page.getByText('Only http:// and https:// addresses can be loaded').count()).toBe(1);
  });

  it('downloads a pack from a URL with progress per file and overall, then lists it with its size', async () => {
    const { page } = browser;
    await page.evaluate(() => {
      const w = window as unknown as Recorded;
      w.__downloads = [];
      window.ivmix.engine.subscribe((a) => {
        if (a.type === 'load-progress' && a.event.phase === 'download')
          w.__downloads.push([a.event.file, a.event.loaded, a.event.total, a.event.overallLoaded]);
      });
    });
    // No trailing slash: the page adds it.
    await page.getByLabel('Pack URL').fill(`${FIXTURE_PREFIX}tinyworld-copy`);
    await page.getByRole('button', { name: 'Load from URL' }).click();
    await page.getByTestId('pack-status').getByText('is ready').waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('pack-status').textContent()).toMatch(/Tiny world \(copy\) is ready/);
    const url = `${server.url}${FIXTURE_PREFIX.slice(1)}tinyworld-copy/`;
    expect(await page.getByTestId('pack-load-status').textContent()).toBe(`Loaded from ${url}.`);

    // Every file of the manifest has its row, complete, with its size.
    const rows = page.getByTestId('file-progress').locator('tbody tr');
    expect(await rows.count()).toBe(manifest.files.length);
    for (const f of manifest.files) {
      const r = rows.filter({ has: page.getByRole('rowheader', { name: f.path, exact: true }) });
      expect(await r.locator('td').nth(1).textContent()).toBe(`${formatBytes(f.size)} of ${formatBytes(f.size)}`);
      const bar = r.locator('progress');
      expect([await bar.getAttribute('value'), await bar.getAttribute('max')]).toEqual([String(f.size), String(f.size)]);
    }
    expect(await page.getByTestId('pack-load-overall').textContent()).toBe(
      `${formatBytes(filesBytes)} of ${formatBytes(filesBytes)}`,
    );
    // The engine reported every file, and the overall count only grew, up to the pack's size.
    const downloads = await page.evaluate(() => (window as unknown as Recorded).__downloads);
    expect(new Set(downloads.map(([file]) => file))).toEqual(new Set(manifest.files.map((f) => `tinyworld-copy/${f.path}`)));
    const overall = downloads.map(([, , , overallLoaded]) => overallLoaded);
    for (let k = 1; k < overall.length; k++) expect(overall[k]).toBeGreaterThanOrEqual(overall[k - 1] as number);
    expect(overall.at(-1)).toBe(filesBytes);

    const copy = row('Tiny world (copy)');
    await expect.poll(() => copy.textContent()).toMatch(/In use/);
    expect(await copy.getByTestId('cached-pack-size').textContent()).toBe(formatBytes(storedBytes(url, copyManifestBytes)));
    expect(await copy.textContent()).toMatch(/tinyworld-copy.*Complete, 7 files, loads offline/);
    mkdirSync(RESULTS, { recursive: true });
    await page.screenshot({ path: join(RESULTS, 'models-page.png'), fullPage: true });
  });

  it('refuses to remove the pack while it generates, then removes it from the store', async () => {
    const { page } = browser;
    await page.evaluate(() => {
      const w = window as unknown as Recorded;
      w.__progress = 0;
      w.__run = window.ivmix.engine
        .generate(
          { prompt: 'a red circle moving left on a black background', seed: 1, frames: 4, settings: { steps: 25 } },
          () => {
            w.__progress++;
          },
        )
        .then(
          () => 'finished',
          (e: Error) => e.name,
        );
    });
    await page.waitForFunction(() => (window as unknown as Recorded).__progress > 0);
    await page.getByRole('button', { name: 'Remove Tiny world (copy)' }).click();
    const refusal = page.getByRole('alert').filter({ hasText: 'Tiny world (copy) was not removed' });
    await refusal.waitFor();
    expect(await refusal.textContent()).toMatch(/is generating a video right now\. Wait for it to finish \(or cancel it\)/);
    await page.evaluate(() => window.ivmix.engine.cancel());
    expect(await page.evaluate(() => (window as unknown as Recorded).__run)).toBe('SamplingCancelledError');
    expect((await page.evaluate(() => window.ivmix.engine.listCachedPacks())).map((p) => p.key)).toContain('tinyworld-copy');

    await page.getByRole('button', { name: 'Remove Tiny world (copy)' }).click();
    await page.getByRole('status').filter({ hasText: 'Removed Tiny world (copy)' }).waitFor();
    await expect.poll(() => row('Tiny world (copy)').count()).toBe(0);
    expect(await page.getByTestId('cached-pack').count()).toBe(1);
    // Gone from the Origin Private File System itself: no file of it is left (the bundled pack's are all there).
    const opfs = await page.evaluate(async () => {
      const files: string[] = [];
      const walk = async (dir: FileSystemDirectoryHandle, path: string): Promise<void> => {
        for await (const [name, handle] of dir.entries()) {
          if (handle.kind === 'directory') await walk(handle as FileSystemDirectoryHandle, `${path}${name}/`);
          else files.push(`${path}${name}`);
        }
      };
      await walk(await (await navigator.storage.getDirectory()).getDirectoryHandle('packs'), '');
      return files;
    });
    expect(opfs.filter((f) => f.includes('tinyworld-copy'))).toEqual([]);
    expect(opfs.filter((f) => f.startsWith('tinyworld-v2/'))).toHaveLength(manifest.files.length);
    expect((await page.evaluate(() => window.ivmix.engine.listCachedPacks())).map((p) => p.key)).toEqual(['tinyworld-v2']);
  });

  it('loads a picked folder in place, each file checked against its manifest, without storing it', async () => {
    const { page } = browser;
    await page.getByLabel('Pack folder').setInputFiles(copyDir);
    await page.getByTestId('pack-load-verified').waitFor({ timeout: 60_000 });
    await page.getByTestId('pack-status').getByText('is ready').waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('pack-status').textContent()).toMatch(/Tiny world \(copy\) is ready/);
    expect(await page.getByTestId('pack-load-status').textContent()).toBe('Loaded from the folder “tinyworld-copy”.');
    expect(await page.getByTestId('pack-load-verified').textContent()).toMatch(/Checked against the manifest: 7 files/);
    expect(await page.getByTestId('pack-verified').textContent()).toMatch(/^Yes/);
    expect(await page.getByTestId('cached-pack').count()).toBe(1);
    expect(browser.externalRequests).toEqual([]);
  });

  it('refuses a pack too large for onnxruntime-web from its manifest, before downloading it, and says why', async () => {
    const { page } = browser;
    // The bundled pack's files under a manifest that claims the fp32 AnimateDiff VDM's 5.25 GB weights file.
    const hugeDir = join(fixtures, 'huge-fp32');
    cpSync(PACK_DIR, hugeDir, { recursive: true });
    const huge = JSON.parse(readFileSync(join(PACK_DIR, 'manifest.json'), 'utf8'));
    huge.id = 'huge-fp32';
    huge.precision = 'fp32';
    for (const f of huge.files) if (f.path === 'motion_unet/model.onnx') f.size = 5_250_199_040;
    writeFileSync(join(hugeDir, 'manifest.json'), JSON.stringify(huge));
    await page.getByLabel('Pack URL').fill(`${FIXTURE_PREFIX}huge-fp32/`);
    await page.getByRole('button', { name: 'Load from URL' }).click();
    const alert = page.getByTestId('pack-error');
    await alert.waitFor({ timeout: 30_000 });
    expect(await alert.textContent()).toMatch(
      /motion_unet\/model\.onnx is 5\.25 GB, more than onnxruntime-web can load as one file .*splits external data into files of at most 1 GiB, or in fp16/,
    );
    // Nothing of it was downloaded into the store.
    expect((await page.evaluate(() => window.ivmix.engine.listCachedPacks())).map((p) => p.key)).not.toContain('huge-fp32');
    expect(browser.externalRequests).toEqual([]);
  });
});
