import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadStoredState } from "../../collab/documents.ts";
import { CLOSE } from "../../collab/close-codes.ts";
import { createTestDatabase } from "../support/db.ts";
import { addParticipant, createRoom, signupUser, type TestUser } from "../support/factories.ts";
import * as Y from "yjs";
import { COLLAB_UPGRADES, MESSAGE_BURST } from "../../server/auth/rate-limits.ts";
import { addParagraph, apiAt, insertPage, openClient, pageText, rawSocket, storedText, typeInto, waitFor, type TestClient } from "./collab-support.ts";
import { cuttableProxy, ownRedis, startServerProcess, type CuttableProxy, type OwnRedis, type ServerProcess } from "./multiprocess-support.ts";
import { socketClient } from "./socket-support.ts";

// Several processes (docs/architecture.md, "Several processes"): two real server processes on one
// PostgreSQL and one Redis, with no sticky sessions: each client picks a process. A reaches Redis
// through a proxy of the test's own, so the test can partition A (and only A) from Redis.

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let redis: OwnRedis;
let proxy: CuttableProxy;
let a: ServerProcess;
let b: ServerProcess;
let owner: TestUser;
let roomId: string;

beforeAll(async () => {
  db = await createTestDatabase();
  redis = await ownRedis();
  proxy = await cuttableProxy(redis.port);
  // TRUST_PROXY: the rate-limit tests name their client address, so their limits touch no other test.
  const env = { DATABASE_URL: db.url, REDIS_URL: redis.url, TRUST_PROXY: "loopback" };
  [a, b] = await Promise.all([startServerProcess({ ...env, REDIS_URL: proxy.url }), startServerProcess(env)]);
  ({ user: owner } = await signupUser(apiAt(a.url)));
  roomId = (await createRoom(apiAt(a.url), owner)).id;
}, 180_000);

afterAll(async () => {
  await Promise.all([a?.kill(), b?.kill()]);
  await proxy?.close();
  await redis?.kill();
  await db?.drop();
});

const stored = async (pageId: string) => storedText(await loadStoredState(db.sql, pageId));

/** Types `text` at the end of paragraph `index` (one writer per paragraph keeps each one's text in order). */
function typeAt(doc: Y.Doc, index: number, text: string) {
  const node = (doc.getXmlFragment("default").get(index) as Y.XmlElement).get(0) as Y.XmlText;
  for (const ch of text) node.insert(node.length, ch);
}
const paragraph = (text: string, index: number) => text.split("\n")[index] ?? "";

