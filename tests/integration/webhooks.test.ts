import { createHmac, timingSafeEqual } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addParticipant, createRoom, signupUser, type TestUser } from "../support/factories.ts";
import { relaxPerIpLimits } from "../support/matrix-fixtures.ts";
import { startTestServer, type TestServer } from "../support/server.ts";

// The CRM kept in step (docs/api.md "Rooms by external id", "Webhooks"; decision 022): a real
// receiver on 127.0.0.1 (allowed by WEBHOOKS_ALLOW_PRIVATE=1), the job's pace and backoff shortened
// through WEBHOOK_TICK_MS / WEBHOOK_BACKOFF_MS so retries come in milliseconds, not minutes.

type Mode = "ok" | "down" | "hang";
interface Received { path: string; headers: http.IncomingHttpHeaders; body: string }
let mode: Mode = "ok";
const received: Received[] = [];
const hanging: http.ServerResponse[] = [];
const receiver = http.createServer((req, res) => {
  if (mode === "down") return req.socket.destroy();
  let body = "";
  req.on("data", (c) => (body += c));
  req.on("end", () => {
    if (mode === "hang") return void hanging.push(res);
    received.push({ path: req.url ?? "", headers: req.headers, body });
    res.writeHead(204).end();
  });
});
let hookBase = "";
let server: TestServer;
beforeAll(async () => {
  await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
  hookBase = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  server = await startTestServer({ env: { WEBHOOKS_ALLOW_PRIVATE: "1", WEBHOOK_TICK_MS: "50", WEBHOOK_BACKOFF_MS: "50", WEBHOOK_TIMEOUT_MS: "3000" } });
  relaxPerIpLimits(server);
});
afterAll(async () => {
  for (const res of hanging) res.destroy();
  await server.close();
  receiver.closeAllConnections();
  await new Promise((r) => receiver.close(r));
});

const api = (who: TestUser, path: string, init: { method?: string; body?: unknown } = {}) =>
  server.api(`/api/v1${path}`, { token: who.token, ...init });

function verify(secret: string, header: string | undefined, body: string): boolean {
  const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header ?? "");
  if (!m) return false;
  const expected = createHmac("sha256", secret).update(`${m[1]}.${body}`).digest();
  return Math.abs(Date.now() / 1000 - Number(m[1])) < 300 && timingSafeEqual(expected, Buffer.from(m[2]!, "hex"));
}
const at = (path: string) => received.filter((r) => r.path === path).map((r) => ({ ...r, json: JSON.parse(r.body) }));

describe("rooms by external id", () => {
  it("creates (201), then updates (200) the same room; externals never see the id", async () => {
    const { user: seller } = await signupUser(server);
    const first = await api(seller, "/rooms/by-external-id/opp-0061", { method: "PUT", body: { name: "Globex renewal", account: "Globex", stage: "Prospecting" } });
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    expect(first.body.externalId).toBe("opp-0061");
    const again = await api(seller, "/rooms/by-external-id/opp-0061", { method: "PUT", body: { name: "Globex renewal 2027", account: "Globex", stage: "Prospecting" } });
    expect(again.status, JSON.stringify(again.body)).toBe(200);
    expect(again.body.id).toBe(first.body.id);
    expect(again.body.name).toBe("Globex renewal 2027");
    const rooms = await server.sql`select count(*)::int as n from rooms where external_id = 'opp-0061'`;
    expect(rooms[0]!.n).toBe(1);

    const moved = await api(seller, "/rooms/by-external-id/opp-0061", { method: "PUT", body: { name: "x", account: "y", stage: "Negotiating" } });
    expect(moved.status).toBe(400);
    const bad = await api(seller, `/rooms/by-external-id/${"x".repeat(129)}`, { method: "PUT", body: { name: "x", account: "y" } });
    expect(bad.status).toBe(400);
    const badChars = await api(seller, "/rooms/by-external-id/a%20b", { method: "PUT", body: { name: "x", account: "y" } });
    expect(badChars.status).toBe(400);
    const missing = await api(seller, "/rooms/by-external-id/opp-new", { method: "PUT", body: { name: "No account" } });
    expect(missing.status).toBe(400);

    const buyer = await addParticipant(server, seller, first.body.id, "external", "editor");
    const seen = await api(buyer, `/rooms/${first.body.id}`);
    expect(seen.status).toBe(200);
    expect(seen.body).not.toHaveProperty("externalId");
    const listed = await api(buyer, "/rooms");
    expect(listed.body.items.find((r: any) => r.id === first.body.id)).not.toHaveProperty("externalId");
    expect(JSON.stringify(listed.body)).not.toContain("opp-0061");
    // A guest may not use the endpoint: it does not exist for them.
    const guest = await api(buyer, "/rooms/by-external-id/opp-0061", { method: "PUT", body: { name: "Mine", account: "Mine" } });
    expect(guest.status).toBe(404);
    // The same id in another organization is another room.
    const { user: other } = await signupUser(server);
    const theirs = await api(other, "/rooms/by-external-id/opp-0061", { method: "PUT", body: { name: "Other", account: "Other" } });
    expect(theirs.status).toBe(201);
    expect(theirs.body.id).not.toBe(first.body.id);
  });
});

