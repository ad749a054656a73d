import { Awareness, applyAwarenessUpdate, encodeAwarenessUpdate as encodeAwarenessStates, removeAwarenessStates } from "y-protocols/awareness";
import * as Y from "yjs";
import type { Sql } from "../db/client.ts";
import { CLOSE } from "./close-codes.ts";
import { DocumentOutOfBounds, PageNotFound, type CollabLogger } from "./hooks.ts";
import { encodeAwarenessMessage, encodeAwarenessUpdate, encodeUpdateMessage, type AwarenessEntry } from "./protocol.ts";
import type { LogWriter } from "./log-writer.ts";
import type { RenderQueue } from "./render-queue.ts";
import type { TaskQueue } from "./task-queue.ts";
import { DocumentQuota, type DocumentFormat } from "./update-bounds.ts";
import { applyStoredState, compactPageLog, isMissingPage, writeDerivedContent, type LogRow } from "./storage.ts";

/** A live connection as the document sees it (collab/connection.ts). */
export interface Peer {
  /** Whose edits arrive through this peer: page_updates.author_id. */
  readonly authorId: string | null;
  /** Awareness client ids this peer owns (set by the document). */
  readonly awarenessClients: Set<number>;
  send(message: Uint8Array): void;
  /** After every commit: acknowledge to the client what became durable. */
  committed(): void;
  close(code: number, reason: string): void;
}

/** The origin of a change made by server code (PageDocuments.applyUpdate). */
export interface SystemOrigin {
  readonly authorId: string | null;
}

export interface DocumentOptions {
  /**
   * Group-commit window: updates arriving within it go to PostgreSQL together. 0 (the default):
   * none; every page's flushes of one turn of the event loop still share the log writer's statement,
   * and updates arriving while a page's write is in flight go in its next one.
   */
  flushDelayMs: number;
  /** At most one derived-content (text, HTML) write per page per interval. */
  renderIntervalMs: number;
  /** The quiet-period version becomes due this long after the last write. */
  versionQuietMs: number;
  /** Compact the page's log once it holds more rows than this. */
  compactAfterRows: number;
  /** Unsaved bytes a page may hold in memory (database slow or down) before writers are turned away. */
  maxPendingBytes: number;
  retryInitialMs: number;
  retryMaxMs: number;
  /** Hook: the document's plain text and HTML (search, server rendering), written shortly after edits. */
  render: (doc: Y.Doc) => { text: string; html: string };
  /** Hook: what the document may hold; every change is checked against it before it is applied. */
  format: DocumentFormat;
}

/** What one connection may put into a document's awareness (collab's own bounds, docs/access.md "Resource bounds"). */
export const AWARENESS_LIMITS = {
  /** One awareness state (caret, selection, user) as JSON. */
  maxStateBytes: 8 * 1024,
  /** Awareness client ids one connection may own (an editor has one). */
  maxClientsPerConnection: 1,
} as const;

/** What every live document of a process shares (collab/registry.ts makes one). */
export interface SharedByDocuments {
  /** Their flushes commit together. */
  writer: LogWriter;
  /** Their background renders take turns, and so do their compactions. */
  renders: RenderQueue;
  compactions: TaskQueue;
  /**
   * Told, once stored, who an update by `authorId` mentions in the page (collab/update-bounds.ts
   * reads the mentions; server/wiki/page-mentions.ts decides who may be notified).
   */
  mentions: { handler: ((pageId: string, authorId: string, userIds: string[]) => void) | null };
}

const LOADING = Symbol("loading");
/** Changes from other processes or read back from PostgreSQL (collab/relay.ts): sent to local clients, never stored again. */
const REMOTE = Symbol("remote");

/** The multi-process hooks of a document (collab/relay.ts's Replica); null with one process. */
export interface DocumentReplica {
  publishUpdate(update: Uint8Array): void;
  publishAwareness(update: Uint8Array): void;
  /** These updates were committed to the log by this process. */
  committed(updates: Uint8Array[]): void;
}

