import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { roomWithCast, type TestUser } from "../support/factories.ts";
import { startTestServer, type TestServer } from "../support/server.ts";

let server: TestServer;
let cast: Awaited<ReturnType<typeof roomWithCast>>;
const ids: Record<string, string> = {};

beforeAll(async () => {
  server = await startTestServer();
  cast = await roomWithCast(server);
  const pages = [
    { key: "pricing", title: "Pricing notes", visibility: "internal", markdown: "The discount floor is 18 percent. Zanzibar clause stays internal." },
    { key: "plan", title: "Mutual action plan", visibility: "shared", markdown: "Agree the discount on the pilot and book the CFO review." },
    { key: "security", title: "Security review", visibility: "shared", markdown: "Data residency in Frankfurt. Encryption at rest with AES-256." },
    { key: "old", title: "Old discount idea", visibility: "shared", markdown: "A discount we no longer offer." },
    { key: "elsewhere", title: "Other room discount", visibility: "shared", markdown: "discount in another room" },
  ];
  for (const p of pages) {
    const roomId = p.key === "elsewhere" ? cast.otherRoom.id : cast.room.id;
    const res = await server.api(`/api/v1/rooms/${roomId}/pages`, { token: cast.owner.token, body: p });
    expect(res.status).toBe(201);
    ids[p.key] = res.body.id;
  }
  expect((await server.api(`/api/v1/pages/${ids.old}/archive`, { method: "POST", token: cast.owner.token })).status).toBe(200);
});
afterAll(async () => {
  await server.close();
});

const search = (user: TestUser, q: string, roomId = cast.room.id) =>
  server.api(`/api/v1/rooms/${roomId}/search?q=${encodeURIComponent(q)}`, { token: user.token });

describe("room search over pages", () => {
  it("finds pages by content and title, ranked, with a plain-text snippet and match ranges", async () => {
    const res = await search(cast.internalViewer, "discount");
    expect(res.status).toBe(200);
    const found = res.body.items.map((i: { id: string }) => i.id);
    expect(found.sort()).toEqual([ids.pricing, ids.plan].sort());
    const plan = res.body.items.find((i: { id: string }) => i.id === ids.plan);
    expect(plan).toMatchObject({ type: "page", id: ids.plan, title: "Mutual action plan" });
    expect(plan.snippet).toContain("Agree the discount on the pilot");
    expect(plan.highlights.length).toBeGreaterThan(0);
    for (const [start, end] of plan.highlights) expect(plan.snippet.slice(start, end).toLowerCase()).toBe("discount");

    const byTitle = await search(cast.internalViewer, "security");
    expect(byTitle.body.items[0].id).toBe(ids.security);
  });

  it("never shows an internal page, its title or its text to external participants", async () => {
    for (const user of [cast.externalEditor, cast.externalViewer]) {
      const res = await search(user, "discount");
      expect(res.status).toBe(200);
      expect(res.body.items.map((i: { id: string }) => i.id)).toEqual([ids.plan]);
      expect(JSON.stringify(res.body)).not.toMatch(/floor|Pricing notes|18 percent/);
      const secret = await search(user, "Zanzibar");
      expect(secret.body.items).toEqual([]);
    }
    const internal = await search(cast.internalEditor, "Zanzibar");
    expect(internal.body.items.map((i: { id: string }) => i.id)).toEqual([ids.pricing]);
  });

  it("leaves archived pages and other rooms out", async () => {
    const res = await search(cast.owner, "discount");
    const found = res.body.items.map((i: { id: string }) => i.id);
    expect(found).not.toContain(ids.old);
    expect(found).not.toContain(ids.elsewhere);
  });

  it("understands web search syntax: phrases and exclusions", async () => {
    const phrase = await search(cast.owner, '"data residency"');
    expect(phrase.body.items.map((i: { id: string }) => i.id)).toEqual([ids.security]);
    const without = await search(cast.owner, "discount -pilot");
    expect(without.body.items.map((i: { id: string }) => i.id)).toEqual([ids.pricing]);
  });

  it("keeps markup in content out of the snippet's highlighting", async () => {
    const res = await server.api(`/api/v1/rooms/${cast.room.id}/pages`, {
      token: cast.owner.token,
      body: { title: "Markup", visibility: "shared", markdown: "Quokka \u0001fake\u0002 <mark>quokka</mark> text" },
    });
    expect(res.status).toBe(201);
    const found = await search(cast.owner, "quokka");
    const item = found.body.items.find((i: { id: string }) => i.id === res.body.id);
    expect(item.snippet).not.toMatch(/[\u0001\u0002]/);
    expect(item.highlights.length).toBeGreaterThan(0);
    for (const [start, end] of item.highlights) expect(item.snippet.slice(start, end).toLowerCase()).toBe("quokka");
  });

  it("a missing or too long query is a 400; outsiders get 404", async () => {
    const missing = await server.api(`/api/v1/rooms/${cast.room.id}/search`, { token: cast.owner.token });
    expect(missing.status).toBe(400);
    expect(missing.body.error.fields.q).toBeDefined();
    expect((await search(cast.owner, "   ")).status).toBe(400);
    expect((await search(cast.owner, "x".repeat(201))).status).toBe(400);
    expect((await search(cast.outsider, "discount")).status).toBe(404);
    expect((await search(cast.orgMember, "discount")).status).toBe(404);
  });

  it("a query of stop words only finds nothing rather than failing", async () => {
    const res = await search(cast.owner, "the and of");
    expect(res.status).toBe(200);
    expect(res.body.items).toEqual([]);
  });
});
