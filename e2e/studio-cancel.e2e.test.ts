import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BrowserSession, launchBrowser, type PreviewServer, startPreview } from './harness.js';
import { FRAMES, fillSettings, generatedFrames, generateVideo, recordFramesOnceReady } from './studio-flow.js';

const FIRST = 'a red circle moving left on a black background';
const CANCELLED = 'a blue square moving up on a white background';
const AGAIN = 'a green diamond moving down on a gray background';
/** Long enough on WASM (16 frames, 25 IV-mixed steps: well over a minute) that Cancel lands mid-run. */
const LONG_RUN = { steps: 25, frames: 16 };

describe('Studio: cancel a generation mid-run, keep the last video, generate again', () => {
  let server: PreviewServer;
  let browser: BrowserSession;

  beforeAll(async () => {
    server = await startPreview();
    browser = await launchBrowser();
    await browser.page.goto(server.url);
    await recordFramesOnceReady(browser.page);
  });

  afterAll(async () => {
    await browser?.close();
    server?.stop();
  });

  const title = () => browser.page.getByTestId('player-title').textContent();
  const scrubber = () => browser.page.getByTestId('player').getByTestId('frame-scrubber');

  /** The player's canvas has drawn something (not all one colour). */
  const canvasColours = () =>
    browser.page.getByTestId('player-canvas').evaluate((canvas: HTMLCanvasElement) => {
      const context = canvas.getContext('2d');
      if (!context) return 0;
      const { data } = context.getImageData(0, 0, canvas.width, canvas.height);
      const colours = new Set<number>();
      for (let i = 0; i < data.length; i += 4)
        colours.add(((data[i] ?? 0) << 16) | ((data[i + 1] ?? 0) << 8) | (data[i + 2] ?? 0));
      return colours.size;
    });

  it('finishes a short video first', async () => {
    await generateVideo(browser.page, { prompt: FIRST, steps: 2 });
    expect(await title()).toBe(FIRST);
    expect(await generatedFrames(browser.page)).toHaveLength(1);
  });

  it('cancels a long run after a step with the Cancel button, says so, and keeps the finished video', async () => {
    const { page } = browser;
    await fillSettings(page, { prompt: CANCELLED, ...LONG_RUN });
    await page.getByRole('button', { name: 'Generate' }).click();
    const progress = page.getByTestId('run-progress');
    // A model call has finished, so the sampler is inside its step loop.
    await expect
      .poll(() => progress.getByRole('progressbar', { name: 'Model calls done' }).getAttribute('value'), { timeout: 60_000 })
      .not.toBe('0');
    expect(await progress.locator('.progress-line strong').textContent()).toMatch(/^Step \d+\/25$/);
    // While it runs, the previous video stays on screen.
    expect(await title()).toBe(FIRST);
    expect(await page.getByRole('button', { name: 'Generate' }).getAttribute('aria-disabled')).toBe('true');

    await progress.getByRole('button', { name: 'Cancel' }).click();
    await page.locator('.run-status').getByText('Generation cancelled.').waitFor({ timeout: 60_000 });
    expect(await progress.count()).toBe(0);
    // The cancelled run returned nothing; the first video is the one on screen, with its 4 frames.
    expect(await generatedFrames(page)).toHaveLength(1);
    expect(await title()).toBe(FIRST);
    expect(await scrubber().getAttribute('max')).toBe(String(FRAMES - 1));
    expect(await canvasColours()).toBeGreaterThan(1);
    expect(await page.getByTestId('run-error').count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Generate' }).getAttribute('aria-disabled')).toBeNull();
    expect(browser.externalRequests).toEqual([]);
  });

  it('generates again after the cancel and plays the new video', async () => {
    const { page } = browser;
    await generateVideo(page, { prompt: AGAIN, steps: 2 });
    const frames = await generatedFrames(page);
    expect(frames).toHaveLength(2);
    expect(frames[1]).not.toBe(frames[0]);
    expect(await title()).toBe(AGAIN);
    expect(await page.locator('.run-status').textContent()).toBe('');
    expect(await scrubber().getAttribute('max')).toBe(String(FRAMES - 1));
    expect(await canvasColours()).toBeGreaterThan(1);
    // Playable: while playing, the scrubber moves through the frames by itself.
    const toggle = page.getByTestId('player').getByRole('button', { name: /^(Play|Pause)$/ });
    if ((await toggle.getAttribute('aria-pressed')) !== 'true') await toggle.click();
    const seen = new Set<string>();
    await expect
      .poll(
        async () => {
          seen.add(await scrubber().inputValue());
          return seen.size;
        },
        { timeout: 10_000, interval: 50 },
      )
      .toBeGreaterThan(1);
    // History kept the two finished videos and not the cancelled run.
    await page.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name: 'History' }).click();
    await expect.poll(() => page.getByTestId('history-prompt').allTextContents()).toEqual([AGAIN, FIRST]);
    expect(browser.externalRequests).toEqual([]);
  });
});
