import { describe, expect, it } from 'vitest';
import { hashForPage, pageFromHash } from '../../src/ui/router.js';

describe('hash router', () => {
  it('maps each page hash to its page and back', () => {
    for (const page of ['studio', 'compare', 'demo', 'history', 'models'] as const) {
      expect(pageFromHash(hashForPage(page))).toBe(page);
    }
  });

  it('reads the page with or without the slash and ignores a trailing path or query', () => {
    expect(pageFromHash('#compare')).toBe('compare');
    expect(pageFromHash('#/history/42')).toBe('history');
    expect(pageFromHash('#/demo?prompt=x')).toBe('demo');
  });

  it('falls back to the Studio for an empty or unknown hash', () => {
    expect(pageFromHash('')).toBe('studio');
    expect(pageFromHash('#/nope')).toBe('studio');
  });
});
