// Folders over socket.io and the delete oracle (issue 13):
// - making a folder internal sent `folder.removed` to internal sockets too (they still see it);
// - deleting a shared folder that looks empty answered 409 folder_not_empty to an external
//   participant when only internal items were inside (an empty one answers 204).
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { roomWithCast, type TestUser } from "../support/factories.ts";
import type { TestServer } from "../support/server.ts";
import { startFilesServer, upload } from "./files-support.ts";
import { socketClient, type SocketClient } from "./socket-support.ts";

let server: TestServer;
let cast: Awaited<ReturnType<typeof roomWithCast>>;
const sockets: SocketClient[] = [];
beforeAll(async () => {
  server = await startFilesServer();
  cast = await roomWithCast(server);
});
afterEach(() => {
  for (const s of sockets.splice(0)) s.socket.disconnect();
});
afterAll(async () => {
  await server.close();
});

async function joined(user: TestUser) {
  const c = await socketClient(server.url, user.token);
  sockets.push(c);
  expect(await c.emit("room:join", { roomId: cast.room.id })).toEqual({ ok: true });
  return c;
}
async function folder(user: TestUser, name: string, visibility: "shared" | "internal", parentId?: string) {
  const res = await server.api(`/api/v1/rooms/${cast.room.id}/folders`, { token: user.token, body: { name, visibility, ...(parentId ? { parentId } : {}) } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { id: string };
}
const folders = async (user: TestUser) =>
  (await server.api(`/api/v1/rooms/${cast.room.id}/folders`, { token: user.token })).body.items as { id: string; parentId: string | null }[];

describe("folder events", () => {
  it("a folder made internal is removed for external sockets only; internal sockets get it updated", async () => {
    const internal = await joined(cast.internalViewer);
    const external = await joined(cast.externalViewer);
    const f = await folder(cast.owner, "Pricing", "shared");
    await Promise.all([internal.waitFor("folder.created", (p) => p.folder.id === f.id), external.waitFor("folder.created", (p) => p.folder.id === f.id)]);

    const res = await server.api(`/api/v1/folders/${f.id}`, { method: "PATCH", token: cast.owner.token, body: { visibility: "internal" } });
    expect(res.status).toBe(200);
    await external.waitFor("folder.removed", (p) => p.id === f.id);
    await internal.waitFor("folder.updated", (p) => p.folder.id === f.id && p.folder.visibility === "internal");
    // A later event proves the internal socket has had everything sent before it.
    const sentinel = await folder(cast.owner, "Sentinel", "internal");
    await internal.waitFor("folder.created", (p) => p.folder.id === sentinel.id);
    expect(internal.events.filter((e) => e.name === "folder.removed")).toEqual([]);
    expect(external.events.filter((e) => e.name === "folder.updated" && e.payload.folder.id === f.id)).toEqual([]);
  });
});

describe("deleting a folder as an external participant", () => {
  it("a shared folder holding only internal items answers exactly like an empty one, and the internal items survive", async () => {
    const empty = await folder(cast.owner, "Empty", "shared");
    const parent = await folder(cast.owner, "Parent", "shared");
    const looksEmpty = await folder(cast.owner, "Looks empty", "shared", parent.id);
    const secretFolder = await folder(cast.owner, "Deal desk", "internal", looksEmpty.id);
    const secretFile = await upload(server, cast.owner.token, cast.room.id, "walk-away price", { visibility: "internal", folderId: looksEmpty.id, name: "floor.txt" });
    expect(secretFile.status).toBe(201);

    const del = (id: string) => fetch(`${server.url}/api/v1/folders/${id}`, { method: "DELETE", headers: { authorization: `Bearer ${cast.externalEditor.token}` } });
    const [a, b] = [await del(empty.id), await del(looksEmpty.id)];
    expect([a.status, b.status]).toEqual([204, 204]);
    expect(await b.text()).toBe(await a.text());
    expect(b.headers.get("content-length")).toBe(a.headers.get("content-length"));
    expect((await folders(cast.externalEditor)).map((f) => f.id)).not.toContain(looksEmpty.id);

    // The internal items moved up to the deleted folder's parent.
    const internalView = await folders(cast.owner);
    expect(internalView.find((f) => f.id === secretFolder.id)?.parentId).toBe(parent.id);
    const file = await server.api(`/api/v1/files/${secretFile.body.id}`, { token: cast.owner.token });
    expect(file.status).toBe(200);
    expect(file.body.folderId).toBe(parent.id);
  });

  it("a folder with something the external can see is still refused (409), and internal readers are refused for internal contents", async () => {
    const visible = await folder(cast.owner, "Visible contents", "shared");
    expect((await upload(server, cast.owner.token, cast.room.id, "rfp", { visibility: "shared", folderId: visible.id, name: "rfp.txt" })).status).toBe(201);
    const res = await server.api(`/api/v1/folders/${visible.id}`, { method: "DELETE", token: cast.externalEditor.token });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe("folder_not_empty");
    const internalOnly = await folder(cast.owner, "Internal contents", "shared");
    await folder(cast.owner, "Inner", "internal", internalOnly.id);
    const byInternal = await server.api(`/api/v1/folders/${internalOnly.id}`, { method: "DELETE", token: cast.internalEditor.token });
    expect(byInternal.status).toBe(409);
  });
});
