import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PageId } from '../src/ui/router.js';
import { type BrowserSession, launchBrowser, type PreviewServer, startPreview } from './harness.js';
import { FRAMES, generatedFrames, RESULTS, recordFramesOnceReady } from './studio-flow.js';

/** axe-core's browser build, injected as an inline script: the harness aborts every non-local request. */
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/**
 * The rules every page must pass. Listed (rather than "all of WCAG") so that a failure names what broke; they
 * cover "labels on every control" (label, *-name), valid ARIA, unique ids (labels point at ids) and contrast.
 */
const RULES = [
  'label',
  'button-name',
  'select-name',
  'input-button-name',
  'link-name',
  'aria-allowed-attr',
  'aria-allowed-role',
  'aria-command-name',
  'aria-hidden-focus',
  'aria-input-field-name',
  'aria-progressbar-name',
  'aria-prohibited-attr',
  'aria-required-attr',
  'aria-required-children',
  'aria-required-parent',
  'aria-roles',
  'aria-toggle-field-name',
  'aria-valid-attr',
  'aria-valid-attr-value',
  'duplicate-id-aria',
  'duplicate-id-active',
  'duplicate-id',
  'color-contrast',
  'image-alt',
  'frame-title',
  'document-title',
  'html-has-lang',
  'list',
  'listitem',
  'nested-interactive',
  'landmark-unique',
];

const PAGES: { id: PageId; label: string; ready: string }[] = [
  { id: 'studio', label: 'Studio', ready: '[data-testid="player-canvas"]' },
  { id: 'compare', label: 'Compare', ready: 'main[aria-label="Compare"] form' },
  { id: 'demo', label: 'Demo', ready: 'main[aria-label="Demo"] form' },
  { id: 'history', label: 'History', ready: '[data-testid="history-item"]' },
  { id: 'models', label: 'Models', ready: '[data-testid="storage-use"], [data-testid="cached-packs"]' },
];

const SIZES = {
  laptop: { width: 1366, height: 768 },
  phone: { width: 390, height: 844 },
};

interface AxeViolation {
  id: string;
  help: string;
  nodes: { target: string[]; failureSummary: string }[];
}

async function audit(page: Page): Promise<string[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ content: AXE_SOURCE });
  const violations = await page.evaluate(async (rules) => {
    const axe = (window as unknown as { axe: { run(ctx: Document, opts: object): Promise<{ violations: unknown[] }> } }).axe;
    const results = await axe.run(document, { runOnly: { type: 'rule', values: rules }, resultTypes: ['violations'] });
    return results.violations;
  }, RULES);
  // One line per failing element: rule, element, and axe's reason, so a failure can be fixed from the log.
  return (violations as AxeViolation[]).flatMap((v) =>
    v.nodes.map((n) => `${v.id} (${v.help}) at ${n.target.join(' ')}: ${n.failureSummary.replace(/\s+/g, ' ')}`),
  );
}

/** What has keyboard focus, and whether it shows: a focus ring is an outline or a box-shadow. */
function focusedElement(page: Page) {
  return page.evaluate(() => {
    const el = document.activeElement as HTMLElement | null;
    if (!el || el === document.body) return null;
    const style = getComputedStyle(el);
    const outline = style.outlineStyle !== 'none' && Number.parseFloat(style.outlineWidth) > 0;
    return {
      tag: el.tagName.toLowerCase(),
      id: el.id,
      text: (el.textContent ?? '').trim(),
      testId: el.dataset.testid ?? '',
      label: el.getAttribute('aria-label') ?? '',
      visible: outline || style.boxShadow !== 'none',
    };
  });
}

type Focused = NonNullable<Awaited<ReturnType<typeof focusedElement>>>;

