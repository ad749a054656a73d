import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRoom, roomWithCast, signupUser, type TestUser } from "../support/factories.ts";
import { startTestServer, type TestServer } from "../support/server.ts";

// docs/api.md: POST /rooms/:roomId/invitations and POST /invitations/:token/accept, against the real server.

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;
const PASSWORD = "correct horse battery";

let server: TestServer;
let cast: Awaited<ReturnType<typeof roomWithCast>>;
beforeAll(async () => {
  server = await startTestServer();
  cast = await roomWithCast(server);
});
afterAll(async () => {
  await server.close();
});

let counter = 0;
const freshEmail = () => `invitee-${Date.now().toString(36)}-${counter++}@example.test`;

const invite = (who: TestUser, body: Record<string, unknown>, roomId = cast.room.id) =>
  server.api(`/api/v1/rooms/${roomId}/invitations`, { token: who.token, body });
const accept = (token: string, init: { body?: unknown; bearer?: string } = {}) =>
  server.api(`/api/v1/invitations/${token}/accept`, { method: "POST", token: init.bearer, body: init.body });

describe("POST /api/v1/rooms/:roomId/invitations", () => {
  it("the owner gets 201 { id, token, url, expiresAt }; only the token's hash is stored", async () => {
    const res = await invite(cast.owner, { email: freshEmail(), side: "external", role: "commenter" });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      id: expect.any(String),
      token: expect.stringMatching(/^[a-z2-7]{32}$/),
      url: `${server.url}/invite/${res.body.token}`,
      expiresAt: expect.stringMatching(ISO_UTC),
    });
    const days = (Date.parse(res.body.expiresAt) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(6.9);
    expect(days).toBeLessThanOrEqual(7);

    const [row] = await server.sql`select token_hash as "tokenHash" from invitations where id = ${res.body.id}`;
    expect(row!.tokenHash).toBe(createHash("sha256").update(res.body.token).digest("hex"));
    const [leak] = await server.sql`select count(*)::int as n from invitations i where i::text like ${`%${res.body.token}%`}`;
    expect(leak!.n).toBe(0);
  });

  it("is the owner's alone: internal editor and external participants 403, non-participants 404", async () => {
    const body = { email: freshEmail(), side: "external", role: "viewer" };
    for (const who of [cast.internalEditor, cast.internalViewer, cast.externalEditor, cast.externalViewer]) {
      const res = await invite(who, body);
      expect([who.name, res.status]).toEqual([who.name, 403]);
      expect(res.body.error.code).toBe("forbidden");
    }
    for (const who of [cast.orgMember, cast.outsider]) {
      const res = await invite(who, body);
      expect([who.name, res.status]).toEqual([who.name, 404]);
    }
    const [{ n }] = (await server.sql`select count(*)::int as n from invitations where email = ${body.email}`) as unknown as [{ n: number }];
    expect(n).toBe(0);
  });

  it("names bad fields with 400", async () => {
    const res = await invite(cast.owner, { email: "nobody", side: "both", role: "owner" });
    expect(res.status).toBe(400);
    expect(Object.keys(res.body.error.fields).sort()).toEqual(["email", "role", "side"]);
    const missing = await invite(cast.owner, {});
    expect(Object.keys(missing.body.error.fields).sort()).toEqual(["email", "role", "side"]);
  });

  it("refuses to invite someone who already takes part (409)", async () => {
    const res = await invite(cast.owner, { email: cast.externalViewer.email.toUpperCase(), side: "external", role: "editor" });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe("already_participant");
  });

  it("answers 404 for a malformed room id", async () => {
    const res = await invite(cast.owner, { email: freshEmail(), side: "external", role: "viewer" }, "nope");
    expect(res.status).toBe(404);
  });
});

