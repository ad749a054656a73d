/**
 * Names shared by the browser app and the service worker (app/offline/service-worker.ts) for the
 * offline copies a device keeps (docs/access.md, "Offline copies";
 * docs/decisions/029-offline-editing.md). No imports: the service worker bundles this file.
 */

/** Cache Storage cache of the wiki pages' HTML (each holds its reader's data: cleared on sign-out). */
export const PAGES_CACHE = "dealroom-pages";
/** Cache Storage cache of the hashed browser assets (no one's data). */
export const ASSETS_CACHE = "dealroom-assets";

/** The only documents the service worker keeps: a wiki page, /rooms/<id>/pages/<id>, nothing under it. */
export const OFFLINE_PAGE_PATH = /^\/rooms\/[0-9a-f-]{36}\/pages\/[0-9a-f-]{36}$/;

/** IndexedDB databases of the pages' Yjs documents: one per user and page. */
export const PAGE_STORE_PREFIX = "dealroom-page";
export const pageStoreName = (userId: string, pageId: string) => `${PAGE_STORE_PREFIX}:${userId}:${pageId}`;
export const userStorePrefix = (userId: string) => `${PAGE_STORE_PREFIX}:${userId}:`;

/** localStorage key: whose offline copies this browser holds (a different person signing in clears the page cache). */
export const OWNER_KEY = "dealroom.offline.owner";
