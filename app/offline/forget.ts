import { useEffect } from "react";
import { OWNER_KEY, PAGES_CACHE, userStorePrefix } from "./names.ts";

/** A deletion another tab holds up (it still has the page open) goes on without us waiting for it. */
const deleteDatabase = (name: string) =>
  new Promise<void>((resolve) => {
    const request = indexedDB.deleteDatabase(name);
    request.onsuccess = request.onerror = request.onblocked = () => resolve();
  });

/**
 * Deletes what this browser keeps for offline use of `userId`'s pages: their documents in
 * IndexedDB and the cached page HTML (docs/access.md, "Offline copies"). The cached HTML is
 * one person's at a time, so the whole page cache goes; the assets hold no one's data and stay.
 */
export async function forgetOfflineCopies(userId: string): Promise<void> {
  const jobs: Promise<unknown>[] = [];
  if (typeof caches !== "undefined") jobs.push(caches.delete(PAGES_CACHE).catch(() => false));
  if (typeof indexedDB !== "undefined" && typeof indexedDB.databases === "function") {
    const prefix = userStorePrefix(userId);
    const databases = await indexedDB.databases().catch(() => []);
    for (const { name } of databases) if (name?.startsWith(prefix)) jobs.push(deleteDatabase(name));
  }
  await Promise.all(jobs);
}

/**
 * Whose offline copies this browser holds, followed on every page: when the signed-in person is
 * no longer the one who left them (signed out without this app running, a session ended
 * elsewhere, someone else signed in), the copies are deleted. `userId` undefined: not known
 * (the root loader failed), nothing is done.
 */
export function useOfflineOwner(userId: string | null | undefined) {
  useEffect(() => {
    if (userId === undefined) return;
    try {
      const previous = localStorage.getItem(OWNER_KEY);
      if (previous && previous !== userId) void forgetOfflineCopies(previous);
      if (userId) localStorage.setItem(OWNER_KEY, userId);
      else localStorage.removeItem(OWNER_KEY);
    } catch {
      // No localStorage (disabled): sign-out still deletes the copies (SignOutForm).
    }
  }, [userId]);
}
