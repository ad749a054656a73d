import * as Y from "yjs";
import type { Sql } from "../db/client.ts";
import type { PageDocuments } from "./documents.ts";
import { DocumentOutOfBounds, PageNotFound, ShuttingDown, type CollabLogger, type DocumentErrors } from "./hooks.ts";
import { LiveDocument, type DocumentOptions, type SharedByDocuments } from "./live-document.ts";
import { LogWriter } from "./log-writer.ts";
import { Replica, type PageRelay } from "./relay.ts";
import { RenderQueue } from "./render-queue.ts";
import { TaskQueue } from "./task-queue.ts";
import { compactPageLog, loadStoredState, pagesWithLongLogs } from "./storage.ts";

export interface RegistryOptions extends DocumentOptions {
  /** How long a document with no connections stays in memory before it is unloaded. */
  idleUnloadMs: number;
  /** How often the background sweep compacts long logs of pages nobody has open. */
  sweepIntervalMs: number;
  /**
   * Several processes (collab/relay.ts): the page channels. Null with one process, which then
   * behaves exactly as before.
   */
  relay: PageRelay | null;
  /** Several processes: how often each loaded page is compared with PostgreSQL's log (anti-entropy). */
  antiEntropyMs: number;
}

/** The registry's hooks: how a page renders, what it may hold, how failures reach the application. */
export interface RegistryHooks extends Pick<DocumentOptions, "render" | "format"> {
  errors?: DocumentErrors;
}

export const DEFAULT_REGISTRY_OPTIONS: Omit<RegistryOptions, keyof RegistryHooks> = {
  flushDelayMs: 0,
  renderIntervalMs: 1000,
  versionQuietMs: 30_000,
  compactAfterRows: 500,
  maxPendingBytes: 32 * 1024 * 1024,
  retryInitialMs: 100,
  retryMaxMs: 5000,
  idleUnloadMs: 5000,
  sweepIntervalMs: 10 * 60_000,
  relay: null,
  antiEntropyMs: 5000,
};

interface Entry {
  doc: LiveDocument;
  replica: Replica | null;
  ready: Promise<void>;
  leases: number;
  idleTimer: NodeJS.Timeout | null;
  unloading: Promise<void> | null;
}

/**
 * The live page documents of this process: one LiveDocument per open page, shared by all its
 * connections and by server code (it is AppContext.documents). Concurrent first users share one
 * load; a document is unloaded when it has had no users for a while and everything is written;
 * whoever arrives during the unload gets the same document.
 */
export class DocumentRegistry implements PageDocuments {
  readonly options: RegistryOptions;
  private entries = new Map<string, Entry>();
  private closing = false;
  private sweepTimer: NodeJS.Timeout | null = null;
  private sweeping: Promise<void> | null = null;
  private antiEntropyTimer: NodeJS.Timeout | null = null;
  private offRelayReconnect: (() => void) | null = null;

  /** One log writer, one render queue and one compaction queue for every document of this process. */
  private readonly shared: SharedByDocuments;
  private readonly errors: DocumentErrors | undefined;

  constructor(
    private readonly sql: Sql,
    private readonly log: CollabLogger,
    { errors, ...options }: RegistryHooks & Partial<Omit<RegistryOptions, keyof RegistryHooks>>,
  ) {
    this.options = { ...DEFAULT_REGISTRY_OPTIONS, ...options };
    this.errors = errors;
    this.shared = { writer: new LogWriter(sql), renders: new RenderQueue(), compactions: new TaskQueue(), mentions: { handler: null } };
    const relay = this.options.relay;
    if (relay) {
      // Redis is the fast path, never the only one: every loaded page catches up from the log on
      // a timer and as soon as Redis is back (it may have missed anything meanwhile).
      this.antiEntropyTimer = setInterval(() => void this.antiEntropy(), this.options.antiEntropyMs);
      this.antiEntropyTimer.unref();
      this.offRelayReconnect = relay.onReconnect(() => void this.antiEntropy());
    }
  }

  /** Called once an update adding mentions is stored (server/boot.ts wires server/wiki/page-mentions.ts). */
  set onMentions(handler: ((pageId: string, authorId: string, userIds: string[]) => void) | null) {
    this.shared.mentions.handler = handler;
  }

  /** Several processes: one anti-entropy round of every loaded page, one page at a time. */
  async antiEntropy(): Promise<void> {
    for (const entry of [...this.entries.values()]) {
      if (this.closing) return;
      await entry.replica?.sync();
    }
  }

  /** The loaded document of a page, if any (tests and invalidation use it). */
  loaded(pageId: string): LiveDocument | undefined {
    return this.entries.get(pageId)?.doc;
  }

  /** True while the page's document is being written out to be dropped. */
  isUnloading(pageId: string): boolean {
    return this.entries.get(pageId)?.unloading != null;
  }

