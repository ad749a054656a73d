import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadStoredState } from "../../collab/documents.ts";
import { CLOSE } from "../../collab/close-codes.ts";
import { createTestDatabase } from "../support/db.ts";
import { addParticipant, createRoom, signupUser, type TestUser } from "../support/factories.ts";
import { apiAt, insertPage, openClient, pageText, storedText, typeInto, waitFor, type TestClient } from "./collab-support.ts";
import { ownRedis, startServerProcess, type OwnRedis, type ServerProcess } from "./multiprocess-support.ts";
import { socketClient } from "./socket-support.ts";

// Several processes (docs/architecture.md, "Several processes"): two real server processes on one
// PostgreSQL and one Redis, with no sticky sessions: each client picks a process.

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let redis: OwnRedis;
let a: ServerProcess;
let b: ServerProcess;
let owner: TestUser;
let roomId: string;

beforeAll(async () => {
  db = await createTestDatabase();
  redis = await ownRedis();
  const env = { DATABASE_URL: db.url, REDIS_URL: redis.url };
  [a, b] = await Promise.all([startServerProcess(env), startServerProcess(env)]);
  ({ user: owner } = await signupUser(apiAt(a.url)));
  roomId = (await createRoom(apiAt(a.url), owner)).id;
}, 180_000);

afterAll(async () => {
  await Promise.all([a?.kill(), b?.kill()]);
  await redis?.kill();
  await db?.drop();
});

const stored = async (pageId: string) => storedText(await loadStoredState(db.sql, pageId));

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
