// Issue 13, "session revocation": a person lists their own sessions and ends one, or all the
// others ("sign out everywhere else"). An ended session's sockets end at once — socket.io hears
// `session:ended` and is disconnected, collab closes with 4401 — and its token opens nothing
// again. The id a session is shown by signs nobody in, and another person's session answers like
// one that does not exist. Attacked over the real API, socket.io and the collab websocket.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { CLOSE } from "../../collab/close-codes.ts";
import { hashToken } from "../../server/auth/sessions.ts";
import { SESSION_COOKIE } from "../../server/auth/cookies.ts";
import { roomWithCast, type TestUser } from "../support/factories.ts";
import { startTestServer, type TestServer } from "../support/server.ts";
import { insertPage, openClient, rawSocket, type RawSocket, type TestClient } from "./collab-support.ts";
import { after, socketClient, type SocketClient } from "./socket-support.ts";

let server: TestServer;
let cast: Awaited<ReturnType<typeof roomWithCast>>;
let pageId: string;
const sockets: SocketClient[] = [];
const collabClients: TestClient[] = [];
const rawSockets: RawSocket[] = [];

beforeAll(async () => {
  server = await startTestServer();
  cast = await roomWithCast(server);
  pageId = await insertPage(server.sql, cast.room.id, { visibility: "shared" });
});
afterEach(() => {
  for (const s of sockets.splice(0)) s.socket.disconnect();
  for (const c of collabClients.splice(0)) c.destroy();
  for (const s of rawSockets.splice(0)) s.ws.terminate();
});
afterAll(async () => {
  await server?.close();
});

interface SessionItem {
  id: string;
  kind: string;
  createdAt: string;
  expiresAt: string;
  endsAt: string;
  ip: string | null;
  userAgent: string | null;
  current: boolean;
}

/** A new, independent session of `user` (another browser), with its own user agent. */
async function login(user: TestUser, userAgent = "Session test browser"): Promise<string> {
  const res = await server.api("/api/v1/login", { body: { email: user.email, password: user.password }, headers: { "user-agent": userAgent } });
  expect(res.status).toBe(200);
  return res.body.token;
}
async function sessionsOf(token: string): Promise<SessionItem[]> {
  const res = await server.api("/api/v1/me/sessions", { token });
  expect(res.status).toBe(200);
  return res.body.items;
}
/** The public id of the session `token` stands for, as its owner's list shows it. */
async function idOf(token: string): Promise<string> {
  const current = (await sessionsOf(token)).find((s) => s.current);
  expect(current).toBeDefined();
  return current!.id;
}

/** socket.io joined to the room, and a collab client and a raw collab socket on a shared page, all with `token`. */
async function liveConnections(token: string) {
  const io = await socketClient(server.url, token);
  sockets.push(io);
  expect(await io.emit("room:join", { roomId: cast.room.id })).toEqual({ ok: true });
  const editor = openClient(server.url, pageId, token);
  collabClients.push(editor);
  const raw = rawSocket(server.url, pageId, token);
  rawSockets.push(raw);
  await Promise.all([editor.waitForStatus("saved"), raw.opened]);
  return { io, editor, raw };
}

/** Every live connection of `token` has ended as a session's end ends them, within a second; the token opens nothing. */
async function expectEnded(token: string, live: Awaited<ReturnType<typeof liveConnections>>) {
  expect(await Promise.race([live.io.disconnected, after(1000, "still connected")])).toBe("io server disconnect");
  expect(live.io.events.some((e) => e.name === "session:ended")).toBe(true);
  await live.editor.waitForClose(CLOSE.UNAUTHENTICATED, 1000);
  expect((await Promise.race([live.raw.closed, after(1000, null)]))?.code).toBe(CLOSE.UNAUTHENTICATED);
  expect((await server.api("/api/v1/me", { token })).status).toBe(401);
  await expect(socketClient(server.url, token)).rejects.toThrow(/unauthenticated/);
  await expectCollabRefused(token);
}