/**
 * One page's in-memory Y.Doc with its connections, awareness and write-behind log.
 *
 * Every change (from a connection or from server code) becomes a pending log entry; one write
 * per page is in flight at a time and carries everything pending when it starts (group commit).
 * Positions count entries: `appendedSeq` what the document holds, `committedSeq` what is in
 * PostgreSQL. A failed write puts its batch back in front, is logged, and is retried with
 * backoff; nothing is acknowledged before its commit.
 */
export class LiveDocument {
  readonly doc = new Y.Doc();
  readonly awareness = new Awareness(this.doc);
  readonly peers = new Set<Peer>();
  /** The document's format and bounds (the `format` hook): every change is checked before it is applied. */
  private readonly quota: DocumentQuota;
  /** Entries the document holds / PostgreSQL holds. */
  appendedSeq = 0;
  committedSeq = 0;
  /** Per client id, the clock up to which its structs are in PostgreSQL. */
  durable = new Map<number, number>();
  /** Uncompacted log rows in PostgreSQL (approximate: other processes may append too). */
  logRows = 0;
  /** Set when the page row disappeared: the document must not be used again. */
  gone = false;
  private destroyed = false;

  private pending: LogRow[] = [];
  private pendingBytes = 0;
  private writing: Promise<void> | null = null;
  private flushTimer: NodeJS.Timeout | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private failures = 0;
  private waiters: { seq: number; resolve: () => void; reject: (error: Error) => void }[] = [];
  private renderDirty = false;
  private renderTimer: NodeJS.Timeout | null = null;
  private lastRenderAt = 0;
  private rendering: Promise<void> = Promise.resolve();
  /** A compaction queued or running; `compactionRunning` while it holds the page's log. */
  private compacting: Promise<void> | null = null;
  private compactionRunning = false;
  private awarenessOwners = new Map<number, Peer>();
  /** Mentions added by log entries not yet committed (seq: the entry's position). */
  private pendingMentions: { seq: number; authorId: string; userIds: string[] }[] = [];
  /** Several processes: the page's channel and anti-entropy (collab/relay.ts), set by the registry. */
  replica: DocumentReplica | null = null;

  constructor(
    readonly pageId: string,
    private readonly sql: Sql,
    private readonly log: CollabLogger,
    private readonly options: DocumentOptions,
    private readonly shared: SharedByDocuments,
  ) {
    this.quota = new DocumentQuota(this.doc, options.format);
    this.awareness.setLocalState(null);
    this.doc.on("update", (update: Uint8Array, origin: unknown) => this.onUpdate(update, origin));
    this.awareness.on("update", (changes: { added: number[]; updated: number[]; removed: number[] }, origin: unknown) =>
      this.onAwareness(changes, origin),
    );
  }

  /** Reads the stored state. Everything loaded is durable. */
  async load(): Promise<void> {
    const [page] = await this.sql`select 1 from pages where id = ${this.pageId}`;
    if (!page) throw new PageNotFound();
    this.logRows = await applyStoredState(this.sql, this.pageId, this.doc, LOADING);
    this.durable = Y.decodeStateVector(Y.encodeStateVector(this.doc));
    this.quota.reset();
    // A crash may have come between a commit and its render; bring the derived content up to date once.
    if (this.logRows > 0) this.markRenderDirty();
  }

  get hasUnsavedWork() {
    return this.pending.length > 0 || this.writing !== null || this.renderDirty;
  }

  /**
   * Applies a change made by `origin` (a peer or server code); throws on a malformed update, and
   * throws DocumentOutOfBounds, applying nothing, on one that does not fit the page's schema and
   * bounds (collab/update-bounds.ts). `decoded` saves decoding twice.
   */
  apply(update: Uint8Array, origin: Peer | SystemOrigin, decoded?: ReturnType<typeof Y.decodeUpdate>) {
    const check = this.quota.check(update, decoded);
    const before = this.appendedSeq;
    Y.applyUpdate(this.doc, update, origin);
    this.quota.accept(update, check);
    const authorId = (origin as { authorId?: string | null } | null)?.authorId ?? null;
    // Only a change that became a log entry, by a known author, notifies; once it is committed.
    if (check.mentions.length && authorId && this.appendedSeq > before) {
      this.pendingMentions.push({ seq: this.appendedSeq, authorId, userIds: [...new Set(check.mentions)] });
    }
  }

