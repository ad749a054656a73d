import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addParticipant, createRoom, roomWithCast, type TestUser } from "../support/factories.ts";
import { startTestServer, type TestServer } from "../support/server.ts";

// docs/api.md, section Rooms (POST/GET/PATCH /rooms), against the real server.

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;
const CONTRACT_FIELDS = ["id", "name", "account", "value", "stage", "status", "expectedCloseDate", "myParticipation"];

let server: TestServer;
let cast: Awaited<ReturnType<typeof roomWithCast>>;
beforeAll(async () => {
  server = await startTestServer();
  cast = await roomWithCast(server);
});
afterAll(async () => {
  await server.close();
});

const get = (path: string, who: TestUser) => server.api(path, { token: who.token });
const patch = (roomId: string, who: TestUser, body: unknown) =>
  server.api(`/api/v1/rooms/${roomId}`, { method: "PATCH", token: who.token, body });

describe("POST /api/v1/rooms", () => {
  it("answers 201 with the room; the creator is its internal owner", async () => {
    const res = await server.api("/api/v1/rooms", {
      token: cast.owner.token,
      body: {
        name: "Globex — EU pilot",
        account: "Globex",
        value: { amount: 4_250_000, currency: "USD" },
        stage: "Qualifying",
        expectedCloseDate: "2031-03-31",
      },
    });
    expect(res.status).toBe(201);
    expect(Object.keys(res.body)).toEqual(expect.arrayContaining(CONTRACT_FIELDS));
    expect(res.body).toMatchObject({
      id: expect.any(String),
      name: "Globex — EU pilot",
      account: "Globex",
      value: { amount: 4_250_000, currency: "USD" },
      stage: "Qualifying",
      status: "open",
      expectedCloseDate: "2031-03-31",
      myParticipation: { side: "internal", role: "owner" },
      organizationId: cast.organization.id,
    });
    expect(res.body.createdAt).toMatch(ISO_UTC);

    const participants = await get(`/api/v1/rooms/${res.body.id}/participants`, cast.owner);
    expect(participants.body.items).toEqual([
      { userId: cast.owner.id, name: cast.owner.name, email: cast.owner.email, side: "internal", role: "owner", joinedAt: expect.stringMatching(ISO_UTC) },
    ]);
  });

  it("defaults: no value, the first stage, no close date", async () => {
    const res = await server.api("/api/v1/rooms", { token: cast.owner.token, body: { name: "Bare", account: "Initech" } });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ value: null, stage: "Prospecting", status: "open", expectedCloseDate: null });
  });

  it("names missing and wrong-typed fields with 400", async () => {
    const missing = await server.api("/api/v1/rooms", { token: cast.owner.token, body: {} });
    expect(missing.status).toBe(400);
    expect(missing.body.error.code).toBe("invalid_input");
    expect(Object.keys(missing.body.error.fields).sort()).toEqual(["account", "name"]);

    const wrong = await server.api("/api/v1/rooms", {
      token: cast.owner.token,
      body: { name: 7, account: "A", value: { amount: 10.5, currency: "usd" }, expectedCloseDate: "next week" },
    });
    expect(wrong.status).toBe(400);
    expect(Object.keys(wrong.body.error.fields).sort()).toEqual(["expectedCloseDate", "name", "value.amount", "value.currency"]);

    const notMoney = await server.api("/api/v1/rooms", { token: cast.owner.token, body: { name: "N", account: "A", value: "lots" } });
    expect(notMoney.status).toBe(400);
    expect(Object.keys(notMoney.body.error.fields)).toEqual(["value"]);

    const negative = await server.api("/api/v1/rooms", {
      token: cast.owner.token,
      body: { name: "N", account: "A", value: { amount: -1, currency: "USD" } },
    });
    expect(negative.status).toBe(400);
    expect(Object.keys(negative.body.error.fields)).toEqual(["value.amount"]);
  });

  it("refuses an unknown stage with 400 naming stage", async () => {
    const res = await server.api("/api/v1/rooms", { token: cast.owner.token, body: { name: "N", account: "A", stage: "Daydreaming" } });
    expect(res.status).toBe(400);
    expect(res.body.error.fields).toEqual({ stage: expect.stringContaining("Prospecting") });
  });

  it("answers 400 invalid_json for a malformed body, and nothing is created", async () => {
    const before = await get("/api/v1/rooms", cast.outsider);
    const res = await server.api("/api/v1/rooms", { token: cast.outsider.token, rawBody: "{ name: 'unquoted' }" });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("invalid_json");
    expect((await get("/api/v1/rooms", cast.outsider)).body.items).toHaveLength(before.body.items.length);
  });

  it("refuses a user without an organization (an external participant) with 403", async () => {
    const res = await server.api("/api/v1/rooms", { token: cast.externalEditor.token, body: { name: "Mine", account: "Me" } });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe("forbidden");
  });
});