describe('Accessibility: labels, keyboard use and layout on every page', () => {
  let server: PreviewServer;
  let browser: BrowserSession;

  /** Press Tab until `match` holds for the focused element, checking that every stop shows its focus. */
  async function tabTo(match: (f: Focused) => boolean, what: string, limit = 80): Promise<Focused> {
    const { page } = browser;
    const path: string[] = [];
    for (let i = 0; i < limit; i++) {
      await page.keyboard.press('Tab');
      const focused = await focusedElement(page);
      if (!focused) continue;
      const name = `${focused.tag}#${focused.id}${focused.text ? ` "${focused.text.slice(0, 30)}"` : ''}`;
      path.push(name);
      expect(focused.visible, `focus ring on ${name}`).toBe(true);
      if (match(focused)) return focused;
    }
    throw new Error(`Tab did not reach ${what} in ${limit} presses; went through: ${path.join(', ')}`);
  }

  async function openPage(id: PageId) {
    const { page } = browser;
    const entry = PAGES.find((p) => p.id === id);
    if (!entry) throw new Error(`no page ${id}`);
    await page.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name: entry.label, exact: true }).click();
    await page.locator(`main[aria-label="${entry.label}"]`).waitFor();
    await page.locator(entry.ready).first().waitFor({ timeout: 30_000 });
  }

  beforeAll(async () => {
    server = await startPreview();
    browser = await launchBrowser();
    await browser.page.setViewportSize(SIZES.laptop);
    await browser.page.goto(server.url);
    await recordFramesOnceReady(browser.page);
  });

  afterAll(async () => {
    await browser?.close();
    server?.stop();
  });

  it('generates a video with the keyboard only, then plays and scrubs it with the keyboard', async () => {
    const { page } = browser;
    // From the top of the page: nothing focused yet.
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    const promptId = await page.getByLabel('Prompt', { exact: true }).getAttribute('id');
    const stepsId = await page.getByLabel('Steps', { exact: true }).getAttribute('id');
    const framesId = await page.getByLabel('Frames', { exact: true }).getAttribute('id');

    await tabTo((f) => f.id === promptId, 'the Prompt field');
    await page.keyboard.press('ControlOrMeta+A');
    await page.keyboard.type('a red circle moving left on a black background');

    await tabTo((f) => f.id === stepsId, 'the Steps field');
    await page.keyboard.press('ControlOrMeta+A');
    await page.keyboard.type('3');
    await page.keyboard.press('ArrowDown'); // 2 steps: the arrow keys step a number field
    expect(await page.getByLabel('Steps', { exact: true }).inputValue()).toBe('2');

    await tabTo((f) => f.id === framesId, 'the Frames field');
    await page.keyboard.press('ControlOrMeta+A');
    await page.keyboard.type(String(FRAMES + 1));
    await page.keyboard.press('ArrowDown');
    expect(await page.getByLabel('Frames', { exact: true }).inputValue()).toBe(String(FRAMES));

    const before = (await generatedFrames(page)).length;
    await page.keyboard.press('ControlOrMeta+Enter');
    await expect.poll(async () => (await generatedFrames(page)).length, { timeout: 120_000 }).toBe(before + 1);
    await page.getByTestId('player-canvas').waitFor();
    await page.locator('[data-testid="history-save-status"]:has-text("Saved to")').waitFor({ timeout: 30_000 });

    const toggle = await tabTo((f) => f.tag === 'button' && /^(Play|Pause)$/.test(f.text), 'the player’s Play/Pause');
    const player = page.getByTestId('player');
    const pressed = () => player.getByRole('button', { name: /^(Play|Pause)$/ }).getAttribute('aria-pressed');
    const wasPlaying = toggle.text === 'Pause';
    expect(await pressed()).toBe(String(wasPlaying));
    await page.keyboard.press('Space');
    await expect.poll(pressed).toBe(String(!wasPlaying));
    if (!wasPlaying) await page.keyboard.press('Space'); // pause, so that the scrubber stays where the keys put it
    await expect.poll(pressed).toBe('false');

    await tabTo((f) => f.testId === 'frame-scrubber', 'the frame scrubber');
    const scrubber = player.getByTestId('frame-scrubber');
    await page.keyboard.press('Home');
    await expect.poll(() => scrubber.inputValue()).toBe('0');
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    await expect.poll(() => scrubber.inputValue()).toBe('2');
    expect(await player.locator('.frame-count').textContent()).toMatch(new RegExp(`^3/${FRAMES} `));
    await page.keyboard.press('End');
    await expect.poll(() => scrubber.inputValue()).toBe(String(FRAMES - 1));
    expect(browser.externalRequests).toEqual([]);
  });

  it('reaches every page link with Tab and opens it with Enter', async () => {
    const { page } = browser;
    for (const entry of [...PAGES.slice(1), PAGES[0]]) {
      if (!entry) continue;
      await page.evaluate(() => {
        (document.activeElement as HTMLElement | null)?.blur();
        window.scrollTo(0, 0);
      });
      await tabTo((f) => f.tag === 'a' && f.text === entry.label, `the ${entry.label} link`);
      await page.keyboard.press('Enter');
      await expect.poll(() => page.evaluate(() => location.hash)).toBe(`#/${entry.id}`);
      await page.locator(`main[aria-label="${entry.label}"]`).waitFor();
      expect(
        await page
          .getByRole('navigation', { name: 'Pages' })
          .getByRole('link', { name: entry.label })
          .getAttribute('aria-current'),
      ).toBe('page');
    }
    expect(browser.externalRequests).toEqual([]);
  });

  it('the audit reports an unlabelled control and a low-contrast text (it can fail)', async () => {
    const { page } = browser;
    await openPage('models');
    await page.evaluate(() => {
      const probe = document.createElement('div');
      probe.id = 'audit-probe';
      probe.innerHTML =
        '<input id="probe-input" type="text"><p id="probe-text" style="color:#ddd;background:#fff">faint text</p>';
      document.querySelector('main')?.append(probe);
    });
    const found = await audit(page);
    await page.evaluate(() => document.getElementById('audit-probe')?.remove());
    expect(
      found.some((line) => line.startsWith('label ') && line.includes('#probe-input')),
      found.join('\n'),
    ).toBe(true);
    expect(
      found.some((line) => line.startsWith('color-contrast ') && line.includes('#probe-text')),
      found.join('\n'),
    ).toBe(true);
    expect(browser.externalRequests).toEqual([]);
  });

  for (const entry of PAGES) {
    it(`${entry.label}: axe finds no violations of the label, name, ARIA, id and contrast rules, light and dark`, async () => {
      const { page } = browser;
      await openPage(entry.id);
      for (const colorScheme of ['light', 'dark'] as const) {
        await page.emulateMedia({ colorScheme });
        expect(await audit(page), `${colorScheme} colour scheme`).toEqual([]);
      }
      await page.emulateMedia({ colorScheme: null });
      expect(browser.externalRequests).toEqual([]);
    });
  }

  for (const [size, viewport] of Object.entries(SIZES)) {
    it(`every page fits a ${size} screen (${viewport.width}×${viewport.height}) without scrolling sideways`, async () => {
      const { page } = browser;
      await page.setViewportSize(viewport);
      mkdirSync(RESULTS, { recursive: true });
      const overflowing: string[] = [];
      for (const entry of PAGES) {
        await openPage(entry.id);
        await page.evaluate(() => window.scrollTo(0, 0));
        const { scrollWidth, innerWidth, wide } = await page.evaluate(() => {
          // The elements wider than the window, to name in a failure.
          const limit = window.innerWidth;
          const wide = [...document.querySelectorAll<HTMLElement>('body *')]
            .filter((el) => el.getBoundingClientRect().right > limit + 0.5)
            .slice(0, 5)
            .map((el) => `${el.tagName.toLowerCase()}.${[...el.classList].join('.')}`);
          return { scrollWidth: document.scrollingElement?.scrollWidth ?? 0, innerWidth: limit, wide };
        });
        if (scrollWidth > innerWidth) overflowing.push(`${entry.id}: ${scrollWidth} > ${innerWidth} (${wide.join(', ')})`);
        await page.screenshot({ path: join(RESULTS, `${entry.id}-${size}.png`), fullPage: true });
      }
      expect(overflowing).toEqual([]);
      expect(browser.externalRequests).toEqual([]);
    });
  }
});