  /** True when too much is waiting for the database to take more writes. */
  get backlogFull() {
    return this.pendingBytes > this.options.maxPendingBytes;
  }

  private onUpdate(update: Uint8Array, origin: unknown) {
    if (origin === LOADING) return;
    if (origin === REMOTE) {
      const remote = encodeUpdateMessage(update);
      for (const peer of this.peers) peer.send(remote);
      return;
    }
    this.replica?.publishUpdate(update);
    const authorId = (origin as { authorId?: string | null } | null)?.authorId ?? null;
    this.pending.push({ update, authorId });
    this.pendingBytes += update.byteLength;
    this.appendedSeq++;
    const message = encodeUpdateMessage(update);
    for (const peer of this.peers) if (peer !== origin) peer.send(message);
    this.scheduleFlush();
  }

  attach(peer: Peer) {
    this.peers.add(peer);
  }

  detach(peer: Peer) {
    if (!this.peers.delete(peer)) return;
    if (peer.awarenessClients.size) removeAwarenessStates(this.awareness, [...peer.awarenessClients], peer);
  }

  /**
   * Applies awareness entries from `peer`, with `user` stamped over whatever the client claimed.
   * A client id already owned by another connection is ignored (no spoofing others' cursors).
   */
  applyAwareness(peer: Peer, entries: AwarenessEntry[], user: Record<string, unknown>) {
    const accepted: AwarenessEntry[] = [];
    let owned = peer.awarenessClients.size;
    for (const entry of entries) {
      if (entry.state !== null && Buffer.byteLength(JSON.stringify(entry.state)) > AWARENESS_LIMITS.maxStateBytes) {
        throw new DocumentOutOfBounds("awareness", `An awareness state is larger than ${AWARENESS_LIMITS.maxStateBytes / 1024} KB.`);
      }
      const owner = this.awarenessOwners.get(entry.clientId);
      if (owner && owner !== peer) continue;
      if (!owner && entry.state === null) continue;
      // One awareness client per connection (an editor has one); further ids are ignored.
      if (!owner && owned >= AWARENESS_LIMITS.maxClientsPerConnection) continue;
      if (!owner) owned++;
      accepted.push({ ...entry, state: entry.state === null ? null : { ...entry.state, user } });
    }
    if (accepted.length) applyAwarenessUpdate(this.awareness, encodeAwarenessUpdate(accepted), peer);
  }

  /** Every current awareness state, for a client that just connected or asked. */
  awarenessMessage(): Uint8Array | null {
    const clients = [...this.awareness.getStates().keys()];
    return clients.length ? encodeAwarenessMessage(encodeAwarenessStates(this.awareness, clients)) : null;
  }

  private onAwareness({ added, updated, removed }: { added: number[]; updated: number[]; removed: number[] }, origin: unknown) {
    const peer = this.peers.has(origin as Peer) ? (origin as Peer) : null;
    if (peer) {
      for (const id of [...added, ...updated]) {
        this.awarenessOwners.set(id, peer);
        peer.awarenessClients.add(id);
      }
    }
    for (const id of removed) {
      this.awarenessOwners.get(id)?.awarenessClients.delete(id);
      this.awarenessOwners.delete(id);
    }
    const changed = [...added, ...updated, ...removed];
    const states = encodeAwarenessStates(this.awareness, changed);
    if (origin !== REMOTE) this.replica?.publishAwareness(states);
    const message = encodeAwarenessMessage(states);
    for (const p of this.peers) p.send(message);
  }

  /** Several processes: an update another process applied, or one read back from the log. Not stored again. */
  applyRemote(update: Uint8Array) {
    Y.applyUpdate(this.doc, update, REMOTE);
  }

  /** Several processes: awareness changes of another process's clients. */
  applyRemoteAwareness(update: Uint8Array) {
    applyAwarenessUpdate(this.awareness, update, REMOTE);
  }

  /**
   * Several processes: writes structs the document already holds but PostgreSQL lacks (their
   * writer died before its commit; collab/relay.ts). Goes out like any change, acknowledged likewise.
   */
  store(update: Uint8Array) {
    if (this.gone || this.destroyed) return;
    this.pending.push({ update, authorId: null });
    this.pendingBytes += update.byteLength;
    this.appendedSeq++;
    this.scheduleFlush();
  }