describe("GET /api/v1/rooms", () => {
  const idsOf = (res: { body: { items: { id: string }[] } }) => res.body.items.map((r) => r.id).sort();

  it("lists { items } with the contract's fields and the caller's participation", async () => {
    const res = await get("/api/v1/rooms", cast.internalEditor);
    expect(res.status).toBe(200);
    expect(Object.keys(res.body)).toEqual(["items"]);
    const room = res.body.items.find((r: { id: string }) => r.id === cast.room.id);
    expect(Object.keys(room)).toEqual(expect.arrayContaining(CONTRACT_FIELDS));
    expect(room.myParticipation).toEqual({ side: "internal", role: "editor" });
  });

  it("members see only their rooms; external participants only the rooms they were invited to", async () => {
    expect(idsOf(await get("/api/v1/rooms", cast.internalViewer))).toEqual([cast.room.id]);
    expect(idsOf(await get("/api/v1/rooms", cast.externalEditor))).toEqual([cast.room.id]);
    expect(idsOf(await get("/api/v1/rooms", cast.externalViewer))).toEqual([cast.room.id]);
    expect(idsOf(await get("/api/v1/rooms", cast.orgMember))).toEqual([cast.otherRoom.id]);
    expect(idsOf(await get("/api/v1/rooms", cast.outsider))).not.toContain(cast.room.id);
  });

  it("admins see every room of their organization, with myParticipation null where they take no part", async () => {
    // A member creates a room the admin is not in.
    const memberRoom = await createRoom(server, cast.orgMember, { name: "Member's own deal" });
    const list = await get("/api/v1/rooms", cast.owner);
    expect(idsOf(list)).toEqual(expect.arrayContaining([cast.room.id, cast.otherRoom.id, memberRoom.id]));
    const seen = list.body.items.find((r: { id: string }) => r.id === memberRoom.id);
    expect(seen.myParticipation).toBeNull();

    const one = await get(`/api/v1/rooms/${memberRoom.id}`, cast.owner);
    expect(one.status).toBe(200);
    expect(one.body.myParticipation).toBeNull();
    // ...but the member's colleague who is not in it does not see it, nor does the outsider.
    expect(idsOf(await get("/api/v1/rooms", cast.internalEditor))).not.toContain(memberRoom.id);
    expect((await get(`/api/v1/rooms/${memberRoom.id}`, cast.internalEditor)).status).toBe(404);
    expect(idsOf(await get("/api/v1/rooms", cast.outsider))).not.toContain(memberRoom.id);
  });
});

describe("GET /api/v1/rooms/:roomId", () => {
  it("answers the contract's shape with each caller's own participation", async () => {
    const expected: [TestUser, unknown][] = [
      [cast.owner, { side: "internal", role: "owner" }],
      [cast.internalEditor, { side: "internal", role: "editor" }],
      [cast.internalViewer, { side: "internal", role: "viewer" }],
      [cast.externalEditor, { side: "external", role: "editor" }],
      [cast.externalViewer, { side: "external", role: "viewer" }],
    ];
    for (const [who, participation] of expected) {
      const res = await get(`/api/v1/rooms/${cast.room.id}`, who);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ id: cast.room.id, name: cast.room.name, account: "Acme Corp", status: "open" });
      expect(res.body.myParticipation).toEqual(participation);
    }
  });

  it("answers 404 to non-participants, exactly as for a room that does not exist", async () => {
    const missing = await get("/api/v1/rooms/00000000-0000-4000-8000-000000000000", cast.outsider);
    expect(missing.status).toBe(404);
    for (const who of [cast.outsider, cast.orgMember]) {
      const res = await get(`/api/v1/rooms/${cast.room.id}`, who);
      expect(res.status).toBe(404);
      expect(res.body).toEqual(missing.body);
    }
  });

  it("an external participant asking for another room of the organization gets 404", async () => {
    const res = await get(`/api/v1/rooms/${cast.otherRoom.id}`, cast.externalEditor);
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe("not_found");
  });

  it("answers malformed ids with 404", async () => {
    for (const id of ["123", "not-a-uuid", "00000000-0000-4000-8000-00000000000g", "%ZZ"]) {
      const res = await get(`/api/v1/rooms/${id}`, cast.owner);
      expect([id, res.status]).toEqual([id, 404]);
    }
  });
});

