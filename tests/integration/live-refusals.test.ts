import { randomUUID } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import * as Y from "yjs";
import { CLOSE } from "../../collab/close-codes.ts";
import { encodeSyncStep1, encodeUpdateMessage } from "../../collab/protocol.ts";
import { addParticipant, roomWithCast, type TestUser } from "../support/factories.ts";
import { startTestServer, type TestServer } from "../support/server.ts";
import { addParagraph, rawSocket, waitFor, type RawSocket } from "./collab-support.ts";
import { socketClient, type SocketClient } from "./socket-support.ts";

// Refused attempts over the live connections reach the room's audit trail like HTTP refusals
// (README: "refused attempts land in the room's audit trail"; server/access/refusals.ts): a guest
// opening an internal page over /collab, asking socket.io about an internal thread, an outsider
// joining the room's live channel, a viewer's write dropped, a change past the page's bounds.
// The refused person sees nothing of it: the answer is the missing item's, byte for byte, and the
// trail is not theirs to read.
let server: TestServer;
let cast: Awaited<ReturnType<typeof roomWithCast>>;
let internalPage: string;
let sharedPage: string;
let internalThread: string;
const sockets: RawSocket[] = [];
const clients: SocketClient[] = [];

beforeAll(async () => {
  server = await startTestServer();
  cast = await roomWithCast(server);
  const page = async (visibility: string) => {
    const res = await server.api(`/api/v1/rooms/${cast.room.id}/pages`, { token: cast.owner.token, body: { title: `Pricing ${visibility}`, visibility, markdown: "floor 12%" } });
    expect(res.status).toBe(201);
    return res.body.id as string;
  };
  internalPage = await page("internal");
  sharedPage = await page("shared");
  const thread = await server.api(`/api/v1/rooms/${cast.room.id}/threads`, { token: cast.owner.token, body: { title: "Walk-away price", visibility: "internal", body: "We can drop to 12%." } });
  expect(thread.status).toBe(201);
  internalThread = thread.body.id;
});
afterEach(() => {
  for (const s of sockets.splice(0)) s.ws.terminate();
  for (const c of clients.splice(0)) c.socket.disconnect();
});
afterAll(async () => {
  await server?.close();
});

interface AuditItem { type: string; actor: { id: string } | null; objectId: string | null; data: Record<string, unknown>; ip: string | null }

/** The room's trail as its owner (an organization admin, internal) reads it. */
async function audit(): Promise<AuditItem[]> {
  const res = await server.api(`/api/v1/rooms/${cast.room.id}/audit?type=access`, { token: cast.owner.token });
  expect(res.status).toBe(200);
  return res.body.items;
}

/** Refusals are written after the answer: wait for the one `match` describes. */
async function recorded(user: TestUser, match: (item: AuditItem) => boolean): Promise<AuditItem> {
  return waitFor(async () => (await audit()).find((i) => i.actor?.id === user.id && match(i)), `a refusal by ${user.name} in the trail`);
}

const socket = (pageId: string, token: string) => {
  const s = rawSocket(server.url, pageId, token);
  sockets.push(s);
  return s;
};
const client = async (token: string) => {
  const c = await socketClient(server.url, token);
  clients.push(c);
  return c;
};

/** What the refused person can see of it: their own feed and the trail (403). */
async function assertNothingShownTo(user: TestUser) {
  const feed = await server.api(`/api/v1/rooms/${cast.room.id}/activity`, { token: user.token });
  expect(feed.status).toBe(200);
  expect((feed.body.items as { type: string }[]).filter((i) => i.type.startsWith("access."))).toEqual([]);
  expect((await server.api(`/api/v1/rooms/${cast.room.id}/audit`, { token: user.token })).status).toBe(403);
}

