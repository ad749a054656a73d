import { Writable } from "node:stream";
import pino from "pino";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import * as Y from "yjs";
import { loadStoredState } from "../../collab/documents.ts";
import type { DocumentRegistry } from "../../collab/registry.ts";
import { appendBatch, compactPageLog, lockPageLog } from "../../collab/storage.ts";
import { createPageDocuments } from "../../server/collab-hooks.ts";
import { roomWithCast } from "../support/factories.ts";
import { startTestServer, type TestServer } from "../support/server.ts";
import { addParagraph, insertPage, openClient, pageText, storedText, typeInto, waitFor, type TestClient } from "./collab-support.ts";

let server: TestServer;
let cast: Awaited<ReturnType<typeof roomWithCast>>;
const clients: TestClient[] = [];
const client = (pageId: string, token: string) => {
  const c = openClient(server.url, pageId, token);
  clients.push(c);
  return c;
};

beforeAll(async () => {
  server = await startTestServer();
  cast = await roomWithCast(server);
});
afterEach(() => {
  for (const c of clients.splice(0)) c.destroy();
});
afterAll(async () => {
  await server.close();
});

/** Writes `count` single-keystroke log rows for a page, as many separate edits would. */
async function writeKeystrokeLog(pageId: string, count: number, doc = new Y.Doc()) {
  const updates: Uint8Array[] = [];
  doc.on("update", (u: Uint8Array) => updates.push(u));
  addParagraph(doc, "");
  typeInto(doc, "x".repeat(count - 2));
  doc.transact(() => {
    const text = (doc.getXmlFragment("default").get(0) as Y.XmlElement).get(0) as Y.XmlText;
    text.delete(0, Math.floor(count / 4));
    text.format(0, 5, { bold: true });
  });
  await server.sql`insert into page_updates ${server.sql(updates.map((u) => ({ page_id: pageId, update: Buffer.from(u), author_id: cast.owner.id })))}`;
  return doc;
}

const logRows = async (pageId: string) =>
  (await server.sql<{ n: number }[]>`select count(*)::int as n from page_updates where page_id = ${pageId}`)[0]!.n;

/** Holds an exclusive lock on a table until `release` is called: the database is "slow". */
async function holdTable(table: "page_updates" | "sessions") {
  const conn = await server.sql.reserve();
  await conn`begin`;
  await conn.unsafe(`lock table ${table} in access exclusive mode`);
  return async () => {
    await conn`rollback`;
    conn.release();
  };
}

describe("compaction", () => {
  it("merges the log into page_states, deletes the merged rows, and the content stays identical", async () => {
    const pageId = await insertPage(server.sql, cast.room.id);
    const source = await writeKeystrokeLog(pageId, 700);
    const before = await loadStoredState(server.sql, pageId);
    expect(await logRows(pageId)).toBe(700);

    const result = await compactPageLog(server.sql, pageId, { chunkRows: 64, maxRows: 300 });
    expect(result).toEqual({ merged: 320, more: true });
    while ((await compactPageLog(server.sql, pageId, { chunkRows: 64, maxRows: 300 })).more);
    expect(await logRows(pageId)).toBe(0);

    const after = await loadStoredState(server.sql, pageId);
    const [a, b] = [new Y.Doc(), new Y.Doc()];
    Y.applyUpdate(a, before);
    Y.applyUpdate(b, after);
    expect(b.getXmlFragment("default").toJSON()).toBe(a.getXmlFragment("default").toJSON());
    expect(b.getXmlFragment("default").toJSON()).toBe(source.getXmlFragment("default").toJSON());
    expect(Y.encodeStateVector(b)).toEqual(Y.encodeStateVector(a));
    expect(pageText(b)).toBe(pageText(source));
  });

  it("a live page compacts itself once its log passes the bound, while its editor keeps typing", async () => {
    const pageId = await insertPage(server.sql, cast.room.id);
    const seeded = await writeKeystrokeLog(pageId, 500);
    const editor = client(pageId, cast.owner.token);
    await waitFor(() => pageText(editor.doc) === pageText(seeded), "the stored log at the editor");
    typeInto(editor.doc, " and then some");
    await editor.waitForStatus("saved");
    await waitFor(async () => (await logRows(pageId)) < 10, "compaction of the live page");
    const [state] = await server.sql`select merged_seq from page_states where page_id = ${pageId}`;
    expect(state).toBeDefined();
    typeInto(editor.doc, "!");
    await editor.waitForStatus("saved");
    expect(storedText(await loadStoredState(server.sql, pageId))).toBe(pageText(editor.doc));
  });

  it("compaction racing live writes loses nothing", async () => {
    const pageId = await insertPage(server.sql, cast.room.id);
    const editor = client(pageId, cast.owner.token);
    await editor.waitForStatus("saved");
    for (let round = 0; round < 20; round++) {
      typeInto(editor.doc, `${round} `);
      await compactPageLog(server.sql, pageId);
    }
    await editor.waitForStatus("saved");
    await compactPageLog(server.sql, pageId);
    expect(storedText(await loadStoredState(server.sql, pageId))).toBe(pageText(editor.doc));
  });

  it("the background sweep compacts long logs of pages nobody has open", async () => {
    const long = await insertPage(server.sql, cast.room.id);
    const short = await insertPage(server.sql, cast.room.id);
    const doc = await writeKeystrokeLog(long, 600);
    await writeKeystrokeLog(short, 20);
    const compacted = await (server.app.documents as DocumentRegistry).sweep();
    expect(compacted).toContain(long);
    expect(compacted).not.toContain(short);
    expect(await logRows(long)).toBe(0);
    expect(await logRows(short)).toBe(20);
    expect(storedText(await loadStoredState(server.sql, long))).toBe(pageText(doc));
  });
});

