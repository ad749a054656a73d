import * as Y from "yjs";
import { transaction, type Tx } from "../db/client.ts";

/**
 * PostgreSQL side of page documents: the append-only update log (page_updates), the compacted
 * state (page_states), the quiet-period version mark and the derived content on pages.
 *
 * Appends and compaction of one page take the same transaction-scoped advisory lock, so the
 * log's sequence numbers of a page commit in order and compaction never skips a row that
 * commits late.
 */

/** The advisory-lock key of a page's log is this followed by the page id (appendBatch takes it too). */
const PAGE_LOG_LOCK = "dealroom.page-log:";

/** Serializes writers of one page's log (appends, compaction). */
export const lockPageLog = (sql: Tx, pageId: string) =>
  sql`select pg_advisory_xact_lock(hashtextextended(${PAGE_LOG_LOCK + pageId}, 0))`;

const LOAD_CHUNK_ROWS = 500;

/**
 * Applies the page's stored state (compacted state, then the log after it, in order) to `doc`.
 * Both reads come from one snapshot, so a compaction committing in between cannot hide rows.
 * Returns how many log rows were read (the size of the uncompacted log).
 */
export async function applyStoredState(sql: Tx, pageId: string, doc: Y.Doc, origin: unknown = null): Promise<number> {
  const read = async (tx: Tx) => {
    const [state] = await tx<{ state: Buffer; mergedSeq: string }[]>`
      select state, merged_seq as "mergedSeq" from page_states where page_id = ${pageId}`;
    if (state) Y.applyUpdate(doc, state.state, origin);
    let rows = 0;
    await tx<{ update: Buffer }[]>`
      select update from page_updates where page_id = ${pageId} and seq > ${state?.mergedSeq ?? 0} order by seq`.cursor(
      LOAD_CHUNK_ROWS,
      (chunk) => {
        // Applying one by one stays linear; Y.mergeUpdates over a long log does not.
        for (const row of chunk) Y.applyUpdate(doc, row.update, origin);
        rows += chunk.length;
      },
    );
    return rows;
  };
  return "begin" in sql ? sql.begin("isolation level repeatable read read only", read) : read(sql);
}

/** The page's stored document as one Yjs update. */
export async function loadStoredState(sql: Tx, pageId: string): Promise<Uint8Array> {
  const doc = new Y.Doc();
  try {
    await applyStoredState(sql, pageId, doc);
    return Y.encodeStateAsUpdate(doc);
  } finally {
    doc.destroy();
  }
}

export interface LogRow {
  update: Uint8Array;
  authorId: string | null;
}

/**
 * Appends updates to the page's log and, in the same statement, marks the page for its
 * quiet-period version: due `quietMs` (less at most a second) from now, crediting every author
 * since the last version.
 */
export async function appendUpdates(sql: Tx, pageId: string, rows: LogRow[], quietMs: number): Promise<void> {
  await appendBatch(sql, [{ pageId, rows, quietMs }]);
}

// Postgres array types for the batch's columns (postgres.js does not infer them for bytea).
const BYTEA_ARRAY = 1001;
const UUID_ARRAY = 2951;
const TEXT_ARRAY = 1009;

/**
 * Appends the rows of several pages to their logs and moves each page's quiet-period mark
 * (collab/log-writer.ts), in one statement: one round trip, committed on its own. The page
 * locks are taken first, in id order (the insert waits for them through its `where`, evaluated
 * once before its first row), so batches and compactions never wait on each other in a cycle
 * and a page's log sequence numbers commit in order.
 */
