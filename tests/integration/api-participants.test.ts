import { io as connectSocket, type Socket } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addParticipant, createRoom, roomWithCast, type TestUser } from "../support/factories.ts";
import { startTestServer, type TestServer } from "../support/server.ts";

// docs/api.md: GET/PATCH/DELETE /rooms/:roomId/participants, against the real server.

let server: TestServer;
let cast: Awaited<ReturnType<typeof roomWithCast>>;
beforeAll(async () => {
  server = await startTestServer();
  cast = await roomWithCast(server);
});
afterAll(async () => {
  await server.close();
});

const list = (who: TestUser, roomId = cast.room.id) => server.api(`/api/v1/rooms/${roomId}/participants`, { token: who.token });
const changeRole = (who: TestUser, userId: string, body: unknown, roomId = cast.room.id) =>
  server.api(`/api/v1/rooms/${roomId}/participants/${userId}`, { method: "PATCH", token: who.token, body });
const remove = (who: TestUser, userId: string, roomId = cast.room.id) =>
  server.api(`/api/v1/rooms/${roomId}/participants/${userId}`, { method: "DELETE", token: who.token });

describe("GET /api/v1/rooms/:roomId/participants", () => {
  it("internal callers get { items: [{ userId, name, email, side, role }] } for everyone", async () => {
    for (const who of [cast.owner, cast.internalViewer]) {
      const res = await list(who);
      expect(res.status).toBe(200);
      expect(Object.keys(res.body)).toEqual(["items"]);
      const people = [cast.owner, cast.internalEditor, cast.internalViewer, cast.externalEditor, cast.externalViewer];
      expect(res.body.items).toHaveLength(people.length);
      const roles = { [cast.owner.id]: "owner", [cast.internalEditor.id]: "editor", [cast.internalViewer.id]: "viewer", [cast.externalEditor.id]: "editor", [cast.externalViewer.id]: "viewer" };
      for (const p of people) {
        const item = res.body.items.find((i: { userId: string }) => i.userId === p.id);
        expect(item).toMatchObject({
          userId: p.id,
          name: p.name,
          email: p.email,
          side: [cast.externalEditor, cast.externalViewer].includes(p) ? "external" : "internal",
          role: roles[p.id],
        });
      }
    }
  });

  it("external callers see internal participants' names but not their e-mail", async () => {
    const res = await list(cast.externalViewer);
    expect(res.status).toBe(200);
    const internal = res.body.items.filter((i: { side: string }) => i.side === "internal");
    const external = res.body.items.filter((i: { side: string }) => i.side === "external");
    expect(internal.map((i: { name: string }) => i.name).sort()).toEqual([cast.owner.name, cast.internalEditor.name, cast.internalViewer.name].sort());
    for (const i of internal) expect(i.email ?? null).toBeNull();
    expect(external.map((i: { email: string }) => i.email).sort()).toEqual([cast.externalEditor.email, cast.externalViewer.email].sort());
    const text = JSON.stringify(res.body);
    for (const hidden of [cast.owner.email, cast.internalEditor.email, cast.internalViewer.email]) expect(text).not.toContain(hidden);
  });

  it("non-participants get 404; malformed room ids 404", async () => {
    expect((await list(cast.orgMember)).status).toBe(404);
    expect((await list(cast.outsider)).status).toBe(404);
    expect((await list(cast.externalEditor, cast.otherRoom.id)).status).toBe(404);
    expect((await list(cast.owner, "not-a-room")).status).toBe(404);
  });
});

