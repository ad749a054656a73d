import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import * as Y from "yjs";
import { CLOSE } from "../../collab/close-codes.ts";
import { loadStoredState } from "../../collab/documents.ts";
import { encodeSyncStep1, encodeUpdateMessage } from "../../collab/protocol.ts";
import type { DocumentRegistry } from "../../collab/registry.ts";
import { addParticipant, roomWithCast } from "../support/factories.ts";
import { startTestServer, type TestServer } from "../support/server.ts";
import { addParagraph, insertPage, openClient, pageText, rawSocket, storedText, waitFor, type RawSocket, type TestClient } from "./collab-support.ts";

let server: TestServer;
let cast: Awaited<ReturnType<typeof roomWithCast>>;
const clients: TestClient[] = [];
const sockets: RawSocket[] = [];
const client = (pageId: string, token: string | undefined) => {
  const c = openClient(server.url, pageId, token);
  clients.push(c);
  return c;
};
const raw = (...args: Parameters<typeof rawSocket> extends [string, ...infer R] ? R : never) => {
  const s = rawSocket(server.url, ...args);
  sockets.push(s);
  return s;
};

beforeAll(async () => {
  server = await startTestServer();
  cast = await roomWithCast(server);
});
afterEach(() => {
  for (const c of clients.splice(0)) c.destroy();
  for (const s of sockets.splice(0)) s.ws.terminate();
});
afterAll(async () => {
  await server.close();
});

const updateWith = (text: string) => {
  const doc = new Y.Doc();
  addParagraph(doc, text);
  return Y.encodeStateAsUpdate(doc);
};
/** Sends `frames`, then a sync step 1, and waits for the answer: every frame before it was processed. */
async function sendAndConfirm(socket: RawSocket, frames: Uint8Array[]) {
  await socket.opened;
  for (const frame of frames) socket.ws.send(frame);
  const before = socket.messages.length;
  socket.ws.send(encodeSyncStep1(new Y.Doc()));
  await waitFor(() => socket.messages.slice(before).some((m) => m[0] === 0 && m[1] === 1), "the answer to sync step 1");
}

describe("who may connect", () => {
  it("an external participant asking for an internal page gets 4404, like a missing page; a shared page works", async () => {
    const internal = await insertPage(server.sql, cast.room.id, { visibility: "internal" });
    const shared = await insertPage(server.sql, cast.room.id, { visibility: "shared" });

    const refused = client(internal, cast.externalEditor.token);
    await refused.waitForClose(CLOSE.NOT_FOUND);
    const missing = client("7d1a3c52-0000-4000-8000-000000000000", cast.externalEditor.token);
    await missing.waitForClose(CLOSE.NOT_FOUND);
    const garbageId = client("not-a-page", cast.externalEditor.token);
    await garbageId.waitForClose(CLOSE.NOT_FOUND);
    // 4404 is final: the client does not keep knocking.
    expect(refused.connection.provider.shouldConnect).toBe(false);
    expect(refused.connection.status).toBe("offline");

    const allowed = client(shared, cast.externalEditor.token);
    await allowed.waitForStatus("saved");
    expect(allowed.closes).toEqual([]);
  });

  it("users outside the room get 4404 even for a shared page; an organization admin reads it", async () => {
    const shared = await insertPage(server.sql, cast.room.id, { visibility: "shared" });
    await client(shared, cast.outsider.token).waitForClose(CLOSE.NOT_FOUND);
    await client(shared, cast.orgMember.token).waitForClose(CLOSE.NOT_FOUND);
    const internal = await insertPage(server.sql, cast.otherRoom.id, { visibility: "internal" });
    await client(internal, cast.owner.token).waitForStatus("saved");
  });

  it("no session, a bad token or a foreign Origin gets 4401; the session cookie from our own origin works", async () => {
    const pageId = await insertPage(server.sql, cast.room.id);
    await client(pageId, undefined).waitForClose(CLOSE.UNAUTHENTICATED);
    await client(pageId, "a".repeat(32)).waitForClose(CLOSE.UNAUTHENTICATED);

    const cookie = `dealroom_session=${cast.internalEditor.token}`;
    const foreign = raw(pageId, undefined, { headers: { cookie, origin: "https://evil.example" } });
    expect((await foreign.closed).code).toBe(CLOSE.UNAUTHENTICATED);

    const own = raw(pageId, undefined, { headers: { cookie, origin: server.url } });
    await sendAndConfirm(own, []);
    expect(own.ws.readyState).toBe(own.ws.OPEN);
  });
});

