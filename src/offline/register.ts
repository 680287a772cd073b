/** Where the offline copy of the app stands, as the page sees it. */
export type OfflineState =
  /** Development server, or a browser without service workers: nothing is stored for offline use. */
  | { status: 'off'; reason: string }
  /** The service worker is storing the app and the bundled pack. */
  | { status: 'installing' }
  /** Everything is stored: the app opens without a network. `updated`: a newer build replaced an older one. */
  | { status: 'ready'; updated: boolean }
  | { status: 'error'; message: string };

/** The service worker built by vite-plugin-pwa from src/offline/sw.ts, next to index.html. */
const SW_FILE = 'sw.js';

/**
 * Registers the offline service worker in production builds (vite preview, npm run demo, a static host) and
 * reports its progress. Never in development: the dev server's modules change on every edit and must not be
 * served from a cache.
 */
export function registerOfflineWorker(onState: (state: OfflineState) => void): void {
  if (!import.meta.env.PROD) {
    onState({ status: 'off', reason: 'The development server is not stored for offline use (build the app for that).' });
    return;
  }
  if (!('serviceWorker' in navigator)) {
    onState({ status: 'off', reason: 'This browser has no service workers, so the app cannot open offline.' });
    return;
  }
  const container = navigator.serviceWorker;
  // A page that already had a controller and gets another one is running an older build than the cache now holds.
  let hadController = container.controller !== null;
  container.addEventListener('controllerchange', () => {
    onState({ status: 'ready', updated: hadController });
    hadController = true;
  });
  if (container.controller) onState({ status: 'ready', updated: false });
  else onState({ status: 'installing' });

  container
    .register(`${import.meta.env.BASE_URL}${SW_FILE}`, { scope: import.meta.env.BASE_URL })
    .then((registration: ServiceWorkerRegistration | undefined) => {
      // Browsers with service workers turned off by policy (or test automation that blocks them) register nothing.
      if (!registration) {
        onState({ status: 'off', reason: 'This browser does not run service workers here, so the app cannot open offline.' });
        return;
      }
      const watch = (worker: ServiceWorker | null) => {
        worker?.addEventListener('statechange', () => {
          // Precaching failed (storage full, a file missing on the server): the worker is thrown away.
          if (worker.state === 'redundant' && registration.active !== worker && !container.controller) {
            onState({
              status: 'error',
              message:
                'The app could not be stored for offline use (the browser refused the storage, or a file could not be fetched). It still works online; reload to try again.',
            });
          }
        });
      };
      watch(registration.installing);
      registration.addEventListener('updatefound', () => watch(registration.installing));
    })
    .catch((error: unknown) =>
      onState({
        status: 'error',
        message: `The offline service worker could not be registered: ${error instanceof Error ? error.message : String(error)}`,
      }),
    );
}