describe("refusals over /collab", () => {
  it("a guest opening an internal page gets the missing page's 4404, and the attempt is in the room's trail", async () => {
    const missing = await socket(randomUUID(), cast.externalEditor.token).closed;
    const refused = await socket(internalPage, cast.externalEditor.token).closed;
    expect(refused).toEqual({ code: CLOSE.NOT_FOUND, reason: "page not found" });
    expect(missing).toEqual(refused);

    const entry = await recorded(cast.externalEditor, (i) => i.data.path === `/collab/${internalPage}`);
    expect(entry).toMatchObject({ type: "access.denied", data: { status: 404, method: "websocket", action: "item.read", what: "Page" } });
    expect(entry.ip).toBeTruthy();
    // A missing page belongs to no room: nothing to record, and nothing was (it was asked first).
    expect((await audit()).filter((i) => i.actor?.id === cast.externalEditor.id)).toHaveLength(1);
    await assertNothingShownTo(cast.externalEditor);
  });

  it("a viewer's writes are dropped and recorded once per connection, as a 403 on editing the page", async () => {
    const guest = await addParticipant(server, cast.owner, cast.room.id, "external", "viewer");
    const viewer = socket(sharedPage, guest.token);
    await viewer.opened;
    for (const text of ["mine now", "and this", "and this too"]) {
      const doc = new Y.Doc();
      addParagraph(doc, text);
      viewer.ws.send(encodeUpdateMessage(Y.encodeStateAsUpdate(doc)));
    }
    // The connection stays; its answer to sync step 1 means every write before it was handled.
    const before = viewer.messages.length;
    viewer.ws.send(encodeSyncStep1(new Y.Doc()));
    await waitFor(() => viewer.messages.slice(before).some((m) => m[0] === 0 && m[1] === 1), "the answer to sync step 1");

    const entry = await recorded(guest, (i) => i.data.path === `/collab/${sharedPage}`);
    expect(entry).toMatchObject({ type: "access.denied", objectId: sharedPage, data: { status: 403, method: "websocket", action: "item.edit", what: "Page" } });
    // A real refusal last, on another door: once it is in the trail, everything before it was written.
    expect((await (await client(guest.token)).emit("thread:read", { threadId: internalThread })).error.code).toBe("not_found");
    await recorded(guest, (i) => i.data.path === "thread:read");
    expect((await audit()).filter((i) => i.actor?.id === guest.id).map((i) => i.data.path)).toEqual(["thread:read", `/collab/${sharedPage}`]);
    await assertNothingShownTo(guest);
  });

  it("a change past the page's bounds closes with 4422 and is recorded with the bound", async () => {
    const editor = socket(sharedPage, cast.internalEditor.token);
    await editor.opened;
    const doc = new Y.Doc();
    doc.getXmlFragment("default").insert(0, [new Y.XmlElement("marquee")]);
    editor.ws.send(encodeUpdateMessage(Y.encodeStateAsUpdate(doc)));
    expect((await editor.closed).code).toBe(CLOSE.OUT_OF_BOUNDS);
    const entry = await recorded(cast.internalEditor, (i) => i.type === "access.out_of_bounds");
    expect(entry).toMatchObject({ objectId: sharedPage, data: { status: 422, bound: "schema", closeCode: CLOSE.OUT_OF_BOUNDS, path: `/collab/${sharedPage}` } });
  });

  it("a guest retrying the internal page in a loop leaves one row a minute, not one per attempt", async () => {
    for (let i = 0; i < 15; i++) expect((await socket(internalPage, cast.externalViewer.token).closed).code).toBe(CLOSE.NOT_FOUND);
    // A real refusal last, on another door: once it is in the trail, the loop's writes were done.
    expect((await (await client(cast.externalViewer.token)).emit("thread:read", { threadId: internalThread })).error.code).toBe("not_found");
    await recorded(cast.externalViewer, (i) => i.data.path === "thread:read");
    const rows = (await audit()).filter((i) => i.actor?.id === cast.externalViewer.id && i.data.path === `/collab/${internalPage}`);
    expect(rows).toHaveLength(1);
  });
});

describe("refusals over socket.io", () => {
  it("a guest reading an internal thread gets the missing thread's answer, and the attempt is in the trail", async () => {
    const guest = await client(cast.externalEditor.token);
    const refused = await guest.emit("thread:read", { threadId: internalThread });
    const missing = await guest.emit("thread:read", { threadId: randomUUID() });
    expect(refused).toEqual({ error: { code: "not_found", message: "Thread does not exist or is not visible to you." } });
    expect(missing).toEqual(refused);

    const entry = await recorded(cast.externalEditor, (i) => i.data.path === "thread:read");
    expect(entry).toMatchObject({ type: "access.denied", data: { status: 404, method: "socket.io", action: "item.read", what: "Thread" } });
    // No event about it reached the guest's socket (only acknowledgements came back).
    expect(guest.events).toEqual([]);
    await assertNothingShownTo(cast.externalEditor);
  });

  it("someone outside the room joining its live channel gets a 404, recorded in the room", async () => {
    const member = await client(cast.orgMember.token);
    const refused = await member.emit("room:join", { roomId: cast.room.id });
    const missing = await member.emit("room:join", { roomId: randomUUID() });
    expect(refused.error.code).toBe("not_found");
    expect(missing).toEqual(refused);
    const entry = await recorded(cast.orgMember, (i) => i.data.path === "room:join");
    expect(entry).toMatchObject({ type: "access.denied", data: { status: 404, method: "socket.io" } });
  });

  it("a participant joining their own room and reading a shared thread leaves nothing behind", async () => {
    const thread = await server.api(`/api/v1/rooms/${cast.room.id}/threads`, { token: cast.owner.token, body: { title: "Questions", visibility: "shared", body: "First question." } });
    expect(thread.status).toBe(201);
    const user = await addParticipant(server, cast.owner, cast.room.id, "external", "viewer");
    const guest = await client(user.token);
    expect(await guest.emit("room:join", { roomId: cast.room.id })).toEqual({ ok: true });
    expect((await guest.emit("thread:read", { threadId: thread.body.id })).ok).toBe(true);
    // A real refusal last: once it is in the trail, anything before it would be too.
    const barrier = await guest.emit("thread:read", { threadId: internalThread });
    expect(barrier.error.code).toBe("not_found");
    await recorded(user, (i) => i.data.path === "thread:read");
    expect((await audit()).filter((i) => i.actor?.id === user.id).map((i) => i.data.path)).toEqual(["thread:read"]);
  });
});
