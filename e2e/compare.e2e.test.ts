import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Locator } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BrowserSession, launchBrowser, type PreviewServer, startPreview } from './harness.js';

const RESULTS = join(import.meta.dirname, '..', 'test-results');
/**
 * The Demo runs with the pack's defaults. So that it stays quick here, the bundled pack is served with smaller
 * defaults (2 steps, 3 frames) than it ships with (25 and 16); the Demo test checks that these are what ran.
 */
const DEMO_DEFAULTS = { steps: 2, frames: 3 };

interface SeenRequest {
  seed: number;
  variant: string | undefined;
  steps: number | undefined;
  frames: number | undefined;
  prompt: string;
}
type Recorded = Window & { __generateRequests: SeenRequest[] };

/** How many pixels are not black, and how many distinct colours a canvas shows. */
function canvasStats(canvas: Locator) {
  return canvas.evaluate((element) => {
    const c = element as HTMLCanvasElement;
    const data = c.getContext('2d')?.getImageData(0, 0, c.width, c.height).data;
    if (!data) return { nonBlack: 0, colours: 0 };
    const colours = new Set<number>();
    let nonBlack = 0;
    for (let i = 0; i < data.length; i += 4) {
      const rgb = ((data[i] as number) << 16) | ((data[i + 1] as number) << 8) | (data[i + 2] as number);
      colours.add(rgb);
      if (rgb !== 0) nonBlack++;
    }
    return { nonBlack, colours: colours.size };
  });
}