describe("PATCH /api/v1/rooms/:roomId/participants/:userId", () => {
  it("the owner changes a role: 200 with the participant, and the new role takes effect", async () => {
    const room = await createRoom(server, cast.owner);
    const viewer = await addParticipant(server, cast.owner, room.id, "internal", "viewer");
    const editRoom = () => server.api(`/api/v1/rooms/${room.id}`, { method: "PATCH", token: viewer.token, body: { name: "By the viewer" } });
    expect((await editRoom()).status).toBe(403);

    const res = await changeRole(cast.owner, viewer.id, { role: "editor" }, room.id);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ userId: viewer.id, name: viewer.name, email: viewer.email, side: "internal", role: "editor" });
    expect((await server.api(`/api/v1/rooms/${room.id}`, { token: viewer.token })).body.myParticipation).toEqual({ side: "internal", role: "editor" });
    expect((await editRoom()).status).toBe(200);
  });

  it("is the owner's alone: internal editor and external participants 403, non-participants 404", async () => {
    for (const who of [cast.internalEditor, cast.internalViewer, cast.externalEditor, cast.externalViewer]) {
      const res = await changeRole(who, cast.externalViewer.id, { role: "editor" });
      expect([who.name, res.status]).toEqual([who.name, 403]);
    }
    for (const who of [cast.orgMember, cast.outsider]) {
      const res = await changeRole(who, cast.externalViewer.id, { role: "editor" });
      expect([who.name, res.status]).toEqual([who.name, 404]);
    }
    expect((await server.api(`/api/v1/rooms/${cast.room.id}`, { token: cast.externalViewer.token })).body.myParticipation.role).toBe("viewer");
  });

  it("names a bad role with 400 (owner is not a role one can be given)", async () => {
    for (const body of [{ role: "owner" }, { role: 3 }, {}]) {
      const res = await changeRole(cast.owner, cast.externalViewer.id, body);
      expect(res.status).toBe(400);
      expect(Object.keys(res.body.error.fields)).toEqual(["role"]);
    }
  });

  it("the owner's own role cannot be changed (409)", async () => {
    const res = await changeRole(cast.owner, cast.owner.id, { role: "viewer" });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe("owner_role");
  });

  it("unknown, non-participant and malformed user ids answer 404", async () => {
    for (const userId of ["00000000-0000-4000-8000-000000000000", cast.orgMember.id, "someone", "%ZZ"]) {
      const res = await changeRole(cast.owner, userId, { role: "editor" });
      expect([userId, res.status]).toEqual([userId, 404]);
    }
  });
});

describe("DELETE /api/v1/rooms/:roomId/participants/:userId", () => {
  it("answers 204; the removed user then gets 404 for the room and no longer lists it", async () => {
    const room = await createRoom(server, cast.owner);
    const leaving = await addParticipant(server, cast.owner, room.id, "external", "editor");
    expect((await server.api(`/api/v1/rooms/${room.id}`, { token: leaving.token })).status).toBe(200);

    const res = await remove(cast.owner, leaving.id, room.id);
    expect(res.status).toBe(204);
    expect(res.body).toBeNull();

    expect((await server.api(`/api/v1/rooms/${room.id}`, { token: leaving.token })).status).toBe(404);
    expect((await list(leaving, room.id)).status).toBe(404);
    expect((await server.api("/api/v1/rooms", { token: leaving.token })).body.items).toEqual([]);
    expect((await list(cast.owner, room.id)).body.items.map((i: { userId: string }) => i.userId)).not.toContain(leaving.id);
    // Removing again: they are not a participant any more.
    expect((await remove(cast.owner, leaving.id, room.id)).status).toBe(404);
  });

  it("is the owner's alone, and the owner cannot be removed", async () => {
    for (const who of [cast.internalEditor, cast.externalEditor]) {
      expect((await remove(who, cast.externalViewer.id)).status).toBe(403);
    }
    expect((await remove(cast.outsider, cast.externalViewer.id)).status).toBe(404);
    expect((await server.api(`/api/v1/rooms/${cast.room.id}`, { token: cast.externalViewer.token })).status).toBe(200);

    const owner = await remove(cast.owner, cast.owner.id);
    expect(owner.status).toBe(409);
    expect(owner.body.error.code).toBe("owner_role");
    expect((await remove(cast.owner, "not-a-user")).status).toBe(404);
  });

  it("closes the removed user's live subscription to the room at once", async () => {
    const room = await createRoom(server, cast.owner);
    const leaving = await addParticipant(server, cast.owner, room.id, "external", "viewer");
    const socket: Socket = connectSocket(server.url, { auth: { token: leaving.token }, transports: ["websocket"], reconnection: false });
    try {
      const joined = await socket.timeout(5000).emitWithAck("room:join", { roomId: room.id });
      expect(joined).toEqual({ ok: true });
      const revoked = new Promise((resolve) => socket.once("room:revoked", resolve));

      expect((await remove(cast.owner, leaving.id, room.id)).status).toBe(204);
      expect(await revoked).toEqual({ roomId: room.id, reason: "reconnect" });
      const rejoin = await socket.timeout(5000).emitWithAck("room:join", { roomId: room.id });
      expect(rejoin.error.code).toBe("not_found");
    } finally {
      socket.disconnect();
    }
  });
});
