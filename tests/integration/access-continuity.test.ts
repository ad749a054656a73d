import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addParticipant, createRoom, roomWithCast, signupUser } from "../support/factories.ts";
import { startTestServer, type TestServer } from "../support/server.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

describe("ownership transfer", () => {
  it("hands the room to an internal participant; the old owner stays as editor", async () => {
    const cast = await roomWithCast(server);
    const res = await server.api(`/api/v1/rooms/${cast.room.id}/owner`, { token: cast.owner.token, body: { userId: cast.internalEditor.id } });
    expect(res.status).toBe(200);
    expect(res.body.myParticipation).toEqual({ side: "internal", role: "editor" });
    const list = await server.api(`/api/v1/rooms/${cast.room.id}/participants`, { token: cast.internalEditor.token });
    const roles = Object.fromEntries(list.body.items.map((p: any) => [p.userId, p.role]));
    expect(roles[cast.internalEditor.id]).toBe("owner");
    expect(roles[cast.owner.id]).toBe("editor");
    // The new owner can now invite; the old one cannot.
    const invite = (token: string) =>
      server.api(`/api/v1/rooms/${cast.room.id}/invitations`, { token, body: { email: `x${Date.now()}@example.test`, side: "external", role: "viewer" } });
    expect((await invite(cast.internalEditor.token)).status).toBe(201);
    expect((await invite(cast.owner.token)).status).toBe(403);
  });

  it("refuses an external participant as owner, and refuses callers who may not transfer", async () => {
    const cast = await roomWithCast(server);
    const external = await server.api(`/api/v1/rooms/${cast.room.id}/owner`, { token: cast.owner.token, body: { userId: cast.externalEditor.id } });
    expect(external.status).toBe(400);
    expect(external.body.error.code).toBe("owner_must_be_internal");
    const byEditor = await server.api(`/api/v1/rooms/${cast.room.id}/owner`, { token: cast.internalEditor.token, body: { userId: cast.internalEditor.id } });
    expect(byEditor.status).toBe(403);
    const byOutsider = await server.api(`/api/v1/rooms/${cast.room.id}/owner`, { token: cast.outsider.token, body: { userId: cast.outsider.id } });
    expect(byOutsider.status).toBe(404);
    const unknown = await server.api(`/api/v1/rooms/${cast.room.id}/owner`, { token: cast.owner.token, body: { userId: "not-an-id" } });
    expect(unknown.status).toBe(404);
  });
});

describe("deactivating a member who leaves", () => {
  it("takes them out of the organization's rooms, passes their rooms to the admin, and keeps what they did attributed", async () => {
    const { user: admin, organization } = await signupUser(server);
    const helperRoom = await createRoom(server, admin);
    const leaver = await addParticipant(server, admin, helperRoom.id, "internal", "editor");
    const theirRoom = await createRoom(server, leaver, { name: "Leaver's deal" });
    const revoked: unknown[] = [];
    const off = server.app.bus.onInvalidate((scope) => revoked.push(scope));

    const res = await server.api(`/api/v1/organizations/${organization.id}/members/${leaver.id}/deactivate`, { method: "POST", token: admin.token });
    off();
    expect(res.status).toBe(204);
    expect(revoked).toContainEqual({ userIds: [leaver.id], roomId: helperRoom.id });
    expect(revoked).toContainEqual({ userIds: [leaver.id], roomId: theirRoom.id });
    // The account is the person's own (docs/decisions/014-*): it stays, without this organization.
    expect((await server.api("/api/v1/me", { token: leaver.token })).body.organizations).toEqual([]);
    for (const roomId of [helperRoom.id, theirRoom.id]) {
      expect((await server.api(`/api/v1/rooms/${roomId}`, { token: leaver.token })).status).toBe(404);
    }
    expect((await server.api("/api/v1/rooms", { token: leaver.token })).body.items).toEqual([]);

    const room = await server.api(`/api/v1/rooms/${theirRoom.id}`, { token: admin.token });
    expect(room.body.myParticipation).toEqual({ side: "internal", role: "owner" });
    const created = await server.sql`select actor_id from activities where room_id = ${theirRoom.id} and type = 'room.created'`;
    expect(created[0]!.actor_id).toBe(leaver.id);
    const members = await server.api(`/api/v1/organizations/${organization.id}/members`, { token: admin.token });
    expect(members.body.items.find((m: any) => m.userId === leaver.id).deactivatedAt).toEqual(expect.any(String));
  });

  it("is for organization admins only; others learn nothing about the organization", async () => {
    const cast = await roomWithCast(server);
    const asMember = await server.api(`/api/v1/organizations/${cast.organization.id}/members/${cast.internalEditor.id}/deactivate`, {
      method: "POST", token: cast.orgMember.token,
    });
    expect(asMember.status).toBe(403);
    const asExternal = await server.api(`/api/v1/organizations/${cast.organization.id}/members`, { token: cast.externalEditor.token });
    expect(asExternal.status).toBe(404);
    const self = await server.api(`/api/v1/organizations/${cast.organization.id}/members/${cast.owner.id}/deactivate`, { method: "POST", token: cast.owner.token });
    expect(self.status).toBe(400);
  });
});