describe("read-only connections", () => {
  it("updates from viewers and commenters are dropped: not stored, not relayed, the connection stays", async () => {
    const pageId = await insertPage(server.sql, cast.room.id);
    const commenter = await addParticipant(server, cast.owner, cast.room.id, "external", "commenter");
    const editor = client(pageId, cast.internalEditor.token);
    await editor.waitForStatus("saved");

    const viewer = raw(pageId, cast.externalViewer.token);
    const commenting = raw(pageId, commenter.token);
    await sendAndConfirm(viewer, [encodeUpdateMessage(updateWith("from the viewer")), new Uint8Array([0, 1, ...[2, 0, 0]])]);
    await sendAndConfirm(commenting, [encodeUpdateMessage(updateWith("from the commenter"))]);

    addParagraph(editor.doc, "from the editor");
    await editor.waitForStatus("saved");
    // The viewer still receives live edits.
    await waitFor(() => viewer.messages.some((m) => m[0] === 0 && m[1] === 2), "the editor's update at the viewer");
    expect(pageText(editor.doc)).toBe("from the editor");
    expect(storedText(await loadStoredState(server.sql, pageId))).toBe("from the editor");
    const [row] = await server.sql<{ n: number }[]>`
      select count(*)::int as n from page_updates where page_id = ${pageId} and author_id <> ${cast.internalEditor.id}`;
    expect(row!.n).toBe(0);
    // Nothing was acknowledged to them either.
    expect(viewer.messages.some((m) => m[0] === 100)).toBe(false);
    expect(viewer.ws.readyState).toBe(viewer.ws.OPEN);
  });

  it("an archived page is read-only for everyone", async () => {
    const pageId = await insertPage(server.sql, cast.room.id);
    await server.sql`update pages set archived_at = now() where id = ${pageId}`;
    const owner = raw(pageId, cast.owner.token);
    await sendAndConfirm(owner, [encodeUpdateMessage(updateWith("edit on an archived page"))]);
    // Whatever the document took in would now be written.
    const live = (server.app.documents as DocumentRegistry).loaded(pageId)!;
    await live.settle();
    expect(pageText(live.doc)).toBe("");
    expect(storedText(await loadStoredState(server.sql, pageId))).toBe("");
  });
});

describe("access changes reach live connections", () => {
  it("a page made internal disconnects its external editor within a second (4409), and the reconnect gets 4404", async () => {
    const pageId = await insertPage(server.sql, cast.room.id, { visibility: "shared" });
    const buyer = client(pageId, cast.externalEditor.token);
    const seller = client(pageId, cast.internalEditor.token);
    await buyer.waitForStatus("saved");
    await seller.waitForStatus("saved");

    await server.sql`update pages set visibility = 'internal' where id = ${pageId}`;
    const started = Date.now();
    server.app.bus.invalidate({ pageIds: [pageId] });
    await buyer.waitForClose(CLOSE.RECONNECT, 1000);
    expect(Date.now() - started).toBeLessThan(1000);
    await buyer.waitForClose(CLOSE.NOT_FOUND);
    expect(buyer.closes).toEqual([CLOSE.RECONNECT, CLOSE.NOT_FOUND]);

    // The internal editor was asked to reconnect too, and is let back in.
    await seller.waitForClose(CLOSE.RECONNECT);
    await seller.waitForStatus("saved");
    addParagraph(seller.doc, "Internal pricing notes");
    await seller.waitForStatus("saved");
    expect(pageText(buyer.doc)).not.toContain("Internal pricing notes");
  });

  it("a removed participant is disconnected ({ userIds, roomId }); others in the room stay", async () => {
    const leaving = await addParticipant(server, cast.owner, cast.room.id, "external", "editor");
    const pageId = await insertPage(server.sql, cast.room.id);
    const gone = client(pageId, leaving.token);
    const stays = client(pageId, cast.externalEditor.token);
    await gone.waitForStatus("saved");
    await stays.waitForStatus("saved");

    await server.sql`delete from participants where room_id = ${cast.room.id} and user_id = ${leaving.id}`;
    server.app.bus.invalidate({ userIds: [leaving.id], roomId: cast.room.id });
    await gone.waitForClose(CLOSE.RECONNECT, 1000);
    await gone.waitForClose(CLOSE.NOT_FOUND);
    // An invalidation for another room does not touch anyone here.
    server.app.bus.invalidate({ userIds: [cast.externalEditor.id], roomId: cast.otherRoom.id });
    addParagraph(stays.doc, "still here");
    await stays.waitForStatus("saved");
    expect(stays.closes).toEqual([]);
  });

  it("a room-wide invalidation ({ roomId }) asks every connection in the room to reconnect", async () => {
    const pageA = await insertPage(server.sql, cast.room.id);
    const pageB = await insertPage(server.sql, cast.room.id, { visibility: "internal" });
    const elsewhere = await insertPage(server.sql, cast.otherRoom.id);
    const a = client(pageA, cast.externalViewer.token);
    const b = client(pageB, cast.internalViewer.token);
    const other = client(elsewhere, cast.owner.token);
    await Promise.all([a.waitForStatus("saved"), b.waitForStatus("saved"), other.waitForStatus("saved")]);

    server.app.bus.invalidate({ roomId: cast.room.id });
    await a.waitForClose(CLOSE.RECONNECT, 1000);
    await b.waitForClose(CLOSE.RECONNECT, 1000);
    await a.waitForStatus("saved");
    await b.waitForStatus("saved");
    expect(other.closes).toEqual([]);
  });
});
