/// <reference lib="webworker" />
/**
 * The offline service worker (built by vite-plugin-pwa's injectManifest from this file). It precaches the
 * whole build: the app shell (index.html, JS and CSS chunks, the engine worker), onnxruntime-web's wasm, the
 * ffmpeg.wasm core and the bundled model pack. So the app, once opened with the network, opens and generates
 * with it cut. Downloaded packs are not its business: the engine keeps those in OPFS.
 *
 * Only precached URLs (and page navigations) are answered here; every other request goes to the network as
 * if there were no service worker.
 */
import { clientsClaim } from 'workbox-core';
import {
  addPlugins,
  cleanupOutdatedCaches,
  createHandlerBoundToURL,
  matchPrecache,
  type PrecacheEntry,
  precacheAndRoute,
} from 'workbox-precaching';
import { NavigationRoute, registerRoute } from 'workbox-routing';
import { withIsolationHeaders } from './isolation-headers.js';

declare const self: ServiceWorkerGlobalScope & { __WB_MANIFEST: (PrecacheEntry | string)[] };

// A new build takes over at once: its precache replaces the old one's entries (changed revisions are fetched
// again, files no longer in the build are deleted), and the page is told so (see register.ts).
self.skipWaiting();
clientsClaim();

// Without COOP/COEP on the cached copies, a page opened offline would lose cross-origin isolation (and
// onnxruntime-web its threads).
addPlugins([{ handlerWillRespond: async ({ response }) => withIsolationHeaders(response) }]);

// The build's file list, injected by vite-plugin-pwa (the placeholder may appear only once).
const PRECACHE = self.__WB_MANIFEST;

precacheAndRoute(PRECACHE, {
  // The pages are hash-routed; query strings (?autoload=0) do not change the files.
  ignoreURLParametersMatching: [/.*/],
});
cleanupOutdatedCaches();

// Every navigation inside the app's scope is the one page.
registerRoute(new NavigationRoute(createHandlerBoundToURL('index.html')));

// The pack reader asks whether a pack has a manifest with a HEAD request; answer those for precached files
// too (the headers of the stored copy, no body), or a page opened offline would wait for the network first.
const precachedUrls = new Set(PRECACHE.map((e) => new URL(typeof e === 'string' ? e : e.url, self.registration.scope).href));
registerRoute(
  ({ url }) => precachedUrls.has(`${url.origin}${url.pathname}`),
  async ({ url, request }) => {
    const cached = await matchPrecache(`${url.origin}${url.pathname}`);
    if (!cached) return fetch(request);
    return withIsolationHeaders(
      new Response(null, { status: cached.status, statusText: cached.statusText, headers: cached.headers }),
    );
  },
  'HEAD',
);
