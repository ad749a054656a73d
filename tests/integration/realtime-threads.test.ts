import { io as connect, type Socket } from "socket.io-client";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { addParticipant, createRoom, roomWithCast, type TestUser } from "../support/factories.ts";
import { startTestServer, type TestServer } from "../support/server.ts";

let server: TestServer;
let cast: Awaited<ReturnType<typeof roomWithCast>>;
let roomId: string;
const sockets: Socket[] = [];

beforeAll(async () => {
  server = await startTestServer();
  cast = await roomWithCast(server);
  roomId = cast.room.id;
});
afterEach(() => {
  for (const s of sockets.splice(0)) s.disconnect();
});
afterAll(async () => {
  await server.close();
});

const api = (token: string, path: string, body?: unknown, method?: string) =>
  server.api(`/api/v1${path}`, { token, body, method: method ?? (body === undefined ? "GET" : "POST") });

interface Client {
  socket: Socket;
  /** Every engine.io packet the server sent this client, as raw text. */
  frames: string[];
  events: { name: string; payload: any }[];
  emit(event: string, ...args: unknown[]): Promise<any>;
  waitFor(name: string, predicate?: (payload: any) => boolean, timeoutMs?: number): Promise<any>;
}

async function client(user: TestUser): Promise<Client> {
  const socket = connect(server.url, { auth: { token: user.token }, transports: ["websocket"], forceNew: true, reconnection: false });
  sockets.push(socket);
  const frames: string[] = [];
  const events: { name: string; payload: any }[] = [];
  socket.io.on("open", () => socket.io.engine.on("packet", (packet: { data?: unknown }) => frames.push(String(packet.data ?? ""))));
  socket.onAny((name: string, payload: unknown) => events.push({ name, payload }));
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", () => resolve());
    socket.once("connect_error", reject);
  });
  return {
    socket,
    frames,
    events,
    emit: (event, ...args) => socket.timeout(5000).emitWithAck(event, ...args),
    waitFor(name, predicate = () => true, timeoutMs = 5000) {
      const seen = events.find((e) => e.name === name && predicate(e.payload));
      if (seen) return Promise.resolve(seen.payload);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          socket.offAny(listener);
          reject(new Error(`no ${name} event within ${timeoutMs} ms; got ${events.map((e) => e.name).join(", ")}`));
        }, timeoutMs);
        const listener = (event: string, payload: unknown) => {
          if (event !== name || !predicate(payload)) return;
          clearTimeout(timer);
          socket.offAny(listener);
          resolve(payload);
        };
        socket.onAny(listener);
      });
    },
  };
}

async function joined(user: TestUser, room = roomId): Promise<Client> {
  const c = await client(user);
  expect(await c.emit("room:join", { roomId: room })).toEqual({ ok: true });
  return c;
}

async function thread(user: TestUser, visibility: "internal" | "shared", title: string, body = "first") {
  const res = await api(user.token, `/rooms/${roomId}/threads`, { title, visibility, body });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
}

async function post(user: TestUser, threadId: string, body: string) {
  const res = await api(user.token, `/threads/${threadId}/messages`, { body });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
}

