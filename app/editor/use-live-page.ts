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
  ended: LiveEnd;
}

const initial = (pageId: string): LiveState => ({ pageId, session: null, status: "connecting", synced: false, ended: null });

/**
 * Connects to a page's live document. The Y.Doc and provider are created in the effect and
 * destroyed in its cleanup (StrictMode mounts twice in development; each mount gets its own
 * pair). The collab client is imported here, in the browser, never during SSR.
 */
export function useLivePage(pageId: string, user: CaretUser) {
  const [state, setState] = useState<LiveState>(() => initial(pageId));

  useEffect(() => {
    let cancelled = false;
    let teardown: (() => void) | undefined;
    setState(initial(pageId));
    // Only this page's connection may write this state (a late event of the last page must not).
    const update = (change: Partial<LiveState>) => setState((prev) => (prev.pageId === pageId ? { ...prev, ...change } : prev));

    void Promise.all([import("yjs"), import("../../collab/client.ts"), import("../../collab/close-codes.ts")]).then(
      ([Yjs, { connectPage }, { CLOSE }]) => {
        if (cancelled) return;
        const doc = new Yjs.Doc();
        const connection = connectPage({ url: window.location.origin, pageId, doc });
        const { provider } = connection;
        // What others see next to my caret; the server stamps id and name from my session anyway.
        provider.awareness.setLocalStateField("user", { id: user.id, name: user.name, color: user.color });

        const offStatus = connection.onStatus((status) => update({ status }));
        const onSync = (synced: boolean) => update({ synced });
        provider.on("sync", onSync);
        const onClose = (event: CloseEvent | null) => {
          // Refusals that reconnecting cannot fix (the client stops retrying on them): say why.
          // 4409 (access changed) reconnects on its own and is decided afresh by the server.
          if (event?.code === CLOSE.NOT_FOUND) update({ ended: "not-visible" });
          else if (event?.code === CLOSE.UNAUTHENTICATED) update({ ended: "signed-out" });
        };
        provider.on("connection-close", onClose);
        update({ session: { doc, provider }, status: connection.status, synced: provider.synced });

        teardown = () => {
          offStatus();
          provider.off("sync", onSync);
          provider.off("connection-close", onClose);
          connection.destroy();
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
