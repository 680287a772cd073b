import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BrowserSession, launchBrowser, type PreviewServer, startPreview } from './harness.js';
import {
  decodedPngsSha256,
  download,
  FRAMES,
  fillSettings,
  generateCalls,
  generatedFrames,
  generateVideo,
  PACK_MANIFEST,
  pngSize,
  RESULTS,
  recordFramesOnceReady,
} from './studio-flow.js';

const ROOT = join(import.meta.dirname, '..');
const APP_VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const ORT_VERSION = (
  JSON.parse(readFileSync(join(ROOT, 'node_modules', 'onnxruntime-web', 'package.json'), 'utf8')) as { version: string }
).version;

const PROMPT = 'a yellow circle moving down on a black background';
const SEED = 1234;

describe('Studio: bad numbers are refused, exports are exact, a recipe remakes the same video', () => {
  let server: PreviewServer;
  let browser: BrowserSession;
  const dialogs: string[] = [];
  /** The recipe downloaded from the first video, as saved on disk for the file input. */
  let recipePath = '';
  let recipe: Record<string, unknown> & { framesSha256: string };

  beforeAll(async () => {
    server = await startPreview();
    browser = await launchBrowser();
    const { page } = browser;
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    await page.goto(server.url);
    await recordFramesOnceReady(page);
  });

  afterAll(async () => {
    await browser?.close();
    server?.stop();
  });

  /** The message a field points at with aria-describedby, once it is marked invalid. */
  async function fieldError(label: string): Promise<string> {
    const field = browser.page.getByLabel(label, { exact: true });
    await expect.poll(() => field.getAttribute('aria-invalid')).toBe('true');
    const describedBy = (await field.getAttribute('aria-describedby')) ?? '';
    return (await browser.page.locator(`#${describedBy.split(' ')[0]}`).textContent()) ?? '';
  }

  it('refuses 0 steps and more frames than the pack makes, with a message at the field, without calling the engine', async () => {
    const { page } = browser;
    await fillSettings(page, { prompt: PROMPT, steps: 0 });
    await page.getByRole('button', { name: 'Generate' }).click();
    expect(await fieldError('Steps')).toBe('Steps must be at least 1.');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('field-steps');

    const tooMany = PACK_MANIFEST.frames.max + 1;
    await fillSettings(page, { prompt: PROMPT, steps: 2, frames: tooMany });
    await page.getByRole('button', { name: 'Generate' }).click();
    expect(await fieldError('Frames')).toBe(`This pack makes at most ${PACK_MANIFEST.frames.max} frames.`);
    expect(await page.getByLabel('Steps', { exact: true }).getAttribute('aria-invalid')).toBeNull();
    expect(await generateCalls(page)).toBe(0);
  });

  it('downloads a recipe that names the settings, the exact pack files, the versions and the frames', async () => {
    const { page } = browser;
    await generateVideo(page, { prompt: PROMPT, steps: 3, seed: SEED });
    const file = await download(page, 'Download recipe (JSON)');
    expect(file.name).toBe(`ivmix-tinyworld-v2-seed${SEED}.recipe.json`);
    recipe = JSON.parse(file.bytes.toString('utf8'));
    expect(recipe).toMatchObject({
      format: 'ivmix-recipe/1',
      prompt: PROMPT,
      negativePrompt: '',
      seed: SEED,
      frames: FRAMES,
      width: 64,
      height: 64,
      fps: 8,
      settings: { variant: 'iv-iv', steps: 3, eta: 0 },
      pack: { id: 'tinyworld-v2', files: PACK_MANIFEST.files.map((f) => ({ path: f.path, sha256: f.sha256 })) },
      backend: 'wasm',
      app: { version: APP_VERSION, onnxruntimeWeb: ORT_VERSION },
    });
    expect(Date.parse(recipe.createdAt as string)).toBeGreaterThan(Date.now() - 10 * 60_000);
    expect(recipe.framesSha256).toBe((await generatedFrames(page))[0]);
    mkdirSync(RESULTS, { recursive: true });
    recipePath = join(RESULTS, file.name);
    writeFileSync(recipePath, file.bytes);
  });

  it('downloads the frames as a zip of lossless 64×64 PNGs, one per frame', async () => {
    const { page } = browser;
    const zip = await download(page, 'Download frames (PNG)');
    expect(zip.name).toBe(`ivmix-tinyworld-v2-seed${SEED}-frames.zip`);
    const files = unzipSync(zip.bytes);
    expect(Object.keys(files).sort()).toEqual(['frame-01.png', 'frame-02.png', 'frame-03.png', 'frame-04.png']);
    const pngs = Object.keys(files)
      .sort()
      .map((name) => files[name] as Uint8Array);
    expect(pngs.map(pngSize)).toEqual(Array(FRAMES).fill({ width: 64, height: 64 }));
    const decoded = await decodedPngsSha256(page, pngs);
    expect(decoded.sizes).toEqual(Array(FRAMES).fill([64, 64]));
    expect(decoded.sha256).toBe(recipe.framesSha256);
  });

  it('loads the recipe back into a changed form, and Generate remakes the identical video', async () => {
    const { page } = browser;
    await fillSettings(page, { prompt: 'something else entirely', steps: 5, seed: 99, frames: 2 });
    await page.getByLabel('Sampler', { exact: true }).selectOption('ddim');
    await page.getByLabel('Load recipe', { exact: true }).setInputFiles(recipePath);
    await expect
      .poll(() => page.getByTestId('recipe-status').textContent())
      .toMatch(/loaded: the form holds its prompt, seed 1234/);
    expect(await page.getByLabel('Prompt', { exact: true }).inputValue()).toBe(PROMPT);
    expect(await page.getByLabel('Seed', { exact: true }).inputValue()).toBe(String(SEED));
    expect(await page.getByLabel('Steps', { exact: true }).inputValue()).toBe('3');
    expect(await page.getByLabel('Frames', { exact: true }).inputValue()).toBe(String(FRAMES));
    expect(await page.getByLabel('Sampler', { exact: true }).inputValue()).toBe('iv-iv');

    const before = (await generatedFrames(page)).length;
    await page.getByRole('button', { name: 'Generate' }).click();
    await expect.poll(async () => (await generatedFrames(page)).length, { timeout: 120_000 }).toBe(before + 1);
    expect((await generatedFrames(page)).at(-1)).toBe(recipe.framesSha256);
    await page.getByTestId('player-canvas').waitFor();
    const again = JSON.parse((await download(page, 'Download recipe (JSON)')).bytes.toString('utf8'));
    expect(again.framesSha256).toBe(recipe.framesSha256);
    expect(again.seed).toBe(SEED);
  });

  it('refuses a malformed, foreign or other-pack recipe with a message naming the problem, and keeps the form', async () => {
    const { page } = browser;
    await page.getByLabel('Prompt', { exact: true }).fill('kept as typed');
    const input = page.getByLabel('Load recipe', { exact: true });
    const load = async (name: string, text: string) => {
      await input.setInputFiles({ name, mimeType: 'application/json', buffer: Buffer.from(text) });
      await page.getByTestId('recipe-error').waitFor();
      return (await page.getByTestId('recipe-error').textContent()) ?? '';
    };

    expect(await load('badseed.json', JSON.stringify({ ...recipe, seed: 'seven' }))).toMatch(
      /“badseed\.json” was not loaded\. The recipe's field "seed" must be a number \(got "seven"\)/,
    );
    expect(
      await load('steps.json', JSON.stringify({ ...recipe, settings: { ...(recipe.settings as object), steps: 0 } })),
    ).toMatch(/field "settings\.steps" must be a whole number from 1 to 1000 \(got 0\)/);
    expect(await load('cut.json', '{"format": "ivmix-recipe/1", "prompt": ')).toMatch(/not valid JSON/);
    expect(await load('manifest.json', JSON.stringify(PACK_MANIFEST))).toMatch(/model pack manifest, not a recipe/);
    expect(await load('package.json', readFileSync(join(ROOT, 'package.json'), 'utf8'))).toMatch(
      /not an IV-mixed recipe: its field "format" is missing/,
    );
    const otherPack = { ...recipe, pack: { id: 'sd15-animatediff', files: [] } };
    expect(await load('other.json', JSON.stringify(otherPack))).toMatch(
      /This recipe is for the pack “sd15-animatediff”, and the loaded pack is “tinyworld-v2”/,
    );
    expect(await page.getByLabel('Prompt', { exact: true }).inputValue()).toBe('kept as typed');
    // The video made before is still on screen.
    expect(await page.getByTestId('player-title').textContent()).toBe(PROMPT);
    expect(dialogs).toEqual([]);
  });

  it('fits a laptop and a phone: screenshots, and nothing wider than the screen', async () => {
    const { page } = browser;
    mkdirSync(RESULTS, { recursive: true });
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: join(RESULTS, 'studio-page.png'), fullPage: true });

    await page.setViewportSize({ width: 390, height: 844 });
    const overflow = () =>
      page.evaluate(() => ({ scrollWidth: document.scrollingElement?.scrollWidth ?? 0, innerWidth: window.innerWidth }));
    const studio = await overflow();
    expect(studio.scrollWidth).toBeLessThanOrEqual(studio.innerWidth);
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: join(RESULTS, 'studio-phone.png'), fullPage: true });

    await page.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name: 'History' }).click();
    await page.getByTestId('history-list').waitFor();
    await page.getByTestId('history-item').first().getByRole('button', { name: 'Play' }).click();
    await page.getByTestId('history-player').getByTestId('player-canvas').waitFor();
    const history = await overflow();
    expect(history.scrollWidth).toBeLessThanOrEqual(history.innerWidth);
    expect(browser.externalRequests).toEqual([]);
  });
});
