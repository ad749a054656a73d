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

  it("rejects an empty or oversized query and hides other rooms", async () => {
    const cast = await roomWithCast(server);
    expect((await server.api(`/api/v1/rooms/${cast.room.id}/search?q=`, { token: cast.owner.token })).status).toBe(400);
    expect((await server.api(`/api/v1/rooms/${cast.room.id}/search?q=${"x".repeat(201)}`, { token: cast.owner.token })).status).toBe(400);
    expect((await server.api(`/api/v1/rooms/${cast.otherRoom.id}/search?q=x`, { token: cast.externalEditor.token })).status).toBe(404);
  });
});
