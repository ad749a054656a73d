import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addParticipant, createRoom, signupUser } from "../support/factories.ts";
import { startTestServer, type TestServer } from "../support/server.ts";

// docs/api.md, sections Conventions and Accounts, against the real server.

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;
const PASSWORD = "correct horse battery";

let server: TestServer;
/** A fresh server per block: the signup limit per client address (20 an hour) would stop one long file. */
function withServer() {
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server.close();
  });
}

let counter = 0;
const freshEmail = () => `acct-${Date.now().toString(36)}-${counter++}@example.test`;

async function signup(body: Record<string, unknown>) {
  return server.api("/api/v1/signup", { body });
}

describe("POST /api/v1/signup", () => {
  withServer();

  it("answers 201 { token, user, organization } and makes the user admin of a new organization", async () => {
    const email = freshEmail();
    const res = await signup({ email, password: PASSWORD, name: "Ada Admin", organization: "Analytical Engines" });
    expect(res.status).toBe(201);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    expect(res.body).toEqual({
      token: expect.stringMatching(/^[a-z2-7]{32}$/),
      user: { id: expect.any(String), email, name: "Ada Admin" },
      organization: { id: expect.any(String), name: "Analytical Engines", role: "admin" },
    });
    const me = await server.api("/api/v1/me", { token: res.body.token });
    expect(me.status).toBe(200);
    expect(me.body).toEqual({
      user: { id: res.body.user.id, email, name: "Ada Admin" },
      organizations: [{ id: res.body.organization.id, name: "Analytical Engines", role: "admin" }],
    });
  });

  it("stores the e-mail in lower case and refuses the same address again with 409", async () => {
    const email = freshEmail();
    const first = await signup({ email: email.toUpperCase(), password: PASSWORD, name: "First", organization: "One" });
    expect(first.status).toBe(201);
    expect(first.body.user.email).toBe(email);
    const again = await signup({ email, password: "another password", name: "Second", organization: "Two" });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe("email_taken");
    expect(again.body.error.message).toEqual(expect.any(String));
  });

  it("names every missing field in error.fields", async () => {
    const res = await signup({});
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("invalid_input");
    expect(Object.keys(res.body.error.fields).sort()).toEqual(["email", "name", "organization", "password"]);
  });

  it("names every wrong-typed or malformed field in error.fields", async () => {
    const res = await signup({ email: 42, password: true, name: ["x"], organization: { a: 1 } });
    expect(res.status).toBe(400);
    expect(Object.keys(res.body.error.fields).sort()).toEqual(["email", "name", "organization", "password"]);

    const bad = await signup({ email: "not an address", password: "short", name: "  ", organization: "Org" });
    expect(bad.status).toBe(400);
    expect(bad.body.error.fields).toEqual({
      email: expect.any(String),
      password: expect.stringContaining("8"),
      name: expect.any(String),
    });
  });

  it("answers 400 invalid_json for a malformed body", async () => {
    const res = await server.api("/api/v1/signup", { rawBody: '{"email": "a@b.test", ' });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: { code: "invalid_json", message: expect.any(String) } });
  });

  it("answers 413 for a body over the limit", async () => {
    const res = await signup({ email: freshEmail(), password: PASSWORD, name: "x".repeat(300 * 1024), organization: "Big" });
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe("payload_too_large");
  });
});

describe("POST /api/v1/login", () => {
  withServer();

  it("answers 200 { token, user } with a new working token", async () => {
    const { user } = await signupUser(server);
    const res = await server.api("/api/v1/login", { body: { email: user.email, password: user.password } });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      token: expect.stringMatching(/^[a-z2-7]{32}$/),
      user: { id: user.id, email: user.email, name: user.name },
    });
    expect(res.body.token).not.toBe(user.token);
    const me = await server.api("/api/v1/me", { token: res.body.token });
    expect(me.status).toBe(200);
    expect(me.body.user.id).toBe(user.id);
  });

  it("accepts the e-mail in any case", async () => {
    const { user } = await signupUser(server);
    const res = await server.api("/api/v1/login", { body: { email: user.email.toUpperCase(), password: user.password } });
    expect(res.status).toBe(200);
  });

  it("answers 401 with one message that does not tell which part was wrong", async () => {
    const { user } = await signupUser(server);
    const wrongPassword = await server.api("/api/v1/login", { body: { email: user.email, password: "not the password" } });
    const unknownEmail = await server.api("/api/v1/login", { body: { email: freshEmail(), password: user.password } });
    expect(wrongPassword.status).toBe(401);
    expect(unknownEmail.status).toBe(401);
    expect(wrongPassword.body).toEqual(unknownEmail.body);
    expect(wrongPassword.body.error.code).toBe("invalid_credentials");
    expect(wrongPassword.body.error.message).not.toMatch(/password is|unknown|no account|not found/i);
  });

  it("names missing fields with 400", async () => {
    const res = await server.api("/api/v1/login", { body: { password: 12 } });
    expect(res.status).toBe(400);
    expect(Object.keys(res.body.error.fields).sort()).toEqual(["email", "password"]);
  });

  it("limits attempts per account with 429 and Retry-After, whatever the client address", async () => {
    const { user } = await signupUser(server);
    // Each attempt from another address: the limit follows the account, not the IP.
    const attempt = (i: number, password: string) =>
      server.api("/api/v1/login", {
        body: { email: user.email, password },
        headers: { "x-forwarded-for": `203.0.113.${i}` },
      });
    for (let i = 0; i < 10; i++) expect((await attempt(i, `wrong password ${i}`)).status).toBe(401);
    const limited = await attempt(10, "wrong again");
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe("rate_limited");
    const retryAfter = Number(limited.headers.get("retry-after"));
    expect(Number.isInteger(retryAfter)).toBe(true);
    expect(retryAfter).toBeGreaterThan(0);
    // The right password does not get through a locked account either.
    expect((await attempt(11, user.password)).status).toBe(429);
    // Another account is not affected.
    const { user: other } = await signupUser(server);
    const otherLogin = await server.api("/api/v1/login", { body: { email: other.email, password: other.password } });
    expect(otherLogin.status).toBe(200);
  });
});