describe('Compare and Demo: DDIM and IV-mixed from the same noise, side by side', () => {
  let server: PreviewServer;
  let browser: BrowserSession;

  beforeAll(async () => {
    server = await startPreview();
    browser = await launchBrowser();
    const { page, context } = browser;
    await context.route('**/models/tinyworld-v2/manifest.json', async (route) => {
      if (route.request().method() !== 'GET') return route.fallback();
      const response = await route.fetch();
      const text = await response.text();
      const manifest = JSON.parse(text) as { defaults: { steps: number }; frames: { default: number } };
      manifest.defaults.steps = DEMO_DEFAULTS.steps;
      manifest.frames.default = DEMO_DEFAULTS.frames;
      // Same length as the served file (JSON allows trailing spaces), so that its HEAD answer still holds.
      const body = JSON.stringify(manifest, null, 2).padEnd(text.length, ' ');
      if (body.length !== text.length) throw new Error('the rewritten manifest is longer than the served one');
      return route.fulfill({ response, body });
    });
    await page.goto(`${server.url}#/compare`);
    // Record what the pages ask the engine for: the UI and window.ivmix share one engine object.
    await page.evaluate(() => {
      const w = window as unknown as Recorded;
      const { engine } = window.ivmix;
      const generate = engine.generate;
      w.__generateRequests = [];
      engine.generate = (...args) => {
        const [request] = args;
        w.__generateRequests.push({
          seed: request.seed,
          variant: request.settings?.variant,
          steps: request.settings?.steps,
          frames: request.frames,
          prompt: request.prompt,
        });
        return generate(...args);
      };
    });
    await page.getByTestId('pack-status').getByText('is ready').waitFor({ timeout: 90_000 });
  });

  afterAll(async () => {
    await browser?.close();
    server?.stop();
  });

  const requests = () => browser.page.evaluate(() => (window as unknown as Recorded).__generateRequests);

  async function screenshot(name: string) {
    mkdirSync(RESULTS, { recursive: true });
    await browser.page.evaluate(() => window.scrollTo(0, 0));
    await browser.page.screenshot({ path: join(RESULTS, name), fullPage: true });
  }

  it('Compare: an empty prompt gets a message next to the field and no engine call', async () => {
    const { page } = browser;
    await page.getByLabel('Prompt', { exact: true }).fill('');
    await page.getByRole('button', { name: 'Run comparison' }).click();
    const prompt = page.getByLabel('Prompt', { exact: true });
    await expect.poll(() => prompt.getAttribute('aria-invalid')).toBe('true');
    const describedBy = (await prompt.getAttribute('aria-describedby')) ?? '';
    expect(await page.locator(`#${describedBy.split(' ')[0]}`).textContent()).toMatch(/Type a prompt/);
    expect(await page.evaluate(() => document.activeElement?.id)).toBe(await prompt.getAttribute('id'));
    expect(await requests()).toEqual([]);
  });

  it('Compare: runs DDIM then IV-mixed with one seed and shows both in sync, their difference, cost and quality', async () => {
    const { page } = browser;
    const prompt = 'a red circle moving left on a black background';
    await page.getByLabel('Prompt', { exact: true }).fill(prompt);
    await page.getByLabel('Seed', { exact: true }).fill('1234');
    await page.getByLabel('Steps', { exact: true }).fill('2');
    await page.getByLabel('Frames', { exact: true }).fill('4');
    await page.getByRole('button', { name: 'Run comparison' }).click();
    await page.getByTestId('compare-progress').waitFor({ timeout: 30_000 });
    const comparison = page.getByTestId('comparison');
    await comparison.waitFor({ timeout: 120_000 });

    expect(await requests()).toEqual([
      { seed: 1234, variant: 'ddim', steps: 2, frames: 4, prompt },
      { seed: 1234, variant: 'iv-iv', steps: 2, frames: 4, prompt },
    ]);
    expect(await page.getByTestId('comparison-title').textContent()).toBe(prompt);
    expect(await page.getByTestId('comparison-seed').textContent()).toBe('1234');

    for (const id of ['player-baseline', 'player-mixed']) {
      const stats = await canvasStats(page.getByTestId(id));
      expect(stats.colours, id).toBeGreaterThan(1);
    }
    const difference = await canvasStats(page.getByTestId('difference-canvas'));
    expect(difference.nonBlack).toBeGreaterThan(0);

    // One clock: one Play/Pause and one scrubber (used from the keyboard) move all three pictures together.
    const scrubber = page.getByLabel('Frame', { exact: true });
    expect(await scrubber.getAttribute('max')).toBe('3');
    expect(await page.getByRole('button', { name: /^(Play|Pause)$/ }).count()).toBe(1);
    await page.getByRole('button', { name: 'Pause', exact: true }).click();
    expect(await page.getByRole('button', { name: 'Play', exact: true }).getAttribute('aria-pressed')).toBe('false');
    await scrubber.focus();
    await page.keyboard.press('Home');
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    await expect.poll(() => scrubber.inputValue()).toBe('2');
    for (const id of ['player-baseline', 'player-mixed', 'difference-canvas'])
      expect(await page.getByTestId(id).getAttribute('aria-label'), id).toMatch(/frame 3\b/);

    const costs = page.getByTestId('result-cost');
    expect(await costs.count()).toBe(2);
    expect(await costs.nth(0).textContent()).toMatch(/UNet calls2 \(0 image, 2 video\)/);
    expect(await costs.nth(1).textContent()).toMatch(/UNet calls\d+ \([1-9]\d* image, \d+ video\)/);
    expect(await page.getByTestId('cost-summary').textContent()).toMatch(
      /took \d+\.\d× the UNet calls and \d+\.\d× the time of DDIM/,
    );

    for (const metric of ['sharpness', 'flicker', 'frameDifference']) {
      for (const side of ['baseline', 'mixed'])
        expect(await page.getByTestId(`quality-${metric}-${side}`).textContent(), `${metric} ${side}`).toMatch(/^\d+\.\d\d$/);
      expect(await page.getByTestId(`quality-${metric}`).textContent()).toMatch(/(higher|lower)/);
    }
    expect(await page.getByRole('link', { name: 'docs/quality.md' }).getAttribute('href')).toMatch(/quality.*\.md$/);
    await screenshot('compare-page.png');
  });

  it('Demo: a suggested prompt and one button give both videos with the pack’s defaults', async () => {
    const { page } = browser;
    await page.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name: 'Demo' }).click();
    await expect.poll(() => page.evaluate(() => location.hash)).toBe('#/demo');
    expect(await page.getByTestId('comparison').count()).toBe(0);
    const suggestion = 'a yellow square moving up on a navy background';
    await page.getByRole('button', { name: suggestion }).click();
    expect(await page.getByLabel('Prompt', { exact: true }).inputValue()).toBe(suggestion);
    await page.getByRole('button', { name: 'Generate and compare', exact: true }).click();
    await page.getByTestId('comparison').waitFor({ timeout: 120_000 });

    const demoRuns = (await requests()).slice(2);
    expect(demoRuns.map((r) => r.variant)).toEqual(['ddim', 'iv-iv']);
    const [ddim, iv] = demoRuns as [SeenRequest, SeenRequest];
    expect(ddim.seed).toBe(iv.seed);
    expect(ddim).toMatchObject({ prompt: suggestion, steps: DEMO_DEFAULTS.steps, frames: DEMO_DEFAULTS.frames });
    expect(iv).toMatchObject({ prompt: suggestion, steps: DEMO_DEFAULTS.steps, frames: DEMO_DEFAULTS.frames });
    expect(await page.getByTestId('comparison-seed').textContent()).toBe(String(ddim.seed));
    expect(await page.getByLabel('Frame', { exact: true }).getAttribute('max')).toBe(String(DEMO_DEFAULTS.frames - 1));
    for (const id of ['player-baseline', 'player-mixed'])
      expect((await canvasStats(page.getByTestId(id))).colours, id).toBeGreaterThan(1);
    expect((await canvasStats(page.getByTestId('difference-canvas'))).nonBlack).toBeGreaterThan(0);
    await screenshot('demo-page.png');

    // The Compare page still shows its own comparison.
    await page.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name: 'Compare' }).click();
    expect(await page.getByTestId('comparison-seed').textContent()).toBe('1234');
    expect(browser.externalRequests).toEqual([]);
  });
});
