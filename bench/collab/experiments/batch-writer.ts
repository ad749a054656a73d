/**
 * Experiments only — a prototype, not product code (see ./ours-variant.ts).
 *
 * One writer per process that commits the pending log rows of *every* page in one transaction,
 * in place of LiveDocument's one transaction per page per flush (collab/live-document.ts `flush`,
 * collab/storage.ts `appendUpdates`). It patches LiveDocument.prototype.flush and copies
 * `groupByAuthor`, so it is tied to the live-document.ts it was written against. Failure handling
 * is simplified (a failed batch fails every page in it; fixed 100 ms retry).
 * BENCH_SKIP_PAGE_MARK=1 also leaves out the per-flush `update pages` (the quiet-period mark).
 */
import * as Y from "yjs";
import { LiveDocument } from "../../../collab/live-document.ts";
import { isMissingPage, type LogRow } from "../../../collab/storage.ts";

const MAX_UPDATES_PER_ROW = 100;
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

interface Job { pageId: string; rows: LogRow[]; quietMs: number; resolve: () => void; reject: (e: unknown) => void }
const writers = new WeakMap<object, { queue: Job[]; running: boolean }>();

/** Runs transactions back to back; whatever arrives during one goes into the next (group commit across pages). */
async function run(sql: any, w: { queue: Job[]; running: boolean }) {
  while (w.queue.length) {
    const jobs = w.queue;
    w.queue = [];
    try {
      await sql.begin(async (tx: any) => {
        const ids = [...new Set(jobs.map((j) => j.pageId))].sort();
        await tx`select pg_advisory_xact_lock(hashtextextended('dealroom.page-log:' || p, 0)) from unnest(${ids}::text[]) as p`;
        await tx`insert into page_updates ${tx(jobs.flatMap((j) => j.rows.map((r) => ({ page_id: j.pageId, update: Buffer.from(r.update.buffer, r.update.byteOffset, r.update.byteLength), author_id: r.authorId }))))}`;
        const perPage = ids.map((id) => ({ id, authors: [...new Set(jobs.filter((j) => j.pageId === id).flatMap((j) => j.rows.map((r) => r.authorId)).filter(Boolean))] }));
        if (!process.env.BENCH_SKIP_PAGE_MARK) await tx`
          update pages p set version_due_at = now() + make_interval(secs => ${jobs[0]!.quietMs / 1000}),
            pending_authors = array(select distinct a from unnest(p.pending_authors || x.authors) as a)
          from (select r.id, array(select jsonb_array_elements_text(r.authors))::uuid[] as authors
                from jsonb_to_recordset(${perPage as any}::jsonb) as r(id uuid, authors jsonb)) x
          where p.id = x.id`;
      });
      for (const j of jobs) j.resolve();
    } catch (error) {
      for (const j of jobs) j.reject(error);
    }
  }
  w.running = false;
}

function append(sql: any, job: Omit<Job, "resolve" | "reject">): Promise<void> {
  let w = writers.get(sql);
  if (!w) writers.set(sql, (w = { queue: [], running: false }));
  const writer = w;
  return new Promise((resolve, reject) => {
    writer.queue.push({ ...job, resolve, reject });
    if (!writer.running) {
      writer.running = true;
      setImmediate(() => void run(sql, writer));
    }
  });
}

export function installBatchWriter() {
  (LiveDocument.prototype as any).flush = async function flush(this: any): Promise<void> {
    if (this.writing || !this.pending.length || this.gone) return;
    const batch = this.pending;
    const bytes = this.pendingBytes;
    this.pending = [];
    this.pendingBytes = 0;
    const cutSeq = this.appendedSeq;
    const cutState = Y.encodeStateVector(this.doc);
    const rows = groupByAuthor(batch);
    this.writing = append(this.sql, { pageId: this.pageId, rows, quietMs: this.options.versionQuietMs }).then(
      () => {
        this.writing = null;
        this.failures = 0;
        this.committed(cutSeq, cutState, rows.length);
      },
      (error: unknown) => {
        this.writing = null;
        this.pending = batch.concat(this.pending);
        this.pendingBytes += bytes;
        if (isMissingPage(error)) return this.discard();
        this.failures++;
        this.retryTimer = setTimeout(() => {
          this.retryTimer = null;
          void this.flush();
        }, 100);
      },
    );
    await this.writing;
    if (this.pending.length && !this.retryTimer) void this.flush();
  };
}