describe("sessions and POST /api/v1/logout", () => {
  withServer();

  it("stores only the SHA-256 of a token, never the token", async () => {
    const { user } = await signupUser(server);
    const login = await server.api("/api/v1/login", { body: { email: user.email, password: user.password } });
    for (const token of [user.token, login.body.token as string]) {
      const digest = createHash("sha256").update(token).digest("hex");
      const [hashed] = await server.sql`select user_id as "userId" from sessions where id = ${digest}`;
      expect(hashed?.userId).toBe(user.id);
      const [leak] = await server.sql`select count(*)::int as n from sessions s where s::text like ${`%${token}%`}`;
      expect(leak!.n).toBe(0);
    }
  });

  it("answers 204 and the token stops working at once; other sessions go on", async () => {
    const { user } = await signupUser(server);
    const second = await server.api("/api/v1/login", { body: { email: user.email, password: user.password } });
    expect((await server.api("/api/v1/me", { token: user.token })).status).toBe(200);

    const out = await server.api("/api/v1/logout", { method: "POST", token: user.token });
    expect(out.status).toBe(204);
    expect(out.body).toBeNull();

    const after = await server.api("/api/v1/me", { token: user.token });
    expect(after.status).toBe(401);
    expect(after.body.error.code).toEqual(expect.any(String));
    expect((await server.api("/api/v1/logout", { method: "POST", token: user.token })).status).toBe(401);
    expect((await server.api("/api/v1/me", { token: second.body.token })).status).toBe(200);
  });

  it("with a session cookie, ends the session and clears the cookie", async () => {
    const { user } = await signupUser(server);
    const cookie = `dealroom_session=${user.token}`;
    const out = await server.api("/api/v1/logout", { method: "POST", headers: { cookie, origin: server.url } });
    expect(out.status).toBe(204);
    expect(out.headers.get("set-cookie")).toMatch(/^dealroom_session=;.*Max-Age=0/);
    const me = await server.api("/api/v1/me", { headers: { cookie } });
    expect(me.status).toBe(401);
  });
});

describe("GET /api/v1/me", () => {
  withServer();

  it("lists organizations with the role: admin for the founder, member for an internal invitee, none for an external one", async () => {
    const { user: owner, organization } = await signupUser(server);
    const room = await createRoom(server, owner);
    const internal = await addParticipant(server, owner, room.id, "internal", "viewer");
    const external = await addParticipant(server, owner, room.id, "external", "editor");

    const mine = await server.api("/api/v1/me", { token: internal.token });
    expect(mine.body).toEqual({
      user: { id: internal.id, email: internal.email, name: internal.name },
      organizations: [{ id: organization.id, name: organization.name, role: "member" }],
    });
    const theirs = await server.api("/api/v1/me", { token: external.token });
    expect(theirs.body.organizations).toEqual([]);
  });

  it("answers 401 JSON without credentials and with a bad bearer token", async () => {
    const none = await server.api("/api/v1/me");
    expect(none.status).toBe(401);
    expect(none.body).toEqual({ error: { code: "unauthenticated", message: expect.any(String) } });
    for (const token of ["garbage", "a".repeat(32)]) {
      const bad = await server.api("/api/v1/me", { token });
      expect(bad.status).toBe(401);
      expect(bad.body.error.code).toBe("invalid_token");
    }
  });
});