describe("POST /api/v1/invitations/:token/accept", () => {
  it("a new user accepts with { name, password }: 200 { token, user, roomId }, and the token opens the room", async () => {
    const email = freshEmail();
    const inv = await invite(cast.owner, { email, side: "external", role: "commenter" });
    const res = await accept(inv.body.token, { body: { name: "Nina Newcomer", password: PASSWORD } });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      token: expect.stringMatching(/^[a-z2-7]{32}$/),
      user: { id: expect.any(String), email, name: "Nina Newcomer" },
      roomId: cast.room.id,
    });
    const room = await server.api(`/api/v1/rooms/${cast.room.id}`, { token: res.body.token });
    expect(room.status).toBe(200);
    expect(room.body.myParticipation).toEqual({ side: "external", role: "commenter" });
    // The new account signs in with the password it chose.
    const login = await server.api("/api/v1/login", { body: { email, password: PASSWORD } });
    expect(login.status).toBe(200);
  });

  it("an existing user whose e-mail matches accepts with their bearer token and keeps it", async () => {
    const { user: buyer } = await signupUser(server, { name: "Bea Buyer" });
    const inv = await invite(cast.owner, { email: buyer.email, side: "external", role: "editor" });
    expect(inv.status).toBe(201);
    expect((await server.api(`/api/v1/rooms/${cast.room.id}`, { token: buyer.token })).status).toBe(404);

    const res = await accept(inv.body.token, { bearer: buyer.token });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      token: buyer.token,
      user: { id: buyer.id, email: buyer.email, name: "Bea Buyer" },
      roomId: cast.room.id,
    });
    const room = await server.api(`/api/v1/rooms/${cast.room.id}`, { token: buyer.token });
    expect(room.body.myParticipation).toEqual({ side: "external", role: "editor" });
  });

  it("refuses a signed-in user with another e-mail (403), and the invitation stays usable", async () => {
    const email = freshEmail();
    const inv = await invite(cast.owner, { email, side: "external", role: "viewer" });
    const wrong = await accept(inv.body.token, { bearer: cast.outsider.token });
    expect(wrong.status).toBe(403);
    expect(wrong.body.error.code).toBe("invitation_email_mismatch");
    expect((await server.api(`/api/v1/rooms/${cast.room.id}`, { token: cast.outsider.token })).status).toBe(404);

    const right = await accept(inv.body.token, { body: { name: "Rightful", password: PASSWORD } });
    expect(right.status).toBe(200);
  });

  it("an internal invitee joins the organization as a member; an external one does not", async () => {
    const internal = await invite(cast.owner, { email: freshEmail(), side: "internal", role: "viewer" });
    const joined = await accept(internal.body.token, { body: { name: "Ian Internal", password: PASSWORD } });
    const me = await server.api("/api/v1/me", { token: joined.body.token });
    expect(me.body.organizations).toEqual([{ id: cast.organization.id, name: cast.organization.name, role: "member" }]);

    const external = await invite(cast.owner, { email: freshEmail(), side: "external", role: "viewer" });
    const ext = await accept(external.body.token, { body: { name: "Ella External", password: PASSWORD } });
    expect((await server.api("/api/v1/me", { token: ext.body.token })).body.organizations).toEqual([]);
  });

  it("names missing name and password with 400 when no one is signed in", async () => {
    const inv = await invite(cast.owner, { email: freshEmail(), side: "external", role: "viewer" });
    const res = await accept(inv.body.token);
    expect(res.status).toBe(400);
    expect(Object.keys(res.body.error.fields).sort()).toEqual(["name", "password"]);
    const short = await accept(inv.body.token, { body: { name: "Shorty", password: "short" } });
    expect(short.status).toBe(400);
    expect(Object.keys(short.body.error.fields)).toEqual(["password"]);
    // Nothing was used up.
    expect((await accept(inv.body.token, { body: { name: "Patient", password: PASSWORD } })).status).toBe(200);
  });

  it("refuses a new-user accept for an e-mail that already has an account (409)", async () => {
    const { user } = await signupUser(server);
    const inv = await invite(cast.owner, { email: user.email, side: "external", role: "viewer" });
    const res = await accept(inv.body.token, { body: { name: "Impostor", password: PASSWORD } });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe("email_taken");
  });

  it("a used invitation answers 409 invitation_used", async () => {
    const inv = await invite(cast.owner, { email: freshEmail(), side: "external", role: "viewer" });
    expect((await accept(inv.body.token, { body: { name: "First", password: PASSWORD } })).status).toBe(200);
    const again = await accept(inv.body.token, { body: { name: "Second", password: PASSWORD } });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe("invitation_used");
  });

  it("an expired invitation answers 409 invitation_expired", async () => {
    const inv = await invite(cast.owner, { email: freshEmail(), side: "external", role: "viewer" });
    await server.sql`update invitations set expires_at = now() - interval '1 minute' where id = ${inv.body.id}`;
    const res = await accept(inv.body.token, { body: { name: "Late", password: PASSWORD } });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe("invitation_expired");
  });

  it("a revoked invitation answers 409 invitation_revoked", async () => {
    const inv = await invite(cast.owner, { email: freshEmail(), side: "internal", role: "editor" });
    const revoke = await server.api(`/api/v1/rooms/${cast.room.id}/invitations/${inv.body.id}`, { method: "DELETE", token: cast.owner.token });
    expect(revoke.status).toBe(204);
    const res = await accept(inv.body.token, { body: { name: "Too late", password: PASSWORD } });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe("invitation_revoked");
  });

  it("unknown and malformed tokens answer 404", async () => {
    for (const token of ["a".repeat(32), "short", "%ZZ", "UPPERCASEUPPERCASEUPPERCASEUPPER"]) {
      const res = await accept(token, { body: { name: "Guess", password: PASSWORD } });
      expect([token, res.status]).toEqual([token, 404]);
      expect(res.body.error.code).toBe("not_found");
    }
  });

  it("a bad bearer token answers 401 and does not use the invitation", async () => {
    const inv = await invite(cast.owner, { email: freshEmail(), side: "external", role: "viewer" });
    const res = await accept(inv.body.token, { bearer: "b".repeat(32) });
    expect(res.status).toBe(401);
    expect((await accept(inv.body.token, { body: { name: "Real", password: PASSWORD } })).status).toBe(200);
  });
});

