import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { roomWithCast } from "../support/factories.ts";
import { startTestServer, type TestServer } from "../support/server.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

describe("health and the room cast", () => {
  it("answers /healthz when the database is up", async () => {
    const res = await server.api("/healthz");
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ok: true, database: "up" });
  });

  it("an external participant asking for a room they are not in gets 404", async () => {
    const cast = await roomWithCast(server);
    const res = await server.api(`/api/v1/rooms/${cast.otherRoom.id}`, { token: cast.externalEditor.token });
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe("not_found");
    const own = await server.api(`/api/v1/rooms/${cast.room.id}`, { token: cast.externalEditor.token });
    expect(own.status).toBe(200);
    expect(own.body.myParticipation).toEqual({ side: "external", role: "editor" });
  });
});