describe("PATCH /api/v1/rooms/:roomId", () => {
  it("the owner changes name, account, value and close date; 200 with the room", async () => {
    const room = await createRoom(server, cast.owner);
    const res = await patch(room.id, cast.owner, {
      name: "Renamed",
      account: "Acme Holdings",
      value: { amount: 99_000, currency: "EUR" },
      expectedCloseDate: "2032-01-15",
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      id: room.id,
      name: "Renamed",
      account: "Acme Holdings",
      value: { amount: 99_000, currency: "EUR" },
      expectedCloseDate: "2032-01-15",
      myParticipation: { side: "internal", role: "owner" },
    });
    expect((await get(`/api/v1/rooms/${room.id}`, cast.owner)).body.name).toBe("Renamed");

    const cleared = await patch(room.id, cast.owner, { value: null, expectedCloseDate: null });
    expect(cleared.status).toBe(200);
    expect(cleared.body).toMatchObject({ name: "Renamed", value: null, expectedCloseDate: null });
  });

  it("an internal editor may change the room", async () => {
    const res = await patch(cast.room.id, cast.internalEditor, { account: "Acme Corporation" });
    expect(res.status).toBe(200);
    expect(res.body.account).toBe("Acme Corporation");
  });

  it("external editors and viewers get 403, non-participants 404, and nothing changes", async () => {
    const before = (await get(`/api/v1/rooms/${cast.room.id}`, cast.owner)).body;
    for (const who of [cast.externalEditor, cast.externalViewer, cast.internalViewer]) {
      const res = await patch(cast.room.id, who, { name: "Hijacked" });
      expect([who.name, res.status]).toEqual([who.name, 403]);
      expect(res.body.error.code).toBe("forbidden");
    }
    for (const who of [cast.orgMember, cast.outsider]) {
      const res = await patch(cast.room.id, who, { name: "Hijacked" });
      expect([who.name, res.status]).toEqual([who.name, 404]);
    }
    const after = (await get(`/api/v1/rooms/${cast.room.id}`, cast.owner)).body;
    expect(after.name).toBe(before.name);
    expect(after.updatedAt).toBe(before.updatedAt);
  });

  it("an organization admin who is not a participant reads the room but may not change it (403)", async () => {
    const memberRoom = await createRoom(server, cast.orgMember);
    const res = await patch(memberRoom.id, cast.owner, { name: "Admin edit" });
    expect(res.status).toBe(403);
  });

  it("names bad fields with 400 and refuses fields it does not take", async () => {
    const res = await patch(cast.room.id, cast.owner, { name: "", value: { amount: "1", currency: "USD" }, expectedCloseDate: "2031-02-30" });
    expect(res.status).toBe(400);
    expect(Object.keys(res.body.error.fields).sort()).toEqual(["expectedCloseDate", "name", "value.amount"]);

    const unknown = await patch(cast.room.id, cast.owner, { status: "won" });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.code).toBe("invalid_input");
    expect((await get(`/api/v1/rooms/${cast.room.id}`, cast.owner)).body.status).toBe("open");
  });

  it("answers 400 invalid_json for a malformed body", async () => {
    const res = await server.api(`/api/v1/rooms/${cast.room.id}`, { method: "PATCH", token: cast.owner.token, rawBody: "[" });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("invalid_json");
  });
});

describe("a removed or added participant", () => {
  it("a room a user was just invited to appears in their list", async () => {
    const room = await createRoom(server, cast.owner);
    expect((await get(`/api/v1/rooms/${room.id}`, cast.externalViewer)).status).toBe(404);
    const newcomer = await addParticipant(server, cast.owner, room.id, "external", "commenter");
    const list = await get("/api/v1/rooms", newcomer);
    expect(list.body.items.map((r: { id: string }) => r.id)).toEqual([room.id]);
    expect(list.body.items[0].myParticipation).toEqual({ side: "external", role: "commenter" });
  });
});
