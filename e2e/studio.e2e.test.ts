import { execFile } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BrowserSession, launchBrowser, type PreviewServer, startPreview } from './harness.js';

const run = promisify(execFile);
const RESULTS = join(import.meta.dirname, '..', 'test-results');
/** Small enough to stay quick on WASM: 2-3 IV-mixed steps on 4 frames of the bundled pack. */
const FRAMES = 4;

type Counted = Window & { __generateCalls: number };

describe('Studio: a prompt typed in the form becomes a looping video', () => {
  let server: PreviewServer;
  let browser: BrowserSession;
  const dialogs: string[] = [];

  beforeAll(async () => {
    server = await startPreview();
    browser = await launchBrowser();
    const { page } = browser;
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    await page.goto(server.url);
    // Count the Studio's engine calls: the UI and window.ivmix share one engine object.
    await page.evaluate(() => {
      const w = window as unknown as Counted;
      const { engine } = window.ivmix;
      const generate = engine.generate;
      w.__generateCalls = 0;
      engine.generate = (...args) => {
        w.__generateCalls++;
        return generate(...args);
      };
    });
    // The bundled pack loads by itself; Generate is usable once it is ready.
    await page.getByTestId('pack-status').getByText('is ready').waitFor({ timeout: 60_000 });
  });

  afterAll(async () => {
    await browser?.close();
    server?.stop();
  });

  const generateCalls = () => browser.page.evaluate(() => (window as unknown as Counted).__generateCalls);

  async function fillSettings(prompt: string, steps: number) {
    const { page } = browser;
    await page.getByLabel('Prompt', { exact: true }).fill(prompt);
    await page.getByLabel('Steps', { exact: true }).fill(String(steps));
    await page.getByLabel('Frames', { exact: true }).fill(String(FRAMES));
  }

  it('shows a message next to an empty prompt and does not call the engine', async () => {
    const { page } = browser;
    await fillSettings('', 3);
    await page.getByRole('button', { name: 'Generate' }).click();
    const prompt = page.getByLabel('Prompt', { exact: true });
    await expect.poll(() => prompt.getAttribute('aria-invalid')).toBe('true');
    const describedBy = (await prompt.getAttribute('aria-describedby')) ?? '';
    const message = await page.locator(`#${describedBy.split(' ')[0]}`).textContent();
    expect(message).toMatch(/Type a prompt/);
    expect(await page.evaluate(() => document.activeElement?.id)).toBe(await prompt.getAttribute('id'));
    expect(await generateCalls()).toBe(0);
  });

  it('generates from the form and plays the result with the prompt as its title', async () => {
    const { page } = browser;
    const text = 'a red circle moving left on a black background';
    await fillSettings(text, 3);
    await page.getByRole('button', { name: 'Generate' }).click();
    await page.getByTestId('player-canvas').waitFor({ timeout: 60_000 });
    expect(await page.getByLabel('Prompt', { exact: true }).getAttribute('aria-invalid')).toBeNull();
    expect(await page.getByLabel('Frame', { exact: true }).getAttribute('max')).toBe(String(FRAMES - 1));
    expect(await page.getByTestId('player-title').textContent()).toBe(text);
    expect(await page.getByTestId('result-cost').textContent()).toMatch(/UNet calls15 \(6 image, 9 video\)/);
    expect(await generateCalls()).toBe(1);
    mkdirSync(RESULTS, { recursive: true });
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: join(RESULTS, 'studio.png'), fullPage: true });
  });

  it('downloads the result as an MP4 that ffprobe decodes with the right frame count, size and codec', async () => {
    const { page } = browser;
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download MP4' }).click(),
    ]);
    mkdirSync(RESULTS, { recursive: true });
    const file = join(RESULTS, 'studio.mp4');
    await download.saveAs(file);
    expect(download.suggestedFilename()).toMatch(/^ivmix-tinyworld-v2-seed\d+\.mp4$/);
    const probe = await run('ffprobe', [
      '-v',
      'error',
      '-count_frames',
      '-show_entries',
      'stream=codec_name,width,height,nb_read_frames',
      '-of',
      'json',
      file,
    ]);
    const stream = (JSON.parse(probe.stdout) as { streams: Record<string, string | number>[] }).streams[0];
    expect(stream).toMatchObject({ codec_name: 'h264', width: 64, height: 64, nb_read_frames: String(FRAMES) });
    expect(await page.getByTestId('mp4-status').textContent()).toMatch(/^MP4 encoded with (WebCodecs|ffmpeg\.wasm)/);
  });

  it('shows a prompt full of HTML as literal text', async () => {
    const { page } = browser;
    const text = '<img src=x onerror=alert(1)> <b>bold</b>';
    await fillSettings(text, 2);
    await page.getByRole('button', { name: 'Generate' }).click();
    await expect.poll(() => page.getByTestId('player-title').textContent(), { timeout: 60_000 }).toBe(text);
    expect(await page.getByTestId('player-title').locator('img, b').count()).toBe(0);
    expect(await page.getByLabel('Frame', { exact: true }).getAttribute('max')).toBe(String(FRAMES - 1));
    expect(dialogs).toEqual([]);
    expect(browser.externalRequests).toEqual([]);
  });
});