describe("password change", () => {
  it("ends every other session and returns a fresh token", async () => {
    const { user } = await signupUser(server);
    const other = await server.api("/api/v1/login", { body: { email: user.email, password: user.password } });
    const wrong = await server.api("/api/v1/me/password", { token: user.token, body: { currentPassword: "nope", newPassword: "another long password" } });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error.fields.currentPassword).toBeDefined();
    const res = await server.api("/api/v1/me/password", { token: user.token, body: { currentPassword: user.password, newPassword: "another long password" } });
    expect(res.status).toBe(200);
    expect((await server.api("/api/v1/me", { token: user.token })).status).toBe(401);
    expect((await server.api("/api/v1/me", { token: other.body.token })).status).toBe(401);
    expect((await server.api("/api/v1/me", { token: res.body.token })).status).toBe(200);
    const relogin = await server.api("/api/v1/login", { body: { email: user.email, password: "another long password" } });
    expect(relogin.status).toBe(200);
  });
});

describe("audit trail", () => {
  it("records grants, role changes and removals with who and from where; owners read it as JSON and CSV", async () => {
    const cast = await roomWithCast(server);
    await server.api(`/api/v1/rooms/${cast.room.id}/participants/${cast.externalViewer.id}`, { method: "PATCH", token: cast.owner.token, body: { role: "commenter" } });
    await server.api(`/api/v1/rooms/${cast.room.id}/participants/${cast.externalViewer.id}`, { method: "DELETE", token: cast.owner.token });
    const res = await server.api(`/api/v1/rooms/${cast.room.id}/audit`, { token: cast.owner.token });
    expect(res.status).toBe(200);
    const types = res.body.items.map((e: any) => e.type);
    expect(types).toEqual(expect.arrayContaining(["participant.invited", "participant.joined", "participant.role_changed", "participant.removed"]));
    const removal = res.body.items.find((e: any) => e.type === "participant.removed");
    expect(removal.actor).toEqual({ id: cast.owner.id, name: cast.owner.name });
    expect(removal.ip).toEqual(expect.any(String));

    const filtered = await server.api(`/api/v1/rooms/${cast.room.id}/audit?type=participant.removed`, { token: cast.owner.token });
    expect(filtered.body.items.map((e: any) => e.type)).toEqual(["participant.removed"]);

    const csv = await server.api(`/api/v1/rooms/${cast.room.id}/audit?format=csv`, { token: cast.owner.token });
    expect(csv.headers.get("content-type")).toMatch(/^text\/csv/);
    expect(String(csv.body).split("\r\n")[0]).toBe("at,type,actor_id,actor_name,object_type,object_id,visibility,ip,details");
    expect(String(csv.body)).toContain("participant.removed");
  });

  it("is refused to everyone but the owner and organization admins", async () => {
    const cast = await roomWithCast(server);
    for (const who of [cast.internalEditor, cast.externalEditor, cast.externalViewer]) {
      expect((await server.api(`/api/v1/rooms/${cast.room.id}/audit`, { token: who.token })).status).toBe(403);
    }
    expect((await server.api(`/api/v1/rooms/${cast.room.id}/audit`, { token: cast.orgMember.token })).status).toBe(404);
    expect((await server.api(`/api/v1/rooms/${cast.room.id}/audit`, { token: cast.outsider.token })).status).toBe(404);
    const bad = await server.api(`/api/v1/rooms/${cast.room.id}/audit?from=yesterday`, { token: cast.owner.token });
    expect(bad.status).toBe(400);
  });
});