describe("group commit across pages", () => {
  const xminsSince = async (pageIds: string[], afterSeq: string) =>
    new Set((await server.sql<{ xmin: string }[]>`
      select xmin::text as xmin from page_updates where page_id in ${server.sql(pageIds)} and seq > ${afterSeq}`).map((r) => r.xmin));
  const maxSeq = async () => (await server.sql<{ seq: string }[]>`select coalesce(max(seq), 0)::text as seq from page_updates`)[0]!.seq;

  it("a batch takes the page's log lock before it numbers its rows: a row written under the lock comes first", async () => {
    const pageId = await insertPage(server.sql, cast.room.id);
    const doc = new Y.Doc();
    const updates: Uint8Array[] = [];
    doc.on("update", (u: Uint8Array) => updates.push(u));
    addParagraph(doc, "under the lock");
    typeInto(doc, " then the batch");
    // Another writer (a compaction, a second process) holds the lock and writes a row.
    const holder = await server.sql.reserve();
    let appended = false;
    try {
      await holder`begin`;
      await lockPageLog(holder, pageId);
      // Started first, so an unguarded insert would draw the lower sequence number now.
      const batch = appendBatch(server.sql, [{ pageId, rows: [{ update: updates.at(-1)!, authorId: null }], quietMs: 30_000 }]).then(() => (appended = true));
      await new Promise((resolve) => setTimeout(resolve, 150));
      expect(appended).toBe(false);
      await holder`insert into page_updates (page_id, update) values (${pageId}, ${Buffer.from(Y.mergeUpdates(updates.slice(0, -1)))})`;
      await holder`commit`;
      await batch;
    } finally {
      holder.release();
    }
    const rows = await server.sql<{ seq: string; authorId: string | null }[]>`
      select seq, author_id as "authorId" from page_updates where page_id = ${pageId} order by seq`;
    expect(rows).toHaveLength(2);
    expect(Buffer.from((await server.sql<{ update: Buffer }[]>`select update from page_updates where seq = ${rows[1]!.seq}`)[0]!.update)).toEqual(Buffer.from(updates.at(-1)!));
    expect(storedText(await loadStoredState(server.sql, pageId))).toBe("under the lock then the batch");
    // The batch's mark: due in the quiet period.
    const [mark] = await server.sql<{ due: Date }[]>`select due_at as due from page_version_marks where page_id = ${pageId}`;
    expect(mark!.due.getTime()).toBeGreaterThan(Date.now() + 20_000);
  });

  it("pages typed into at the same time commit together: fewer transactions than pages", async () => {
    const pageIds = await Promise.all([1, 2, 3, 4].map(() => insertPage(server.sql, cast.room.id)));
    const editors = pageIds.map((id) => client(id, cast.owner.token));
    for (const e of editors) await e.waitForStatus("saved");
    const before = await maxSeq();
    // While the log is held, every page's flush queues behind the first: they leave together.
    const release = await holdTable("page_updates");
    try {
      for (const [i, e] of editors.entries()) typeInto(e.doc, `page ${i} `.repeat(20));
      await waitFor(() => pageIds.every((id, i) => pageText((server.app.documents as DocumentRegistry).loaded(id)!.doc) === `page ${i} `.repeat(20)), "every page's keystrokes at the server");
    } finally {
      await release();
    }
    for (const e of editors) await e.waitForStatus("saved");
    const transactions = await xminsSince(pageIds, before);
    expect(transactions.size).toBeGreaterThan(0);
    expect(transactions.size).toBeLessThan(pageIds.length);
    for (const [i, id] of pageIds.entries()) expect(storedText(await loadStoredState(server.sql, id))).toBe(`page ${i} `.repeat(20));
  });

  it("a page that no longer exists fails only itself, not the pages sharing its transaction", async () => {
    const [blocker, doomed, survivor] = await Promise.all([1, 2, 3].map(() => insertPage(server.sql, cast.room.id)));
    const editors = [blocker!, doomed!, survivor!].map((id) => client(id, cast.owner.token));
    for (const e of editors) await e.waitForStatus("saved");
    // The doomed page's rows are refused as a deleted page's would be (a foreign-key violation).
    await server.sql.unsafe(`
      create function collab_page_gone() returns trigger language plpgsql as $$
      begin
        if new.page_id = '${doomed}' then raise exception 'page is gone' using errcode = '23503'; end if;
        return new;
      end $$;
      create trigger collab_page_gone before insert on page_updates for each row execute function collab_page_gone();`);
    try {
      const release = await holdTable("page_updates");
      try {
        // The blocker's write goes first and waits on the lock; the other two queue into one batch.
        typeInto(editors[0]!.doc, "first");
        await waitFor(() => (server.app.documents as DocumentRegistry).loaded(blocker!)!.hasUnsavedWork, "the blocker's write to be pending");
        await new Promise((r) => setTimeout(r, 50));
        typeInto(editors[1]!.doc, "lost");
        typeInto(editors[2]!.doc, "kept");
        await waitFor(() => pageText((server.app.documents as DocumentRegistry).loaded(survivor!)!.doc) === "kept", "the survivor's keystrokes at the server");
        await waitFor(() => pageText((server.app.documents as DocumentRegistry).loaded(doomed!)!.doc) === "lost", "the doomed page's keystrokes at the server");
      } finally {
        await release();
      }
      await editors[2]!.waitForStatus("saved");
      await editors[1]!.waitForClose(4404);
      expect(storedText(await loadStoredState(server.sql, survivor!))).toBe("kept");
      expect(storedText(await loadStoredState(server.sql, blocker!))).toBe("first");
    } finally {
      await server.sql.unsafe(`drop trigger collab_page_gone on page_updates; drop function collab_page_gone();`);
    }
  });
});