describe("invitation list and revoke (our additions)", () => {
  it("the owner lists pending, accepted and revoked invitations; others may not", async () => {
    const room = await createRoom(server, cast.owner);
    const pending = await invite(cast.owner, { email: freshEmail(), side: "external", role: "viewer" }, room.id);
    const revoked = await invite(cast.owner, { email: freshEmail(), side: "external", role: "viewer" }, room.id);
    await server.api(`/api/v1/rooms/${room.id}/invitations/${revoked.body.id}`, { method: "DELETE", token: cast.owner.token });

    const list = await server.api(`/api/v1/rooms/${room.id}/invitations`, { token: cast.owner.token });
    expect(list.status).toBe(200);
    const byId = Object.fromEntries(list.body.items.map((i: { id: string; status: string }) => [i.id, i.status]));
    expect(byId).toEqual({ [pending.body.id]: "pending", [revoked.body.id]: "revoked" });
    expect(JSON.stringify(list.body)).not.toContain(pending.body.token);

    expect((await server.api(`/api/v1/rooms/${cast.room.id}/invitations`, { token: cast.internalEditor.token })).status).toBe(403);
    expect((await server.api(`/api/v1/rooms/${cast.room.id}/invitations`, { token: cast.outsider.token })).status).toBe(404);
    const inCastRoom = await invite(cast.owner, { email: freshEmail(), side: "external", role: "viewer" });
    const revokeAs = (who: TestUser) =>
      server.api(`/api/v1/rooms/${cast.room.id}/invitations/${inCastRoom.body.id}`, { method: "DELETE", token: who.token });
    expect((await revokeAs(cast.internalEditor)).status).toBe(403);
    expect((await revokeAs(cast.externalEditor)).status).toBe(403);
    expect((await revokeAs(cast.outsider)).status).toBe(404);
    const castList = await server.api(`/api/v1/rooms/${cast.room.id}/invitations`, { token: cast.owner.token });
    expect(castList.body.items.find((i: { id: string }) => i.id === inCastRoom.body.id).status).toBe("pending");
    const again = await server.api(`/api/v1/rooms/${room.id}/invitations/${revoked.body.id}`, { method: "DELETE", token: cast.owner.token });
    expect(again.status).toBe(404);
    const bad = await server.api(`/api/v1/rooms/${room.id}/invitations/not-an-id`, { method: "DELETE", token: cast.owner.token });
    expect(bad.status).toBe(404);
  });
});