  /** Several processes: `durable` moved without a commit of ours; acknowledge what it covers. */
  durableAdvanced() {
    for (const peer of this.peers) peer.committed();
  }

  /** Resolves once every entry up to `seq` is in PostgreSQL. */
  whenDurable(seq = this.appendedSeq): Promise<void> {
    if (seq <= this.committedSeq) return Promise.resolve();
    if (this.gone) return Promise.reject(new PageNotFound());
    return new Promise((resolve, reject) => this.waiters.push({ seq, resolve, reject }));
  }

  /** Writes everything pending now (no group-commit wait) and resolves once it is durable. */
  settle(): Promise<void> {
    if (this.flushTimer) {
      clearTimeout(this.flushTimer);
      this.flushTimer = null;
      void this.flush();
    }
    return this.whenDurable();
  }

  private scheduleFlush() {
    if (this.flushTimer || this.writing || this.retryTimer) return;
    // No window: the log writer still gathers every page's flushes of this turn into one statement.
    if (this.options.flushDelayMs <= 0) return void this.flush();
    this.flushTimer = setTimeout(() => {
      this.flushTimer = null;
      void this.flush();
    }, this.options.flushDelayMs);
  }

  private async flush(): Promise<void> {
    if (this.writing || !this.pending.length || this.gone) return;
    // Compaction holds this page's log lock: a batch holding our rows would wait on it, and every
    // other page in that batch with it. Our rows wait instead, and go out as soon as it is done.
    if (this.compactionRunning) return;
    const batch = this.pending;
    const bytes = this.pendingBytes;
    this.pending = [];
    this.pendingBytes = 0;
    // Everything the document holds now is in this batch or already committed.
    const cutSeq = this.appendedSeq;
    const cutState = Y.encodeStateVector(this.doc);
    const rows = groupByAuthor(batch);
    this.writing = this.shared.writer.append(this.pageId, rows, this.options.versionQuietMs).then(
      () => {
        this.writing = null;
        this.failures = 0;
        this.committed(cutSeq, cutState, rows);
      },
      (error: unknown) => {
        this.writing = null;
        this.pending = batch.concat(this.pending);
        this.pendingBytes += bytes;
        if (isMissingPage(error)) return this.discard();
        this.failures++;
        const retryInMs = Math.min(this.options.retryInitialMs * 2 ** (this.failures - 1), this.options.retryMaxMs);
        this.log.error({ err: error, pageId: this.pageId, attempt: this.failures, retryInMs, unsavedUpdates: this.pending.length },
          "page update write failed; kept in memory, retrying");
        this.retryTimer = setTimeout(() => {
          this.retryTimer = null;
          void this.flush();
        }, retryInMs);
      },
    );
    await this.writing;
    // Updates that arrived during the write have waited long enough: next batch now.
    if (this.pending.length && !this.retryTimer) void this.flush();
  }

  private committed(cutSeq: number, cutState: Uint8Array, rows: LogRow[]) {
    this.committedSeq = cutSeq;
    // With several processes the document also holds what others have not stored yet: only what
    // was written counts (collab/relay.ts, DurableClocks).
    if (this.replica) this.replica.committed(rows.map((r) => r.update));
    else this.durable = Y.decodeStateVector(cutState);
    this.logRows += rows.length;
    const done = this.waiters.filter((w) => w.seq <= cutSeq);
    this.waiters = this.waiters.filter((w) => w.seq > cutSeq);
    for (const w of done) w.resolve();
    if (this.pendingMentions.length) {
      const stored = this.pendingMentions.filter((m) => m.seq <= cutSeq);
      this.pendingMentions = this.pendingMentions.filter((m) => m.seq > cutSeq);
      for (const m of stored) this.shared.mentions.handler?.(this.pageId, m.authorId, m.userIds);
    }
    for (const peer of this.peers) peer.committed();
    this.markRenderDirty();
    if (this.logRows > this.options.compactAfterRows) this.compact();
  }