/** A collab connection with `token` is refused: closed with 4401 after the upgrade, or the upgrade itself refused. */
async function expectCollabRefused(token: string) {
  const socket = rawSocket(server.url, pageId, token);
  rawSockets.push(socket);
  const outcome = await Promise.race([socket.opened.then(() => socket.closed, () => ({ code: CLOSE.UNAUTHENTICATED, reason: "upgrade refused" })), after(3000, null)]);
  expect(outcome?.code).toBe(CLOSE.UNAUTHENTICATED);
}

async function expectAlive(token: string, live: Awaited<ReturnType<typeof liveConnections>>) {
  expect((await server.api("/api/v1/me", { token })).status).toBe(200);
  expect(live.io.socket.connected).toBe(true);
  expect(live.editor.closes).toEqual([]);
  expect(await live.io.emit("room:join", { roomId: cast.room.id })).toEqual({ ok: true });
}

describe("GET /me/sessions", () => {
  it("lists one's own live sessions with when, where and from what, the asking one marked; never a token or its hash", async () => {
    const user = cast.internalViewer;
    const a = await login(user, "Browser A");
    const b = await login(user, "Browser B");
    const res = await server.api("/api/v1/me/sessions", { token: a });
    expect(res.status).toBe(200);
    const items = res.body.items as SessionItem[];
    // The factory's session, a and b; nobody else's.
    expect(items.length).toBe(3);
    const mine = items.find((s) => s.current)!;
    expect(mine.userAgent).toBe("Browser A");
    expect(items.filter((s) => s.current)).toHaveLength(1);
    expect(items.find((s) => s.userAgent === "Browser B")?.current).toBe(false);
    for (const s of items) {
      expect(s.id).toMatch(/^[0-9a-f]{32}$/);
      expect(s.kind).toBe("bearer");
      expect(s.ip).toBe("127.0.0.1");
      expect(new Date(s.expiresAt).getTime()).toBeGreaterThan(Date.now());
      expect(new Date(s.endsAt).getTime()).toBeGreaterThanOrEqual(new Date(s.expiresAt).getTime());
    }
    // Neither token nor its stored hash appears anywhere in the answer.
    const text = JSON.stringify(res.body);
    for (const token of [a, b, user.token]) {
      expect(text).not.toContain(token);
      expect(text).not.toContain(hashToken(token));
    }
    // Another person sees only their own.
    expect((await sessionsOf(cast.externalViewer.token)).map((s) => s.id)).not.toContain(mine.id);
    expect((await server.api("/api/v1/me/sessions")).status).toBe(401);
  });

  it("an expired session is not listed", async () => {
    const user = cast.orgMember;
    const old = await login(user, "Old browser");
    await server.sql`update sessions set expires_at = now() - interval '1 second' where id = ${hashToken(old)}`;
    expect((await sessionsOf(user.token)).map((s) => s.userAgent)).not.toContain("Old browser");
  });
});

