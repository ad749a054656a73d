import { WebSocket, type RawData } from "ws";
import * as Y from "yjs";
import type { Grant, Subject } from "./authorize.ts";
import { CLOSE } from "./close-codes.ts";
import { DocumentOutOfBounds, type CollabLogger } from "./hooks.ts";
import type { LiveDocument, Peer } from "./live-document.ts";
import {
  MalformedMessage,
  decodeClientMessage,
  encodeSavedMessage,
  encodeSyncStep1,
  encodeSyncStep2,
  mergeDeleteRanges,
  type ClientMessage,
  type DeleteRanges,
} from "./protocol.ts";

export interface ConnectionLimits {
  /** Messages a client may send before its connection is authorized (y-websocket sends two). */
  maxQueuedMessages: number;
  maxQueuedBytes: number;
  /** Outgoing bytes a slow client may let pile up before it is cut off. */
  maxBufferedBytes: number;
}

/** A refusal this connection made after it was authorized (collab/server.ts hands it to the `onRefused` hook). */
export type ConnectionRefusal = { kind: "write" } | { kind: "bounds"; bound: string; code: number; reason: string };

/**
 * One websocket on /collab/<pageId>. Messages that arrive before the upgrade is decided wait in
 * a bounded queue; afterwards each goes through the one decode point (decodeClientMessage), and
 * anything malformed closes only this connection.
 */
export class Connection implements Peer {
  readonly awarenessClients = new Set<number>();
  /** Set by an access change that arrived while the upgrade was being decided. */
  invalidated = false;
  grant: Grant | null = null;
  /**
   * Whether the client asked for MESSAGE_SAVED (`?saved=1`, what Dealroom's own client sends).
   * A stock y-websocket provider does not know type 100 and logs every one it gets.
   */
  wantsSaved = false;
  document: LiveDocument | null = null;
  /** Client ids whose structs this connection wrote: the saved message reports their durable clocks. */
  private writtenClients = new Set<number>();
  /** Write messages not yet acknowledged: the document position they need, and their deletions. */
  private unacked: { seq: number; deletes: DeleteRanges }[] = [];
  private queue: Buffer[] = [];
  private queuedBytes = 0;
  private closed = false;
  /** A dropped write is reported once per connection: a read-only client that keeps sending is one refusal. */
  private writeRefused = false;
  alive = true;

  constructor(
    readonly ws: WebSocket,
    readonly subject: Subject,
    private readonly limits: ConnectionLimits,
    private readonly log: CollabLogger,
    /** Called once when this connection is closed by either side. */
    private readonly onClosed: (connection: Connection) => void,
    /** Called for each refusal made after the upgrade (a dropped write once, a bounds refusal). */
    private readonly onRefused: (connection: Connection, refusal: ConnectionRefusal) => void = () => {},
  ) {
    ws.binaryType = "nodebuffer";
    ws.on("message", (data: RawData, isBinary: boolean) => this.receive(data as Buffer, isBinary));
    ws.on("pong", () => (this.alive = true));
    // Oversized frames and protocol errors arrive here; ws closes the socket itself (1009, 1002).
    ws.on("error", (error) => this.log.debug({ err: error, pageId: subject.pageId }, "collab socket error"));
    ws.on("close", () => this.finish());
  }

  get authorId() {
    return this.grant?.user.id ?? null;
  }

  get isOpen() {
    return !this.closed;
  }

  /** Starts serving the page: sync step 1 to writers, everyone's awareness, then what was queued. */
  open(grant: Grant, document: LiveDocument) {
    if (this.closed) return;
    this.grant = grant;
    this.document = document;
    document.attach(this);
    if (grant.access.canWrite) this.send(encodeSyncStep1(document.doc));
    const awareness = document.awarenessMessage();
    if (awareness) this.send(awareness);
    const queued = this.queue;
    this.queue = [];
    this.queuedBytes = 0;
    for (const data of queued) {
      if (this.closed) break;
      this.handle(data);
    }
  }

  private receive(data: Buffer, isBinary: boolean) {
    if (this.closed) return;
    if (!isBinary) return this.close(CLOSE.BAD_MESSAGE, "binary messages only");
    if (!this.document) {
      this.queue.push(data);
      this.queuedBytes += data.byteLength;
      if (this.queue.length > this.limits.maxQueuedMessages || this.queuedBytes > this.limits.maxQueuedBytes) {
        this.close(CLOSE.BAD_MESSAGE, "too many messages before authorization");
      }
      return;
    }
    this.handle(data);
  }

  /** Whatever a message does wrong, only this connection pays: it is closed, the process goes on. */
  private handle(data: Buffer) {
    try {
      this.dispatch(decodeClientMessage(data));
    } catch (error) {
      if (error instanceof DocumentOutOfBounds) {
        // Nothing of it was applied; the client learns which bound it hit (the reason is at most 123 bytes).
        this.log.info({ pageId: this.subject.pageId, bound: error.bound }, "collab update refused: out of bounds");
        const code = error.bound === "size" ? CLOSE.TOO_LARGE : CLOSE.OUT_OF_BOUNDS;
        const reason = closeReason(error.message);
        this.close(code, reason);
        return this.onRefused(this, { kind: "bounds", bound: error.bound, code, reason });
      }
      if (!(error instanceof MalformedMessage)) this.log.warn({ err: error, pageId: this.subject.pageId }, "collab message failed");
      this.close(CLOSE.BAD_MESSAGE, "malformed message");
    }
  }

