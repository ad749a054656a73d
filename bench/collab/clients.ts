import { HocuspocusProvider, HocuspocusProviderWebsocket } from "@hocuspocus/provider";
import WebSocket from "ws";
import { WebsocketProvider } from "y-websocket";
import * as Y from "yjs";
import { connectPage } from "../../collab/client.ts";
import type { ServerKind } from "./stores.ts";
import {
  EMPTY_STATE_VECTOR,
  MSG_SYNC,
  SYNC_STEP2,
  Writer,
  hocuspocusAuth,
  hocuspocusPrefix,
  readIncoming,
  syncStep1,
  type Incoming,
} from "./wire.ts";

/** Where the load goes: one running server under test. */
export interface Target {
  kind: ServerKind;
  /** ws://127.0.0.1:<port> */
  ws: string;
  /** Ours: a session token (?token=). */
  token?: string | undefined;
  /** Ours: the tokens of the room's editors; the n-th author of a page connects as tokens[n % length]. */
  tokens?: string[] | undefined;
  /** Several processes of ours (the multi workload): the n-th author of a page connects to wsList[n % length]. */
  wsList?: string[] | undefined;
}

let forwardedFor = 0;
/**
 * Ours limits websocket upgrades per client IP (120 per 10 s). The load comes from one address, so
 * every thin client says it is a different client behind a local proxy (X-Forwarded-For, which the
 * server trusts from loopback) — as many real users behind a reverse proxy would arrive.
 */
const nextClientIp = () => {
  forwardedFor++;
  return `10.${(forwardedFor >> 16) & 255}.${(forwardedFor >> 8) & 255}.${forwardedFor & 255}`;
};

export function socketUrl(target: Target, doc: string): string {
  if (target.kind === "ours" || target.kind === "ours-off") return `${target.ws}/collab/${doc}?saved=1&token=${encodeURIComponent(target.token ?? "")}`;
  if (target.kind === "hocuspocus") return `${target.ws}/`;
  return `${target.ws}/${doc}`;
}

export const isPrefixed = (target: Target) => target.kind === "hocuspocus";

/**
 * A thin protocol client: one websocket, no Y.Doc. It speaks just enough of the protocol to be a
 * well-behaved peer (auth for Hocuspocus, sync step 1, answering the server's step 1 with an empty
 * step 2) and hands every message, with its arrival time, to `onMessage`.
 */
export class ThinSocket {
  readonly ws: WebSocket;
  private readonly prefix: Uint8Array | null;
  synced = false;
  closed = false;
  closeCode = 0;
  openedAt = 0;
  syncedAt = 0;
  /**
   * Hocuspocus: sync frames sent that its server answers with a SyncStatus (step 2 and updates,
   * in order on one connection), and SyncStatus answers received. Its only per-update
   * acknowledgement: the instance applied the update in memory (docs/performance.md).
   */
  syncSent = 0;
  syncAcked = 0;
  private syncWaiters: { resolve: () => void; reject: (e: Error) => void }[] = [];

  constructor(
    readonly target: Target,
    readonly doc: string,
    private readonly onMessage: (message: Incoming, data: Buffer, at: number) => void,
  ) {
    this.prefix = isPrefixed(target) ? hocuspocusPrefix(doc) : null;
    const headers = target.kind === "ours" || target.kind === "ours-off" ? { "x-forwarded-for": nextClientIp() } : undefined;
    this.ws = new WebSocket(socketUrl(target, doc), { perMessageDeflate: false, headers });
    this.ws.binaryType = "nodebuffer";
    this.ws.on("open", () => {
      this.openedAt = performance.now();
      if (this.prefix) this.ws.send(hocuspocusAuth(doc, "bench"));
      else this.start();
      // The relay floor has no server state to sync with.
      if (target.kind === "relay") this.markSynced(this.openedAt);
    });
    this.ws.on("message", (data: Buffer) => this.receive(data));
    this.ws.on("error", () => {});
    this.ws.on("close", (code) => {
      this.closed = true;
      this.closeCode = code;
      for (const w of this.syncWaiters.splice(0)) w.reject(new Error(`closed (${code}) before synced`));
    });
    this.ws.on("unexpected-response", (_req, res) => {
      this.closed = true;
      this.closeCode = res.statusCode ?? 0;
      for (const w of this.syncWaiters.splice(0)) w.reject(new Error(`upgrade refused (${res.statusCode})`));
    });
  }

  private start() {
    this.send(syncStep1(EMPTY_STATE_VECTOR));
  }

