import { IndexeddbPersistence, clearDocument } from "y-indexeddb";
import type * as Y from "yjs";
import type { UnsavedChange } from "../../collab/client.ts";
import { pageStoreName } from "./names.ts";

/**
 * A page's Yjs document kept on this device with y-indexeddb, so edits made offline survive a
 * closed tab (docs/decisions/029-offline-editing.md). One IndexedDB database per user and page
 * (`pageStoreName`); beside the document it keeps whether the copy was ever synced with the
 * server and the changes the server has not acknowledged yet (collab/client.ts, UnsavedChange).
 * Browser only: loaded with the live page, never during SSR.
 */
export interface PageCopy {
  /** A copy synced with the server before: the editor may show it without a connection. */
  readonly synced: boolean;
  /** Changes of earlier sessions the server has not acknowledged. */
  readonly unsaved: UnsavedChange[];
  /** The document is in step with the server now. */
  markSynced(): void;
  /** Keeps the list of unacknowledged changes (written in order, the last one wins). */
  keepUnsaved(unsaved: readonly UnsavedChange[]): void;
  /** Deletes the copy from the device (the server refused the page); nothing more is written. */
  clear(): Promise<void>;
  /** Stops writing; the copy stays. */
  destroy(): void;
}

interface Meta {
  synced: boolean;
  unsaved: UnsavedChange[];
}

const META_KEY = "meta";
/** A device whose IndexedDB does not answer in this time works without an offline copy. */
const OPEN_TIMEOUT_MS = 5000;

const isChange = (c: unknown): c is UnsavedChange => {
  const v = c as UnsavedChange;
  return typeof v === "object" && v !== null && Number.isSafeInteger(v.client) && Number.isSafeInteger(v.clock) && Number.isSafeInteger(v.count) && Array.isArray(v.deletes);
};

function parseMeta(raw: unknown): Meta {
  try {
    const value = typeof raw === "string" ? (JSON.parse(raw) as Partial<Meta>) : null;
    return { synced: value?.synced === true, unsaved: Array.isArray(value?.unsaved) ? value.unsaved.filter(isChange) : [] };
  } catch {
    return { synced: false, unsaved: [] };
  }
}

/** Opens (or creates) the page's copy and applies it to `doc`; null when this browser cannot keep one. */
export async function openPageCopy(userId: string, pageId: string, doc: Y.Doc): Promise<PageCopy | null> {
  if (typeof indexedDB === "undefined") return null;
  const name = pageStoreName(userId, pageId);
  const persistence = new IndexeddbPersistence(name, doc);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const opened = await Promise.race([
    persistence.whenSynced.then(() => true),
    new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), OPEN_TIMEOUT_MS))),
  ]);
  clearTimeout(timer);
  if (!opened) {
    void persistence.destroy();
    return null;
  }
  const meta = parseMeta(await persistence.get(META_KEY).catch(() => null));
  let stopped = false;
  let writing: Promise<unknown> = Promise.resolve();
  const write = () => {
    if (stopped) return;
    const text = JSON.stringify(meta);
    writing = writing.then(() => (stopped ? undefined : persistence.set(META_KEY, text))).catch(() => undefined);
  };
  return {
    synced: meta.synced,
    unsaved: meta.unsaved,
    markSynced() {
      if (meta.synced) return;
      meta.synced = true;
      write();
    },
    keepUnsaved(unsaved) {
      meta.unsaved = [...unsaved];
      write();
    },
    async clear() {
      stopped = true;
      await persistence.destroy();
      await clearDocument(name);
    },
    destroy() {
      stopped = true;
      void persistence.destroy();
    },
  };
}