  private dispatch(message: ClientMessage) {
    const document = this.document!;
    const grant = this.grant!;
    switch (message.type) {
      case "sync-step1":
        this.send(encodeSyncStep2(document.doc, message.stateVector));
        if (grant.access.canWrite && this.wantsSaved) this.watchUnstored(message.stateVector);
        return;
      case "sync-step2":
      case "update":
        // Viewers and commenters read; what they send is neither applied, stored nor relayed.
        if (!grant.access.canWrite) return this.refuseWrite();
        return this.write(message.update);
      case "awareness":
        return document.applyAwareness(this, message.entries, grant.stamp);
      case "query-awareness": {
        const awareness = document.awarenessMessage();
        if (awareness) this.send(awareness);
        return;
      }
    }
  }

  private refuseWrite() {
    if (this.writeRefused) return;
    this.writeRefused = true;
    this.onRefused(this, { kind: "write" });
  }

  private write(update: Uint8Array) {
    const document = this.document!;
    if (document.backlogFull) return this.close(CLOSE.UNAVAILABLE, "saving is behind; try again shortly");
    // Decoding first checks the whole update before any of it reaches the document; both throw on garbage.
    const decoded = Y.decodeUpdate(update);
    document.apply(update, this, decoded);
    if (!this.wantsSaved) return;
    for (const struct of decoded.structs) if (!(struct instanceof Y.Skip)) this.writtenClients.add(struct.id.client);
    this.unacked.push({ seq: document.appendedSeq, deletes: this.appliedDeletes(decoded.ds.clients) });
    this.committed();
  }

  /**
   * The deletions of an update that the document now holds. A deletion of an item the server has
   * not seen waits in Yjs' pending set; it is not acknowledged (it is not stored).
   */
  private appliedDeletes(ds: Map<number, { clock: number; len: number }[]>): DeleteRanges {
    const store = this.document!.doc.store;
    const out: DeleteRanges = new Map();
    for (const [client, ranges] of ds) {
      const known = Y.getState(store, client);
      const kept = ranges
        .map((r) => ({ clock: r.clock, len: Math.min(r.clock + r.len, known) - r.clock }))
        .filter((r) => r.len > 0);
      if (kept.length) out.set(client, kept);
    }
    return out;
  }

  /**
   * A client may hold edits it will not send again: the server already has them (relayed by
   * another process, or sent by an earlier tab whose acknowledgement never arrived; an offline
   * copy keeps them across a closed tab, docs/decisions/029-offline-editing.md). What of its
   * state vector is stored is acknowledged at once; the rest is watched and reported as it
   * becomes stored (collab/relay.ts, `committed`).
   */
  private watchUnstored(stateVector: Uint8Array) {
    const durable = this.document!.durable;
    const stored = new Map<number, number>();
    for (const [client, clock] of Y.decodeStateVector(stateVector)) {
      const durableClock = durable.get(client) ?? 0;
      if (durableClock < clock) {
        this.writtenClients.add(client);
        this.watched.set(client, durableClock);
      } else if (clock > 0) {
        stored.set(client, clock);
      }
    }
    if (stored.size) this.send(encodeSavedMessage(stored, new Map()));
  }

  /** Watched clients (see watchUnstored) and the durable clock last reported for each. */
  private watched = new Map<number, number>();

  /** Acknowledges every write message whose content is now in PostgreSQL (MESSAGE_SAVED). */
  committed() {
    const document = this.document;
    if (document && this.watched.size && !this.unacked.length) return this.reportWatched();
    if (!document || !this.unacked.length || this.unacked[0]!.seq > document.committedSeq) return;
    const acked: DeleteRanges[] = [];
    while (this.unacked.length && this.unacked[0]!.seq <= document.committedSeq) acked.push(this.unacked.shift()!.deletes);
    const clocks = new Map<number, number>();
    for (const client of this.writtenClients) {
      const clock = document.durable.get(client);
      if (clock) clocks.set(client, clock);
    }
    this.send(encodeSavedMessage(clocks, mergeDeleteRanges(acked)));
  }

  private reportWatched() {
    const durable = this.document!.durable;
    const clocks = new Map<number, number>();
    for (const [client, reported] of this.watched) {
      const clock = durable.get(client) ?? 0;
      if (clock > reported) clocks.set(client, clock);
    }
    if (!clocks.size) return;
    for (const [client, clock] of clocks) this.watched.set(client, clock);
    this.send(encodeSavedMessage(clocks, new Map()));
  }

  send(message: Uint8Array) {
    if (this.closed || this.ws.readyState !== WebSocket.OPEN) return;
    if (this.ws.bufferedAmount > this.limits.maxBufferedBytes) {
      this.log.warn({ pageId: this.subject.pageId }, "collab client too slow; disconnecting");
      this.ws.terminate();
      return this.finish();
    }
    this.ws.send(message);
  }

  /** Closes with `code` and stops serving at once: nothing more is applied or relayed. */
  close(code: number, reason: string) {
    if (this.closed) return;
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.close(code, reason);
    this.finish();
  }

  /**
   * For shutdown: sends a close frame but keeps applying what the client sent before it, until the
   * client answers (or `timeoutMs` passes). Resolves when the socket is closed.
   */
  drain(code: number, reason: string, timeoutMs: number): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.ws.terminate(), timeoutMs);
      this.ws.once("close", () => {
        clearTimeout(timer);
        resolve();
      });
      if (this.ws.readyState === WebSocket.OPEN) this.ws.close(code, reason);
    });
  }

  private finish() {
    if (this.closed) return;
    this.closed = true;
    this.queue = [];
    this.document?.detach(this);
    this.onClosed(this);
  }
}

/** A websocket close reason holds at most 123 bytes. */
function closeReason(message: string): string {
  let reason = message;
  while (Buffer.byteLength(reason) > 123) reason = reason.slice(0, -1);
  return reason;
}