describe("writing under a slow or failing database", () => {
  it("a slow database gets a few group commits, not a write per keystroke", async () => {
    const pageId = await insertPage(server.sql, cast.room.id);
    const editor = client(pageId, cast.owner.token);
    await editor.waitForStatus("saved");
    const release = await holdTable("page_updates");
    try {
      typeInto(editor.doc, "a".repeat(300));
      const live = (server.app.documents as DocumentRegistry).loaded(pageId)!;
      await waitFor(() => pageText(live.doc) === "a".repeat(300), "every keystroke at the server while the table is held");
      expect(editor.connection.status).toBe("saving");
    } finally {
      await release();
    }
    await editor.waitForStatus("saved");
    expect(await logRows(pageId)).toBeLessThanOrEqual(4);
    expect(storedText(await loadStoredState(server.sql, pageId))).toBe("a".repeat(300));
  });

  it("a failed write keeps the edits, retries, and reports saved only after the write succeeds", async () => {
    const pageId = await insertPage(server.sql, cast.room.id);
    const editor = client(pageId, cast.owner.token);
    await editor.waitForStatus("saved");
    await server.sql.unsafe(`
      create sequence collab_failed_writes;
      create function collab_fail_writes() returns trigger language plpgsql as $$
      begin perform nextval('collab_failed_writes'); raise exception 'disk full'; end $$;
      create trigger collab_fail_writes before insert on page_updates for each row execute function collab_fail_writes();`);
    try {
      typeInto(editor.doc, "must not be lost");
      await waitFor(async () => {
        const [row] = await server.sql<{ n: string }[]>`select last_value as n from collab_failed_writes`;
        return Number(row!.n) >= 3;
      }, "three failed attempts");
      expect(editor.connection.status).toBe("saving");
      expect(await logRows(pageId)).toBe(0);
    } finally {
      await server.sql.unsafe(`drop trigger collab_fail_writes on page_updates; drop function collab_fail_writes(); drop sequence collab_failed_writes;`);
    }
    await editor.waitForStatus("saved", 10_000);
    expect(storedText(await loadStoredState(server.sql, pageId))).toBe("must not be lost");
  });

  it("the failure is logged with its attempt count", async () => {
    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines.push(JSON.parse(chunk.toString()));
        done();
      },
    });
    const registry = createPageDocuments(server.sql, pino({ level: "error" }, sink), { retryInitialMs: 20, retryMaxMs: 40 });
    const pageId = await insertPage(server.sql, cast.room.id);
    await server.sql.unsafe(`
      create function collab_fail_once() returns trigger language plpgsql as $$
      begin raise exception 'connection reset'; end $$;
      create trigger collab_fail_once before insert on page_updates for each row execute function collab_fail_once();`);
    const change = new Y.Doc();
    addParagraph(change, "retried");
    const applied = registry.applyUpdate(pageId, Y.encodeStateAsUpdate(change), cast.owner.id);
    try {
      await waitFor(() => lines.filter((l) => l.msg === "page update write failed; kept in memory, retrying").length >= 2, "two logged failures");
    } finally {
      await server.sql.unsafe(`drop trigger collab_fail_once on page_updates; drop function collab_fail_once();`);
    }
    await applied;
    expect(lines[0]).toMatchObject({ pageId, attempt: 1 });
    expect(lines[1]).toMatchObject({ pageId, attempt: 2 });
    expect(storedText(await loadStoredState(server.sql, pageId))).toBe("retried");
    await registry.close();
  });
});