describe("live thread events over socket.io", () => {
  it("never sends an external participant's socket anything about internal threads", async () => {
    const internalAuthor = cast.internalEditor;
    const externalSocket = await joined(cast.externalViewer);
    const externalEditorSocket = await joined(cast.externalEditor);
    const internalSocket = await joined(cast.internalViewer);

    // A busy session: internal and shared threads, messages, mentions, edits, deletions, resolutions.
    const secretPage = await api(cast.owner.token, `/rooms/${roomId}/pages`, { title: "Walk-away price", visibility: "internal" });
    expect(secretPage.status).toBe(201);
    const internal = await thread(internalAuthor, "internal", "Margin floor SECRET-TITLE", "SECRET-BODY-1 we can drop to 12%");
    const linked = await api(internalAuthor.token, `/rooms/${roomId}/threads`, {
      title: "Linked SECRET-TITLE-2", visibility: "internal", body: "SECRET-BODY-2", pageId: secretPage.body.id,
    });
    expect(linked.status).toBe(201);
    const secretReply = await post(internalAuthor, internal.id, `SECRET-BODY-3 cc @[${cast.externalEditor.name}](${cast.externalEditor.id})`);
    const edited = await api(internalAuthor.token, `/messages/${secretReply.id}`, { body: "SECRET-BODY-4 edited" }, "PATCH");
    expect(edited.status).toBe(200);
    const doomed = await post(internalAuthor, internal.id, "SECRET-BODY-5 to be deleted");
    expect((await api(internalAuthor.token, `/messages/${doomed.id}`, undefined, "DELETE")).status).toBe(204);
    expect((await api(internalAuthor.token, `/threads/${internal.id}/resolve`, {})).status).toBe(200);
    expect((await api(internalAuthor.token, `/threads/${internal.id}/reopen`, {})).status).toBe(200);
    expect((await api(internalAuthor.token, `/threads/${internal.id}`, { title: "Renamed SECRET-TITLE-3" }, "PATCH")).status).toBe(200);

    const shared = await thread(cast.owner, "shared", "Implementation timeline", "When does the pilot start?");
    const sharedReply = await post(cast.externalEditor, shared.id, "Week 12 works for us");
    await api(cast.externalEditor.token, `/messages/${sharedReply.id}`, { body: "Week 13 works for us" }, "PATCH");
    await api(cast.owner.token, `/threads/${shared.id}/resolve`, {});
    const sentinel = await post(cast.owner, shared.id, "END-OF-SESSION");

    // The internal reader got the internal events (so the recorder could have seen them)...
    await internalSocket.waitFor("message.created", (m) => m.id === sentinel.id);
    const internalNames = internalSocket.events.map((e) => e.name);
    for (const name of ["thread.created", "message.created", "message.updated", "message.deleted", "thread.resolved", "thread.reopened", "thread.updated"]) {
      expect(internalNames).toContain(name);
    }
    expect(internalSocket.events.some((e) => e.payload?.id === internal.id)).toBe(true);

    // ...and the external sockets got the shared ones, and nothing else.
    for (const recorder of [externalSocket, externalEditorSocket]) {
      await recorder.waitFor("message.created", (m) => m.id === sentinel.id);
      expect(recorder.events.some((e) => e.name === "thread.created" && e.payload.id === shared.id)).toBe(true);
      expect(recorder.events.some((e) => e.name === "message.updated" && e.payload.body === "Week 13 works for us")).toBe(true);
      expect(recorder.events.some((e) => e.name === "thread.resolved" && e.payload.id === shared.id)).toBe(true);
      const everything = recorder.frames.join("\n");
      const secrets = [
        internal.id, linked.body.id, secretReply.id, doomed.id, internal.messages[0].id, linked.body.messages[0].id,
        secretPage.body.id, "Walk-away price", "SECRET", "12%", internalAuthor.id, internalAuthor.name, internalAuthor.email,
      ];
      for (const secret of secrets) expect(everything, `leaked ${secret}`).not.toContain(secret);
    }
    // The mention of an external participant in an internal thread reached nobody.
    expect(externalEditorSocket.events.filter((e) => e.name.startsWith("notification") && e.payload.threadId !== shared.id)).toEqual([]);
  });

  it("carries the whole message on message.created: id, threadId, author, body, createdAt", async () => {
    const reader = await joined(cast.externalViewer);
    const t = await thread(cast.owner, "shared", "Shape check");
    const message = await post(cast.externalEditor, t.id, "Shape **check**");
    const payload = await reader.waitFor("message.created", (m) => m.id === message.id);
    expect(payload).toMatchObject({
      id: message.id, threadId: t.id, author: { id: cast.externalEditor.id, name: cast.externalEditor.name },
      body: "Shape **check**", createdAt: message.createdAt,
    });
    expect(payload.html).toContain("<strong>check</strong>");
  });

  it("notifies nobody about a mention of someone who cannot see the thread", async () => {
    const external = await client(cast.externalEditor);
    const outsider = await client(cast.outsider);
    const t = await thread(cast.owner, "internal", "Internal mention test");
    const mention = `@[${cast.externalEditor.name}](${cast.externalEditor.id}) and @[${cast.outsider.name}](${cast.outsider.id})`;
    const message = await post(cast.owner, t.id, `Ask ${mention}`);
    expect(message.html).not.toContain("mention");
    const sharedT = await thread(cast.owner, "shared", "Shared mention of an outsider");
    await post(cast.owner, sharedT.id, `Ping @[${cast.outsider.name}](${cast.outsider.id})`);

    // A mention they can see does reach the external participant: the control that proves the channel works.
    const visibleT = await thread(cast.owner, "shared", "Shared mention");
    const visible = await post(cast.owner, visibleT.id, `Over to you @[${cast.externalEditor.name}](${cast.externalEditor.id})`);
    expect(visible.html).toContain(`class="mention"`);
    const note = await external.waitFor("notification.created", (n) => n.messageId === visible.id);
    expect(note).toMatchObject({ kind: "mention", threadId: visibleT.id, title: "Shared mention" });

    expect(external.events.filter((e) => e.name === "notification.created").map((e) => e.payload.messageId)).toEqual([visible.id]);
    expect(outsider.events).toEqual([]);
    for (const user of [cast.externalEditor, cast.outsider]) {
      const list = await api(user.token, `/notifications`);
      expect(list.status).toBe(200);
      expect(list.body.items.filter((n: any) => n.messageId === message.id)).toEqual([]);
      expect(JSON.stringify(list.body)).not.toContain("Internal mention test");
    }
    const mentioned = await server.sql`select 1 from notifications where message_id = ${message.id}`;
    expect(mentioned.length).toBe(0);
    const outsiderNotes = await server.sql`select 1 from notifications where user_id = ${cast.outsider.id}`;
    expect(outsiderNotes.length).toBe(0);
  });

  it("keeps unread counts right across two clients of the same person", async () => {
    const reader = cast.externalEditor;
    const first = await joined(reader);
    const second = await joined(reader);
    const t = await thread(cast.owner, "shared", "Unread counting");
    await post(cast.owner, t.id, "one more");
    await second.waitFor("message.created", (m) => m.body === "one more");

    const unread = await api(reader.token, `/rooms/${roomId}/unread`);
    expect(unread.body.threads.find((x: any) => x.threadId === t.id)?.unread).toBe(2);
    const ownerUnread = await api(cast.owner.token, `/rooms/${roomId}/unread`);
    expect(ownerUnread.body.threads.find((x: any) => x.threadId === t.id)).toBeUndefined();
    const listed = (await api(reader.token, `/rooms/${roomId}/threads`)).body.items.find((x: any) => x.id === t.id);
    expect(listed.unreadCount).toBe(2);

    const ack = await first.emit("thread:read", { threadId: t.id });
    expect(ack).toMatchObject({ ok: true, threadId: t.id, unread: 0 });
    const told = await second.waitFor("thread.read", (p) => p.threadId === t.id);
    expect(told).toMatchObject({ unread: 0, roomUnread: ack.roomUnread });
    expect((await api(reader.token, `/rooms/${roomId}/unread`)).body.threads.find((x: any) => x.threadId === t.id)).toBeUndefined();

    // A new message counts again, then the API read mark clears it too.
    await post(cast.owner, t.id, "and another");
    expect((await api(reader.token, `/rooms/${roomId}/unread`)).body.threads.find((x: any) => x.threadId === t.id)?.unread).toBe(1);
    const read = await api(reader.token, `/threads/${t.id}/read`, {});
    expect(read.body).toMatchObject({ unread: 0 });
    await first.waitFor("thread.read", (p) => p.threadId === t.id && p.roomUnread === read.body.roomUnread);
  });

  it("stops sending to a removed participant at once", async () => {
    const leaving = await addParticipant(server, cast.owner, roomId, "external", "commenter");
    const removed = await joined(leaving);
    const staying = await joined(cast.externalViewer);
    const t = await thread(cast.owner, "shared", "Before removal");
    await removed.waitFor("thread.created", (p) => p.id === t.id);

    const res = await api(cast.owner.token, `/rooms/${roomId}/participants/${leaving.id}`, undefined, "DELETE");
    expect(res.status).toBe(204);
    await removed.waitFor("room:revoked", (p) => p.roomId === roomId);
    const after = await post(cast.owner, t.id, "AFTER-REMOVAL");
    await staying.waitFor("message.created", (m) => m.id === after.id);
    expect(removed.frames.join("\n")).not.toContain("AFTER-REMOVAL");
    expect(removed.events.some((e) => e.payload?.id === after.id)).toBe(false);

    // Asking again is answered by the policy: the room no longer exists for them.
    expect(await removed.emit("room:join", { roomId })).toEqual({ error: { code: "not_found", message: expect.any(String) } });
    expect((await api(leaving.token, `/threads/${t.id}/messages`)).status).toBe(404);
  });

  it("answers room:join for a room one is not in with an error, and the socket stays usable", async () => {
    const other = await createRoom(server, cast.owner);
    const c = await client(cast.externalEditor);
    expect(await c.emit("room:join", { roomId: other.id })).toEqual({ error: { code: "not_found", message: expect.any(String) } });
    expect(await c.emit("room:join", { roomId: "00000000-0000-4000-8000-000000000000" })).toMatchObject({ error: { code: "not_found" } });
    const orgMember = await client(cast.orgMember);
    expect(await orgMember.emit("room:join", { roomId })).toMatchObject({ error: { code: "not_found" } });

    expect(await c.emit("room:join", { roomId })).toEqual({ ok: true });
    const t = await thread(cast.owner, "shared", "Still usable");
    await c.waitFor("thread.created", (p) => p.id === t.id);
    await post(cast.owner, t.id, "nothing for the org member");
    await c.waitFor("message.created", (m) => m.body === "nothing for the org member");
    expect(orgMember.events.filter((e) => e.name !== "notification.created")).toEqual([]);
  });

  it("answers wrong-shaped and unknown events with an error ack and keeps the socket usable", async () => {
    const c = await client(cast.externalEditor);
    const invalid = { error: { code: "invalid_input", message: expect.any(String) } };
    expect(await c.emit("room:join")).toEqual(invalid);
    expect(await c.emit("room:join", "just-a-string")).toEqual(invalid);
    expect(await c.emit("room:join", { roomId: 42 })).toEqual(invalid);
    expect(await c.emit("room:join", { roomId: "x".repeat(5000) })).toEqual(invalid);
    expect(await c.emit("room:join", null)).toEqual(invalid);
    expect(await c.emit("thread:read", {})).toEqual(invalid);
    expect(await c.emit("thread:read", { threadId: ["a"] })).toEqual(invalid);
    expect(await c.emit("room:leave", 7)).toEqual(invalid);
    expect(await c.emit("thread:read", { threadId: "not-a-thread" })).toMatchObject({ error: { code: "not_found" } });
    expect(await c.emit("admin:grant", { roomId })).toEqual({ error: { code: "unknown_event", message: expect.any(String) } });
    // A client may not choose a channel, whatever it calls the event.
    expect(await c.emit("join", `room:${roomId}:internal`)).toMatchObject({ error: { code: "unknown_event" } });

    expect(c.socket.connected).toBe(true);
    expect(await c.emit("room:join", { roomId })).toEqual({ ok: true });
    const internal = await thread(cast.owner, "internal", "Channel choosing must not work");
    const shared = await thread(cast.owner, "shared", "Usable after errors");
    await c.waitFor("thread.created", (p) => p.id === shared.id);
    expect(c.frames.join("\n")).not.toContain(internal.id);
  });

  it("refuses a socket without a valid token", async () => {
    const socket = connect(server.url, { auth: { token: "nope" }, transports: ["websocket"], forceNew: true, reconnection: false });
    sockets.push(socket);
    const error = await new Promise<Error>((resolve) => socket.once("connect_error", resolve));
    expect(error.message).toBe("unauthenticated");
  });
});