export async function appendBatch(sql: Tx, jobs: { pageId: string; rows: LogRow[]; quietMs: number }[]): Promise<void> {
  const withRows = jobs.filter((j) => j.rows.length);
  if (!withRows.length) return;
  const pageIds = [...new Set(withRows.map((j) => j.pageId))].sort();
  const rows = withRows.flatMap((j) => j.rows.map((r) => ({ pageId: j.pageId, ...r })));
  const marks = withRows.map((j) => ({
    id: j.pageId,
    quiet: j.quietMs / 1000,
    authors: [...new Set(j.rows.map((r) => r.authorId).filter((a): a is string => a !== null))],
  }));
  await sql`
    with locks as materialized (
      select pg_advisory_xact_lock(hashtextextended(${PAGE_LOG_LOCK}::text || p.id, 0))
      from unnest(${sql.array(pageIds, TEXT_ARRAY)}::text[]) with ordinality as p(id, n) order by p.n
    ), appended as (
      insert into page_updates (page_id, update, author_id)
      select r.page_id, r.update, r.author_id
      from unnest(${sql.array(rows.map((r) => r.pageId), UUID_ARRAY)}::uuid[],
                  ${sql.array(rows.map((r) => Buffer.from(r.update.buffer, r.update.byteOffset, r.update.byteLength)), BYTEA_ARRAY)}::bytea[],
                  ${sql.array(rows.map((r) => r.authorId), UUID_ARRAY)}::uuid[]) as r(page_id, update, author_id)
      where (select count(*) from locks) = ${pageIds.length}
    ), marks as (
      select r.id, r.quiet, array(select jsonb_array_elements_text(r.authors))::uuid[] as authors
      from jsonb_to_recordset(${sql.json(marks)}::jsonb) as r(id uuid, quiet float8, authors jsonb)
    ), marked as (
      insert into page_version_marks as v (page_id, due_at, pending_authors)
      select m.id, now() + make_interval(secs => m.quiet), m.authors from marks m order by m.id
      -- Moving the mark on every few-ms batch would be a write storm: it stays while it is at most
      -- a tenth of the quiet period (at most a second) older and already credits these authors.
      on conflict (page_id) do update set
        due_at = excluded.due_at,
        pending_authors = array(select distinct a from unnest(v.pending_authors || excluded.pending_authors) as a)
      where v.due_at is null
         or v.due_at < excluded.due_at - least(interval '1 second', (excluded.due_at - now()) / 10)
         or not v.pending_authors @> excluded.pending_authors
    )
    -- Data-modifying CTEs run to completion whether or not anything reads them.
    select 1`;
}

/**
 * Writes the text and HTML derived from the document. `updated_at` moves only when the content
 * really changed, so a render after a reload does not make an unchanged page look edited.
 */
export async function writeDerivedContent(sql: Tx, pageId: string, content: { text: string; html: string }): Promise<void> {
  await sql`
    update pages set content_text = ${content.text}, content_html = ${content.html}, updated_at = now()
    where id = ${pageId} and (content_text is distinct from ${content.text} or content_html is distinct from ${content.html})`;
}

export interface CompactionResult {
  /** Log rows merged into page_states (and deleted). */
  merged: number;
  /** True when rows past `maxRows` remain for another round. */
  more: boolean;
}

/**
 * Merges the page's log into page_states and deletes the merged rows, in one transaction under
 * the page's log lock. Reads the log in chunks and applies them to a Y.Doc (linear), at most
 * `maxRows` rows per call.
 */
export async function compactPageLog(
  sql: Tx,
  pageId: string,
  options: { chunkRows?: number; maxRows?: number } = {},
): Promise<CompactionResult> {
  const chunkRows = options.chunkRows ?? 500;
  const maxRows = options.maxRows ?? 5000;
  return transaction(sql, async (tx) => {
    await lockPageLog(tx, pageId);
    const [state] = await tx<{ state: Buffer; mergedSeq: string }[]>`
      select state, merged_seq as "mergedSeq" from page_states where page_id = ${pageId}`;
    const doc = new Y.Doc();
    try {
      if (state) Y.applyUpdate(doc, state.state);
      let lastSeq = state?.mergedSeq ?? "0";
      let merged = 0;
      let more = false;
      for (;;) {
        const rows = await tx<{ seq: string; update: Buffer }[]>`
          select seq, update from page_updates where page_id = ${pageId} and seq > ${lastSeq}
          order by seq limit ${chunkRows}`;
        for (const row of rows) Y.applyUpdate(doc, row.update);
        if (rows.length) lastSeq = rows[rows.length - 1]!.seq;
        merged += rows.length;
        if (rows.length < chunkRows) break;
        if (merged >= maxRows) {
          more = true;
          break;
        }
      }
      if (!merged) return { merged, more: false };
      const encoded = Buffer.from(Y.encodeStateAsUpdate(doc));
      await tx`
        insert into page_states (page_id, state, merged_seq, updated_at) values (${pageId}, ${encoded}, ${lastSeq}, now())
        on conflict (page_id) do update set state = excluded.state, merged_seq = excluded.merged_seq, updated_at = now()`;
      await tx`delete from page_updates where page_id = ${pageId} and seq <= ${lastSeq}`;
      return { merged, more };
    } finally {
      doc.destroy();
    }
  });
}

/** Pages whose uncompacted log is longer than `threshold` rows, longest first. */
export async function pagesWithLongLogs(sql: Tx, threshold: number, limit = 20): Promise<string[]> {
  const rows = await sql<{ pageId: string }[]>`
    select u.page_id as "pageId"
    from page_updates u left join page_states s on s.page_id = u.page_id
    where u.seq > coalesce(s.merged_seq, 0)
    group by u.page_id
    having count(*) > ${threshold}
    order by count(*) desc
    limit ${limit}`;
  return rows.map((r) => r.pageId);
}

/** True for the error PostgreSQL raises when the page row is gone (foreign key violation). */
export const isMissingPage = (error: unknown) => (error as { code?: string } | null)?.code === "23503";