describe("the document registry", () => {
  it("concurrent first users share one load; the last one leaving unloads after everything is written", async () => {
    const registry = createPageDocuments(server.sql, server.app.log, { idleUnloadMs: 20 });
    const pageId = await insertPage(server.sql, cast.room.id);
    const [a, b] = await Promise.all([registry.acquire(pageId), registry.acquire(pageId)]);
    expect(a).toBe(b);
    addParagraph(a.doc, "written before unload");
    registry.release(a);
    registry.release(b);
    await waitFor(() => registry.loaded(pageId) === undefined, "the unload");
    expect(storedText(await loadStoredState(server.sql, pageId))).toBe("written before unload");
    const [page] = await server.sql<{ text: string }[]>`select content_text as text from pages where id = ${pageId}`;
    expect(page!.text).toBe("written before unload");
    await registry.close();
  });

  it("someone arriving while the document is being unloaded gets the same document", async () => {
    const registry = createPageDocuments(server.sql, server.app.log, { idleUnloadMs: 0 });
    const pageId = await insertPage(server.sql, cast.room.id);
    const first = await registry.acquire(pageId);
    // The database is held first: the edit's write waits, and the unload waits on it.
    const release = await holdTable("page_updates");
    let again;
    try {
      addParagraph(first.doc, "in memory only");
      registry.release(first);
      await waitFor(() => registry.isUnloading(pageId), "the unload waiting on the database");
      again = await registry.acquire(pageId);
      expect(again).toBe(first);
      expect(pageText(again.doc)).toBe("in memory only");
    } finally {
      await release();
    }
    await again.whenDurable();
    // The unload gave way: the document is still alive for its new user.
    addParagraph(again.doc, "after the unload gave way");
    registry.release(again);
    await waitFor(() => registry.loaded(pageId) === undefined, "the unload after the second user left");
    expect(storedText(await loadStoredState(server.sql, pageId))).toBe("in memory only\nafter the unload gave way");
    await registry.close();
  });
});
