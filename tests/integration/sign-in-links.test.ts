import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addParticipant, createRoom, signupUser } from "../support/factories.ts";
import { startTestServer, type TestServer } from "../support/server.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

/**
 * The newest link in the recipient's mail. The link is stored and mailed just after the 202
 * (so both answers take the same time), hence the short wait.
 */
async function lastLinkTo(email: string, waitMs = 3000): Promise<string | undefined> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const [row] = await server.sql<{ text: string }[]>`select text from mail_outbox where "to" = ${email} order by created_at desc limit 1`;
    const token = row?.text.match(/\/sign-in\/([a-z2-7]{32})/)?.[1];
    if (token || Date.now() > deadline) return token;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe("one-time sign-in links", () => {
  it("lets an external participant sign in by e-mail, once", async () => {
    const { user: owner } = await signupUser(server);
    const room = await createRoom(server, owner);
    const buyer = await addParticipant(server, owner, room.id, "external", "editor");

    expect((await server.api("/api/v1/sign-in-links", { body: { email: buyer.email } })).status).toBe(202);
    const token = await lastLinkTo(buyer.email);
    expect(token).toBeDefined();

    const first = await server.api(`/api/v1/sign-in-links/${token}/consume`, { method: "POST" });
    expect(first.status).toBe(200);
    expect(first.body.user.email).toBe(buyer.email);
    const me = await server.api(`/api/v1/rooms/${room.id}`, { token: first.body.token });
    expect(me.body.myParticipation).toEqual({ side: "external", role: "editor" });

    const again = await server.api(`/api/v1/sign-in-links/${token}/consume`, { method: "POST" });
    expect(again.status).toBe(404);
    expect(again.body.error.code).toBe("sign_in_link_invalid");
  });

  it("answers the same for unknown addresses and sends nothing", async () => {
    const email = `nobody-${Date.now()}@example.test`;
    const res = await server.api("/api/v1/sign-in-links", { body: { email } });
    expect(res.status).toBe(202);
    expect(await lastLinkTo(email, 300)).toBeUndefined();
  });

  it("refuses expired links and limits requests per address", async () => {
    const { user } = await signupUser(server);
    await server.api("/api/v1/sign-in-links", { body: { email: user.email } });
    const token = await lastLinkTo(user.email);
    await server.sql`update sign_in_links set expires_at = now() - interval '1 minute' where user_id = ${user.id}`;
    expect((await server.api(`/api/v1/sign-in-links/${token}/consume`, { method: "POST" })).status).toBe(404);

    await server.api("/api/v1/sign-in-links", { body: { email: user.email } });
    await server.api("/api/v1/sign-in-links", { body: { email: user.email } });
    const limited = await server.api("/api/v1/sign-in-links", { body: { email: user.email } });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    expect((await server.api("/api/v1/sign-in-links", { body: { email: "not an address" } })).status).toBe(400);
  });

  it("shows organization admins the outbox for their people, and nobody else", async () => {
    const { user: admin, organization } = await signupUser(server);
    const room = await createRoom(server, admin);
    const buyer = await addParticipant(server, admin, room.id, "external", "viewer");
    await server.api("/api/v1/sign-in-links", { body: { email: buyer.email } });
    const { user: stranger } = await signupUser(server);
    await server.api("/api/v1/sign-in-links", { body: { email: stranger.email } });
    expect(await lastLinkTo(buyer.email)).toBeDefined();
    expect(await lastLinkTo(stranger.email)).toBeDefined();

    const res = await server.api(`/api/v1/organizations/${organization.id}/outbox`, { token: admin.token });
    expect(res.status).toBe(200);
    const recipients = res.body.items.map((m: any) => m.to);
    expect(recipients).toContain(buyer.email);
    expect(recipients).not.toContain(stranger.email);
    expect((await server.api(`/api/v1/organizations/${organization.id}/outbox`, { token: buyer.token })).status).toBe(404);
  });
});
