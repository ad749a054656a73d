// Issue 19: comments anchored to text (docs/decisions/028-comments-anchored-to-text.md), over the
// real server: HTTP, socket.io and the collab websocket. The anchor lives with the thread, so an
// internal comment on a shared page never reaches an external participant: 404 by id, absent from
// every list, never on their socket.io, and no trace in their raw collab traffic.
import { afterAll, beforeAll, expect, it, vi } from "vitest";
import * as Y from "yjs";
import { encodeSyncStep1 } from "../../collab/protocol.ts";
import { addParticipant, roomWithCast, type TestUser } from "../support/factories.ts";
import { startTestServer, type TestServer } from "../support/server.ts";
import { createPage } from "./bounds-support.ts";
import { openClient, rawSocket, waitFor, type RawSocket, type TestClient } from "./collab-support.ts";
import { after, socketClient, type SocketClient } from "./socket-support.ts";

vi.setConfig({ testTimeout: 60_000 });

let server: TestServer;
let cast: Awaited<ReturnType<typeof roomWithCast>>;
let guest: TestUser; // an external commenter
const clients: TestClient[] = [];
const raws: RawSocket[] = [];
const sockets: SocketClient[] = [];

beforeAll(async () => {
  server = await startTestServer();
  cast = await roomWithCast(server);
  guest = await addParticipant(server, cast.owner, cast.room.id, "external", "commenter");
});
afterAll(async () => {
  for (const c of clients) c.destroy();
  for (const r of raws) r.ws.terminate();
  for (const s of sockets) s.socket.disconnect();
  await server.close();
});

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64");

/** Relative positions around `needle` in the page's live document, as a client computes them. */
async function anchorOn(pageId: string, needle: string) {
  const client = openClient(server.url, pageId, cast.owner.token);
  clients.push(client);
  await client.waitForStatus("saved");
  const fragment = client.doc.getXmlFragment("default");
  for (const node of fragment.toArray()) {
    if (!(node instanceof Y.XmlElement)) continue;
    for (const child of node.toArray()) {
      if (!(child instanceof Y.XmlText)) continue;
      const index = child.toString().indexOf(needle);
      if (index < 0) continue;
      return {
        from: b64(Y.encodeRelativePosition(Y.createRelativePositionFromTypeIndex(child, index))),
        to: b64(Y.encodeRelativePosition(Y.createRelativePositionFromTypeIndex(child, index + needle.length))),
        client,
      };
    }
  }
  throw new Error(`${needle} not in the page`);
}

const comment = (token: string, pageId: string, body: Record<string, unknown>) =>
  server.api(`/api/v1/pages/${pageId}/comments`, { token, body });

