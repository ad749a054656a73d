import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { roomWithCast } from "../support/factories.ts";
import { startTestServer, type TestServer } from "../support/server.ts";
import { upload } from "./files-support.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

describe("room search across pages, messages and files", () => {
  it("finds every kind for insiders and only shared items for externals", async () => {
    const cast = await roomWithCast(server);
    const room = cast.room.id;
    const owner = cast.owner.token;
    const post = (path: string, body: unknown) => server.api(`/api/v1${path}`, { token: owner, body });
    const sharedPage = await post(`/rooms/${room}/pages`, { title: "Onboarding plan", visibility: "shared", markdown: "Kickoff covers the quasar migration." });
    const internalPage = await post(`/rooms/${room}/pages`, { title: "Floor price", visibility: "internal", markdown: "Quasar discount floor is 18 percent." });
    const sharedThread = await post(`/rooms/${room}/threads`, { title: "Questions", visibility: "shared", body: "How long does the quasar import take?" });
    const internalThread = await post(`/rooms/${room}/threads`, { title: "Pricing", visibility: "internal", body: "Quasar deal needs VP sign-off." });
    const sharedFile = await upload(server, owner, room, "hello", { visibility: "shared", name: "quasar-architecture.txt" });
    const internalFile = await upload(server, owner, room, "secret", { visibility: "internal", name: "quasar-pricing.txt" });
    for (const res of [sharedPage, internalPage, sharedThread, internalThread]) expect(res.status).toBe(201);
    expect(sharedFile.status).toBe(201);
    expect(internalFile.status).toBe(201);

    const asOwner = await server.api(`/api/v1/rooms/${room}/search?q=quasar`, { token: owner });
    expect(asOwner.status).toBe(200);
    const kinds = (res: typeof asOwner) => res.body.items.map((i: any) => `${i.type}:${i.title}`).sort();
    expect(kinds(asOwner)).toEqual(
      ["file:quasar-architecture.txt", "file:quasar-pricing.txt", "message:Pricing", "message:Questions", "page:Floor price", "page:Onboarding plan"].sort(),
    );
    const message = asOwner.body.items.find((i: any) => i.type === "message" && i.title === "Questions");
    expect(message.threadId).toBe(sharedThread.body.id);

    const asExternal = await server.api(`/api/v1/rooms/${room}/search?q=quasar`, { token: cast.externalViewer.token });
    expect(kinds(asExternal)).toEqual(["file:quasar-architecture.txt", "message:Questions", "page:Onboarding plan"]);
    const text = JSON.stringify(asExternal.body);
    for (const secret of ["Floor price", "18 percent", "Pricing", "VP sign-off", "quasar-pricing", internalPage.body.id, internalThread.body.id, internalFile.body.id]) {
      expect(text).not.toContain(secret);
    }
  });

  it("matches every term as a prefix in pages, messages and files, and keeps internal items from externals", async () => {
    const cast = await roomWithCast(server);
    const room = cast.room.id;
    const owner = cast.owner.token;
    const post = (path: string, body: unknown) => server.api(`/api/v1${path}`, { token: owner, body });
    const page = await post(`/rooms/${room}/pages`, { title: "Plan", visibility: "shared", markdown: "The ZEBRAFLOOR rollout." });
    const secretPage = await post(`/rooms/${room}/pages`, { title: "Secret", visibility: "internal", markdown: "The ZEBRAFLOOR margin." });
    const thread = await post(`/rooms/${room}/threads`, { title: "Cut-over", visibility: "shared", body: "Zebrafloor cut-over on Saturday." });
    const secretThread = await post(`/rooms/${room}/threads`, { title: "Hush", visibility: "internal", body: "zebrafloor discount." });
    const file = await upload(server, owner, room, "x", { visibility: "shared", name: "zebrafloor-diagram.txt" });
    const secretFile = await upload(server, owner, room, "x", { visibility: "internal", name: "zebrafloor-costs.txt" });
    for (const res of [page, secretPage, thread, secretThread, file, secretFile]) expect(res.status).toBe(201);

    const ids = (res: { body: { items: { type: string; id: string; visibility: string }[] } }) =>
      res.body.items.map((i) => `${i.type}:${i.id}:${i.visibility}`).sort();
    const asOwner = await server.api(`/api/v1/rooms/${room}/search?q=ZEBRA`, { token: owner });
    expect(asOwner.status).toBe(200);
    expect(ids(asOwner)).toEqual(
      [
        `page:${page.body.id}:shared`, `page:${secretPage.body.id}:internal`,
        `message:${thread.body.firstMessage?.id ?? asOwner.body.items.find((i: any) => i.threadId === thread.body.id)?.id}:shared`,
        `message:${asOwner.body.items.find((i: any) => i.threadId === secretThread.body.id)?.id}:internal`,
        `file:${file.body.id}:shared`, `file:${secretFile.body.id}:internal`,
      ].sort(),
    );
    // Two prefixes, both required; the phrase syntax still works with them.
    const both = await server.api(`/api/v1/rooms/${room}/search?q=${encodeURIComponent("zebra satur")}`, { token: owner });
    expect(both.body.items.map((i: any) => i.threadId)).toEqual([thread.body.id]);
    // Characters of tsquery syntax are only text.
    for (const q of ["zebra:* & !", "'zebra'", "a|b)(", "\\", "zebra <-> :*"]) {
      const res = await server.api(`/api/v1/rooms/${room}/search?q=${encodeURIComponent(q)}`, { token: owner });
      expect(res.status, q).toBe(200);
    }

    const asExternal = await server.api(`/api/v1/rooms/${room}/search?q=zebr`, { token: cast.externalEditor.token });
    expect(asExternal.body.items.map((i: any) => `${i.type}:${i.visibility}`).sort()).toEqual(["file:shared", "message:shared", "page:shared"]);
    const text = JSON.stringify(asExternal.body);
    for (const secret of [secretPage.body.id, secretThread.body.id, secretFile.body.id, "margin", "Hush", "costs"]) expect(text).not.toContain(secret);
  });

  it("rejects an empty or oversized query and hides other rooms", async () => {
    const cast = await roomWithCast(server);
    expect((await server.api(`/api/v1/rooms/${cast.room.id}/search?q=`, { token: cast.owner.token })).status).toBe(400);
    expect((await server.api(`/api/v1/rooms/${cast.room.id}/search?q=${"x".repeat(201)}`, { token: cast.owner.token })).status).toBe(400);
    expect((await server.api(`/api/v1/rooms/${cast.otherRoom.id}/search?q=x`, { token: cast.externalEditor.token })).status).toBe(404);
  });
});