  private markSynced(at: number) {
    if (this.synced) return;
    this.synced = true;
    this.syncedAt = at;
    for (const w of this.syncWaiters.splice(0)) w.resolve();
  }

  whenSynced(): Promise<void> {
    if (this.synced) return Promise.resolve();
    if (this.closed) return Promise.reject(new Error(`closed (${this.closeCode})`));
    return new Promise((resolve, reject) => this.syncWaiters.push({ resolve, reject }));
  }

  private receive(data: Buffer) {
    const at = performance.now();
    let message: Incoming;
    try {
      message = readIncoming(data, this.prefix !== null);
    } catch {
      return;
    }
    if (message.kind === "step1") {
      // Answer like a client with nothing to add.
      this.send(new Writer().uint(MSG_SYNC).uint(SYNC_STEP2).bytes(new Uint8Array([0, 0])).done());
    } else if (message.kind === "authenticated") {
      this.start();
    } else if (message.kind === "update" && message.step2) {
      this.markSynced(at);
    } else if (message.kind === "sync-status") {
      this.syncAcked++;
    }
    this.onMessage(message, data, at);
  }

  /** Sends a y-websocket frame (prefixed with the document name for Hocuspocus). */
  send(frame: Uint8Array) {
    if (this.ws.readyState !== WebSocket.OPEN) return;
    if (this.prefix) {
      // MSG_SYNC (0) with a step other than step 1 (0): Hocuspocus answers it with a SyncStatus.
      if (frame[0] === 0 && frame[1] !== 0) this.syncSent++;
      const out = Buffer.allocUnsafe(this.prefix.length + frame.length);
      out.set(this.prefix, 0);
      out.set(frame, this.prefix.length);
      this.ws.send(out);
    } else {
      this.ws.send(frame);
    }
  }

  close() {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.close();
  }

  terminate() {
    this.ws.terminate();
  }
}

/** A real provider with its own Y.Doc: ours' connectPage (y-websocket + saved), y-websocket's WebsocketProvider, or HocuspocusProvider. */
export interface RealClient {
  doc: Y.Doc;
  whenSynced(timeoutMs: number): Promise<void>;
  destroy(): void;
}

export function realClient(target: Target, doc: string): RealClient {
  const ydoc = new Y.Doc();
  let synced = false;
  const waiters: (() => void)[] = [];
  const done = () => {
    synced = true;
    for (const w of waiters.splice(0)) w();
  };
  let destroy: () => void;
  if (target.kind === "hocuspocus") {
    const socket = new HocuspocusProviderWebsocket({ url: target.ws, WebSocketPolyfill: WebSocket });
    const provider = new HocuspocusProvider({ websocketProvider: socket, name: doc, document: ydoc, token: "bench" });
    provider.on("synced", () => done());
    // A provider given its own socket must be attached to it.
    provider.attach();
    destroy = () => {
      provider.destroy();
      socket.destroy();
    };
  } else if (target.kind === "ours" || target.kind === "ours-off") {
    // The product's own client (collab/client.ts): y-websocket plus the saved message.
    const page = connectPage({ url: target.ws, pageId: doc, doc: ydoc, token: target.token, WebSocketPolyfill: WebSocket });
    page.provider.on("sync", (isSynced: boolean) => isSynced && done());
    destroy = () => page.destroy();
  } else {
    const provider = new WebsocketProvider(target.ws, doc, ydoc, { WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket, disableBc: true });
    if (target.kind === "relay") provider.on("status", (e: { status: string }) => e.status === "connected" && done());
    else provider.on("sync", (isSynced: boolean) => isSynced && done());
    destroy = () => provider.destroy();
  }
  return {
    doc: ydoc,
    whenSynced: (timeoutMs) =>
      synced
        ? Promise.resolve()
        : new Promise<void>((resolve, reject) => {
            const timer = setTimeout(() => reject(new Error(`${target.kind}: real client not synced after ${timeoutMs} ms`)), timeoutMs);
            waiters.push(() => {
              clearTimeout(timer);
              resolve();
            });
          }),
    destroy() {
      destroy();
      ydoc.destroy();
    },
  };
}

/** True when the two documents hold the same items and the same deletions. */
export function sameDocument(a: Y.Doc, b: Y.Doc): boolean {
  return Y.equalSnapshots(Y.snapshot(a), Y.snapshot(b)) && a.getXmlFragment("default").toString() === b.getXmlFragment("default").toString();
}

/** Whether `doc` holds every struct up to `stateVector`. */
export function covers(doc: Y.Doc, stateVector: Map<number, number>): boolean {
  for (const [client, clock] of stateVector) if (Y.getState(doc.store, client) < clock) return false;
  return true;
}
