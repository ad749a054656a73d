import http from "node:http";
import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SESSION_COOKIE } from "../../server/auth/cookies.ts";
import { createLogger } from "../../server/log.ts";
import { addParticipant, createRoom, signupUser, type TestUser } from "../support/factories.ts";
import { startTestServer, type TestServer } from "../support/server.ts";

// Credentials are readable by their recipient only: not in another person's outbox, not in the
// log, and links always point at the configured address (docs/access.md, "Credentials").
// Every attack here goes over HTTP against the real server, as an outsider would make it.

const TOKEN = /[a-z2-7]{32}/g;

/** Every line the server logs, at every level. */
const logLines: string[] = [];
const logSink = new Writable({
  write(chunk, _encoding, done) {
    logLines.push(...String(chunk).split("\n").filter(Boolean));
    done();
  },
});

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ web: "production", log: createLogger("trace", logSink) });
});
afterAll(async () => {
  await server.close();
});

interface MailRow {
  id: string;
  to: string;
  text: string;
}

/** Asks for a sign-in link and waits for the e-mail (the database's copy, as only the recipient's inbox would have it). */
async function requestLinkFor(email: string, headers: Record<string, string> = {}): Promise<MailRow> {
  const before = await server.sql<{ n: number }[]>`select count(*)::int as n from mail_outbox where "to" = ${email}`;
  const res = await server.api("/api/v1/sign-in-links", { body: { email }, headers });
  expect(res.status).toBe(202);
  return waitForMail(email, before[0]!.n);
}