describe("conventions", () => {
  withServer();

  it("every endpoint but signup, login and accept needs credentials (401)", async () => {
    const id = "00000000-0000-4000-8000-000000000000";
    const calls: [string, string][] = [
      ["POST", "/api/v1/logout"],
      ["GET", "/api/v1/me"],
      ["POST", "/api/v1/rooms"],
      ["GET", "/api/v1/rooms"],
      ["GET", `/api/v1/rooms/${id}`],
      ["PATCH", `/api/v1/rooms/${id}`],
      ["POST", `/api/v1/rooms/${id}/invitations`],
      ["GET", `/api/v1/rooms/${id}/participants`],
      ["PATCH", `/api/v1/rooms/${id}/participants/${id}`],
      ["DELETE", `/api/v1/rooms/${id}/participants/${id}`],
    ];
    for (const [method, path] of calls) {
      const res = await server.api(path, { method, body: method === "GET" || method === "DELETE" ? undefined : {} });
      expect([method, path, res.status]).toEqual([method, path, 401]);
      expect(res.body.error.code).toBe("unauthenticated");
    }
  });

  it("answers an unknown endpoint with 404 JSON", async () => {
    const { user } = await signupUser(server);
    for (const [method, path] of [["GET", "/api/v1/nothing-here"], ["POST", "/api/v1/rooms/x/y/z"], ["DELETE", "/api/v1/me"]] as const) {
      const res = await server.api(path, { method, token: user.token });
      expect(res.status).toBe(404);
      expect(res.headers.get("content-type")).toMatch(/^application\/json/);
      expect(res.body).toEqual({ error: { code: "not_found", message: expect.any(String) } });
    }
  });

  it("answers malformed ids and undecodable paths with 404, never 500", async () => {
    const { user } = await signupUser(server);
    const paths = [
      "/api/v1/rooms/not-an-id",
      "/api/v1/rooms/%ZZ",
      "/api/v1/rooms/%E0%A4%A",
      "/api/v1/rooms/1' or '1'='1",
      "/api/v1/rooms/00000000-0000-4000-8000-000000000000",
      "/api/v1/rooms/not-an-id/participants",
      "/api/v1/rooms/%C0/participants",
    ];
    for (const path of paths) {
      const res = await server.api(path, { token: user.token });
      expect([path, res.status]).toEqual([path, 404]);
      expect(res.body.error.code).toBe("not_found");
    }
  });

  it("times are ISO-8601 UTC strings", async () => {
    const { user } = await signupUser(server);
    const room = await server.api("/api/v1/rooms", { token: user.token, body: { name: "Times", account: "Clock Co" } });
    expect(room.body.createdAt).toMatch(ISO_UTC);
    expect(room.body.updatedAt).toMatch(ISO_UTC);
  });
});

describe("CSRF protection of cookie-authenticated writes", () => {
  withServer();

  it("refuses a cookie POST from a foreign Origin with 403 and accepts our own", async () => {
    const { user } = await signupUser(server);
    const cookie = `dealroom_session=${user.token}`;
    const body = { name: "Cookie room", account: "Crumbs Inc" };

    const foreign = await server.api("/api/v1/rooms", { body, headers: { cookie, origin: "https://evil.example" } });
    expect(foreign.status).toBe(403);
    expect(foreign.body.error.code).toBe("csrf");

    const foreignReferer = await server.api("/api/v1/rooms", { body, headers: { cookie, referer: "https://evil.example/page" } });
    expect(foreignReferer.status).toBe(403);

    const noOrigin = await server.api("/api/v1/rooms", { body, headers: { cookie } });
    expect(noOrigin.status).toBe(403);

    const [{ n: before }] = (await server.sql`select count(*)::int as n from rooms where created_by = ${user.id}`) as unknown as [{ n: number }];
    expect(before).toBe(0);

    const own = await server.api("/api/v1/rooms", { body, headers: { cookie, origin: server.url } });
    expect(own.status).toBe(201);
    const ownReferer = await server.api("/api/v1/rooms", { body, headers: { cookie, referer: `${server.url}/rooms` } });
    expect(ownReferer.status).toBe(201);
  });

  it("lets cookie reads through from anywhere, and a foreign-origin cookie logout does not end the session", async () => {
    const { user } = await signupUser(server);
    const cookie = `dealroom_session=${user.token}`;
    const read = await server.api("/api/v1/me", { headers: { cookie, origin: "https://evil.example" } });
    expect(read.status).toBe(200);
    const out = await server.api("/api/v1/logout", { method: "POST", headers: { cookie, origin: "https://evil.example" } });
    expect(out.status).toBe(403);
    expect((await server.api("/api/v1/me", { token: user.token })).status).toBe(200);
  });

  it("bearer calls need no Origin, even a foreign one", async () => {
    const { user } = await signupUser(server);
    const body = { name: "Bearer room", account: "Tokens Ltd" };
    const res = await server.api("/api/v1/rooms", { token: user.token, body, headers: { origin: "https://evil.example" } });
    expect(res.status).toBe(201);
    const plain = await server.api("/api/v1/rooms", { token: user.token, body });
    expect(plain.status).toBe(201);
  });
});
