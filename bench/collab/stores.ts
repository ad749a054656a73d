import postgres from "postgres";
import * as Y from "yjs";
import { loadStoredState } from "../../collab/storage.ts";

/**
 * The PostgreSQL side of the benchmark: one fresh database per server under test, the tables the
 * Hocuspocus and reference servers store into, seeding of long histories and idle pages in each
 * server's own format, and reading back what each server has stored.
 */

export type ServerKind = "ours" | "ours-off" | "hocuspocus" | "reference" | "relay";
export type Sql = postgres.Sql<{}>;

export const connectDb = (url: string, max = 4): Sql =>
  postgres(url, { max, onnotice: () => {}, connection: { application_name: "dealroom-bench" } }) as Sql;

export function databaseUrl(adminUrl: string, database: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

export async function createDatabase(adminUrl: string, database: string): Promise<string> {
  const admin = connectDb(adminUrl, 1);
  try {
    await admin.unsafe(`drop database if exists "${database}" with (force)`);
    await admin.unsafe(`create database "${database}"`);
  } finally {
    await admin.end({ timeout: 5 });
  }
  return databaseUrl(adminUrl, database);
}

export async function dropDatabase(adminUrl: string, database: string): Promise<void> {
  const admin = connectDb(adminUrl, 1);
  try {
    await admin.unsafe(`drop database if exists "${database}" with (force)`);
  } finally {
    await admin.end({ timeout: 5 });
  }
}

/** Tables of the two comparison servers (ours migrates its own at start). */
export async function createComparisonTables(sql: Sql, kind: ServerKind) {
  if (kind === "hocuspocus") {
    // Hocuspocus' database extension stores the whole document (Y.encodeStateAsUpdate) per name.
    // stored_seq only lets the benchmark see cheaply which documents were stored since it last looked.
    await sql`create sequence hp_store_seq`;
    await sql`create table hp_documents (name text primary key, data bytea not null, stored_seq bigint not null default nextval('hp_store_seq'))`;
  }
  if (kind === "reference") {
    // The y-leveldb layout in PostgreSQL: one row per update, merged into one row on load past 500.
    await sql`create table ref_updates (id bigserial primary key, doc text not null, update bytea not null)`;
    await sql`create index ref_updates_doc_idx on ref_updates (doc, id)`;
  }
}

/** The stored document of a page as one Yjs state, read the way each server reads it. */
export async function readStoredState(sql: Sql, kind: ServerKind, doc: string): Promise<Uint8Array | null> {
  if (kind === "ours" || kind === "ours-off") return loadStoredState(sql, doc);
  if (kind === "hocuspocus") {
    const [row] = await sql<{ data: Buffer }[]>`select data from hp_documents where name = ${doc}`;
    return row ? new Uint8Array(row.data) : null;
  }
  if (kind === "reference") {
    const rows = await sql<{ update: Buffer }[]>`select update from ref_updates where doc = ${doc} order by id`;
    if (!rows.length) return null;
    const ydoc = new Y.Doc();
    for (const r of rows) Y.applyUpdate(ydoc, r.update);
    const state = Y.encodeStateAsUpdate(ydoc);
    ydoc.destroy();
    return state;
  }
  return null;
}

/** Rows of ours' page log a page holds on average between compactions (compactAfterRows is 500). */
export const TAIL_ROWS = 250;

/**
 * Stores a page history of `updates` in the server's own format, as the server itself would have
 * left it after that many edits:
 * - ours: page_states holds the compacted state of all but the last TAIL_ROWS updates, page_updates the rest
 *   (ours compacts once the log passes 500 rows);
 * - reference: one merged row then TAIL_ROWS single-update rows (y-leveldb merges past 500 on load);
 * - hocuspocus: the whole document in one row (its database extension stores the full state).
 */
export async function seedHistory(
  sql: Sql,
  kind: ServerKind,
  docs: string[],
  history: { seedUpdate: Uint8Array; updates: Uint8Array[] },
  authorId: string | null,
) {
  const tail = Math.min(TAIL_ROWS, history.updates.length);
  const head = new Y.Doc();
  Y.applyUpdate(head, history.seedUpdate);
  for (const u of history.updates.slice(0, history.updates.length - tail)) Y.applyUpdate(head, u);
  const headState = Buffer.from(Y.encodeStateAsUpdate(head));
  const tailRows = history.updates.slice(history.updates.length - tail).map((u) => Buffer.from(u));
  for (const u of tailRows) Y.applyUpdate(head, u);
  const fullState = Buffer.from(Y.encodeStateAsUpdate(head));
  head.destroy();

  for (const doc of docs) {
    if (kind === "ours" || kind === "ours-off") {
      await sql.begin(async (tx) => {
        if (tailRows.length) await tx`insert into page_updates ${tx(tailRows.map((update) => ({ page_id: doc, update, author_id: authorId })))}`;
        // Everything before the tail was merged: merged_seq is the sequence just before the tail's first row.
        const [first] = await tx<{ seq: string | null }[]>`select min(seq)::text as seq from page_updates where page_id = ${doc}`;
        const mergedSeq = first?.seq ? (BigInt(first.seq) - 1n).toString() : "0";
        await tx`insert into page_states (page_id, state, merged_seq) values (${doc}, ${headState}, ${mergedSeq})`;
      });
    } else if (kind === "reference") {
      await sql`insert into ref_updates ${sql([{ doc, update: headState }, ...tailRows.map((update) => ({ doc, update }))])}`;
    } else if (kind === "hocuspocus") {
      await sql`insert into hp_documents (name, data) values (${doc}, ${fullState})`;
    }
  }
}

/** Inserts `count` pages into ours' room straight in SQL (the API would take minutes for 10,000). */
export async function insertPages(sql: Sql, roomId: string, createdBy: string, count: number, prefix: string): Promise<string[]> {
  const ids: string[] = [];
  for (let done = 0; done < count; done += 1000) {
    const n = Math.min(1000, count - done);
    const rows = await sql<{ id: string }[]>`
      insert into pages (room_id, title, visibility, created_by, sort_order)
      select ${roomId}, ${prefix} || ' ' || g, 'shared', ${createdBy}, g from generate_series(${done + 1}::int, ${done + n}::int) g
      returning id`;
    ids.push(...rows.map((r) => r.id));
  }
  return ids;
}

/** Gives each of `docs` the same small stored document (an idle page that was edited a while). */
export async function seedIdlePages(sql: Sql, kind: ServerKind, docs: string[], state: Uint8Array) {
  const data = Buffer.from(state);
  for (let i = 0; i < docs.length; i += 1000) {
    const chunk = docs.slice(i, i + 1000);
    if (kind === "ours" || kind === "ours-off") {
      await sql`insert into page_states ${sql(chunk.map((page_id) => ({ page_id, state: data, merged_seq: 0 })))}`;
    } else if (kind === "reference") {
      await sql`insert into ref_updates ${sql(chunk.map((doc) => ({ doc, update: data })))}`;
    } else if (kind === "hocuspocus") {
      await sql`insert into hp_documents ${sql(chunk.map((name) => ({ name, data })))}`;
    }
  }
}

/** The ids of the PostgreSQL backends serving a database (for their CPU time). */
export async function backendPids(sql: Sql, database: string): Promise<number[]> {
  const rows = await sql<{ pid: number }[]>`
    select pid from pg_stat_activity where datname = ${database} and application_name <> 'dealroom-bench'`;
  return rows.map((r) => r.pid);
}
