import { randomBytes } from "node:crypto";
import * as Y from "yjs";
import type { Sql } from "../db/client.ts";
import type { LiveDocument } from "./live-document.ts";

/**
 * Live pages across processes (docs/architecture.md, "Several processes"; decision 024).
 *
 * Every process holding a page's document subscribes to the page's channel before it loads the
 * document from PostgreSQL, so nothing falls between load and subscribe (Yjs updates are
 * idempotent). What a process's own clients send is applied, written to the log by that process
 * alone (as with one process) and published on the channel; what arrives on the channel is
 * applied and sent to local clients, never written again. Redis is the fast path, never the only
 * one: on a timer and whenever Redis comes back, each process reads what PostgreSQL's log gained
 * since it last looked (anti-entropy), applies what it missed, and learns what is durable. A
 * struct it holds that no process wrote (its writer died before the commit) is written by it
 * after one more round.
 */

/** What the relay needs from a pub/sub connection (server/boot.ts gives it Redis). */
export interface RelayTransport {
  publish(channel: string, message: Buffer): Promise<unknown>;
  subscribe(channel: string, handler: (message: Buffer) => void): Promise<void>;
  unsubscribe(channel: string): Promise<void>;
  /** The connection came back after a loss (and ioredis subscribed again). */
  onReconnect(listener: () => void): () => void;
}

const KIND_UPDATE = 0;
const KIND_AWARENESS = 1;
const SENDER_BYTES = 8;
/** Longest a load waits for its subscription while Redis is away; anti-entropy covers the rest. */
const SUBSCRIBE_WAIT_MS = 1000;
/** Log rows read per anti-entropy round and page (the next round reads on). */
const SYNC_ROWS = 2000;

export interface PageRelay {
  /** Subscribes to the page's channel; resolves once subscribed, or after a bounded wait while Redis is away. */
  join(pageId: string, receive: (kind: "update" | "awareness", payload: Uint8Array) => void): Promise<void>;
  leave(pageId: string): void;
  publish(pageId: string, kind: "update" | "awareness", payload: Uint8Array): void;
  onReconnect(listener: () => void): () => void;
}

export function createPageRelay(transport: RelayTransport, onError: (error: unknown) => void): PageRelay {
  const self = randomBytes(SENDER_BYTES);
  const channel = (pageId: string) => `dealroom:page:${pageId}`;
  return {
    async join(pageId, receive) {
      const subscribed = transport.subscribe(channel(pageId), (message) => {
        if (message.length < 1 + SENDER_BYTES || self.equals(message.subarray(1, 1 + SENDER_BYTES))) return;
        const payload = new Uint8Array(message.buffer, message.byteOffset + 1 + SENDER_BYTES, message.length - 1 - SENDER_BYTES);
        receive(message[0] === KIND_AWARENESS ? "awareness" : "update", payload);
      });
      subscribed.catch(onError);
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([subscribed.catch(() => {}), new Promise<void>((resolve) => (timer = setTimeout(resolve, SUBSCRIBE_WAIT_MS)))]);
      clearTimeout(timer);
    },
    leave(pageId) {
      void transport.unsubscribe(channel(pageId)).catch(() => {});
    },
    publish(pageId, kind, payload) {
      const message = Buffer.allocUnsafe(1 + SENDER_BYTES + payload.byteLength);
      message[0] = kind === "awareness" ? KIND_AWARENESS : KIND_UPDATE;
      self.copy(message, 1);
      message.set(payload, 1 + SENDER_BYTES);
      // Lost while Redis is away: the others read it from PostgreSQL at their next round.
      transport.publish(channel(pageId), message).catch(() => {});
    },
    onReconnect: (listener) => transport.onReconnect(listener),
  };
}

/**
 * Which structs of each client are in PostgreSQL: `clocks` (the document's `durable` map: every
 * struct below the clock is stored) plus stored ranges above it that a gap still separates from
 * it (a process that died before writing what came before them).
 */
export class DurableClocks {
  private above = new Map<number, [number, number][]>();

  constructor(private readonly clocks: Map<number, number>) {}

  /** Records that the structs of `update` are stored. */
  addUpdate(update: Uint8Array) {
    const { from, to } = Y.parseUpdateMeta(update);
    for (const [client, start] of from) this.add(client, start, to.get(client) ?? start);
  }

  add(client: number, start: number, end: number) {
    let clock = this.clocks.get(client) ?? 0;
    if (end <= clock) return;
    const ranges = this.above.get(client) ?? [];
    if (start > clock) {
      ranges.push([start, end]);
      ranges.sort((a, b) => a[0] - b[0]);
      this.above.set(client, ranges);
      return;
    }
    clock = end;
    while (ranges.length && ranges[0]![0] <= clock) clock = Math.max(clock, ranges.shift()![1]);
    if (ranges.length) this.above.set(client, ranges);
    else this.above.delete(client);
    this.clocks.set(client, clock);
  }
}

