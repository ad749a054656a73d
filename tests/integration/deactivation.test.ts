// Deactivation belongs to the organization that does it (issue 13: it was account-wide, and the
// admin of any organization a person belonged to could lock them out of their own company).
// And a deactivated member's live sockets lose the organization's rooms at once: re-joining is
// refused and no new internal message reaches them.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { CLOSE } from "../../collab/close-codes.ts";
import { addParticipant, createRoom, roomWithCast, signupUser, type TestUser } from "../support/factories.ts";
import { startTestServer, type TestServer } from "../support/server.ts";
import { insertPage, openClient, type TestClient } from "./collab-support.ts";
import { after, socketClient, type SocketClient } from "./socket-support.ts";

let server: TestServer;
const sockets: SocketClient[] = [];
const collab: TestClient[] = [];
beforeAll(async () => {
  server = await startTestServer();
});
afterEach(() => {
  for (const s of sockets.splice(0)) s.socket.disconnect();
  for (const c of collab.splice(0)) c.destroy();
});
afterAll(async () => {
  await server.close();
});

const deactivate = (admin: TestUser, orgId: string, userId: string) =>
  server.api(`/api/v1/organizations/${orgId}/members/${userId}/deactivate`, { method: "POST", token: admin.token });
async function joined(user: TestUser, roomId: string) {
  const c = await socketClient(server.url, user.token);
  sockets.push(c);
  expect(await c.emit("room:join", { roomId })).toEqual({ ok: true });
  return c;
}
async function internalThread(author: TestUser, roomId: string, title: string) {
  const res = await server.api(`/api/v1/rooms/${roomId}/threads`, { token: author.token, body: { title, visibility: "internal", body: "secret" } });
  expect(res.status).toBe(201);
  return res.body as { id: string };
}
/** Invites an existing user to a room; they accept with their own session. */
async function inviteExisting(owner: TestUser, roomId: string, user: TestUser, side: "internal" | "external") {
  const invite = await server.api(`/api/v1/rooms/${roomId}/invitations`, { token: owner.token, body: { email: user.email, side, role: "viewer" } });
  expect(invite.status).toBe(201);
  return server.api(`/api/v1/invitations/${invite.body.token}/accept`, { token: user.token, body: {} });
}

