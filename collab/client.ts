import type * as decoding from "lib0/decoding";
import type { Awareness } from "y-protocols/awareness";
import { WebsocketProvider } from "y-websocket";
import * as Y from "yjs";
import { isFinalClose } from "./close-codes.ts";
import { MESSAGE_SAVED, SAVED_PARAM, deleteRangesCover, mergeDeleteRanges, readSavedMessage, type DeleteRanges } from "./protocol.ts";

/**
 * connecting: not yet synced with the server · saving: some of my edits are not yet in the
 * database · saved: every edit made here is in the database · offline: the connection is down
 * (edits are kept in memory and sent on reconnect).
 */
export type CollabStatus = "connecting" | "saving" | "saved" | "offline";

export interface ConnectPageOptions {
  /** The server: http(s):// or ws(s)://, with or without the /collab path. */
  url: string;
  pageId: string;
  doc: Y.Doc;
  /** A session token for clients without the session cookie (Node, tools). */
  token?: string | undefined;
  /** Node has no WebSocket before v22: pass `ws`. */
  WebSocketPolyfill?: unknown;
  awareness?: Awareness;
}

export interface PageConnection {
  provider: WebsocketProvider;
  readonly status: CollabStatus;
  /** Calls `listener` on every status change; returns the unsubscribe function. */
  onStatus(listener: (status: CollabStatus) => void): () => void;
  /** True while some local edit is not known to be in the database. */
  hasUnsavedChanges(): boolean;
  /** The last close code the server sent (4404, 4409, …), or null. */
  readonly lastClose: { code: number; reason: string } | null;
  destroy(): void;
}

/** The websocket base of the /collab endpoint for a server URL. */
export function collabServerUrl(url: string): string {
  const base = url.replace(/^http/, "ws").replace(/\/+$/, "");
  return base.endsWith("/collab") ? base : `${base}/collab`;
}

/**
 * Connects a Y.Doc to a page's live document with y-websocket and tracks whether this client's
 * edits are durable. The server's MESSAGE_SAVED carries the durable clock of each client id this
 * connection wrote and the deletions it stored; my edits are saved when my own clock is covered
 * and every deletion I made has been acknowledged.
 */
export function connectPage(options: ConnectPageOptions): PageConnection {
  const { doc } = options;
  const provider = new WebsocketProvider(collabServerUrl(options.url), options.pageId, doc, {
    connect: false,
    disableBc: true,
    // Ask for MESSAGE_SAVED: the server sends it only to clients that ask (docs/api.md, live editing).
    params: { [SAVED_PARAM]: "1", ...(options.token ? { token: options.token } : {}) },
    ...(options.WebSocketPolyfill ? { WebSocketPolyfill: options.WebSocketPolyfill as typeof WebSocket } : {}),
    ...(options.awareness ? { awareness: options.awareness } : {}),
    // 44xx are final for y-websocket; "access changed" (4409) is not: reconnect and be decided afresh.
    shouldReconnect: (event: CloseEvent) => !isFinalClose(event.code),
  });

  /** Per client id of mine, the clock my local edits reached; and my deletions not yet acknowledged. */
  const myClocks = new Map<number, number>();
  let myDeletes: DeleteRanges[] = [];
  const durable = new Map<number, number>();
  const listeners = new Set<(status: CollabStatus) => void>();
  let status: CollabStatus = "connecting";
  let everConnected = false;
  let lastClose: { code: number; reason: string } | null = null;

  const ownClock = Y.getState(doc.store, doc.clientID);
  if (ownClock > 0) myClocks.set(doc.clientID, ownClock);

  const hasUnsavedChanges = () => {
    for (const [client, clock] of myClocks) if ((durable.get(client) ?? 0) < clock) return true;
    return myDeletes.length > 0;
  };

  const compute = (): CollabStatus => {
    if (!provider.wsconnected) return everConnected || lastClose ? "offline" : "connecting";
    if (!provider.synced) return "connecting";
    return hasUnsavedChanges() ? "saving" : "saved";
  };
  const update = () => {
    const next = compute();
    if (next === status) return;
    status = next;
    for (const listener of listeners) listener(next);
  };

  const onTransaction = (tr: Y.Transaction) => {
    if (!tr.local) return;
    const clock = Y.getState(doc.store, doc.clientID);
    if (clock > (myClocks.get(doc.clientID) ?? 0)) myClocks.set(doc.clientID, clock);
    if (tr.deleteSet.clients.size) {
      myDeletes.push(new Map([...tr.deleteSet.clients].map(([client, items]) => [client, items.map((i) => ({ clock: i.clock, len: i.len }))])));
    }
    update();
  };
  doc.on("afterTransaction", onTransaction);

  provider.messageHandlers[MESSAGE_SAVED] = (_encoder: unknown, decoder: decoding.Decoder) => {
    const saved = readSavedMessage(decoder);
    for (const [client, clock] of saved.stateVector) if (clock > (durable.get(client) ?? 0)) durable.set(client, clock);
    const acknowledged = mergeDeleteRanges([saved.deletes]);
    myDeletes = myDeletes.filter((ranges) => !deleteRangesCover(acknowledged, ranges));
    update();
  };

  const onStatus = ({ status: s }: { status: string }) => {
    if (s === "connected") everConnected = true;
    update();
  };
  const onClose = (event: CloseEvent | null) => {
    if (event) lastClose = { code: event.code, reason: event.reason };
    update();
  };
  provider.on("status", onStatus);
  provider.on("sync", update);
  provider.on("connection-close", onClose);
  provider.connect();

  return {
    provider,
    get status() {
      return status;
    },
    get lastClose() {
      return lastClose;
    },
    onStatus(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    hasUnsavedChanges,
    destroy() {
      listeners.clear();
      doc.off("afterTransaction", onTransaction);
      provider.off("status", onStatus);
      provider.off("sync", update);
      provider.off("connection-close", onClose);
      provider.destroy();
    },
  };
}