async function waitForMail(email: string, countBefore: number): Promise<MailRow> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const rows = await server.sql<MailRow[]>`select id, "to", text from mail_outbox where "to" = ${email} order by created_at desc`;
    if (rows.length > countBefore) return rows[0]!;
    if (Date.now() > deadline) throw new Error(`no e-mail reached ${email}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const linkToken = (text: string) => text.match(/\/sign-in\/([a-z2-7]{32})/)?.[1];

/** Tries every token-shaped string an attacker could lift from what they read. */
async function signInWithAnythingIn(text: string): Promise<number[]> {
  const statuses: number[] = [];
  for (const candidate of new Set(text.match(TOKEN) ?? [])) {
    statuses.push((await server.api(`/api/v1/sign-in-links/${candidate}/consume`, { method: "POST" })).status);
  }
  return statuses;
}

async function outboxPage(user: TestUser): Promise<string> {
  const res = await fetch(`${server.url}/outbox`, { headers: { cookie: `${SESSION_COOKIE}=${user.token}` } });
  expect(res.status).toBe(200);
  return res.text();
}

describe("the outbox never hands one person another's credentials", () => {
  it("(a) the seller's admin cannot read the buyer's sign-in link, on the API or the page", async () => {
    const { user: seller, organization } = await signupUser(server, { name: "Seller Admin" });
    const room = await createRoom(server, seller);
    const buyer = await addParticipant(server, seller, room.id, "external", "editor");

    // Anyone may ask for anyone's link; the attack is reading it.
    const mail = await requestLinkFor(buyer.email);
    const token = linkToken(mail.text);
    expect(token).toBeDefined();

    const res = await server.api(`/api/v1/organizations/${organization.id}/outbox`, { token: seller.token });
    expect(res.status).toBe(200);
    const toBuyer = res.body.items.filter((m: { to: string }) => m.to === buyer.email);
    expect(toBuyer.length).toBeGreaterThan(0);
    expect(toBuyer[0].subject).toBe("Your Dealroom sign-in link");
    expect(JSON.stringify(res.body)).not.toContain(token);
    expect(toBuyer[0].redacted).toBe(true);
    expect(toBuyer[0].text).toContain("only its recipient can see it");

    const page = await outboxPage(seller);
    expect(page).toContain(buyer.email);
    expect(page).not.toContain(token);

    // Nothing lifted from either answer signs anybody in; the buyer's own link still works.
    expect(await signInWithAnythingIn(JSON.stringify(res.body) + page)).not.toContain(200);
    const own = await server.api(`/api/v1/sign-in-links/${token}/consume`, { method: "POST" });
    expect(own.status).toBe(200);
    expect(own.body.user.email).toBe(buyer.email);
  });

  it("(b) a fresh organization that invited another company's member cannot take over their account", async () => {
    // The victim's own company, with an internal page only its people may read.
    const { user: victim } = await signupUser(server, { name: "Victim", organization: "Victim Co" });
    const victimRoom = await createRoom(server, victim);
    const secretPage = await server.api(`/api/v1/rooms/${victimRoom.id}/pages`, {
      token: victim.token,
      body: { title: "Our walk-away price", visibility: "internal", markdown: "We go as low as 80k." },
    });
    expect(secretPage.status).toBe(201);

    // The attacker signs up, invites the victim as a viewer, and the victim accepts once.
    const { user: attacker, organization: attackerOrg } = await signupUser(server, { name: "Attacker", organization: "Attacker Ltd" });
    const bait = await createRoom(server, attacker);
    const invite = await server.api(`/api/v1/rooms/${bait.id}/invitations`, {
      token: attacker.token,
      body: { email: victim.email, side: "external", role: "viewer" },
    });
    expect(invite.status).toBe(201);
    const accepted = await server.api(`/api/v1/invitations/${invite.body.token}/accept`, { method: "POST", token: victim.token });
    expect(accepted.status).toBe(200);

    const mail = await requestLinkFor(victim.email);
    const token = linkToken(mail.text)!;
    expect(token).toBeDefined();
    const res = await server.api(`/api/v1/organizations/${attackerOrg.id}/outbox`, { token: attacker.token });
    expect(res.status).toBe(200);
    const toVictim = res.body.items.filter((m: { to: string }) => m.to === victim.email);
    expect(toVictim.length).toBeGreaterThan(0);
    expect(JSON.stringify(res.body)).not.toContain(token);
    const page = await outboxPage(attacker);
    expect(page).not.toContain(token);
    expect(await signInWithAnythingIn(JSON.stringify(res.body) + page)).not.toContain(200);

    // So the attacker still cannot read the victim's company's internal page.
    expect((await server.api(`/api/v1/pages/${secretPage.body.id}`, { token: attacker.token })).status).toBe(404);
    expect((await server.api(`/api/v1/pages/${secretPage.body.id}`, { token: victim.token })).status).toBe(200);
  });

  it("shows an admin their own sign-in link in full, and it works", async () => {
    const { user: admin, organization } = await signupUser(server);
    const mail = await requestLinkFor(admin.email);
    const token = linkToken(mail.text)!;
    const res = await server.api(`/api/v1/organizations/${organization.id}/outbox`, { token: admin.token });
    const own = res.body.items.filter((m: { id: string }) => m.id === mail.id);
    expect(own).toHaveLength(1);
    expect(own[0].redacted).toBe(false);
    expect(own[0].text).toContain(`/sign-in/${token}`);
  });
});

/** A raw request, so that Host can be forged (fetch sets it itself). */
function rawRequest(path: string, init: { method: string; headers: Record<string, string>; body?: string }): Promise<{ status: number; body: string }> {
  const url = new URL(server.url);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: url.hostname, port: url.port, path, method: init.method, headers: init.headers }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode!, body }));
    });
    req.on("error", reject);
    req.end(init.body);
  });
}

describe("links point at the configured address, whatever the request says", () => {
  const forged = { host: "evil.example", "x-forwarded-host": "evil.example", "x-forwarded-proto": "https" };

  it("builds API sign-in links from the server's own address under a forged Host and X-Forwarded-Host", async () => {
    const { user } = await signupUser(server);
    const before = await server.sql<{ n: number }[]>`select count(*)::int as n from mail_outbox where "to" = ${user.email}`;
    const res = await rawRequest("/api/v1/sign-in-links", {
      method: "POST",
      headers: { ...forged, "content-type": "application/json" },
      body: JSON.stringify({ email: user.email }),
    });
    expect(res.status).toBe(202);
    const mail = await waitForMail(user.email, before[0]!.n);
    expect(mail.text).toContain(`${server.url}/sign-in/`);
    expect(mail.text).not.toContain("evil.example");
  });

  it("builds sign-in links from the sign-in page the same way", async () => {
    const { user } = await signupUser(server);
    const before = await server.sql<{ n: number }[]>`select count(*)::int as n from mail_outbox where "to" = ${user.email}`;
    const res = await rawRequest("/login", {
      method: "POST",
      headers: { ...forged, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ intent: "link", email: user.email }).toString(),
    });
    expect(res.status).toBeLessThan(500);
    const mail = await waitForMail(user.email, before[0]!.n);
    expect(mail.text).toContain(`${server.url}/sign-in/`);
    expect(mail.text).not.toContain("evil.example");
  });

  it("builds invitation links from it too", async () => {
    const { user: owner } = await signupUser(server);
    const room = await createRoom(server, owner);
    const res = await rawRequest(`/api/v1/rooms/${room.id}/invitations`, {
      method: "POST",
      headers: { ...forged, "content-type": "application/json", authorization: `Bearer ${owner.token}` },
      body: JSON.stringify({ email: "someone@example.test", side: "external", role: "viewer" }),
    });
    expect(res.status).toBe(201);
    const body = JSON.parse(res.body) as { url: string; token: string };
    expect(body.url).toBe(`${server.url}/invite/${body.token}`);
  });
});

describe("the log never holds a credential", () => {
  it("logs no sign-in link, invitation token or session token at any level", async () => {
    const secrets: string[] = [];
    const { user: owner } = await signupUser(server);
    secrets.push(owner.token);
    const room = await createRoom(server, owner);
    const invite = await server.api(`/api/v1/rooms/${room.id}/invitations`, {
      token: owner.token,
      body: { email: `guest-${Date.now()}@example.test`, side: "external", role: "editor" },
    });
    secrets.push(invite.body.token);
    const guest = await server.api(`/api/v1/invitations/${invite.body.token}/accept`, { body: { name: "Guest", password: "a long and unusual passphrase" } });
    expect(guest.status).toBe(200);
    secrets.push(guest.body.token);
    const mail = await requestLinkFor(guest.body.user.email);
    const link = linkToken(mail.text)!;
    secrets.push(link);
    const consumed = await server.api(`/api/v1/sign-in-links/${link}/consume`, { method: "POST" });
    expect(consumed.status).toBe(200);
    secrets.push(consumed.body.token);
    const login = await server.api("/api/v1/login", { body: { email: owner.email, password: owner.password } });
    secrets.push(login.body.token);

    // The outbox line is there (so the log was captured), without the link in it.
    const mailLines = logLines.filter((line) => line.includes(mail.id));
    expect(mailLines.length).toBeGreaterThan(0);
    expect(mailLines.join("\n")).toContain("only its recipient can see it");
    expect(secrets.filter((s) => typeof s === "string" && s.length === 32)).toHaveLength(secrets.length);
    const all = logLines.join("\n");
    for (const secret of secrets) expect(all).not.toContain(secret);
    expect(all).not.toMatch(/\/sign-in\/[a-z2-7]{32}/);
  });
});

describe("inline scripts run only with the response's nonce", () => {
  async function page(path: string) {
    const res = await fetch(`${server.url}${path}`);
    const html = await res.text();
    const csp = res.headers.get("content-security-policy") ?? "";
    const scriptSrc = csp.split(";").map((d) => d.trim()).find((d) => d.startsWith("script-src")) ?? "";
    return { html, scriptSrc, nonce: scriptSrc.match(/'nonce-([A-Za-z0-9+/=]+)'/)?.[1] };
  }

  it("sends a fresh nonce, no 'unsafe-inline' for scripts, and puts the nonce on every inline script", async () => {
    const first = await page("/login");
    const second = await page("/login");
    expect(first.scriptSrc).not.toContain("'unsafe-inline'");
    expect(first.nonce).toBeDefined();
    expect(first.nonce!.length).toBeGreaterThanOrEqual(22);
    expect(second.nonce).not.toBe(first.nonce);

    const scripts = [...first.html.matchAll(/<script\b([^>]*)>/g)].map((m) => m[1]!);
    const inline = scripts.filter((attributes) => !/\bsrc=/.test(attributes));
    expect(inline.length).toBeGreaterThan(0);
    for (const attributes of inline) expect(attributes).toContain(`nonce="${first.nonce}"`);
  });
});