describe("webhooks", () => {
  it("admins only; a guest gets 404, a member 403; private URLs refused without WEBHOOKS_ALLOW_PRIVATE", async () => {
    const { user: admin } = await signupUser(server);
    const room = await createRoom(server, admin);
    const guest = await addParticipant(server, admin, room.id, "external", "editor");
    const member = await addParticipant(server, admin, room.id, "internal", "editor");
    for (const [method, path] of [["GET", "/webhooks"], ["POST", "/webhooks"], ["DELETE", "/webhooks/00000000-0000-4000-8000-000000000000"]] as const) {
      const g = await api(guest, path, { method, ...(method === "POST" ? { body: { url: `${hookBase}/g`, events: ["room.created"] } } : {}) });
      expect(g.status, `${method} ${path}`).toBe(404);
      const m = await api(member, path, { method, ...(method === "POST" ? { body: { url: `${hookBase}/g`, events: ["room.created"] } } : {}) });
      expect(m.status, `${method} ${path}`).toBe(403);
    }
    expect((await api(admin, "/webhooks", { body: { url: "ftp://example.com/x", events: ["room.created"] } })).status).toBe(400);
    expect((await api(admin, "/webhooks", { body: { url: "https://example.com/x", events: ["nope"] } })).status).toBe(400);
    expect((await api(admin, "/webhooks", { body: { url: "https://example.com/x", events: [] } })).status).toBe(400);
    server.app.config.webhooks.allowPrivate = false;
    try {
      for (const url of [`${hookBase}/x`, "http://10.1.2.3/x", "http://[::1]/x", "http://169.254.169.254/latest", "http://localhost/x", "http://[::ffff:127.0.0.1]/x"]) {
        const refused = await api(admin, "/webhooks", { body: { url, events: ["room.created"] } });
        expect(refused.status, url).toBe(422);
        expect(refused.body.error.code).toBe("unsafe_url");
      }
    } finally {
      server.app.config.webhooks.allowPrivate = true;
    }
    const made = await api(admin, "/webhooks", { body: { url: `${hookBase}/listed`, events: ["room.created"] } });
    expect(made.status).toBe(201);
    expect(made.body.secret).toMatch(/^whsec_/);
    const list = await api(admin, "/webhooks");
    expect(list.body.items.map((w: any) => w.id)).toEqual([made.body.id]);
    expect(JSON.stringify(list.body)).not.toContain(made.body.secret);
    expect((await api(admin, `/webhooks/${made.body.id}`, { method: "DELETE" })).status).toBe(204);
    expect((await api(admin, "/webhooks")).body.items).toEqual([]);
  });

  it("delivers signed events that verify, only the organization's own, and again after the receiver was down", async () => {
    mode = "ok";
    const { user: a } = await signupUser(server);
    const { user: b } = await signupUser(server);
    const hookA = await api(a, "/webhooks", { body: { url: `${hookBase}/a`, events: ["room.created", "stage.changed", "room.closed", "participant.joined"] } });
    const hookB = await api(b, "/webhooks", { body: { url: `${hookBase}/b`, events: ["room.created", "stage.changed", "room.closed", "participant.joined"] } });
    expect(hookA.status).toBe(201);
    expect(hookB.status).toBe(201);
    const room = await createRoom(server, a, { name: "Initech" });
    await addParticipant(server, a, room.id, "external", "viewer");
    expect((await api(a, `/rooms/${room.id}/stage`, { body: { stage: "Qualifying" } })).status).toBe(200);
    await expect.poll(() => at("/a").map((r) => r.json.type).sort(), { timeout: 10_000 }).toEqual(["participant.joined", "room.created", "stage.changed"]);
    for (const r of at("/a")) {
      expect(verify(hookA.body.secret, r.headers["dealroom-signature"] as string, r.body)).toBe(true);
      expect(verify(hookB.body.secret, r.headers["dealroom-signature"] as string, r.body)).toBe(false);
      expect(r.json.data.room.id).toBe(room.id);
    }
    // Organization B heard nothing of A.
    expect(at("/b")).toEqual([]);

    // Down: connections are cut. The close is retried with backoff and arrives once it is back.
    mode = "down";
    expect((await api(a, `/rooms/${room.id}/close`, { body: { outcome: "won" } })).status).toBe(200);
    await expect.poll(async () => {
      const [d] = await server.sql`select attempts from webhook_deliveries where event = 'room.closed' and webhook_id = ${hookA.body.id}`;
      return d?.attempts ?? 0;
    }, { timeout: 10_000 }).toBeGreaterThanOrEqual(2);
    const listed = await api(a, "/webhooks");
    expect(listed.body.items[0].lastDelivery.error).toMatch(/could not connect/);
    expect(listed.body.items[0].lastDelivery.nextAttemptAt).not.toBeNull();
    expect(at("/a").some((r) => r.json.type === "room.closed")).toBe(false);
    mode = "ok";
    await expect.poll(() => at("/a").filter((r) => r.json.type === "room.closed").length, { timeout: 15_000 }).toBe(1);
    const closed = at("/a").find((r) => r.json.type === "room.closed")!;
    expect(closed.json.data.details.outcome).toBe("won");
    expect(verify(hookA.body.secret, closed.headers["dealroom-signature"] as string, closed.body)).toBe(true);
    await expect.poll(async () => (await api(a, "/webhooks")).body.items[0].lastDelivery?.status, { timeout: 5000 }).toBe(204);
    expect(at("/b")).toEqual([]);
  });

  it("a receiver that hangs does not slow a stage move", async () => {
    mode = "ok";
    const { user: seller } = await signupUser(server);
    const room = await createRoom(server, seller);
    // A baseline move, with no webhook.
    let t = performance.now();
    expect((await api(seller, `/rooms/${room.id}/stage`, { body: { stage: "Qualifying" } })).status).toBe(200);
    const baseline = performance.now() - t;
    const hook = await api(seller, "/webhooks", { body: { url: `${hookBase}/hang`, events: ["stage.changed"] } });
    expect(hook.status).toBe(201);
    mode = "hang";
    expect((await api(seller, `/rooms/${room.id}/stage`, { body: { stage: "Prospecting" } })).status).toBe(200);
    await expect.poll(() => hanging.length, { timeout: 10_000 }).toBeGreaterThanOrEqual(1);
    // While that delivery hangs (the timeout is 3 s), the next move answers at once.
    t = performance.now();
    expect((await api(seller, `/rooms/${room.id}/stage`, { body: { stage: "Qualifying" } })).status).toBe(200);
    const during = performance.now() - t;
    console.info(`stage move: ${baseline.toFixed(0)} ms without a webhook, ${during.toFixed(0)} ms while the receiver hangs`);
    expect(during).toBeLessThan(1500);
    mode = "ok";
  });
});