describe("two processes on one PostgreSQL and one Redis", () => {
  it("editors on different processes see each other's edits and carets", { timeout: 60_000 }, async () => {
    const pageId = await insertPage(db.sql, roomId);
    const onA = openClient(a.url, pageId, owner.token);
    const onB = openClient(b.url, pageId, owner.token);
    try {
      await Promise.all([onA.waitForStatus("saved", 30_000), onB.waitForStatus("saved", 30_000)]);
      typeInto(onA.doc, "Pricing agreed");
      const typedAt = Date.now();
      await waitFor(() => pageText(onB.doc) === "Pricing agreed", "A's edit on B", 5000);
      // Through Redis, not the 1.5 s anti-entropy round.
      expect(Date.now() - typedAt).toBeLessThan(700);
      typeInto(onB.doc, ", pending legal");
      await waitFor(() => pageText(onA.doc) === "Pricing agreed, pending legal", "B's edit on A", 5000);
      // Carets: A's awareness state reaches B's client, with the server-stamped user.
      onA.connection.provider.awareness.setLocalStateField("cursor", { anchor: 3, head: 3 });
      const seen = await waitFor(() => onB.connection.provider.awareness.getStates().get(onA.doc.clientID) as any, "A's caret on B", 5000);
      expect(seen.cursor).toEqual({ anchor: 3, head: 3 });
      expect(seen.user?.id).toBe(owner.id);
      await Promise.all([onA.waitForStatus("saved", 10_000), onB.waitForStatus("saved", 10_000)]);
      // Each edit is in the log once: written by the process that received it, not by the other.
      expect(await stored(pageId)).toBe("Pricing agreed, pending legal");
      const [counted] = await db.sql<{ rows: number }[]>`select count(*)::int as rows from page_updates where page_id = ${pageId}`;
      const [doubled] = await db.sql<{ duplicates: number }[]>`
        select count(*)::int as duplicates from (select update from page_updates where page_id = ${pageId} group by update having count(*) > 1) d`;
      expect(counted!.rows).toBeGreaterThan(0);
      expect(doubled!.duplicates).toBe(0);
    } finally {
      onA.destroy();
      onB.destroy();
    }
  });

  it("a socket.io event published on process A reaches a client connected to B", { timeout: 30_000 }, async () => {
    const socket = await socketClient(b.url, owner.token);
    try {
      expect(await socket.emit("room:join", { roomId })).toEqual({ ok: true });
      const api = apiAt(a.url);
      const thread = await api.api(`/api/v1/rooms/${roomId}/threads`, { token: owner.token, body: { title: "Security review", visibility: "shared", body: "first" } });
      expect(thread.status, JSON.stringify(thread.body)).toBe(201);
      const message = await api.api(`/api/v1/threads/${thread.body.id}/messages`, { token: owner.token, body: { body: "Questionnaire sent" } });
      expect(message.status).toBe(201);
      const event = await socket.waitFor("message.created", (m) => m.id === message.body.id, 5000);
      expect(JSON.stringify(event)).toContain("Questionnaire sent");
    } finally {
      socket.socket.disconnect();
    }
  });

  it("removing a participant on A closes their collab and socket.io connections on B within a second", { timeout: 60_000 }, async () => {
    const pageId = await insertPage(db.sql, roomId);
    const guest = await addParticipant(apiAt(a.url), owner, roomId, "external", "editor");
    const editor = openClient(b.url, pageId, guest.token);
    const socket = await socketClient(b.url, guest.token);
    try {
      await editor.waitForStatus("saved", 30_000);
      expect(await socket.emit("room:join", { roomId })).toEqual({ ok: true });
      const removed = await apiAt(a.url).api(`/api/v1/rooms/${roomId}/participants/${guest.id}`, { method: "DELETE", token: owner.token });
      expect(removed.status).toBe(204);
      const since = Date.now();
      await Promise.all([
        editor.waitForClose(CLOSE.RECONNECT, 1000),
        socket.waitFor("room:revoked", (p) => p.roomId === roomId, 1000),
      ]);
      expect(Date.now() - since).toBeLessThan(1000);
      // The reconnect is decided afresh, on B: the page is now answered like a missing one.
      await editor.waitForClose(CLOSE.NOT_FOUND, 10_000);
      expect((await socket.emit("room:join", { roomId })).error?.code).toBe("not_found");
    } finally {
      editor.destroy();
      socket.socket.disconnect();
    }
  });

  it("the message flood limit is counted across processes: a burst split over A and B hits one limit", { timeout: 30_000 }, async () => {
    const thread = await apiAt(a.url).api(`/api/v1/rooms/${roomId}/threads`, { token: owner.token, body: { title: "Flood", visibility: "shared", body: "first" } });
    expect(thread.status, JSON.stringify(thread.body)).toBe(201);
    const accepted = { a: 0, b: 0 };
    let refused = 0;
    // Alternate the processes; each one alone would let MESSAGE_BURST.points through.
    for (let i = 0; i < 2 * MESSAGE_BURST.points && !refused; i++) {
      const on = i % 2 === 0 ? "a" : "b";
      const res = await apiAt(on === "a" ? a.url : b.url).api(`/api/v1/threads/${thread.body.id}/messages`, { token: owner.token, body: { body: `m${i}` } });
      if (res.status === 201) accepted[on]++;
      else {
        expect(res.status).toBe(429);
        expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
        refused++;
      }
    }
    expect(refused).toBe(1);
    expect(accepted.a + accepted.b).toBeLessThanOrEqual(MESSAGE_BURST.points);
    expect(accepted.a + accepted.b).toBeGreaterThanOrEqual(MESSAGE_BURST.points - 1);
    expect(Math.min(accepted.a, accepted.b)).toBeGreaterThanOrEqual(MESSAGE_BURST.points / 2 - 1);
    // Both processes now refuse: the count is one, in Redis.
    for (const url of [a.url, b.url]) {
      const res = await apiAt(url).api(`/api/v1/threads/${thread.body.id}/messages`, { token: owner.token, body: { body: "one more" } });
      expect(res.status).toBe(429);
    }
  });

  it("the collab upgrade limit per address is counted across processes", { timeout: 60_000 }, async () => {
    const pageId = await insertPage(db.sql, roomId);
    const from = { headers: { "x-forwarded-for": "203.0.113.15" } };
    const upgrade = async (url: string) => {
      const socket = rawSocket(url, pageId, undefined, from);
      try {
        await socket.opened;
        return true;
      } catch (error) {
        expect((error as Error).message).toBe("upgrade refused: 429");
        return false;
      } finally {
        socket.ws.terminate();
      }
    };
    // The whole burst, half on each process, in parallel batches well inside the window.
    const started = Date.now();
    let allowed = 0;
    for (let i = 0; i < COLLAB_UPGRADES.points; i += 20) {
      const batch = await Promise.all(Array.from({ length: 20 }, (_, j) => upgrade((i + j) % 2 === 0 ? a.url : b.url)));
      allowed += batch.filter(Boolean).length;
    }
    expect(Date.now() - started).toBeLessThan(COLLAB_UPGRADES.duration * 1000);
    expect(allowed).toBe(COLLAB_UPGRADES.points);
    expect(await upgrade(a.url)).toBe(false);
    expect(await upgrade(b.url)).toBe(false);
    // Another address is untouched.
    const other = rawSocket(b.url, pageId, undefined, { headers: { "x-forwarded-for": "203.0.113.16" } });
    await other.opened;
    other.ws.terminate();
  });

  it("a process partitioned from Redis for 10 s converges afterwards, while the other keeps editing; nothing acknowledged is lost", { timeout: 120_000 }, async () => {
    const pageId = await insertPage(db.sql, roomId);
    const onA = openClient(a.url, pageId, owner.token);
    const onB = openClient(b.url, pageId, owner.token);
    let typing: NodeJS.Timeout | undefined;
    try {
      await Promise.all([onA.waitForStatus("saved", 30_000), onB.waitForStatus("saved", 30_000)]);
      // One paragraph per writer: A's client types into the first, B's into the second.
      addParagraph(onA.doc, "");
      addParagraph(onA.doc, "");
      await waitFor(() => onB.doc.getXmlFragment("default").length === 2, "both paragraphs on B", 5000);
      const saved = { a: "", b: "" };
      onA.connection.onStatus((s) => s === "saved" && (saved.a = paragraph(pageText(onA.doc), 0)));
      onB.connection.onStatus((s) => s === "saved" && (saved.b = paragraph(pageText(onB.doc), 1)));
      typing = setInterval(() => {
        typeAt(onA.doc, 0, "a");
        typeAt(onB.doc, 1, "b");
      }, 20);
      await waitFor(() => paragraph(pageText(onB.doc), 0).length >= 10 && paragraph(pageText(onA.doc), 1).length >= 10, "typing relayed both ways", 10_000);

      const connectionsBefore = proxy.connections();
      await proxy.cut();
      const cutAt = Date.now();
      const savedAtCut = { ...saved };
      await waitFor(() => a.output().includes("Redis connection error"), "A noticing the partition", 5000);
      // Partitioned, each side still learns the other's edits, from PostgreSQL (anti-entropy),
      // and A still acknowledges its client's edits (commits go to PostgreSQL, not Redis).
      const aAtCut = paragraph(pageText(onA.doc), 0).length;
      const bAtCut = paragraph(pageText(onB.doc), 1).length;
      await waitFor(
        () => paragraph(pageText(onB.doc), 0).length >= aAtCut + 10 && paragraph(pageText(onA.doc), 1).length >= bAtCut + 10,
        "edits crossing through PostgreSQL during the partition",
        9000,
      );
      await waitFor(() => saved.a.length > savedAtCut.a.length + 10, "A acknowledging edits during the partition", Math.max(1, cutAt + 9500 - Date.now()));
      // The partition itself: 10 s.
      await new Promise((r) => setTimeout(r, Math.max(0, cutAt + 10_000 - Date.now())));
      await proxy.restore();
      await waitFor(() => proxy.connections() >= connectionsBefore + 4, "A's four Redis connections back", 20_000);

      // A resyncs its connections once back; typing goes on through it, then stops.
      const typedAtRestore = paragraph(pageText(onA.doc), 0).length;
      await waitFor(() => paragraph(pageText(onB.doc), 0).length >= typedAtRestore + 20, "A's edits after the partition on B", 20_000);
      clearInterval(typing);
      typing = undefined;
      const typedA = paragraph(pageText(onA.doc), 0);
      const typedB = paragraph(pageText(onB.doc), 1);
      const expected = `${typedA}\n${typedB}`;
      await waitFor(() => pageText(onA.doc) === expected && pageText(onB.doc) === expected, "both clients converging", 30_000);
      await waitFor(async () => (await stored(pageId)) === expected, "PostgreSQL holding every edit", 30_000);
      await Promise.all([onA.waitForStatus("saved", 10_000), onB.waitForStatus("saved", 10_000)]);
      // Everything ever acknowledged is in what is stored (each paragraph only grows).
      const final = await stored(pageId);
      expect(paragraph(final, 0).startsWith(saved.a)).toBe(true);
      expect(paragraph(final, 1).startsWith(saved.b)).toBe(true);
      expect(saved.a).toBe(typedA);
      expect(saved.b).toBe(typedB);

      // The fast path is back (A subscribed again): single edits from B reach A in well under
      // the 1.5 s anti-entropy round, five times running.
      for (let i = 0; i < 5; i++) {
        const before = paragraph(pageText(onA.doc), 1).length;
        const at = Date.now();
        typeAt(onB.doc, 1, "!");
        await waitFor(() => paragraph(pageText(onA.doc), 1).length === before + 1, "B's edit on A", 5000);
        expect(Date.now() - at).toBeLessThan(700);
      }
    } finally {
      if (typing) clearInterval(typing);
      onA.destroy();
      onB.destroy();
    }
  });

  it("Redis lost during typing: editing goes on, and both processes converge once it is back", { timeout: 120_000 }, async () => {
    const pageId = await insertPage(db.sql, roomId);
    const writer = openClient(a.url, pageId, owner.token);
    const reader = openClient(b.url, pageId, owner.token);
    let typing: NodeJS.Timeout | undefined;
    try {
      await Promise.all([writer.waitForStatus("saved", 30_000), reader.waitForStatus("saved", 30_000)]);
      typing = setInterval(() => typeInto(writer.doc, "r"), 5);
      await waitFor(() => pageText(reader.doc).length >= 20, "typing relayed before the loss", 10_000);
      await redis.kill();
      const atLoss = pageText(writer.doc).length;
      // Without Redis, B still learns the edits, from PostgreSQL (anti-entropy).
      await waitFor(() => pageText(reader.doc).length >= atLoss + 20, "edits reaching B while Redis is away", 20_000);
      await redis.start();
      await waitFor(() => pageText(reader.doc).length >= pageText(writer.doc).length - 5 && pageText(writer.doc).length > atLoss + 60, "typing after Redis is back", 30_000);
      clearInterval(typing);
      typing = undefined;
      const typed = pageText(writer.doc);
      await waitFor(() => pageText(reader.doc) === typed, "B's client converging", 30_000);
      await waitFor(async () => (await stored(pageId)) === typed, "PostgreSQL holding every edit", 30_000);
    } finally {
      if (typing) clearInterval(typing);
      writer.destroy();
      reader.destroy();
    }
  });

  it("SIGKILL of one process during typing: every edit reported saved is stored, the client moves to the survivor, the page converges", { timeout: 120_000 }, async () => {
    const pageId = await insertPage(db.sql, roomId);
    let writer: TestClient = openClient(a.url, pageId, owner.token);
    const reader = openClient(b.url, pageId, owner.token);
    let typing: NodeJS.Timeout | undefined;
    try {
      await Promise.all([writer.waitForStatus("saved", 30_000), reader.waitForStatus("saved", 30_000)]);
      let lastSaved = "";
      writer.connection.onStatus((status) => {
        if (status === "saved") lastSaved = pageText(writer.doc);
      });
      typing = setInterval(() => typeInto(writer.doc, "k"), 3);
      await waitFor(() => lastSaved.length >= 60, "60 saved keystrokes", 30_000);
      await a.kill("SIGKILL");
      clearInterval(typing);
      typing = undefined;
      const savedBeforeKill = lastSaved;
      const typed = pageText(writer.doc);
      const atKill = await stored(pageId);
      expect(atKill.startsWith(savedBeforeKill)).toBe(true);
      expect(typed.startsWith(atKill)).toBe(true);
      // The client reconnects to the survivor with its document, and sends what B lacks.
      writer.connection.destroy();
      writer = openClient(b.url, pageId, owner.token, writer.doc);
      await waitFor(async () => (await stored(pageId)) === typed, "PostgreSQL holding every edit the client made", 30_000);
      await waitFor(() => pageText(reader.doc) === typed, "B's other client converging", 10_000);
      await writer.waitForStatus("saved", 10_000);
    } finally {
      if (typing) clearInterval(typing);
      writer.destroy();
      reader.destroy();
    }
  });
});
