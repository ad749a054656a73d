// When a session ends (logout, a password change, expiry), its live sockets end with it: socket.io
// and collab. Attacks as found in issue 13: a socket kept from before the logout re-joins the room
// and goes on receiving; a logged-out collab socket goes on receiving edits and writing.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import * as Y from "yjs";
import { CLOSE } from "../../collab/close-codes.ts";
import { loadStoredState } from "../../collab/documents.ts";
import { encodeUpdateMessage } from "../../collab/protocol.ts";
import type { DocumentRegistry } from "../../collab/registry.ts";
import { hashToken } from "../../server/auth/sessions.ts";
import { roomWithCast, type TestUser } from "../support/factories.ts";
import { startTestServer, type TestServer } from "../support/server.ts";
import { addParagraph, insertPage, openClient, pageText, rawSocket, storedText, waitFor, type RawSocket, type TestClient } from "./collab-support.ts";
import { after, socketClient, type SocketClient } from "./socket-support.ts";

let server: TestServer;
let cast: Awaited<ReturnType<typeof roomWithCast>>;
const sockets: SocketClient[] = [];
const collabClients: TestClient[] = [];
const rawSockets: RawSocket[] = [];

beforeAll(async () => {
  server = await startTestServer();
  cast = await roomWithCast(server);
});
afterEach(() => {
  for (const s of sockets.splice(0)) s.socket.disconnect();
  for (const c of collabClients.splice(0)) c.destroy();
  for (const s of rawSockets.splice(0)) s.ws.terminate();
});
afterAll(async () => {
  await server.close();
});

/** A second, independent session of the same person (a second browser). */
async function login(user: TestUser): Promise<string> {
  const res = await server.api("/api/v1/login", { body: { email: user.email, password: user.password } });
  expect(res.status).toBe(200);
  return res.body.token;
}
async function joinedSocket(token: string, roomId = cast.room.id) {
  const c = await socketClient(server.url, token);
  sockets.push(c);
  expect(await c.emit("room:join", { roomId })).toEqual({ ok: true });
  return c;
}
async function internalThread(author: TestUser, title: string) {
  const res = await server.api(`/api/v1/rooms/${cast.room.id}/threads`, { token: author.token, body: { title, visibility: "internal", body: "first" } });
  expect(res.status).toBe(201);
  return res.body as { id: string };
}

describe("socket.io sockets end with their session", () => {
  it("logout disconnects that session's sockets at once; the person's other session keeps its socket", async () => {
    const user = cast.internalViewer;
    const ending = await login(user);
    const other = await login(user);
    const doomed = await joinedSocket(ending);
    const kept = await joinedSocket(other);

    expect((await server.api("/api/v1/logout", { method: "POST", token: ending })).status).toBe(204);
    expect(await Promise.race([doomed.disconnected, after(1000, "still connected")])).toBe("io server disconnect");

    const thread = await internalThread(cast.owner, "After the logout");
    await kept.waitFor("thread.created", (t) => t.id === thread.id);
    expect(doomed.events.some((e) => e.name === "thread.created")).toBe(false);
    // The dead token no longer opens a socket either.
    await expect(socketClient(server.url, ending)).rejects.toThrow(/unauthenticated/);
  });

  it("every room:join re-checks the session: an expired session's socket is refused and disconnected", async () => {
    const token = await login(cast.internalEditor);
    const c = await joinedSocket(token);
    expect(await c.emit("room:leave", { roomId: cast.room.id })).toEqual({ ok: true });
    // Time passes: the session expires while the socket stays open (nobody publishes anything).
    await server.sql`update sessions set expires_at = now() - interval '1 second' where id = ${hashToken(token)}`;
    const answer = await c.emit("room:join", { roomId: cast.room.id });
    expect(answer.error?.code).toBe("unauthenticated");
    expect(await Promise.race([c.disconnected, after(1000, "still connected")])).toBe("io server disconnect");
    // The person's first session (the factory's token) is untouched.
    expect((await server.api("/api/v1/me", { token: cast.internalEditor.token })).status).toBe(200);
  });

  it("a password change disconnects the sockets of every old session; the new token connects", async () => {
    const user = cast.internalEditor;
    const first = await login(user);
    const second = await login(user);
    const a = await joinedSocket(first);
    const b = await joinedSocket(second);
    const newPassword = "a new horse battery staple";
    const changed = await server.api("/api/v1/me/password", { token: first, body: { currentPassword: user.password, newPassword } });
    expect(changed.status).toBe(200);
    user.password = newPassword;
    user.token = changed.body.token;
    const reasons = await Promise.all([a.disconnected, b.disconnected].map((p) => Promise.race([p, after(1000, "still connected")])));
    expect(reasons).toEqual(["io server disconnect", "io server disconnect"]);
    // The factory's own session died too; the new token is the one that works.
    const fresh = await joinedSocket(changed.body.token);
    const thread = await internalThread(cast.owner, "After the password change");
    await fresh.waitFor("thread.created", (t) => t.id === thread.id);
  });
});