describe("the connection goes to the address that was checked (DNS rebinding)", () => {
  /** A resolver for one host name that answers `answers` in turn (the last one again after that), counting its calls. */
  function fakeResolver(host: string, answers: string[]) {
    const calls: string[] = [];
    const resolve = async (name: string) => {
      if (name !== host) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${name}`), { code: "ENOTFOUND" });
      const address = answers[Math.min(calls.length, answers.length - 1)]!;
      calls.push(address);
      return [{ address, family: 4 as const }];
    };
    return { resolve, calls };
  }
  const port = () => new URL(hookBase).port;

  it("connects to the resolved address itself: a name only the hook resolves reaches the receiver, Host kept", async () => {
    mode = "ok";
    const fake = fakeResolver("crm.example.test", ["127.0.0.1"]);
    server.app.webhookResolve = fake.resolve;
    try {
      const { user: admin } = await signupUser(server);
      const hook = await api(admin, "/webhooks", { body: { url: `http://crm.example.test:${port()}/pinned`, events: ["room.created"] } });
      expect(hook.status, JSON.stringify(hook.body)).toBe(201);
      await createRoom(server, admin, { name: "Pinned" });
      await expect.poll(() => at("/pinned").length, { timeout: 10_000 }).toBe(1);
      const got = at("/pinned")[0]!;
      expect(got.headers.host).toBe(`crm.example.test:${port()}`);
      expect(verify(hook.body.secret, got.headers["dealroom-signature"] as string, got.body)).toBe(true);
      // WEBHOOKS_ALLOW_PRIVATE=1 skips the check at creation: the one lookup was the delivery's.
      expect(fake.calls).toEqual(["127.0.0.1"]);
    } finally {
      delete server.app.webhookResolve;
    }
  });

  it("a name that answers a public address, then 127.0.0.1, never reaches the server's own network", async () => {
    mode = "ok";
    // 192.0.2.10 is TEST-NET-1: public as far as the check goes, and nothing answers there.
    const fake = fakeResolver("rebind.example.test", ["192.0.2.10", "192.0.2.10", "127.0.0.1"]);
    const { user: admin } = await signupUser(server);
    server.app.webhookResolve = fake.resolve;
    server.app.config.webhooks.allowPrivate = false;
    try {
      // Created while the name is public (the first answer).
      const hook = await api(admin, "/webhooks", { body: { url: `http://rebind.example.test:${port()}/rebind`, events: ["room.created"] } });
      expect(hook.status, JSON.stringify(hook.body)).toBe(201);
      await createRoom(server, admin, { name: "Rebound" });
      const delivery = async () => (await server.sql<{ attempts: number; last_error: string | null; delivered_at: Date | null }[]>`
        select attempts, last_error, delivered_at from webhook_deliveries where webhook_id = ${hook.body.id}`)[0]!;
      // The first attempt resolves once (public), and connects there, not wherever a second lookup would point.
      await expect.poll(async () => (await delivery()).attempts, { timeout: 15_000 }).toBeGreaterThanOrEqual(1);
      expect(fake.calls.slice(0, 2)).toEqual(["192.0.2.10", "192.0.2.10"]);
      // The next attempt's single lookup answers 127.0.0.1: refused before any connection.
      await expect.poll(async () => (await delivery()).last_error ?? "", { timeout: 15_000 }).toMatch(/^refused: the host resolves to 127\.0\.0\.1/);
      const d = await delivery();
      expect(d.delivered_at).toBeNull();
      // Each attempt looked the name up exactly once: creation + one per attempt.
      expect(fake.calls.length).toBe(1 + d.attempts);
      expect(at("/rebind")).toEqual([]);
    } finally {
      server.app.config.webhooks.allowPrivate = true;
      delete server.app.webhookResolve;
      await server.sql`delete from webhooks where url like 'http://rebind.example.test:%'`;
    }
  });
});