it("keeps an internal comment on a shared page from the guest: 404 by id, no list, no socket.io event, no collab trace", async () => {
  const pageId = await createPage(server, cast.owner.token, cast.room.id, "The price is final. Delivery starts in May.", "Offer");
  const { from, to } = await anchorOn(pageId, "The price is final.");

  // The guest is on the page (raw collab frames captured) and in the room (socket.io).
  const guestCollab = rawSocket(server.url, pageId, guest.token);
  raws.push(guestCollab);
  await guestCollab.opened;
  // Ask for the whole document, as a y-websocket client does on connect.
  guestCollab.ws.send(encodeSyncStep1(new Y.Doc()));
  const guestIo = await socketClient(server.url, guest.token);
  const insideIo = await socketClient(server.url, cast.internalEditor.token);
  sockets.push(guestIo, insideIo);
  for (const s of [guestIo, insideIo]) expect((await s.emit("room:join", { roomId: cast.room.id })).ok).toBe(true);
  await waitFor(() => guestCollab.messages.length > 0, "the guest's first collab frames");

  const secret = "Our floor is 40k SECRET-7f3a";
  const made = await comment(cast.internalEditor.token, pageId, { body: secret, visibility: "internal", anchor: { from, to }, quote: "The price is final." });
  expect(made.status, JSON.stringify(made.body)).toBe(201);
  const threadId = made.body.id as string;
  expect(made.body).toMatchObject({ visibility: "internal", page: { id: pageId }, anchor: { pageId, from, to, quote: "The price is final." } });

  // The internal side sees it live, with its anchor, on the internal channel.
  const live = await insideIo.waitFor("thread.created", (p) => p.id === threadId);
  expect(live.anchor).toEqual({ pageId, from, to, quote: "The price is final." });
  // Meanwhile the guest writes on the page and starts a shared comment: their traffic flows.
  const mine = await comment(guest.token, pageId, { body: "Can we talk about May?", anchor: await anchorOn(pageId, "Delivery").then(({ from, to }) => ({ from, to })), quote: "Delivery" });
  expect(mine.status, JSON.stringify(mine.body)).toBe(201);
  expect(mine.body.visibility).toBe("shared");
  await guestIo.waitFor("thread.created", (p) => p.id === mine.body.id);
  await after(500, null);

  // HTTP: the internal thread does not exist for the guest, on any route.
  for (const [method, path] of [
    ["GET", `/api/v1/threads/${threadId}`],
    ["GET", `/api/v1/threads/${threadId}/messages`],
    ["POST", `/api/v1/threads/${threadId}/messages`],
    ["POST", `/api/v1/threads/${threadId}/resolve`],
    ["PATCH", `/api/v1/threads/${threadId}`],
  ] as const) {
    const res = await server.api(path, { token: guest.token, method, body: method === "GET" ? undefined : method === "PATCH" ? { title: "x" } : { body: "x" } });
    expect(res.status, `${method} ${path}`).toBe(404);
  }
  const guestList = await server.api(`/api/v1/pages/${pageId}/comments`, { token: guest.token });
  expect(guestList.status).toBe(200);
  expect(guestList.body.items.map((t: { id: string }) => t.id)).toEqual([mine.body.id]);
  expect(guestList.body.abilities).toEqual({ comment: true, commentInternal: false });
  const guestThreads = await server.api(`/api/v1/rooms/${cast.room.id}/threads`, { token: guest.token });
  expect(guestThreads.body.items.map((t: { id: string }) => t.id)).not.toContain(threadId);
  const ownerList = await server.api(`/api/v1/pages/${pageId}/comments`, { token: cast.owner.token });
  expect(ownerList.body.items.map((t: { id: string }) => t.id)).toEqual([threadId, mine.body.id]);
  expect(ownerList.body.items[0].messages[0].body).toBe(secret);
  expect(ownerList.body.abilities).toEqual({ comment: true, commentInternal: true });

  // socket.io: not one event the guest received names the thread, its text or its anchor.
  const guestEvents = JSON.stringify(guestIo.events);
  expect(guestEvents).toContain(mine.body.id);
  for (const trace of [threadId, secret, from, to]) expect(guestEvents).not.toContain(trace);

  // Collab: the guest's raw frames hold the page's text but nothing of the comment.
  const frames = Buffer.concat(guestCollab.messages.map((m) => Buffer.from(m)));
  expect(frames.includes(Buffer.from("The price is final."))).toBe(true);
  for (const trace of [threadId, secret, "SECRET", from, to]) expect(frames.includes(Buffer.from(trace)), trace).toBe(false);
  for (const bytes of [Buffer.from(from, "base64"), Buffer.from(to, "base64")]) expect(frames.includes(bytes)).toBe(false);
  // And the stored document (what versions and exports are made from) holds no trace either.
  const state = Buffer.from(await server.app.documents.encodeState(pageId));
  for (const trace of [threadId, "SECRET"]) expect(state.includes(Buffer.from(trace))).toBe(false);
});

it("lets commenters and up comment, guests on shared pages only, and internal comments only from the inside", async () => {
  const shared = await createPage(server, cast.owner.token, cast.room.id, "A shared sentence.", "Shared");
  const { from, to } = await anchorOn(shared, "shared sentence");
  const input = { body: "Noted", anchor: { from, to }, quote: "shared sentence" };

  expect((await comment(guest.token, shared, input)).status).toBe(201);
  expect((await comment(cast.externalEditor.token, shared, input)).status).toBe(201);
  expect((await comment(cast.externalViewer.token, shared, input)).status).toBe(403);
  expect((await comment(cast.internalViewer.token, shared, input)).status).toBe(403);
  expect((await comment(guest.token, shared, { ...input, visibility: "internal" })).status).toBe(403);
  expect((await comment(cast.outsider.token, shared, input)).status).toBe(404);
  expect((await comment(cast.orgMember.token, shared, input)).status).toBe(404);
  expect((await comment(undefined as unknown as string, shared, input)).status).toBe(401);

  const internal = await server.api(`/api/v1/rooms/${cast.room.id}/pages`, { token: cast.owner.token, body: { title: "Internal", visibility: "internal", markdown: "Our margin." } });
  expect(internal.status).toBe(201);
  const at = await anchorOn(internal.body.id, "margin");
  const onInternal = { body: "Keep it", anchor: { from: at.from, to: at.to }, quote: "margin" };
  expect((await comment(guest.token, internal.body.id, onInternal)).status).toBe(404);
  expect((await server.api(`/api/v1/pages/${internal.body.id}/comments`, { token: guest.token })).status).toBe(404);
  const refused = await comment(cast.internalEditor.token, internal.body.id, { ...onInternal, visibility: "shared" });
  expect(refused.status).toBe(400);
  expect(refused.body.error.fields).toHaveProperty("visibility");
  const made = await comment(cast.internalEditor.token, internal.body.id, onInternal);
  expect(made.status).toBe(201);
  expect(made.body.visibility).toBe("internal");

  // Resolving goes through the thread's own rules: the guest resolves their own shared comment.
  const guestOwn = await comment(guest.token, shared, input);
  const resolved = await server.api(`/api/v1/threads/${guestOwn.body.id}/resolve`, { token: guest.token, body: {} });
  expect(resolved.status).toBe(200);
  const list = await server.api(`/api/v1/pages/${shared}/comments`, { token: cast.owner.token });
  expect(list.body.items.find((t: { id: string }) => t.id === guestOwn.body.id).status).toBe("resolved");
});

