import { io as connect, type Socket } from "socket.io-client";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { addParticipant, createRoom, roomWithCast, signupUser, type TestUser } from "../support/factories.ts";
import { relaxPerIpLimits } from "../support/matrix-fixtures.ts";
import { startTestServer, type TestServer } from "../support/server.ts";

// The sales cycle (server/sales/stages.ts), moves with hand-off forms (moves.ts), closing and
// reopening, and the stage timeline (timeline.ts), over the real API.

let server: TestServer;
const sockets: Socket[] = [];
beforeAll(async () => {
  server = await startTestServer();
  // Every test makes a cast of its own, all from 127.0.0.1.
  relaxPerIpLimits(server);
});
afterEach(() => {
  for (const s of sockets.splice(0)) s.disconnect();
});
afterAll(async () => {
  await server.close();
});

const api = (who: TestUser, path: string, body?: unknown, method?: string) =>
  server.api(`/api/v1${path}`, { token: who.token, body, method: method ?? (body === undefined ? "GET" : "POST") });

async function stagesOf(who: TestUser, orgId: string) {
  const res = await api(who, `/organizations/${orgId}/stages`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.items as { id: string; name: string; position: number; handoff: boolean; form: unknown[]; formVisibility: string }[];
}
async function stageId(who: TestUser, orgId: string, name: string) {
  return (await stagesOf(who, orgId)).find((s) => s.name === name)!.id;
}

const CLOSING_FORM = [
  { key: "signedOn", label: "Contract signed", type: "date", required: true },
  { key: "seats", label: "Seats", type: "number", required: true },
  { key: "tier", label: "Support tier", type: "choice", required: true, options: ["Standard", "Premium"] },
  { key: "champion", label: "Champion", type: "person", required: true },
  { key: "risks", label: "Risks", type: "text", required: false },
];

/** A room of a fresh organization whose Closing stage asks for CLOSING_FORM (internal), in Closing. */
async function roomInClosing() {
  const cast = await roomWithCast(server);
  const orgId = cast.organization.id;
  const closing = await stageId(cast.owner, orgId, "Closing");
  const set = await api(cast.owner, `/organizations/${orgId}/stages/${closing}`, { form: CLOSING_FORM }, "PATCH");
  expect(set.status, JSON.stringify(set.body)).toBe(200);
  const moved = await api(cast.owner, `/rooms/${cast.room.id}/stage`, { stage: "Closing" });
  expect(moved.status, JSON.stringify(moved.body)).toBe(200);
  return { ...cast, orgId };
}

const validForm = (championId: string) => ({
  signedOn: "2031-04-01", seats: 250, tier: "Premium", champion: championId, risks: "SECRET-RISK legal wants a cap on liability",
});

async function roomState(roomId: string) {
  const [row] = await server.sql<{ stage: string; status: string; moves: number; versions: number }[]>`
    select r.stage, r.status,
      (select count(*)::int from stage_moves m where m.room_id = r.id) as moves,
      (select count(*)::int from page_versions v join pages p on p.id = v.page_id where p.room_id = r.id) as versions
    from rooms r where r.id = ${roomId}`;
  return row!;
}

describe("the organization's sales cycle", () => {
  it("starts as the default cycle, Delivering hands off; members read it, outsiders and externals get 404", async () => {
    const cast = await roomWithCast(server);
    const stages = await stagesOf(cast.internalViewer, cast.organization.id);
    expect(stages.map((s) => s.name)).toEqual(["Prospecting", "Qualifying", "Pricing", "Proposing", "Negotiating", "Closing", "Delivering", "Servicing"]);
    expect(stages.map((s) => s.position)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(stages.filter((s) => s.handoff).map((s) => s.name)).toEqual(["Delivering"]);
    expect(stages.every((s) => s.formVisibility === "internal" && s.form.length === 0)).toBe(true);
    // Materialised once, even when asked concurrently.
    await Promise.all([1, 2, 3].map(() => stagesOf(cast.owner, cast.organization.id)));
    const [row] = await server.sql<{ count: number }[]>`select count(*)::int as count from stages where organization_id = ${cast.organization.id}`;
    expect(row!.count).toBe(8);
    expect((await api(cast.externalEditor, `/organizations/${cast.organization.id}/stages`)).status).toBe(404);
    expect((await api(cast.outsider, `/organizations/${cast.organization.id}/stages`)).status).toBe(404);
  });

  it("admins add, rename (rooms follow), reorder and remove stages; members get 403, outsiders 404", async () => {
    const { user: admin, organization } = await signupUser(server);
    const orgId = organization.id;
    const room = await createRoom(server, admin, { stage: "Pricing" });
    const member = await addParticipant(server, admin, room.id, "internal", "editor");

    const added = await api(admin, `/organizations/${orgId}/stages`, { name: "Security review", position: 3, form: [{ key: "dpa", label: "DPA signed", type: "date", required: true }] });
    expect(added.status, JSON.stringify(added.body)).toBe(201);
    expect(added.body).toMatchObject({ name: "Security review", position: 3, handoff: false, formVisibility: "internal" });
    expect((await stagesOf(admin, orgId)).map((s) => s.name).slice(2, 5)).toEqual(["Pricing", "Security review", "Proposing"]);

    const pricing = await stageId(admin, orgId, "Pricing");
    const renamed = await api(admin, `/organizations/${orgId}/stages/${pricing}`, { name: "Commercials" }, "PATCH");
    expect(renamed.status).toBe(200);
    expect(renamed.body.name).toBe("Commercials");
    expect((await api(admin, `/rooms/${room.id}`)).body.stage).toBe("Commercials");

    const moved = await api(admin, `/organizations/${orgId}/stages/${pricing}`, { position: 0 }, "PATCH");
    expect(moved.status).toBe(200);
    const order = (await stagesOf(admin, orgId)).map((s) => `${s.position}:${s.name}`);
    expect(order.slice(0, 3)).toEqual(["0:Commercials", "1:Prospecting", "2:Qualifying"]);

    expect((await api(admin, `/organizations/${orgId}/stages/${pricing}`, { name: "prospecting" }, "PATCH")).status).toBe(409);
    expect((await api(admin, `/organizations/${orgId}/stages`, { name: "QUALIFYING" })).status).toBe(409);

    const inUse = await api(admin, `/organizations/${orgId}/stages/${pricing}`, undefined, "DELETE");
    expect(inUse.status).toBe(409);
    expect(inUse.body.error).toMatchObject({ code: "stage_in_use", message: expect.stringContaining("1 room is in Commercials") });
    const review = added.body.id;
    expect((await api(admin, `/organizations/${orgId}/stages/${review}`, undefined, "DELETE")).status).toBe(204);
    expect((await stagesOf(admin, orgId)).map((s) => s.position)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);

    // Members of the organization read the cycle but may not change it; others do not see it.
    expect((await api(member, `/organizations/${orgId}/stages`)).status).toBe(200);
    const refused = await api(member, `/organizations/${orgId}/stages`, { name: "Nope" });
    expect(refused.status).toBe(403);
    expect(refused.body.error.message).toMatch(/admins/);
    expect((await api(member, `/organizations/${orgId}/stages/${pricing}`, { name: "Nope" }, "PATCH")).status).toBe(403);
    expect((await api(member, `/organizations/${orgId}/stages/${review}`, undefined, "DELETE")).status).toBe(403);
    const { user: stranger } = await signupUser(server);
    expect((await api(stranger, `/organizations/${orgId}/stages`, { name: "Nope" })).status).toBe(404);
    expect((await api(admin, `/organizations/${orgId}/stages/${crypto.randomUUID()}`, { name: "Nope" }, "PATCH")).status).toBe(404);
  });

  it("never removes the last stage", async () => {
    const { user: admin, organization } = await signupUser(server);
    const stages = await stagesOf(admin, organization.id);
    for (const s of stages.slice(1)) expect((await api(admin, `/organizations/${organization.id}/stages/${s.id}`, undefined, "DELETE")).status).toBe(204);
    const last = await api(admin, `/organizations/${organization.id}/stages/${stages[0]!.id}`, undefined, "DELETE");
    expect(last.status).toBe(409);
    expect(last.body.error.code).toBe("last_stage");
    // New rooms start in the first stage the cycle has.
    expect((await createRoom(server, admin) as any).stage).toBe("Prospecting");
  });

  it("refuses form definitions out of bounds, naming the field", async () => {
    const { user: admin, organization } = await signupUser(server);
    const id = (await stagesOf(admin, organization.id))[0]!.id;
    const patch = (form: unknown) => api(admin, `/organizations/${organization.id}/stages/${id}`, { form }, "PATCH");
    const cases: [unknown, string][] = [
      [[{ key: "tier", label: "Tier", type: "choice" }], "form.0.options"],
      [[{ key: "a", label: "A", type: "text" }, { key: "a", label: "B", type: "text" }], "form.1.key"],
      [[{ key: "a", label: "x".repeat(121), type: "text" }], "form.0.label"],
      [[{ key: "a", label: "A", type: "colour" }], "form.0.type"],
      [[{ key: "a", label: "A", type: "choice", options: Array.from({ length: 51 }, (_, i) => `o${i}`) }], "form.0.options"],
      [Array.from({ length: 31 }, (_, i) => ({ key: `f${i}`, label: "F", type: "text" })), "form"],
      [[{ key: "a", label: "A", type: "text", options: ["x"] }], "form.0.options"],
    ];
    for (const [form, field] of cases) {
      const res = await patch(form);
      expect(res.status, JSON.stringify(form).slice(0, 80)).toBe(400);
      expect(Object.keys(res.body.error.fields)).toContain(field);
    }
    expect((await api(admin, `/organizations/${organization.id}/stages`, { name: "x".repeat(61) })).status).toBe(400);
    expect((await stagesOf(admin, organization.id))[0]!.form).toEqual([]);
  });
});

describe("moving a room through the stages", () => {
  it("refuses to move on with an incomplete hand-off form, naming every missing field, and changes nothing", async () => {
    const { owner, room } = await roomInClosing();
    await api(owner, `/rooms/${room.id}/pages`, { title: "Plan", visibility: "shared", markdown: "Hello." });
    const before = await roomState(room.id);
    const res = await api(owner, `/rooms/${room.id}/stage`, { stage: "Delivering", form: { seats: 10 } });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("invalid_input");
    expect(res.body.error.fields).toEqual({ signedOn: "is required", tier: "is required", champion: "is required" });
    expect(res.body.error.message).toContain("Contract signed");
    expect(await roomState(room.id)).toEqual(before);
    expect(before.stage).toBe("Closing");
  });

  it("refuses ill-typed values: a number that is not, an impossible date, an unknown choice, a person not in the room", async () => {
    const { owner, room, outsider, externalEditor } = await roomInClosing();
    const before = await roomState(room.id);
    const res = await api(owner, `/rooms/${room.id}/stage`, {
      stage: "Delivering",
      form: { signedOn: "2026-13-45", seats: "abc", tier: "Gold", champion: outsider.id, bogus: "x" },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.fields).toEqual({
      signedOn: "must be a date as YYYY-MM-DD",
      seats: "must be a number",
      tier: "must be one of Standard, Premium",
      champion: "must be a participant of this room",
      bogus: "is not a field of this form",
    });
    expect(await roomState(room.id)).toEqual(before);
    const ok = await api(owner, `/rooms/${room.id}/stage`, { stage: "Delivering", form: { ...validForm(externalEditor.id), seats: "250" } });
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    const [move] = await server.sql`select form from stage_moves where room_id = ${room.id} order by seq desc limit 1`;
    expect(move!.form.values.seats).toBe(250);
  });

  it("answers 200 with the room JSON of GET /rooms/:roomId; moving back needs no form; the same stage is a 409", async () => {
    const { owner, room, externalEditor, internalEditor } = await roomInClosing();
    const forward = await api(owner, `/rooms/${room.id}/stage`, { stage: "delivering", form: validForm(externalEditor.id) });
    expect(forward.status).toBe(200);
    const got = await api(owner, `/rooms/${room.id}`);
    expect({ ...forward.body, updatedAt: null }).toEqual({ ...got.body, updatedAt: null });
    expect(forward.body.stage).toBe("Delivering");

    const back = await api(owner, `/rooms/${room.id}/stage`, { stage: "Negotiating" });
    expect(back.status).toBe(200);
    expect(back.body.stage).toBe("Negotiating");
    expect((await api(owner, `/rooms/${room.id}/stage`, { stage: "Negotiating" })).status).toBe(409);
    expect((await api(owner, `/rooms/${room.id}/stage`, { stage: "Nowhere" })).body.error.fields).toHaveProperty("stage");
    expect((await api(owner, `/rooms/${room.id}/stage`, {})).status).toBe(400);
    // Moving back carries no form.
    expect((await api(owner, `/rooms/${room.id}/stage`, { stage: "Pricing", form: { risks: "x" } })).status).toBe(400);
    // Skipping past Closing still asks for its form.
    expect((await api(owner, `/rooms/${room.id}/stage`, { stage: "Servicing" })).body.error.fields).toHaveProperty("signedOn");
    // Only the owner moves the stage.
    expect((await api(internalEditor, `/rooms/${room.id}/stage`, { stage: "Closing" })).status).toBe(403);
    expect((await api(externalEditor, `/rooms/${room.id}/stage`, { stage: "Closing" })).status).toBe(403);
  });

  it("records a move, a shared activity without form values, and a stage version of every live page", async () => {
    const { owner, room, externalEditor } = await roomInClosing();
    const page = await api(owner, `/rooms/${room.id}/pages`, { title: "Scope", visibility: "internal", markdown: "Draft." });
    await api(owner, `/pages/${page.body.id}`, { markdown: "Draft, edited." }, "PATCH");
    const res = await api(owner, `/rooms/${room.id}/stage`, { stage: "Delivering", form: validForm(externalEditor.id) });
    expect(res.status).toBe(200);
    const [move] = await server.sql`select from_stage, to_stage, status, form_visibility, form from stage_moves where room_id = ${room.id} order by seq desc limit 1`;
    expect(move).toMatchObject({ from_stage: "Closing", to_stage: "Delivering", status: "open", form_visibility: "internal" });
    expect(move!.form.values.risks).toContain("SECRET-RISK");
    const activities = await server.sql`select type, visibility, data from activities where room_id = ${room.id} and type = 'stage.changed' order by id`;
    expect(activities.at(-1)).toMatchObject({ visibility: "shared", data: { from: "Closing", to: "Delivering" } });
    expect(JSON.stringify(activities)).not.toContain("SECRET-RISK");
    const versions = await server.sql`select reason from page_versions where page_id = ${page.body.id} order by number`;
    expect(versions.map((v) => v.reason)).toContain("stage");
  });
});

describe("closing and reopening", () => {
  it("a lost deal needs a reason; a closed room can still move and keeps its status; reopen opens it", async () => {
    const { owner, room } = await roomWithCast(server);
    const noReason = await api(owner, `/rooms/${room.id}/close`, { outcome: "lost" });
    expect(noReason.status).toBe(400);
    expect(noReason.body.error.fields).toHaveProperty("reason");
    expect((await api(owner, `/rooms/${room.id}/close`, { outcome: "lost", reason: "x".repeat(2001) })).status).toBe(400);
    expect((await api(owner, `/rooms/${room.id}/close`, { outcome: "tied", reason: "x" })).status).toBe(400);
    expect((await api(owner, `/rooms`)).body.items.find((r: any) => r.id === room.id).status).toBe("open");

    const lost = await api(owner, `/rooms/${room.id}/close`, { outcome: "lost", reason: "Went with the incumbent" });
    expect(lost.status).toBe(200);
    expect(lost.body).toMatchObject({ status: "lost", stage: "Prospecting" });
    expect((await api(owner, `/rooms/${room.id}/close`, { outcome: "won" })).status).toBe(409);
    const moved = await api(owner, `/rooms/${room.id}/stage`, { stage: "Qualifying" });
    expect(moved.body).toMatchObject({ status: "lost", stage: "Qualifying" });

    const reopened = await api(owner, `/rooms/${room.id}/reopen`, {});
    expect(reopened.status).toBe(200);
    expect(reopened.body.status).toBe("open");
    expect((await api(owner, `/rooms/${room.id}/reopen`, {})).status).toBe(409);
    const types = (await server.sql`select type from activities where room_id = ${room.id} order by id`).map((a) => a.type);
    expect(types).toEqual(expect.arrayContaining(["room.closed", "stage.changed", "room.reopened"]));
  });

  it("winning asks for the current stage's form, and then leaving that stage does not ask again", async () => {
    const { owner, room, externalEditor } = await roomInClosing();
    const missing = await api(owner, `/rooms/${room.id}/close`, { outcome: "won" });
    expect(missing.status).toBe(400);
    expect(Object.keys(missing.body.error.fields).sort()).toEqual(["champion", "signedOn", "tier", "seats"].sort());
    const won = await api(owner, `/rooms/${room.id}/close`, { outcome: "won", form: validForm(externalEditor.id) });
    expect(won.status, JSON.stringify(won.body)).toBe(200);
    expect(won.body.status).toBe("won");
    const on = await api(owner, `/rooms/${room.id}/stage`, { stage: "Delivering" });
    expect(on.status, JSON.stringify(on.body)).toBe(200);
    expect(on.body).toMatchObject({ stage: "Delivering", status: "won" });
  });
});

describe("the stage timeline", () => {
  it("shows the cycle, the moves and the filled form to insiders; externals see names, dates and who, never the internal form", async () => {
    const { owner, room, externalEditor, externalViewer, internalViewer } = await roomInClosing();
    const form = validForm(externalEditor.id);
    expect((await api(owner, `/rooms/${room.id}/stage`, { stage: "Delivering", form })).status).toBe(200);
    expect((await api(owner, `/rooms/${room.id}/close`, { outcome: "won", reason: "SECRET-REASON price beat the incumbent" })).status).toBe(200);

    const inside = await api(internalViewer, `/rooms/${room.id}/stages`);
    expect(inside.status).toBe(200);
    expect(inside.body).toMatchObject({ roomId: room.id, stage: "Delivering", status: "won", closeReason: expect.stringContaining("SECRET-REASON") });
    expect(inside.body.stages.find((s: any) => s.current)).toMatchObject({ name: "Delivering", handoff: true });
    expect(inside.body.stages.find((s: any) => s.name === "Closing")).toMatchObject({ hasForm: true, current: false });
    expect(inside.body.moves.map((m: any) => `${m.kind}:${m.from}>${m.to}:${m.status}`)).toEqual([
      "move:Prospecting>Closing:open", "move:Closing>Delivering:open", "close:Delivering>Delivering:won",
    ]);
    const filled = inside.body.moves[1];
    expect(filled.movedBy).toEqual({ id: owner.id, name: owner.name });
    expect(filled.form).toMatchObject({ visibility: "internal", values: { risks: form.risks, seats: 250 }, people: [{ id: externalEditor.id, name: externalEditor.name }] });
    expect(filled.form.fields.map((f: any) => f.key)).toEqual(CLOSING_FORM.map((f) => f.key));

    for (const external of [externalEditor, externalViewer]) {
      const outside = await api(external, `/rooms/${room.id}/stages`);
      expect(outside.status).toBe(200);
      expect(outside.body.moves.map((m: any) => m.to)).toEqual(["Contract", "Onboarding", "Onboarding"]);
      expect(outside.body.moves[1].movedBy).toEqual({ id: owner.id, name: owner.name });
      expect(outside.body.moves[1].movedAt).toEqual(filled.movedAt);
      expect(outside.body.moves.every((m: any) => m.form === undefined && m.reason === null)).toBe(true);
      expect(outside.body.closeReason).toBeNull();
      const raw = JSON.stringify(outside.body);
      for (const secret of ["SECRET-RISK", "SECRET-REASON", "2031-04-01", "Premium", "Contract signed", "liability"]) expect(raw, secret).not.toContain(secret);
    }
  });

  it("shows a shared form to externals, and the form needed to leave the current stage to insiders only", async () => {
    const { owner, room, orgId, externalViewer, externalEditor } = await roomInClosing();
    const inside = await api(owner, `/rooms/${room.id}/stages`);
    expect(inside.body.requiredForm).toMatchObject({ stage: "Closing", visibility: "internal", alreadyFilled: false });
    expect(inside.body.requiredForm.fields).toHaveLength(CLOSING_FORM.length);
    expect((await api(externalViewer, `/rooms/${room.id}/stages`)).body.requiredForm).toBeNull();

    const closing = await stageId(owner, orgId, "Closing");
    await api(owner, `/organizations/${orgId}/stages/${closing}`, { formVisibility: "shared" }, "PATCH");
    expect((await api(owner, `/rooms/${room.id}/stage`, { stage: "Delivering", form: validForm(externalEditor.id) })).status).toBe(200);
    const outside = await api(externalViewer, `/rooms/${room.id}/stages`);
    expect(outside.body.moves[1].form).toMatchObject({ visibility: "shared", values: { tier: "Premium" } });
  });

  it("counts the days in each stage from the room's creation until now; they add up to the room's age", async () => {
    const { owner, room } = await roomWithCast(server);
    await api(owner, `/rooms/${room.id}/stage`, { stage: "Qualifying" });
    await api(owner, `/rooms/${room.id}/stage`, { stage: "Pricing" });
    await api(owner, `/rooms/${room.id}/stage`, { stage: "Qualifying" });
    // Back-date: created 10 days ago, Qualifying at -7, Pricing at -4.5, back to Qualifying at -1.
    const ago = (days: number) => new Date(Date.now() - days * 86_400_000);
    await server.sql`update rooms set created_at = ${ago(10)} where id = ${room.id}`;
    const moves = await server.sql<{ id: string }[]>`select id from stage_moves where room_id = ${room.id} order by seq`;
    for (const [i, days] of [7, 4.5, 1].entries()) await server.sql`update stage_moves set moved_at = ${ago(days)} where id = ${moves[i]!.id}`;

    const res = await api(owner, `/rooms/${room.id}/stages`);
    const days = Object.fromEntries(res.body.stages.map((s: any) => [s.name, s.days]));
    expect(days.Prospecting).toBeCloseTo(3, 2);
    expect(days.Qualifying).toBeCloseTo(2.5 + 1, 2);
    expect(days.Pricing).toBeCloseTo(3.5, 2);
    expect(days.Closing).toBe(0);
    const total = res.body.timeInStages.reduce((sum: number, t: any) => sum + t.days, 0);
    expect(res.body.ageDays).toBeCloseTo(10, 2);
    expect(total).toBeCloseTo(res.body.ageDays, 6);
    expect(res.body.timeInStages.map((t: any) => t.stage)).toEqual(["Prospecting", "Qualifying", "Pricing"]);
  });

  it("is 404 for people outside the room", async () => {
    const { room, orgMember, outsider } = await roomWithCast(server);
    expect((await api(orgMember, `/rooms/${room.id}/stages`)).status).toBe(404);
    expect((await api(outsider, `/rooms/${room.id}/stages`)).status).toBe(404);
  });
});

describe("live stage changes", () => {
  it("reach an external participant's socket, without the form's values", async () => {
    const { owner, room, externalViewer, externalEditor } = await roomInClosing();
    const socket = connect(server.url, { auth: { token: externalViewer.token }, transports: ["websocket"], forceNew: true, reconnection: false });
    sockets.push(socket);
    const frames: string[] = [];
    socket.io.on("open", () => socket.io.engine.on("packet", (p: { data?: unknown }) => frames.push(String(p.data ?? ""))));
    await new Promise<void>((resolve, reject) => (socket.once("connect", () => resolve()), socket.once("connect_error", reject)));
    expect(await socket.timeout(5000).emitWithAck("room:join", { roomId: room.id })).toEqual({ ok: true });
    const event = new Promise<any>((resolve) => socket.on("stage.changed", resolve));

    expect((await api(owner, `/rooms/${room.id}/stage`, { stage: "Delivering", form: validForm(externalEditor.id) })).status).toBe(200);
    const payload = await event;
    // The buyer's side hears the buyer-facing labels, never the seller's stage names (issue 16).
    expect(payload).toMatchObject({ roomId: room.id, stage: "Onboarding", previousStage: "Contract", status: "open", movedBy: { id: owner.id } });
    const closed = new Promise<any>((resolve) => socket.on("room.closed", resolve));
    await api(owner, `/rooms/${room.id}/close`, { outcome: "won", reason: "SECRET-REASON" });
    expect(await closed).toMatchObject({ status: "won" });
    const everything = frames.join("\n");
    for (const secret of ["SECRET-RISK", "SECRET-REASON", "2031-04-01", "Premium", "room.handed_off", "Delivering", "Closing"]) expect(everything, secret).not.toContain(secret);
  });
});
