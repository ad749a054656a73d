import { useEffect, useState } from "react";
import type { WebsocketProvider } from "y-websocket";
import type * as Y from "yjs";
import type { CollabStatus } from "../../collab/client.ts";
import type { CaretUser } from "./collab-editor.client.tsx";

export interface LiveSession {
  doc: Y.Doc;
  provider: WebsocketProvider;
}

/** Why the page stopped being live, when it did: the server refused or revoked access. */
export type LiveEnd = "not-visible" | "signed-out" | null;

interface LiveState {
  pageId: string;
  session: LiveSession | null;
  status: CollabStatus;
  synced: boolean;
  /** The device's copy of the page was synced with the server before: it may be shown and edited offline. */
  local: boolean;
  /** Whether the page is kept on this device (IndexedDB), so unsent edits survive a closed tab. */
  kept: boolean;
  /** Local changes the server has not acknowledged as stored. */
  unsaved: number;
  ended: LiveEnd;
  /** The refusal came with changes made offline: they were dropped, not sent (docs/decisions/029-offline-editing.md). */
  discarded: boolean;
}

const initial = (pageId: string): LiveState => ({
  pageId,
  session: null,
  status: "connecting",
  synced: false,
  local: false,
  kept: false,
  unsaved: 0,
  ended: null,
  discarded: false,
});

const deviceOffline = () => typeof navigator !== "undefined" && navigator.onLine === false;

/**
 * Connects to a page's live document. The Y.Doc and provider are created in the effect and
 * destroyed in its cleanup (StrictMode mounts twice in development; each mount gets its own
 * pair). The collab client is imported here, in the browser, never during SSR.
 *
 * The document is also kept on this device, per user and page (app/offline/page-copy.ts): it is
 * loaded before connecting, so a page opened offline shows and keeps what was typed there, and
 * the connection sends it once the device is back online. If the server then refuses the page
 * (no access any more, or no session), the copy is deleted and nothing of it is sent.
 */
export function useLivePage(pageId: string, user: CaretUser) {
  const [state, setState] = useState<LiveState>(() => initial(pageId));

  useEffect(() => {
    let cancelled = false;
    let teardown: (() => void) | undefined;
    setState(initial(pageId));
    // Only this page's connection may write this state (a late event of the last page must not).
    const update = (change: Partial<LiveState>) => setState((prev) => (prev.pageId === pageId ? { ...prev, ...change } : prev));

    void Promise.all([import("yjs"), import("../../collab/client.ts"), import("../../collab/close-codes.ts"), import("../offline/page-copy.ts")]).then(
      async ([Yjs, { connectPage }, { CLOSE }, { openPageCopy }]) => {
        if (cancelled) return;
        const doc = new Yjs.Doc();
        // The device's copy first: what it holds is in the document before the first sync step.
        const copy = await openPageCopy(user.id, pageId, doc).catch(() => null);
        if (cancelled) {
          copy?.destroy();
          doc.destroy();
          return;
        }
        const connection = connectPage({
          url: window.location.origin,
          pageId,
          doc,
          paused: deviceOffline(),
          unsaved: copy?.unsaved ?? [],
          onUnsavedChange: (unsaved) => {
            copy?.keepUnsaved(unsaved);
            update({ unsaved: unsaved.reduce((n, c) => n + c.count, 0) });
          },
        });
        const { provider } = connection;
        // What others see next to my caret; the server stamps id and name from my session anyway.
        provider.awareness.setLocalStateField("user", { id: user.id, name: user.name, color: user.color });

        const offStatus = connection.onStatus((status) => update({ status }));
        const onSync = (synced: boolean) => {
          update({ synced });
          if (!synced || !copy) return;
          // From now on the device's copy is the page: the editor stays when the connection goes.
          copy.markSynced();
          update({ local: true });
        };
        provider.on("sync", onSync);
        const onClose = (event: CloseEvent | null) => {
          // Refusals that reconnecting cannot fix (the client stops retrying on them): say why.
          // 4409 (access changed) reconnects on its own and is decided afresh by the server.
          const ended = event?.code === CLOSE.NOT_FOUND ? "not-visible" : event?.code === CLOSE.UNAUTHENTICATED ? "signed-out" : null;
          if (!ended) return;
          // The device must not keep what its user may no longer read, nor send what was typed
          // while they could: the server applied nothing of this connection, and the copy goes.
          const discarded = connection.hasUnsavedChanges();
          void copy?.clear().catch(() => undefined);
          update({ ended, discarded });
        };
        provider.on("connection-close", onClose);
        // Follow the device's network: no reconnect attempts while it is offline, at once when it is back.
        const onOffline = () => connection.pause();
        const onOnline = () => connection.resume();
        window.addEventListener("offline", onOffline);
        window.addEventListener("online", onOnline);
        update({
          session: { doc, provider },
          status: connection.status,
          synced: provider.synced,
          local: copy?.synced ?? false,
          kept: copy !== null,
          unsaved: connection.unsavedCount(),
        });

        teardown = () => {
          window.removeEventListener("offline", onOffline);
          window.removeEventListener("online", onOnline);
          offStatus();
          provider.off("sync", onSync);
          provider.off("connection-close", onClose);
          connection.destroy();
          copy?.destroy();
          doc.destroy();
        };
      },
    );

    return () => {
      cancelled = true;
      teardown?.();
    };
  }, [pageId, user.id, user.name, user.color]);

  // Right after a move to another page, the state still describes the last one until the effect runs.
  return state.pageId === pageId ? state : initial(pageId);
}