it("validates the anchor at the edge: bounded, well-formed, and in this page", async () => {
  const pageId = await createPage(server, cast.owner.token, cast.room.id, "First page text.", "One");
  const other = await createPage(server, cast.owner.token, cast.room.id, "Second page text.", "Two");
  const good = await anchorOn(pageId, "First");
  // A position made in another page's document by another client (its ids are not in this page).
  const foreign = await anchorOn(other, "Second");
  foreign.client.doc.getXmlFragment("default").insert(0, [new Y.XmlElement("paragraph")]);
  const typed = new Y.XmlText("new words");
  (foreign.client.doc.getXmlFragment("default").get(0) as Y.XmlElement).insert(0, [typed]);
  const elsewhere = b64(Y.encodeRelativePosition(Y.createRelativePositionFromTypeIndex(typed, 2)));
  const otherRoot = b64(Y.encodeRelativePosition(Y.createRelativePositionFromTypeIndex(new Y.Doc().getXmlFragment("secrets"), 0)));
  const base = { body: "Hm", quote: "First", anchor: { from: good.from, to: good.to } };

  const cases: [string, unknown, number, string][] = [
    ["no anchor", { body: "Hm", quote: "First" }, 400, "anchor"],
    ["anchor not an object", { ...base, anchor: "x" }, 400, "anchor"],
    ["extra anchor field", { ...base, anchor: { ...base.anchor, type: "x" } }, 400, "anchor"],
    ["not base64", { ...base, anchor: { from: "!!!", to: good.to } }, 400, "anchor.from"],
    ["too long", { ...base, anchor: { from: good.from, to: "A".repeat(4000) } }, 400, "anchor.to"],
    ["garbage bytes", { ...base, anchor: { from: b64(Buffer.from([255, 255, 255, 255, 255, 255])), to: good.to } }, 400, "anchor.from"],
    ["trailing bytes", { ...base, anchor: { from: good.from, to: b64(Buffer.concat([Buffer.from(good.to, "base64"), Buffer.from([1, 2, 3])])) } }, 400, "anchor.to"],
    ["another page's position", { ...base, anchor: { from: elsewhere, to: good.to } }, 400, "anchor.from"],
    ["another root type", { ...base, anchor: { from: good.from, to: otherRoot } }, 400, "anchor.to"],
    ["no quote", { ...base, quote: "  " }, 400, "quote"],
    ["quote too long", { ...base, quote: "x".repeat(501) }, 400, "quote"],
    ["bad visibility", { ...base, visibility: "secret" }, 400, "visibility"],
    ["unknown field", { ...base, pageId: other }, 400, "body"],
    ["empty body", { ...base, body: " " }, 400, "body"],
  ];
  for (const [what, body, status, field] of cases) {
    const res = await comment(cast.owner.token, pageId, body as Record<string, unknown>);
    expect(res.status, what).toBe(status);
    expect(Object.keys(res.body.error?.fields ?? {}), what).toContain(field);
  }
  const tooLarge = await comment(cast.owner.token, pageId, { ...base, body: "x".repeat(10_001) });
  expect(tooLarge.status).toBe(413);
  expect((await server.api(`/api/v1/pages/not-an-id/comments`, { token: cast.owner.token })).status).toBe(404);
  // Nothing refused was stored.
  expect((await server.api(`/api/v1/pages/${pageId}/comments`, { token: cast.owner.token })).body.items).toEqual([]);
  expect((await comment(cast.owner.token, pageId, base)).status).toBe(201);
});