describe("collab connections end with their session", () => {
  it("logout closes the session's collab connection with 4401; it neither receives edits nor writes any more", async () => {
    const pageId = await insertPage(server.sql, cast.room.id, { visibility: "internal" });
    const token = await login(cast.internalEditor);
    const editor = openClient(server.url, pageId, cast.owner.token);
    collabClients.push(editor);
    const leaving = openClient(server.url, pageId, token);
    collabClients.push(leaving);
    const attacker = rawSocket(server.url, pageId, token);
    rawSockets.push(attacker);
    await Promise.all([editor.waitForStatus("saved"), leaving.waitForStatus("saved"), attacker.opened]);

    expect((await server.api("/api/v1/logout", { method: "POST", token })).status).toBe(204);
    await leaving.waitForClose(CLOSE.UNAUTHENTICATED, 1000);
    const closed = await Promise.race([attacker.closed, after(1000, null)]);
    expect(closed?.code).toBe(CLOSE.UNAUTHENTICATED);

    // The owner goes on editing: the logged-out client sees none of it.
    addParagraph(editor.doc, "after the logout");
    await editor.waitForStatus("saved");
    await after(200, null);
    expect(pageText(leaving.doc)).not.toContain("after the logout");
    // A write sent down the old socket is not applied, not relayed, not stored (it cannot be sent at all).
    const doc = new Y.Doc();
    addParagraph(doc, "WRITTEN AFTER LOGOUT");
    if (attacker.ws.readyState === attacker.ws.OPEN) attacker.ws.send(encodeUpdateMessage(Y.encodeStateAsUpdate(doc)));
    await after(300, null);
    const live = (server.app.documents as DocumentRegistry).loaded(pageId)!;
    await live.settle();
    expect(pageText(live.doc)).toBe("after the logout");
    expect(storedText(await loadStoredState(server.sql, pageId))).toBe("after the logout");
  });

  it("a password change closes the old sessions' collab connections", async () => {
    const user = cast.externalEditor;
    const pageId = await insertPage(server.sql, cast.room.id, { visibility: "shared" });
    const token = await login(user);
    const open = openClient(server.url, pageId, token);
    collabClients.push(open);
    await open.waitForStatus("saved");
    const newPassword = "another horse battery staple";
    const changed = await server.api("/api/v1/me/password", { token, body: { currentPassword: user.password, newPassword } });
    expect(changed.status).toBe(200);
    user.password = newPassword;
    user.token = changed.body.token;
    await open.waitForClose(CLOSE.UNAUTHENTICATED, 1000);
    const again = openClient(server.url, pageId, changed.body.token);
    collabClients.push(again);
    await again.waitForStatus("saved");
  });
});

// Keep the checks honest: the waits above would pass vacuously if nothing were ever sent.
it("the helpers see events at all", async () => {
  const c = await joinedSocket(cast.owner.token);
  const thread = await internalThread(cast.internalEditor, "sanity");
  await c.waitFor("thread.created", (t) => t.id === thread.id);
  await waitFor(() => c.events.length > 0, "an event");
});