describe("pruning old deliveries (the webhook-prune job)", () => {
  it("removes delivered and given-up deliveries past the retention, keeps pending ones and each webhook's last", async () => {
    mode = "ok";
    const { user: admin } = await signupUser(server);
    const hook = await api(admin, "/webhooks", { body: { url: `${hookBase}/prune`, events: ["room.created", "stage.changed"] } });
    expect(hook.status).toBe(201);
    const room = await createRoom(server, admin, { name: "Prune A" });
    for (const stage of ["Qualifying", "Proposing", "Negotiating"]) {
      expect((await api(admin, `/rooms/${room.id}/stage`, { body: { stage } })).status).toBe(200);
    }
    await expect.poll(() => at("/prune").length, { timeout: 10_000 }).toBe(4);
    const rows = async () => (await server.sql<{ id: string; event: string }[]>`
      select id, event from webhook_deliveries where webhook_id = ${hook.body.id} order by created_at, id`);
    const [created, s1, s2, s3] = await rows();
    // Test-only dating, on this file's own database: created and s1 delivered 40 days ago, s2
    // given up 31 days ago, s3 delivered 29 days ago (inside the retention), and a pending one
    // enqueued 60 days ago that is still being retried.
    const ago = (days: number) => server.sql`select now() - make_interval(days => ${days}) as t`.then((r) => r[0]!.t as Date);
    await server.sql`update webhook_deliveries set delivered_at = ${await ago(40)}, last_attempt_at = ${await ago(40)} where id in ${server.sql([created!.id, s1!.id])}`;
    await server.sql`update webhook_deliveries set delivered_at = null, gave_up_at = ${await ago(31)}, last_attempt_at = ${await ago(31)} where id = ${s2!.id}`;
    await server.sql`update webhook_deliveries set delivered_at = ${await ago(29)}, last_attempt_at = ${await ago(29)} where id = ${s3!.id}`;
    const [pending] = await server.sql<{ id: string }[]>`
      insert into webhook_deliveries (webhook_id, event, body, attempts, next_attempt_at, last_attempt_at, created_at, last_error)
      values (${hook.body.id}, 'stage.changed', '{}', 3, now() + interval '1 hour', ${await ago(60)}, ${await ago(60)}, 'answered 500') returning id`;

    expect(await server.jobs.runNow("webhook-prune")).toBe(true);
    expect((await rows()).map((r) => r.id).sort()).toEqual([s3!.id, pending!.id].sort());

    // A webhook whose every delivery is old keeps its latest one for Settings.
    const quiet = await api(admin, "/webhooks", { body: { url: `${hookBase}/quiet`, events: ["room.created"] } });
    await createRoom(server, admin, { name: "Prune B" });
    await createRoom(server, admin, { name: "Prune C" });
    await expect.poll(() => at("/quiet").length, { timeout: 10_000 }).toBe(2);
    const quietRows = await server.sql<{ id: string }[]>`select id from webhook_deliveries where webhook_id = ${quiet.body.id} order by last_attempt_at`;
    await server.sql`update webhook_deliveries set delivered_at = ${await ago(90)}, last_attempt_at = ${await ago(90)} where id = ${quietRows[0]!.id}`;
    await server.sql`update webhook_deliveries set delivered_at = ${await ago(50)}, last_attempt_at = ${await ago(50)} where id = ${quietRows[1]!.id}`;
    expect(await server.jobs.runNow("webhook-prune")).toBe(true);
    const left = await server.sql<{ id: string }[]>`select id from webhook_deliveries where webhook_id = ${quiet.body.id}`;
    expect(left.map((r) => r.id)).toEqual([quietRows[1]!.id]);
    const listed = (await api(admin, "/webhooks")).body.items.find((w: { id: string }) => w.id === quiet.body.id);
    expect(listed.lastDelivery).toMatchObject({ event: "room.created", status: 204 });
    expect(listed.lastDelivery.deliveredAt).not.toBeNull();
    // Nothing else is old: the first webhook keeps s3, the pending one and the two new rooms' deliveries.
    expect(await server.jobs.runNow("webhook-prune")).toBe(true);
    expect((await rows()).length).toBe(4);
    expect((await rows()).map((r) => r.id)).toEqual(expect.arrayContaining([s3!.id, pending!.id]));
  });
});
