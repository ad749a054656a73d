/**
 * The service worker (built to /sw.js by scripts/service-worker-build.ts). It keeps two things
 * so that a wiki page visited before opens with no network at all
 * (docs/decisions/029-offline-editing.md; scope rules in docs/access.md, "Offline copies"):
 *
 * - the HTML of wiki pages (`OFFLINE_PAGE_PATH` only), network first: online, every open is
 *   answered by the server and the copy refreshed; offline (or no answer within 10 s) the last
 *   copy of that very URL. Only 200 answers are kept, never a redirect or an error;
 * - the hashed browser assets under /assets/, cache first (their names change with their content).
 *
 * Nothing else is routed: /api, /collab, /socket.io, sign-in and invitation links, every other
 * page and every non-GET request go to the network as if there were no service worker.
 * Workbox does the caching (workbox-routing, workbox-strategies, workbox-expiration); this file
 * only says which requests go where.
 */
import { clientsClaim } from "workbox-core";
import { CacheableResponsePlugin } from "workbox-cacheable-response";
import { ExpirationPlugin } from "workbox-expiration";
import { registerRoute } from "workbox-routing";
import { CacheFirst, NetworkFirst } from "workbox-strategies";
import { ASSETS_CACHE, OFFLINE_PAGE_PATH, PAGES_CACHE } from "./names.ts";

declare const self: { skipWaiting(): Promise<void>; location: Location; addEventListener(type: "install", listener: () => void): void };

// A new worker takes over at once: its routes are the rules now (docs/access.md).
self.addEventListener("install", () => void self.skipWaiting());
clientsClaim();

const sameOrigin = (url: URL) => url.origin === self.location.origin;

registerRoute(
  // A page's document (its navigation, or the page asking for its own URL to be kept: app/offline/register.ts).
  ({ request, url }) => request.method === "GET" && sameOrigin(url) && url.search === "" && OFFLINE_PAGE_PATH.test(url.pathname),
  new NetworkFirst({
    cacheName: PAGES_CACHE,
    networkTimeoutSeconds: 10,
    matchOptions: { ignoreVary: true },
    plugins: [new CacheableResponsePlugin({ statuses: [200] }), new ExpirationPlugin({ maxEntries: 100, maxAgeSeconds: 30 * 24 * 3600 })],
  }),
);

registerRoute(
  ({ request, url }) => request.method === "GET" && sameOrigin(url) && url.pathname.startsWith("/assets/"),
  new CacheFirst({
    cacheName: ASSETS_CACHE,
    plugins: [new CacheableResponsePlugin({ statuses: [200] }), new ExpirationPlugin({ maxEntries: 400, maxAgeSeconds: 60 * 24 * 3600 })],
  }),
);
