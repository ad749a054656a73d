// Downloads in the buyer's activity feed (issue 13): the access log is 403 for the buyer, but the
// feed listed `file.downloaded` with who and when. Who opened or downloaded what is internal.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { roomWithCast, type TestUser } from "../support/factories.ts";
import type { TestServer } from "../support/server.ts";
import { fetchBytes, startFilesServer, upload } from "./files-support.ts";

let server: TestServer;
let cast: Awaited<ReturnType<typeof roomWithCast>>;
beforeAll(async () => {
  server = await startFilesServer();
  cast = await roomWithCast(server);
});
afterAll(async () => {
  await server.close();
});

const feed = async (user: TestUser) => {
  const res = await server.api(`/api/v1/rooms/${cast.room.id}/activity?limit=200`, { token: user.token });
  expect(res.status).toBe(200);
  return res.body.items as { type: string; actor: { id: string } | null; objectId: string | null }[];
};

describe("downloads are not in external readers' feeds", () => {
  it("a buyer's feed shows the shared file but no one's downloads; the seller's feed shows them", async () => {
    const file = await upload(server, cast.owner.token, cast.room.id, "terms", { visibility: "shared", name: "terms.txt" });
    expect(file.status).toBe(201);
    expect((await fetchBytes(server, cast.externalEditor.token, `/api/v1/files/${file.body.id}/download`)).status).toBe(200);
    expect((await fetchBytes(server, cast.internalEditor.token, `/api/v1/files/${file.body.id}/download`)).status).toBe(200);

    for (const buyer of [cast.externalViewer, cast.externalEditor]) {
      const items = await feed(buyer);
      expect(items.some((i) => i.type === "file.uploaded" && i.objectId === file.body.id)).toBe(true);
      expect(items.filter((i) => i.type === "file.downloaded" || i.type === "file.opened")).toEqual([]);
    }
    const seller = await feed(cast.internalViewer);
    expect(seller.filter((i) => i.type === "file.downloaded" && i.objectId === file.body.id).map((i) => i.actor?.id).sort()).toEqual(
      [cast.externalEditor.id, cast.internalEditor.id].sort(),
    );
  });

  it("download rows recorded shared before this change stay out of buyers' feeds too", async () => {
    const file = await upload(server, cast.owner.token, cast.room.id, "old", { visibility: "shared", name: "old.txt" });
    await server.sql`insert into activities (room_id, organization_id, actor_id, type, object_type, object_id, visibility)
      values (${cast.room.id}, ${cast.organization.id}, ${cast.externalEditor.id}, 'file.downloaded', 'file', ${file.body.id}, 'shared')`;
    const items = await feed(cast.externalViewer);
    expect(items.some((i) => i.type === "file.uploaded" && i.objectId === file.body.id)).toBe(true);
    expect(items.filter((i) => i.type === "file.downloaded")).toEqual([]);
    expect((await feed(cast.owner)).some((i) => i.type === "file.downloaded" && i.objectId === file.body.id)).toBe(true);
  });
});
