import type * as decoding from "lib0/decoding";
import type { Awareness } from "y-protocols/awareness";
import { WebsocketProvider } from "y-websocket";
import * as Y from "yjs";
import { isFinalClose } from "./close-codes.ts";
import { MESSAGE_SAVED, SAVED_PARAM, deleteRangesCover, mergeDeleteRanges, readSavedMessage, type DeleteRanges } from "./protocol.ts";

/**
 * connecting: not yet synced with the server · saving: some of my edits are not yet in the
 * database · saved: every edit made here is in the database · offline: the connection is down
 * (edits are kept in memory, and on the device when the page keeps an offline copy, and sent on
 * reconnect).
 */
export type CollabStatus = "connecting" | "saving" | "saved" | "offline";

/**
 * One local change (a transaction of mine, or a run of typing merged into one entry) that the
 * server has not yet acknowledged as stored: the clock my client id reached with it, and what it
 * deleted. Plain data, so an offline copy can keep it across a closed tab
 * (docs/decisions/029-offline-editing.md): the edits of an earlier tab were made under another
 * client id, and they are not "Saved" until the server says so.
 */
export interface UnsavedChange {
  client: number;
  clock: number;
  /** Deletions, as [client, [clock, len][]] pairs; acknowledged separately from the clock. */
  deletes: [number, [number, number][]][];
  /** How many local changes this entry stands for (typing merges into the last entry). */
  count: number;
}

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
  /** Unacknowledged changes of an earlier session of this document (an offline copy), tracked until saved. */
  unsaved?: readonly UnsavedChange[];
  /** Called whenever the list of unacknowledged changes changes (to keep it with an offline copy). */
  onUnsavedChange?: (unsaved: readonly UnsavedChange[]) => void;
  /** Start without connecting (the device is offline): status "offline" until `resume()`. */
  paused?: boolean;
}

export interface PageConnection {
  provider: WebsocketProvider;
  readonly status: CollabStatus;
  /** Calls `listener` on every status change; returns the unsubscribe function. */
  onStatus(listener: (status: CollabStatus) => void): () => void;
  /** True while some local edit is not known to be in the database. */
  hasUnsavedChanges(): boolean;
  /** How many local changes are not known to be in the database. */
  unsavedCount(): number;
  /** Stops connecting (the device went offline): closes the socket, status "offline"; edits are kept. */
  pause(): void;
  /** Connects again after `pause()` (or a paused start). */
  resume(): void;
  /** The last close code the server sent (4404, 4409, …), or null. */
  readonly lastClose: { code: number; reason: string } | null;
  destroy(): void;
}

const deleteRanges = (pairs: UnsavedChange["deletes"]): DeleteRanges => new Map(pairs.map(([client, ranges]) => [client, ranges.map(([clock, len]) => ({ clock, len }))]));

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

  /** My changes not yet acknowledged, oldest first; each leaves once its clock and its deletions are stored. */
  let unsaved: (UnsavedChange & { deletesAcked: boolean })[] = (options.unsaved ?? []).map((c) => ({ ...c, deletesAcked: c.deletes.length === 0 }));
  const durable = new Map<number, number>();
  const listeners = new Set<(status: CollabStatus) => void>();
  let status: CollabStatus = "connecting";
  let everConnected = false;
  let lastClose: { code: number; reason: string } | null = null;

  const ownClock = Y.getState(doc.store, doc.clientID);
  if (ownClock > 0) unsaved.push({ client: doc.clientID, clock: ownClock, deletes: [], count: 1, deletesAcked: true });

  const hasUnsavedChanges = () => unsaved.length > 0;
  const unsavedCount = () => unsaved.reduce((n, c) => n + c.count, 0);
  const changed = () => options.onUnsavedChange?.(unsaved.map(({ deletesAcked: _, ...c }) => c));

  let paused = options.paused === true;
  const compute = (): CollabStatus => {
    if (paused && !provider.wsconnected) return "offline";
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
    const deletes = [...tr.deleteSet.clients].map(([client, items]): [number, [number, number][]] => [client, items.map((i) => [i.clock, i.len])]);
    if (!deletes.length && clock <= (tr.beforeState.get(doc.clientID) ?? 0)) return; // nothing of mine changed
    const last = unsaved.at(-1);
    // Typing merges into one entry (bounded memory over a long offline session); deletions stay apart.
    if (last && last.client === doc.clientID && !deletes.length && !last.deletes.length) {
      last.clock = clock;
      last.count++;
    } else {
      unsaved.push({ client: doc.clientID, clock, deletes, count: 1, deletesAcked: deletes.length === 0 });
    }
    changed();
    update();
  };
  doc.on("afterTransaction", onTransaction);

  provider.messageHandlers[MESSAGE_SAVED] = (_encoder: unknown, decoder: decoding.Decoder) => {
    const saved = readSavedMessage(decoder);
    for (const [client, clock] of saved.stateVector) if (clock > (durable.get(client) ?? 0)) durable.set(client, clock);
    const acknowledged = mergeDeleteRanges([saved.deletes]);
    const before = unsaved.length;
    unsaved = unsaved.filter((change) => {
      if (!change.deletesAcked && deleteRangesCover(acknowledged, deleteRanges(change.deletes))) change.deletesAcked = true;
      return !(change.deletesAcked && (durable.get(change.client) ?? 0) >= change.clock);
    });
    if (unsaved.length !== before) changed();
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
  if (!paused) provider.connect();
  update();

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
    unsavedCount,
    pause() {
      paused = true;
      provider.disconnect();
      update();
    },
    resume() {
      if (!paused) return;
      paused = false;
      provider.connect();
      update();
    },
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
