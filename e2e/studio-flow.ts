import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { expect } from 'vitest';

/** Steps through the Studio shared by the History and Studio-inputs tests: kept small so WASM runs stay quick. */
export const FRAMES = 4;
export const RESULTS = join(import.meta.dirname, '..', 'test-results');
export const PACK_MANIFEST = JSON.parse(
  readFileSync(join(import.meta.dirname, '..', 'public', 'models', 'tinyworld-v2', 'manifest.json'), 'utf8'),
) as { id: string; files: { path: string; sha256: string }[]; frames: { max: number } };

type Recorded = Window & { __framesSha256: string[]; __generateCalls: number };

/**
 * Record the SHA-256 of every video the engine returns (the UI and window.ivmix share one engine), so that a
 * test can compare what the engine drew with what the exports contain.
 */
export async function recordGeneratedFrames(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as Recorded;
    if (w.__framesSha256) return; // already recording in this document
    const { engine } = window.ivmix;
    const generate = engine.generate;
    w.__framesSha256 = [];
    w.__generateCalls = 0;
    engine.generate = async (...args) => {
      w.__generateCalls++;
      const result = await generate(...args);
      const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', result.frames.rgba as Uint8Array<ArrayBuffer>));
      w.__framesSha256.push([...digest].map((b) => b.toString(16).padStart(2, '0')).join(''));
      return result;
    };
  });
}

export const generatedFrames = (page: Page) => page.evaluate(() => (window as unknown as Recorded).__framesSha256);
export const generateCalls = (page: Page) => page.evaluate(() => (window as unknown as Recorded).__generateCalls);

/** Records the frames of every generation from now on (recordGeneratedFrames), once the bundled pack is ready. */
export async function recordFramesOnceReady(page: Page): Promise<void> {
  await recordGeneratedFrames(page);
  await page.getByTestId('pack-status').getByText('is ready').waitFor({ timeout: 60_000 });
}

export async function fillSettings(page: Page, settings: { prompt: string; steps: number; seed?: number; frames?: number }) {
  await page.getByLabel('Prompt', { exact: true }).fill(settings.prompt);
  await page.getByLabel('Steps', { exact: true }).fill(String(settings.steps));
  await page.getByLabel('Frames', { exact: true }).fill(String(settings.frames ?? FRAMES));
  if (settings.seed !== undefined) await page.getByLabel('Seed', { exact: true }).fill(String(settings.seed));
}

/** Generate from the form and wait for the video and its History save to finish (either way). */
export async function generateVideo(page: Page, settings: { prompt: string; steps: number; seed?: number }) {
  const before = await generatedFrames(page);
  await fillSettings(page, settings);
  await page.getByRole('button', { name: 'Generate' }).click();
  await expect.poll(async () => (await generatedFrames(page)).length, { timeout: 120_000 }).toBe(before.length + 1);
  await page.getByTestId('player-canvas').waitFor();
  await page.locator('[data-testid="history-save-status"]:has-text("Saved to"), [data-testid="history-save-error"]').waitFor({
    timeout: 30_000,
  });
}

/** Click a download button and return the file's name and bytes. */
export async function download(page: Page, button: string, scope = page.locator('body')) {
  const [file] = await Promise.all([page.waitForEvent('download'), scope.getByRole('button', { name: button }).click()]);
  const path = await file.path();
  return { name: file.suggestedFilename(), bytes: readFileSync(path) };
}

/** Width and height from a PNG's IHDR chunk (bytes 16–23, big-endian), after checking the signature. */
export function pngSize(png: Uint8Array): { width: number; height: number } {
  const signature = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  expect([...png.subarray(0, 8)]).toEqual(signature);
  expect(Buffer.from(png.subarray(12, 16)).toString('latin1')).toBe('IHDR');
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

/**
 * Decode PNGs with the browser's own decoder and hash their RGBA frame after frame: equal to the engine's
 * frames hash exactly when the PNGs are lossless copies of the video.
 */
export async function decodedPngsSha256(page: Page, pngs: Uint8Array[]): Promise<{ sha256: string; sizes: number[][] }> {
  return page.evaluate(
    async (base64s) => {
      const chunks: Uint8Array[] = [];
      const sizes: number[][] = [];
      for (const b64 of base64s) {
        const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
        const bitmap = await createImageBitmap(new Blob([bytes], { type: 'image/png' }), {
          colorSpaceConversion: 'none',
          premultiplyAlpha: 'none',
        });
        const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
        const context = canvas.getContext('2d') as OffscreenCanvasRenderingContext2D;
        context.drawImage(bitmap, 0, 0);
        sizes.push([bitmap.width, bitmap.height]);
        chunks.push(new Uint8Array(context.getImageData(0, 0, bitmap.width, bitmap.height).data.buffer));
      }
      const all = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
      let offset = 0;
      for (const c of chunks) {
        all.set(c, offset);
        offset += c.length;
      }
      const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', all));
      return { sha256: [...digest].map((b) => b.toString(16).padStart(2, '0')).join(''), sizes };
    },
    pngs.map((p) => Buffer.from(p).toString('base64')),
  );
}
