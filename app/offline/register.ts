import { Workbox } from "workbox-window";

/**
 * Registers the service worker (app/offline/service-worker.ts, served as /sw.js) and asks it to
 * keep the current wiki page for offline use: the page's own URL (unless this very document
 * came through the worker, which kept it then) and the assets the page has loaded (those loaded
 * before the worker took control never passed through it). Workbox's CACHE_URLS message: the
 * worker fetches each through its routes, so only what its rules allow is kept.
 * docs/decisions/029-offline-editing.md. Browser only, production builds only.
 */
let registering: Promise<Workbox | null> | null = null;

const documentUrl = () => {
  const navigation = performance.getEntriesByType("navigation")[0];
  return navigation ? new URL(navigation.name).pathname : null;
};
/** Whether the document itself was answered through the service worker. */
const controlledAtLoad = typeof navigator !== "undefined" && "serviceWorker" in navigator && navigator.serviceWorker.controller !== null;

export function keepPageForOffline(): void {
  if (!("serviceWorker" in navigator) || !window.isSecureContext) return;
  registering ??= (async () => {
    const wb = new Workbox("/sw.js", { scope: "/" });
    await wb.register();
    return wb;
  })().catch(() => null);
  const path = window.location.pathname;
  void registering.then(async (wb) => {
    if (!wb) return;
    await navigator.serviceWorker.ready;
    const assets = performance
      .getEntriesByType("resource")
      .map((entry) => new URL(entry.name))
      .filter((url) => url.origin === window.location.origin && url.pathname.startsWith("/assets/"))
      .map((url) => url.pathname);
    const keepDocument = !(controlledAtLoad && documentUrl() === path);
    const urlsToCache = [...(keepDocument ? [path] : []), ...new Set(assets)];
    if (urlsToCache.length) await wb.messageSW({ type: "CACHE_URLS", payload: { urlsToCache } }).catch(() => undefined);
  });
}
