import { useSyncExternalStore } from 'react';

/**
 * Pages are addressed by the URL hash (#/compare, #/demo, …) so that the app stays one static build that
 * any file server (and the offline service worker) can serve: no server-side routes, reload keeps the page.
 */
export type PageId = 'studio' | 'compare' | 'demo' | 'history' | 'models';

export const DEFAULT_PAGE: PageId = 'studio';

const PAGE_IDS: readonly PageId[] = ['studio', 'compare', 'demo', 'history', 'models'];

/** The page a hash names; an unknown or empty hash is the Studio. */
export function pageFromHash(hash: string): PageId {
  const id = hash.replace(/^#\/?/, '').split(/[/?]/)[0] ?? '';
  return (PAGE_IDS as readonly string[]).includes(id) ? (id as PageId) : DEFAULT_PAGE;
}

export function hashForPage(page: PageId): string {
  return `#/${page}`;
}

function subscribe(onChange: () => void): () => void {
  window.addEventListener('hashchange', onChange);
  return () => window.removeEventListener('hashchange', onChange);
}

/** The page the address bar names, re-rendering on back/forward and link clicks. */
export function useCurrentPage(): PageId {
  return useSyncExternalStore(
    subscribe,
    () => pageFromHash(window.location.hash),
    () => DEFAULT_PAGE,
  );
}

export function navigate(page: PageId): void {
  window.location.hash = hashForPage(page);
}