/** The multi-process side of one LiveDocument: its channel, its anti-entropy, its durable clocks. */
export class Replica {
  /** The last log row of the page this process has read (or loaded). */
  private lastSeq = "0";
  private loaded = false;
  private closed = false;
  private early: { kind: "update" | "awareness"; payload: Uint8Array }[] = [];
  private durable: DurableClocks | null = null;
  private syncing: Promise<void> | null = null;
  /** Per client, the clock its gap (held here, not known stored) reached at the previous round. */
  private gaps = new Map<number, number>();

  constructor(
    private readonly doc: LiveDocument,
    private readonly sql: Sql,
    private readonly relay: PageRelay,
    private readonly onError: (error: unknown) => void,
  ) {}

  /** Before the load: subscribe, then note how far the log goes (the load reads at least that far). */
  async beforeLoad() {
    await this.relay.join(this.doc.pageId, (kind, payload) => this.receive(kind, payload));
    const [row] = await this.sql<{ seq: string }[]>`
      select greatest(coalesce((select max(seq) from page_updates where page_id = ${this.doc.pageId}), 0),
                      coalesce((select merged_seq from page_states where page_id = ${this.doc.pageId}), 0))::text as seq`;
    this.lastSeq = row?.seq ?? "0";
  }

  /** After the load: what arrived meanwhile is applied now (it is not durable as far as we know). */
  afterLoad() {
    this.loaded = true;
    this.durable = new DurableClocks(this.doc.durable);
    const early = this.early;
    this.early = [];
    for (const { kind, payload } of early) this.receive(kind, payload);
  }

  private receive(kind: "update" | "awareness", payload: Uint8Array) {
    if (this.closed) return;
    if (!this.loaded) return void this.early.push({ kind, payload: payload.slice() });
    try {
      if (kind === "update") this.doc.applyRemote(payload);
      else this.doc.applyRemoteAwareness(payload);
    } catch (error) {
      this.onError(error);
    }
  }

  publishUpdate(update: Uint8Array) {
    if (!this.closed) this.relay.publish(this.doc.pageId, "update", update);
  }

  publishAwareness(update: Uint8Array) {
    if (!this.closed) this.relay.publish(this.doc.pageId, "awareness", update);
  }

  /** This process committed these updates to the log. */
  committed(updates: Uint8Array[]) {
    for (const update of updates) this.durable?.addUpdate(update);
  }

  /** One anti-entropy round (one at a time per page). */
  sync(): Promise<void> {
    if (this.closed || !this.loaded) return Promise.resolve();
    this.syncing ??= this.round()
      .catch(this.onError)
      .finally(() => (this.syncing = null));
    return this.syncing;
  }

  private async round() {
    const pageId = this.doc.pageId;
    const since = this.lastSeq;
    const { state, mergedSeq, rows } = await this.sql.begin("isolation level repeatable read read only", async (tx) => {
      const [s] = await tx<{ mergedSeq: string; state: Buffer | null }[]>`
        select merged_seq::text as "mergedSeq", case when merged_seq > ${since} then state end as state
        from page_states where page_id = ${pageId}`;
      const r = await tx<{ seq: string; update: Buffer }[]>`
        select seq::text, update from page_updates where page_id = ${pageId} and seq > ${since} order by seq limit ${SYNC_ROWS}`;
      return { state: s?.state ?? null, mergedSeq: s?.mergedSeq ?? "0", rows: r };
    });
    if (this.closed) return;
    let last = BigInt(since);
    if (state) {
      this.doc.applyRemote(state);
      this.durable?.addUpdate(state);
      if (BigInt(mergedSeq) > last) last = BigInt(mergedSeq);
    }
    for (const row of rows) {
      this.doc.applyRemote(row.update);
      this.durable?.addUpdate(row.update);
      if (BigInt(row.seq) > last) last = BigInt(row.seq);
    }
    this.lastSeq = last.toString();
    if (state || rows.length) this.doc.durableAdvanced();
    if (rows.length < SYNC_ROWS) this.repairOrphans();
  }

  /**
   * Structs this document holds beyond what is stored, for clients whose gap was already there at
   * the previous round and has not closed: their writer died before its commit. Written by this
   * process (a duplicate, should the writer only have been slow, is harmless: Yjs updates are
   * idempotent).
   */
  private repairOrphans() {
    const held = Y.decodeStateVector(Y.encodeStateVector(this.doc.doc));
    const gaps = new Map<number, number>();
    let stale = false;
    for (const [client, clock] of held) {
      const stored = this.doc.durable.get(client) ?? 0;
      if (clock <= stored) continue;
      gaps.set(client, clock);
      const before = this.gaps.get(client);
      if (before !== undefined && stored < before) stale = true;
    }
    this.gaps = gaps;
    // (Our own edits on their way to the log are in `missing` too: written twice, harmlessly.)
    if (!stale) return;
    const missing = Y.encodeStateAsUpdate(this.doc.doc, Y.encodeStateVector(this.doc.durable));
    this.doc.store(missing);
    this.gaps = new Map();
  }

  close() {
    if (this.closed) return;
    this.closed = true;
    this.early = [];
    this.relay.leave(this.doc.pageId);
  }
}
