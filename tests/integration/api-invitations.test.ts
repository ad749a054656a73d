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
  it("the owner gets 201 { id, token, url, expiresAt }; lookups go by the token's hash", async () => {
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
    // The token itself is kept only while the invitation is open (to show the link again), then cleared.
    expect((await accept(res.body.token, { body: { name: "Hash Checker", password: PASSWORD } })).status).toBe(200);
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

  it("names a missing name and a too-short password with 400 when no one is signed in", async () => {
    const inv = await invite(cast.owner, { email: freshEmail(), side: "external", role: "viewer" });
    const res = await accept(inv.body.token);
    expect(res.status).toBe(400);
    expect(Object.keys(res.body.error.fields).sort()).toEqual(["name"]);
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
    // The owner sees a pending invitation's link again; a withdrawn one has none.
    const links = Object.fromEntries(list.body.items.map((i: { id: string; url: string | null }) => [i.id, i.url]));
    expect(links).toEqual({ [pending.body.id]: pending.body.url, [revoked.body.id]: null });

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

describe("invitations reach people (issue 16)", () => {
  const outbox = (to: string) =>
    server.sql<{ subject: string; text: string }[]>`select subject, text from mail_outbox where "to" = ${to} order by created_at, id`;

  it("creating an invitation e-mails the link to the invitee, through the outbox", async () => {
    const email = freshEmail();
    const res = await invite(cast.owner, { email, side: "external", role: "viewer" });
    expect(res.status).toBe(201);
    const mail = await outbox(email);
    expect(mail).toHaveLength(1);
    expect(mail[0]!.subject).toContain(cast.room.name);
    expect(mail[0]!.text).toContain(res.body.url);
  });

  it("inviting an address with an open invitation renews it: same id and link, a new expiry, the new role, one more e-mail", async () => {
    const email = freshEmail();
    const first = await invite(cast.owner, { email, side: "external", role: "viewer" });
    await server.sql`update invitations set expires_at = now() + interval '1 day' where id = ${first.body.id}`;
    const second = await invite(cast.owner, { email, side: "external", role: "commenter" });
    expect(second.status).toBe(201);
    expect(Object.keys(second.body).sort()).toEqual(["expiresAt", "id", "token", "url"]);
    expect(second.body.id).toBe(first.body.id);
    expect(second.body.url).toBe(first.body.url);
    expect((Date.parse(second.body.expiresAt) - Date.now()) / 86_400_000).toBeGreaterThan(6.9);
    const rows = await server.sql`select role from invitations where room_id = ${cast.room.id} and email = ${email}`;
    expect(rows.map((r) => r.role)).toEqual(["commenter"]);
    expect(await outbox(email)).toHaveLength(2);
    // Renewing an expired (never used) one works the same way.
    await server.sql`update invitations set expires_at = now() - interval '1 day' where id = ${first.body.id}`;
    const third = await invite(cast.owner, { email, side: "external", role: "commenter" });
    expect(third.body.id).toBe(first.body.id);
    expect((await accept(third.body.token, { body: { name: "Renewed Rita" } })).status).toBe(200);
  });

  it("accepting closes every other open invitation for the same address and room", async () => {
    const room = await createRoom(server, cast.owner);
    const email = freshEmail();
    const a = await invite(cast.owner, { email, side: "external", role: "viewer" }, room.id);
    const b = await invite(cast.owner, { email, side: "external", role: "editor" }, room.id);
    expect((await accept(b.body.token, { body: { name: "Closing Carla" } })).status).toBe(200);
    const list = await server.api(`/api/v1/rooms/${room.id}/invitations`, { token: cast.owner.token });
    const mine = list.body.items.filter((i: { email: string }) => i.email === email);
    expect(mine.length).toBeGreaterThan(0);
    expect(mine.filter((i: { status: string }) => i.status === "pending")).toEqual([]);
    expect((await accept(a.body.token, { body: { name: "Closing Carla" } })).status).toBe(409);
  });

  it("a guest joins with a name only, reads at once, and signs in later with a one-time link", async () => {
    const email = freshEmail();
    const inv = await invite(cast.owner, { email, side: "external", role: "viewer" });
    const joined = await accept(inv.body.token, { body: { name: "Quick Quinn" } });
    expect(joined.status).toBe(200);
    const pages = await server.api(`/api/v1/rooms/${cast.room.id}/pages`, { token: joined.body.token });
    expect(pages.status).toBe(200);
    // No password was set: no password signs in, the e-mailed link does.
    expect((await server.api("/api/v1/login", { body: { email, password: "correct horse battery" } })).status).toBe(401);
    expect((await server.api("/api/v1/sign-in-links", { body: { email } })).status).toBeLessThan(300);
    // The sign-in link is mailed shortly after the 202 (the same time for every address).
    let link: RegExpMatchArray | null = null;
    for (let i = 0; i < 100 && !link; i++) {
      link = (await outbox(email)).map((m) => m.text.match(/\/sign-in\/([a-z2-7]{32})/)).find(Boolean) ?? null;
      if (!link) await new Promise((r) => setTimeout(r, 50));
    }
    expect(link).not.toBeNull();
  });

  it("POST /rooms/:roomId/invitations/:invitationId/resend: the owner re-sends a pending one; externals 404, internal non-owners 403", async () => {
    const email = freshEmail();
    const inv = await invite(cast.owner, { email, side: "internal", role: "viewer" });
    await server.sql`update invitations set expires_at = now() + interval '1 hour' where id = ${inv.body.id}`;
    const path = `/api/v1/rooms/${cast.room.id}/invitations/${inv.body.id}/resend`;
    const res = await server.api(path, { method: "POST", token: cast.owner.token });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ id: inv.body.id, token: inv.body.token, url: inv.body.url, expiresAt: expect.stringMatching(ISO_UTC) });
    expect((Date.parse(res.body.expiresAt) - Date.now()) / 86_400_000).toBeGreaterThan(6.9);
    expect(await outbox(email)).toHaveLength(2);

    for (const who of [cast.externalEditor, cast.externalViewer, cast.outsider]) {
      const refused = await server.api(path, { method: "POST", token: who.token });
      expect(refused.status).toBe(404);
      expect(JSON.stringify(refused.body)).not.toContain(email);
    }
    expect((await server.api(path, { method: "POST", token: cast.internalEditor.token })).status).toBe(403);
    expect((await server.api(path, { method: "POST" })).status).toBe(401);
    expect(await outbox(email)).toHaveLength(2);

    expect((await accept(inv.body.token, { body: { name: "Resent Ron" } })).status).toBe(200);
    expect((await server.api(path, { method: "POST", token: cast.owner.token })).status).toBe(404);
    const bad = await server.api(`/api/v1/rooms/${cast.room.id}/invitations/nope/resend`, { method: "POST", token: cast.owner.token });
    expect(bad.status).toBe(404);
  });
});
