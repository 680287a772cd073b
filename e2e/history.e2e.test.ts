import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BrowserSession, launchBrowser, type PreviewServer, startPreview } from './harness.js';
import {
  decodedPngsSha256,
  download,
  FRAMES,
  generatedFrames,
  generateVideo,
  pngSize,
  RESULTS,
  recordFramesOnceReady,
} from './studio-flow.js';

const FIRST = 'a red circle moving left on a black background';
const SECOND = 'a blue square moving up on a white background';
const HTML_PROMPT = '<img src=x onerror=alert(1)><b>bold</b>';

describe('History: every Studio video is kept in the browser, across reloads', () => {
  let server: PreviewServer;
  let browser: BrowserSession;
  const dialogs: string[] = [];
  /** SHA-256 of the first video's frames as the engine returned them. */
  let firstFrames = '';

  async function openStudio() {
    const { page } = browser;
    await page.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name: 'Studio' }).click();
    await recordFramesOnceReady(page);
  }

  async function openHistory() {
    const { page } = browser;
    await page.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name: 'History' }).click();
    await page.locator('[data-testid="history-list"], [data-testid="history-empty"]').first().waitFor();
  }

  const listedPrompts = () => browser.page.getByTestId('history-prompt').allTextContents();
  const item = (prompt: string) => browser.page.getByTestId('history-item').filter({ hasText: prompt });

  beforeAll(async () => {
    server = await startPreview();
    browser = await launchBrowser();
    browser.page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    await browser.page.goto(server.url);
    await openStudio();
  });

  afterAll(async () => {
    await browser?.close();
    server?.stop();
  });

  it('saves a finished video by itself and says so', async () => {
    const { page } = browser;
    await generateVideo(page, { prompt: FIRST, steps: 2 });
    expect(await page.getByTestId('history-save-status').textContent()).toBe('Saved to History.');
    firstFrames = (await generatedFrames(page))[0] as string;
    expect(firstFrames).toMatch(/^[0-9a-f]{64}$/);
  });

  it('lists it after a reload, with its prompt, date, sampler, cost and the storage used, and plays it', async () => {
    const { page } = browser;
    await page.reload();
    await openHistory();
    expect(await listedPrompts()).toEqual([FIRST]);
    const meta = (await item(FIRST).locator('.history-meta').textContent()) ?? '';
    expect(meta).toMatch(/IV-mixed.*2 steps, 4 frames/);
    expect(meta).toMatch(/10 UNet calls/);
    expect(await item(FIRST).locator('time').getAttribute('datetime')).toMatch(/^\d{4}-\d\d-\d\dT/);
    const storage = (await page.getByTestId('history-storage').textContent()) ?? '';
    expect(storage).toMatch(/History keeps 1 video in \d+(\.\d)? KB\. This site uses .+ of the .+ the browser allows it/);

    await item(FIRST).getByRole('button', { name: 'Play' }).click();
    const player = page.getByTestId('history-player');
    await player.getByTestId('player-canvas').waitFor();
    expect(await player.getByTestId('player-title').textContent()).toBe(FIRST);
    expect(await player.getByLabel('Frame', { exact: true }).getAttribute('max')).toBe(String(FRAMES - 1));
    // The player shows real pixels decoded from the stored frames, not an empty canvas.
    const lit = await player.getByTestId('player-canvas').evaluate((canvas: HTMLCanvasElement) => {
      const data = (canvas.getContext('2d') as CanvasRenderingContext2D).getImageData(0, 0, canvas.width, canvas.height).data;
      let sum = 0;
      for (let i = 0; i < data.length; i += 4) sum += (data[i] as number) + (data[i + 1] as number) + (data[i + 2] as number);
      return { width: canvas.width, height: canvas.height, sum };
    });
    expect(lit).toMatchObject({ width: 64, height: 64 });
    expect(lit.sum).toBeGreaterThan(0);
  });

  it('exports a kept video: its PNG frames are the very frames the engine drew, and its recipe names them', async () => {
    const { page } = browser;
    const player = page.getByTestId('history-player');
    const recipeFile = await download(page, 'Download recipe (JSON)', player);
    const recipe = JSON.parse(recipeFile.bytes.toString('utf8'));
    expect(recipe).toMatchObject({ format: 'ivmix-recipe/1', prompt: FIRST, frames: FRAMES });
    const zip = await download(page, 'Download frames (PNG)', player);
    const pngs = Object.values(unzipSync(zip.bytes));
    expect(pngs).toHaveLength(FRAMES);
    const decoded = await decodedPngsSha256(page, pngs);
    expect(decoded.sizes).toEqual(Array(FRAMES).fill([64, 64]));
    expect(pngs.map(pngSize)).toEqual(Array(FRAMES).fill({ width: 64, height: 64 }));
    expect(decoded.sha256).toBe(firstFrames);
    expect(recipe.framesSha256).toBe(firstFrames);
  });

  it('lists newest first and deletes a video, which stays deleted after a reload', async () => {
    const { page } = browser;
    await openStudio();
    await generateVideo(page, { prompt: SECOND, steps: 2 });
    await openHistory();
    expect(await listedPrompts()).toEqual([SECOND, FIRST]);
    expect(await page.getByTestId('history-storage').textContent()).toMatch(/History keeps 2 videos/);

    await item(FIRST).getByRole('button', { name: 'Delete' }).click();
    await expect.poll(listedPrompts).toEqual([SECOND]);
    // The video that was playing is gone, so is its player; focus stays on the list.
    expect(await page.getByTestId('history-player').count()).toBe(0);
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('history-heading');
    await page.reload();
    await openHistory();
    expect(await listedPrompts()).toEqual([SECOND]);
    expect(await page.getByTestId('history-storage').textContent()).toMatch(/History keeps 1 video /);
    mkdirSync(RESULTS, { recursive: true });
    await item(SECOND).getByRole('button', { name: 'Play' }).click();
    await page.getByTestId('history-player').getByTestId('player-canvas').waitFor();
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: join(RESULTS, 'history-page.png'), fullPage: true });
  });

  it('shows a prompt full of HTML as text in the player, the History list and the recipe', async () => {
    const { page } = browser;
    await openStudio();
    await generateVideo(page, { prompt: HTML_PROMPT, steps: 2 });
    expect(await page.getByTestId('player-title').textContent()).toBe(HTML_PROMPT);
    const recipe = JSON.parse((await download(page, 'Download recipe (JSON)')).bytes.toString('utf8'));
    expect(recipe.prompt).toBe(HTML_PROMPT);
    expect(recipe.framesSha256).toBe((await generatedFrames(page)).at(-1));

    await openHistory();
    expect((await listedPrompts())[0]).toBe(HTML_PROMPT);
    await item('<b>bold</b>').getByRole('button', { name: 'Play' }).click();
    const player = page.getByTestId('history-player');
    await player.getByTestId('player-canvas').waitFor();
    expect(await player.getByTestId('player-title').textContent()).toBe(HTML_PROMPT);
    // Nothing of the prompt became markup anywhere on the page.
    expect(await page.locator('img[src="x"], main b').count()).toBe(0);

    // Open in Studio puts the kept video's recipe into the form, prompt as typed.
    await player.getByRole('button', { name: 'Open in Studio' }).click();
    await page.getByLabel('Prompt', { exact: true }).waitFor();
    expect(await page.getByLabel('Prompt', { exact: true }).inputValue()).toBe(HTML_PROMPT);
    expect(await page.getByLabel('Steps', { exact: true }).inputValue()).toBe('2');
    expect(await page.getByTestId('recipe-status').textContent()).toMatch(/The video’s recipe loaded/);
    expect(await page.locator('img[src="x"], main b').count()).toBe(0);
    expect(dialogs).toEqual([]);
  });

  it('says plainly when storage is full; the video stays on screen and nothing half-saved is listed', async () => {
    const { page } = browser;
    await openStudio();
    await page.evaluate(() => {
      // The browser's own answer when the site has used its whole allowance.
      Object.defineProperty(navigator.storage, 'estimate', {
        configurable: true,
        value: async () => ({ usage: 50_000_000, quota: 50_000_000 }),
      });
    });
    const prompt = 'a green triangle moving right on a black background';
    await generateVideo(page, { prompt, steps: 2 });
    const alert = (await page.getByTestId('history-save-error').textContent()) ?? '';
    expect(alert).toMatch(/could not be kept in History: the browser's storage for this site is full/);
    expect(alert).toMatch(/Delete older videos in History/);
    expect(await page.getByTestId('player-title').textContent()).toBe(prompt);
    expect(await page.getByRole('button', { name: 'Download MP4' }).isEnabled()).toBe(true);
    await page.evaluate(() => Reflect.deleteProperty(navigator.storage, 'estimate'));

    await openHistory();
    expect(await listedPrompts()).toEqual([HTML_PROMPT, SECOND]);
    expect(browser.externalRequests).toEqual([]);
  });
});