describe("DELETE /me/sessions/:sessionId", () => {
  it("ends that session at once: its socket.io socket hears session:ended and is disconnected, collab closes with 4401, its token is dead; the session asking keeps working", async () => {
    const user = cast.internalEditor;
    const stolen = await login(user, "Lost laptop");
    const here = await login(user, "This browser");
    const stolenLive = await liveConnections(stolen);
    const hereLive = await liveConnections(here);

    const stolenId = await idOf(stolen);
    const res = await server.api(`/api/v1/me/sessions/${stolenId}`, { method: "DELETE", token: here });
    expect(res.status).toBe(204);
    await expectEnded(stolen, stolenLive);
    await expectAlive(here, hereLive);
    expect((await sessionsOf(here)).map((s) => s.userAgent)).not.toContain("Lost laptop");
    // Ending it again: it no longer exists.
    expect((await server.api(`/api/v1/me/sessions/${stolenId}`, { method: "DELETE", token: here })).status).toBe(404);
  });

  it("someone else's session answers 404, like an id that never existed, and stays alive", async () => {
    const victimToken = await login(cast.owner, "Owner's browser");
    const victimLive = await liveConnections(victimToken);
    const victimId = await idOf(victimToken);
    // A guest of the room, an insider, an outsider: none can end the owner's session.
    for (const attacker of [cast.externalEditor, cast.internalEditor, cast.outsider]) {
      const res = await server.api(`/api/v1/me/sessions/${victimId}`, { method: "DELETE", token: attacker.token });
      expect(res.status).toBe(404);
      const missing = await server.api(`/api/v1/me/sessions/${"f".repeat(32)}`, { method: "DELETE", token: attacker.token });
      expect(res.body).toEqual(missing.body);
    }
    for (const bad of ["x", hashToken(victimToken), victimToken, "0".repeat(64)]) {
      expect((await server.api(`/api/v1/me/sessions/${bad}`, { method: "DELETE", token: cast.outsider.token })).status).toBe(404);
    }
    expect((await server.api(`/api/v1/me/sessions/${victimId}`, { method: "DELETE" })).status).toBe(401);
    await expectAlive(victimToken, victimLive);
  });

  it("ending the session asking is a logout: its cookie is cleared and it is dead", async () => {
    const token = await login(cast.externalViewer, "Cookie browser");
    const res = await fetch(`${server.url}/api/v1/me/sessions/${await idOf(token)}`, {
      method: "DELETE",
      headers: { cookie: `${SESSION_COOKIE}=${token}`, origin: server.url },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get("set-cookie")).toMatch(new RegExp(`^${SESSION_COOKIE}=;.*Max-Age=0`));
    expect((await server.api("/api/v1/me", { token })).status).toBe(401);
  });
});

describe("sign out everywhere else: DELETE /me/sessions?others=1", () => {
  it("ends every other session of the person and their sockets; the one asking and other people's stay", async () => {
    const user = cast.externalEditor;
    const phone = await login(user, "Phone");
    const tablet = await login(user, "Tablet");
    const here = await login(user, "Desk");
    const phoneLive = await liveConnections(phone);
    const tabletLive = await liveConnections(tablet);
    const hereLive = await liveConnections(here);
    const bystander = await login(cast.externalViewer, "Someone else");

    // Not without saying so: ending every session but this one is asked for explicitly.
    expect((await server.api("/api/v1/me/sessions", { method: "DELETE", token: here })).status).toBe(400);

    const res = await server.api("/api/v1/me/sessions?others=1", { method: "DELETE", token: here });
    expect(res.status).toBe(200);
    // Phone, tablet and the factory's own session.
    expect(res.body).toEqual({ ended: 3 });
    await expectEnded(phone, phoneLive);
    await expectEnded(tablet, tabletLive);
    await expectAlive(here, hereLive);
    expect((await server.api("/api/v1/me", { token: user.token })).status).toBe(401);
    user.token = here;
    expect((await sessionsOf(here)).map((s) => s.userAgent)).toEqual(["Desk"]);
    expect((await server.api("/api/v1/me", { token: bystander })).status).toBe(200);
  });
});

describe("the id a session is shown by signs nobody in", () => {
  it("as a bearer token, a cookie, a socket.io token or a collab token", async () => {
    const token = await login(cast.internalViewer, "Shown id");
    const id = await idOf(token);
    expect(id).not.toBe(hashToken(token));
    expect((await server.api("/api/v1/me", { token: id })).status).toBe(401);
    const cookie = await fetch(`${server.url}/api/v1/me`, { headers: { cookie: `${SESSION_COOKIE}=${id}` } });
    expect(cookie.status).toBe(401);
    await expect(socketClient(server.url, id)).rejects.toThrow(/unauthenticated/);
    await expectCollabRefused(id);
  });
});