  /** Takes a lease on the page's document, loading it first if needed. Pair with `release`. */
  async acquire(pageId: string): Promise<LiveDocument> {
    if (this.closing) throw new ShuttingDown();
    let entry = this.entries.get(pageId);
    if (!entry) {
      const doc = new LiveDocument(pageId, this.sql, this.log, this.options, this.shared);
      const relay = this.options.relay;
      const replica = relay ? new Replica(doc, this.sql, relay, (error) => this.log.warn({ err: error, pageId }, "page relay failed; anti-entropy repairs it")) : null;
      doc.replica = replica;
      // Subscribed before the load: nothing falls between the load and the subscription.
      const ready = replica ? replica.beforeLoad().then(() => doc.load()).then(() => replica.afterLoad()) : doc.load();
      const created: Entry = { doc, replica, ready, leases: 0, idleTimer: null, unloading: null };
      entry = created;
      this.entries.set(pageId, created);
      created.ready.catch(() => {
        if (this.entries.get(pageId) === created) this.entries.delete(pageId);
        replica?.close();
        doc.destroy();
      });
    }
    entry.leases++;
    if (entry.idleTimer) {
      clearTimeout(entry.idleTimer);
      entry.idleTimer = null;
    }
    try {
      await entry.ready;
      if (entry.doc.gone) throw new PageNotFound();
    } catch (error) {
      this.release(entry.doc);
      throw error;
    }
    return entry.doc;
  }

  release(doc: LiveDocument) {
    const entry = this.entries.get(doc.pageId);
    if (!entry || entry.doc !== doc) return;
    entry.leases--;
    if (entry.leases > 0 || this.closing) return;
    if (doc.gone) return void this.unload(entry);
    entry.idleTimer = setTimeout(() => void this.unload(entry), this.options.idleUnloadMs);
    entry.idleTimer.unref();
  }

  private unload(entry: Entry): Promise<void> {
    entry.idleTimer = null;
    entry.unloading ??= (async () => {
      try {
        await entry.doc.quiesce();
      } catch {
        // The page was deleted while open (whenDurable rejected): drop the document.
      } finally {
        entry.unloading = null;
      }
      // Someone attached while we were writing, or something new came in: keep it.
      if (entry.leases > 0 || this.closing) return;
      if (entry.doc.hasUnsavedWork && !entry.doc.gone) {
        entry.idleTimer = setTimeout(() => void this.unload(entry), this.options.idleUnloadMs);
        entry.idleTimer.unref();
        return;
      }
      if (this.entries.get(entry.doc.pageId) === entry) this.entries.delete(entry.doc.pageId);
      entry.replica?.close();
      entry.doc.destroy();
    })();
    return entry.unloading;
  }

  /** Applies the update through the live document (editors see it) and resolves once it is in PostgreSQL. */
  async applyUpdate(pageId: string, update: Uint8Array, authorId: string | null): Promise<void> {
    try {
      const doc = await this.acquire(pageId);
      try {
        doc.apply(update, { authorId });
        await doc.whenDurable();
        // Callers (API edits, restore) read the derived text right after; write it now.
        await doc.render();
      } finally {
        this.release(doc);
      }
    } catch (error) {
      throw this.hostError(error);
    }
  }

  async encodeState(pageId: string): Promise<Uint8Array> {
    try {
      const entry = this.entries.get(pageId);
      if (entry) {
        await entry.ready;
        return Y.encodeStateAsUpdate(entry.doc.doc);
      }
      return await loadStoredState(this.sql, pageId);
    } catch (error) {
      throw this.hostError(error);
    }
  }

  /** Collab's own failures as the application's errors (the `errors` hook), for its code's callers. */
  private hostError(error: unknown): unknown {
    if (!this.errors) return error;
    if (error instanceof PageNotFound) return this.errors.pageNotFound();
    if (error instanceof ShuttingDown) return this.errors.shuttingDown();
    if (error instanceof DocumentOutOfBounds) return this.errors.outOfBounds(error);
    return error;
  }

  /** Compacts long logs now and then every `sweepIntervalMs` (pages that are loaded compact on their own). */
  startSweep() {
    if (this.sweepTimer || this.closing) return;
    this.sweepTimer = setInterval(() => void this.sweep(), this.options.sweepIntervalMs);
    this.sweepTimer.unref();
  }

  /** One sweep: compacts every page whose log is past the bound. Returns the pages compacted. */
  async sweep(): Promise<string[]> {
    const compacted: string[] = [];
    const run = async () => {
      const pageIds = await pagesWithLongLogs(this.sql, this.options.compactAfterRows);
      for (const pageId of pageIds) {
        if (this.closing) break;
        const live = this.entries.get(pageId)?.doc;
        if (live) await live.compact();
        else while ((await compactPageLog(this.sql, pageId)).more && !this.closing);
        compacted.push(pageId);
      }
    };
    if (this.sweeping) await this.sweeping;
    this.sweeping = run()
      .catch((error: unknown) => this.log.error({ err: error }, "compaction sweep failed"))
      .finally(() => (this.sweeping = null));
    await this.sweeping;
    return compacted;
  }

  /** Writes everything of every document (retrying until the database answers), then drops them. */
  async close(): Promise<void> {
    this.closing = true;
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    if (this.antiEntropyTimer) clearInterval(this.antiEntropyTimer);
    this.offRelayReconnect?.();
    const entries = [...this.entries.values()];
    for (const entry of entries) if (entry.idleTimer) clearTimeout(entry.idleTimer);
    await Promise.all(
      entries.map(async (entry) => {
        try {
          await entry.ready;
          await entry.unloading;
          await entry.doc.quiesce();
        } catch {
          // Failed load or deleted page: nothing to write.
        }
      }),
    );
    await this.sweeping;
    for (const entry of entries) {
      entry.replica?.close();
      entry.doc.destroy();
    }
    this.entries.clear();
  }
}