  /** The page row was deleted while the document was open: nothing can be saved any more. */
  private discard() {
    this.gone = true;
    this.log.warn({ pageId: this.pageId, unsavedUpdates: this.pending.length }, "page deleted while open; dropping its live document");
    this.pending = [];
    this.pendingBytes = 0;
    this.renderDirty = false;
    for (const w of this.waiters) w.reject(new PageNotFound());
    this.waiters = [];
    for (const peer of [...this.peers]) peer.close(CLOSE.NOT_FOUND, "page not found");
  }

  private markRenderDirty() {
    if (this.destroyed) return;
    this.renderDirty = true;
    if (this.renderTimer) return;
    const delay = Math.max(0, this.lastRenderAt + this.options.renderIntervalMs - Date.now());
    this.renderTimer = setTimeout(() => {
      this.renderTimer = null;
      this.shared.renders.add(this);
    }, delay);
  }

  /** Writes the derived text and HTML now if the document changed since the last render. */
  render(): Promise<void> {
    if (this.renderTimer) {
      clearTimeout(this.renderTimer);
      this.renderTimer = null;
    }
    if (!this.renderDirty || this.gone || this.destroyed) return this.rendering;
    this.renderDirty = false;
    this.lastRenderAt = Date.now();
    let content: { text: string; html: string };
    try {
      content = this.options.render(this.doc);
    } catch (error) {
      this.log.error({ err: error, pageId: this.pageId }, "rendering page content failed");
      return this.rendering;
    }
    this.rendering = this.rendering.then(() =>
      writeDerivedContent(this.sql, this.pageId, content).catch((error: unknown) => {
        this.log.error({ err: error, pageId: this.pageId }, "writing page content failed; retrying later");
        this.markRenderDirty();
      }),
    );
    return this.rendering;
  }

  /**
   * Merges the log into page_states, in the background: one compaction per page at a time, and
   * one per process at a time (the shared queue). While it runs, this page's new rows wait for it
   * (see flush); while it only waits in the queue, they go out as usual.
   */
  compact(): Promise<void> {
    this.compacting ??= this.shared.compactions
      .run(async () => {
        this.compactionRunning = true;
        try {
          // A write already on its way would wait on our lock, and its whole batch with it.
          await this.writing;
          for (;;) {
            const result = await compactPageLog(this.sql, this.pageId);
            this.logRows = Math.max(0, this.logRows - result.merged);
            if (!result.more) break;
          }
        } catch (error) {
          this.log.error({ err: error, pageId: this.pageId }, "compacting the page log failed");
        } finally {
          this.compactionRunning = false;
          this.compacting = null;
        }
      })
      .then(() => {
        if (this.pending.length && !this.writing && !this.retryTimer) void this.flush();
      });
    return this.compacting;
  }

  /** Everything written: log, derived content, running compaction. Retries until the database answers. */
  async quiesce(): Promise<void> {
    await this.settle();
    await this.render();
    await this.compacting;
  }

  destroy() {
    this.destroyed = true;
    for (const timer of [this.flushTimer, this.retryTimer, this.renderTimer]) if (timer) clearTimeout(timer);
    this.awareness.destroy();
    this.doc.destroy();
  }
}

/** Updates merged into one log row at most; Y.mergeUpdates grows faster than linearly. */
const MAX_UPDATES_PER_ROW = 100;

/** Few log rows per batch: the updates of one author merged (Yjs updates commute), in bounded groups. */
function groupByAuthor(batch: LogRow[]): LogRow[] {
  const byAuthor = new Map<string | null, Uint8Array[]>();
  for (const row of batch) {
    const list = byAuthor.get(row.authorId) ?? [];
    list.push(row.update);
    byAuthor.set(row.authorId, list);
  }
  const rows: LogRow[] = [];
  for (const [authorId, updates] of byAuthor) {
    for (let i = 0; i < updates.length; i += MAX_UPDATES_PER_ROW) {
      const group = updates.slice(i, i + MAX_UPDATES_PER_ROW);
      rows.push({ authorId, update: group.length === 1 ? group[0]! : Y.mergeUpdates(group) });
    }
  }
  return rows;
}