describe("an organization's deactivation stays in that organization", () => {
  it("an attacker organization that invited a member of another company cannot lock them out of it", async () => {
    const { user: victim, organization: company } = await signupUser(server, { name: "Victim Admin" });
    const companyRoom = await createRoom(server, victim, { name: "Our own deal" });
    const page = await server.api(`/api/v1/rooms/${companyRoom.id}/pages`, { token: victim.token, body: { title: "Our price floor", visibility: "internal" } });
    expect(page.status).toBe(201);

    const { user: attacker, organization: attackerOrg } = await signupUser(server, { name: "Attacker" });
    const bait = await createRoom(server, attacker, { name: "A room to lure" });
    expect((await inviteExisting(attacker, bait.id, victim, "internal")).status).toBe(200);
    const inCompany = await joined(victim, companyRoom.id);
    const inBait = await joined(victim, bait.id);

    expect((await deactivate(attacker, attackerOrg.id, victim.id)).status).toBe(204);

    // The victim is still signed in, signs in again, and reaches their own company.
    expect((await server.api("/api/v1/me", { token: victim.token })).status).toBe(200);
    const login = await server.api("/api/v1/login", { body: { email: victim.email, password: victim.password } });
    expect(login.status).toBe(200);
    expect((await server.api(`/api/v1/rooms/${companyRoom.id}`, { token: login.body.token })).status).toBe(200);
    expect((await server.api(`/api/v1/pages/${page.body.id}`, { token: login.body.token })).status).toBe(200);
    expect((await server.api(`/api/v1/organizations/${company.id}/members`, { token: victim.token })).status).toBe(200);
    const me = await server.api("/api/v1/me", { token: victim.token });
    expect(me.body.organizations.map((o: { id: string }) => o.id)).toEqual([company.id]);
    // Their live socket in their own company's room stays, and keeps receiving.
    const thread = await internalThread(victim, companyRoom.id, "Still here");
    await inCompany.waitFor("thread.created", (t) => t.id === thread.id);
    expect(inCompany.events.some((e) => e.name === "room:revoked")).toBe(false);

    // What the attacker organization took away is its own room.
    await inBait.waitFor("room:revoked", (p) => p.roomId === bait.id);
    expect((await inBait.emit("room:join", { roomId: bait.id })).error?.code).toBe("not_found");
    expect((await server.api(`/api/v1/rooms/${bait.id}`, { token: victim.token })).status).toBe(404);
    const members = await server.api(`/api/v1/organizations/${attackerOrg.id}/members`, { token: attacker.token });
    expect(members.body.items.find((m: { userId: string }) => m.userId === victim.id).deactivatedAt).toEqual(expect.any(String));
    // And the victim's company still lists them as active.
    const own = await server.api(`/api/v1/organizations/${company.id}/members`, { token: victim.token });
    expect(own.body.items.find((m: { userId: string }) => m.userId === victim.id).deactivatedAt).toBeNull();
  });

  it("a deactivated internal member's socket is revoked, cannot re-join, and gets no new internal message", async () => {
    const cast = await roomWithCast(server);
    const leaver = cast.internalEditor;
    const pageId = await insertPage(server.sql, cast.room.id, { visibility: "internal" });
    const socket = await joined(leaver, cast.room.id);
    const editor = openClient(server.url, pageId, leaver.token);
    collab.push(editor);
    await editor.waitForStatus("saved");

    expect((await deactivate(cast.owner, cast.organization.id, leaver.id)).status).toBe(204);
    await socket.waitFor("room:revoked", (p) => p.roomId === cast.room.id);
    const again = await socket.emit("room:join", { roomId: cast.room.id });
    expect(again.error?.code).toBe("not_found");
    const thread = await internalThread(cast.owner, cast.room.id, "After the leaver left");
    const other = await joined(cast.internalViewer, cast.room.id);
    const sentinel = await internalThread(cast.owner, cast.room.id, "sentinel");
    await other.waitFor("thread.created", (t) => t.id === sentinel.id);
    expect(socket.events.filter((e) => e.name === "thread.created").map((e) => e.payload.id)).not.toContain(thread.id);
    expect(socket.events.filter((e) => e.name === "thread.created")).toHaveLength(0);
    // The collab connection to the organization's page closes and its reconnect is refused.
    await editor.waitForClose(CLOSE.RECONNECT, 1000);
    await editor.waitForClose(CLOSE.NOT_FOUND, 3000);
    expect((await server.api(`/api/v1/rooms/${cast.room.id}`, { token: leaver.token })).status).toBe(404);
  });

  it("a deactivated member cannot come back through an invitation until an admin reactivates them", async () => {
    const { user: admin, organization } = await signupUser(server);
    const room = await createRoom(server, admin);
    const member = await addParticipant(server, admin, room.id, "internal", "editor");
    expect((await deactivate(admin, organization.id, member.id)).status).toBe(204);
    const refused = await inviteExisting(admin, room.id, member, "external");
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe("member_deactivated");
    expect((await server.api(`/api/v1/rooms/${room.id}`, { token: member.token })).status).toBe(404);

    const reactivated = await server.api(`/api/v1/organizations/${organization.id}/members/${member.id}/reactivate`, { method: "POST", token: admin.token });
    expect(reactivated.status).toBe(204);
    // Reactivation gives the organization back, not the rooms: they are invited again.
    expect((await server.api(`/api/v1/rooms/${room.id}`, { token: member.token })).status).toBe(404);
    expect((await inviteExisting(admin, room.id, member, "internal")).status).toBe(200);
    expect((await server.api(`/api/v1/rooms/${room.id}`, { token: member.token })).status).toBe(200);
  });

  it("a deactivated admin can no longer manage the organization", async () => {
    const { user: founder, organization } = await signupUser(server);
    const room = await createRoom(server, founder);
    const second = await addParticipant(server, founder, room.id, "internal", "editor");
    await server.sql`update memberships set role = 'admin' where organization_id = ${organization.id} and user_id = ${second.id}`;
    expect((await deactivate(founder, organization.id, second.id)).status).toBe(204);
    expect((await server.api(`/api/v1/organizations/${organization.id}/members`, { token: second.token })).status).toBe(404);
    expect((await deactivate(second, organization.id, founder.id)).status).toBe(404);
  });
});
