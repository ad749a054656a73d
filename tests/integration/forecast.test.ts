import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { roomWithCast, createRoom, signupUser, type TestUser } from "../support/factories.ts";
import { relaxPerIpLimits } from "../support/matrix-fixtures.ts";
import { startTestServer, type TestServer } from "../support/server.ts";

// The event-based forecast (server/sales/forecast.ts, decision 027, docs/api.md "Forecast"):
// the matrix cell a room's completed statuses point at, with its reason; plan steps completing
// tied buying statuses; the pipeline's weighted forecast per currency; guests refused (404); and
// bad matrices refused (400, naming the field).

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
  relaxPerIpLimits(server);
});
afterAll(async () => {
  await server.close();
});

const DAY = 86_400_000;
type Method = "GET" | "PUT" | "POST" | "PATCH";
const call = (who: TestUser, method: Method, path: string, body?: unknown) => server.api(`/api/v1${path}`, { token: who.token, method, body });
async function ok(who: TestUser, method: Method, path: string, body?: unknown, status = 200) {
  const res = await call(who, method, path, body);
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  return res.body;
}
const today = () => new Date(Math.floor(Date.now() / DAY) * DAY);
const plusDays = (d: number) => new Date(today().getTime() + d * DAY).toISOString().slice(0, 10);

/** A 3×4 configuration (2 buying, 3 sales) with cells chosen so each one is told apart. */
function small(buying = ["Budget confirmed", "Security review passed"], sales = ["Qualified", "Positioned", "Plan set"]) {
  const probability = Array.from({ length: buying.length + 1 }, (_, b) => Array.from({ length: sales.length + 1 }, (_, s) => (10 * b + s) / 100 + 0.1));
  const days = Array.from({ length: buying.length + 1 }, (_, b) => Array.from({ length: sales.length + 1 }, (_, s) => 100 - 30 * b - s));
  return { buying: buying.map((label) => ({ label })), sales: sales.map((label) => ({ label })), probability, days };
}

describe("the shipped default", () => {
  it("a new organization has 5 buying and 6 sales statuses and 6×7 matrices; a room starts at cell [0][0]", async () => {
    const { user: admin, organization } = await signupUser(server);
    const settings = await ok(admin, "GET", `/organizations/${organization.id}/forecast`);
    expect(settings.buying).toHaveLength(5);
    expect(settings.sales).toHaveLength(6);
    expect(settings.probability).toHaveLength(6);
    expect(settings.days.every((r: number[]) => r.length === 7)).toBe(true);
    expect(settings.abilities).toEqual({ edit: true });
    const room = await createRoom(server, admin);
    const f = await ok(admin, "GET", `/rooms/${room.id}/forecast`);
    expect(f.forecast).toMatchObject({ buyingCompleted: 0, buyingTotal: 5, salesCompleted: 0, salesTotal: 6, probability: settings.probability[0][0], days: settings.days[0][0] });
    expect(f.forecast.reason).toBe(`0 of 5 buying statuses, 0 of 6 sales statuses → ${Math.round(settings.probability[0][0] * 1000) / 10}%, ${settings.days[0][0]} days`);
  });
});

describe("a room's forecast", () => {
  it("completing k buying and m sales statuses gives the cell [k][m], its expected close date and the reason", async () => {
    const { user: admin, organization } = await signupUser(server);
    const settings = await ok(admin, "PUT", `/organizations/${organization.id}/forecast`, small());
    const room = await createRoom(server, admin, { value: { amount: 1_000_000, currency: "USD" } });
    const [b0] = settings.buying;
    const [s0, s1] = settings.sales;
    const f = await ok(admin, "PUT", `/rooms/${room.id}/forecast`, {
      statuses: [{ statusId: b0.id, completed: true }, { statusId: s0.id, completed: true }, { statusId: s1.id, completed: true }],
    });
    // Cell [1][2]: probability (10·1 + 2)/100 + 0.1 = 0.22, days 100 − 30 − 2 = 68.
    expect(f.forecast).toMatchObject({ buyingCompleted: 1, buyingTotal: 2, salesCompleted: 2, salesTotal: 3, probability: 0.22, days: 68, expectedCloseDate: plusDays(68) });
    expect(f.forecast.reason).toBe("1 of 2 buying statuses, 2 of 3 sales statuses → 22%, 68 days");
    expect(f.buying.map((s: { completed: boolean }) => s.completed)).toEqual([true, false]);
    // Un-completing one moves the room back a column.
    const back = await ok(admin, "PUT", `/rooms/${room.id}/forecast`, { statuses: [{ statusId: s1.id, completed: false }] });
    expect(back.forecast.reason).toBe("1 of 2 buying statuses, 1 of 3 sales statuses → 21%, 69 days");
  });

  it("completing the plan step a buying status is tied to completes the status", async () => {
    const { user: admin, organization } = await signupUser(server);
    const settings = await ok(admin, "PUT", `/organizations/${organization.id}/forecast`, small());
    const room = await createRoom(server, admin);
    const step = await ok(admin, "POST", `/rooms/${room.id}/plan`, { title: "Security questionnaire returned", visibility: "shared" }, 201);
    const security = settings.buying[1];
    const tied = await ok(admin, "PUT", `/rooms/${room.id}/forecast`, { statuses: [{ statusId: security.id, planStepId: step.id }] });
    expect(tied.buying[1]).toMatchObject({ completed: false, planStep: { id: step.id, status: "open" } });
    expect(tied.forecast.buyingCompleted).toBe(0);
    await ok(admin, "PATCH", `/plan-steps/${step.id}`, { status: "done" });
    const after = await ok(admin, "GET", `/rooms/${room.id}/forecast`);
    expect(after.buying[1]).toMatchObject({ completed: true, completedBy: "planStep" });
    expect(after.forecast.reason).toBe("1 of 2 buying statuses, 0 of 3 sales statuses → 20%, 70 days");
    // A sales status cannot be tied to a step, nor a step of another room.
    const other = await createRoom(server, admin);
    const otherStep = await ok(admin, "POST", `/rooms/${other.id}/plan`, { title: "Elsewhere" }, 201);
    const wrongKind = await call(admin, "PUT", `/rooms/${room.id}/forecast`, { statuses: [{ statusId: settings.sales[0].id, planStepId: step.id }] });
    expect(wrongKind.status).toBe(400);
    expect(wrongKind.body.error.fields).toHaveProperty("statuses.0.planStepId");
    const wrongRoom = await call(admin, "PUT", `/rooms/${room.id}/forecast`, { statuses: [{ statusId: security.id, planStepId: otherStep.id }] });
    expect(wrongRoom.status).toBe(400);
    expect(wrongRoom.body.error.fields).toHaveProperty("statuses.0.planStepId");
  });
});

describe("the pipeline's weighted forecast", () => {
  it("sums probability × value per month and currency, never across currencies, with each room's reason", async () => {
    const { user: admin, organization } = await signupUser(server);
    const settings = await ok(admin, "PUT", `/organizations/${organization.id}/forecast`, small());
    const a = await createRoom(server, admin, { name: "Fc A", value: { amount: 1_000_000, currency: "USD" } });
    const b = await createRoom(server, admin, { name: "Fc B", value: { amount: 3_000_000, currency: "USD" } });
    const c = await createRoom(server, admin, { name: "Fc C", value: { amount: 500_000, currency: "EUR" } });
    // A: [0][0] → 0.10, 100 days. B: [0][0] too. C: [2][3] → 0.33, 37 days.
    const all = [...settings.buying, ...settings.sales].map((s: { id: string }) => ({ statusId: s.id, completed: true }));
    await ok(admin, "PUT", `/rooms/${c.id}/forecast`, { statuses: all });
    const p = (await ok(admin, "GET", "/pipeline")).forecast;
    const room = (id: string) => p.byRoom.find((r: { roomId: string }) => r.roomId === id);
    expect(room(a.id)).toMatchObject({ probability: 0.1, days: 100, expectedCloseDate: plusDays(100), weighted: { amount: 100_000, currency: "USD" } });
    expect(room(c.id)).toMatchObject({ probability: 0.33, days: 37, reason: "2 of 2 buying statuses, 3 of 3 sales statuses → 33%, 37 days", weighted: { amount: 165_000, currency: "EUR" } });
    expect(room(b.id).weighted).toEqual({ amount: 300_000, currency: "USD" });
    expect(p.weighted).toEqual(
      [
        { period: plusDays(37).slice(0, 7), currency: "EUR", amount: 165_000, count: 1 },
        { period: plusDays(100).slice(0, 7), currency: "USD", amount: 400_000, count: 2 },
      ].sort((x, y) => x.period.localeCompare(y.period) || x.currency.localeCompare(y.currency)),
    );
    // A decided room leaves the forecast.
    await ok(admin, "POST", `/rooms/${b.id}/close`, { outcome: "won" });
    const q = (await ok(admin, "GET", "/pipeline")).forecast;
    expect(q.byRoom.map((r: { roomId: string }) => r.roomId).sort()).toEqual([a.id, c.id].sort());
    expect(q.weighted.find((w: { currency: string }) => w.currency === "USD")).toMatchObject({ amount: 100_000, count: 1 });
  });
});

describe("guests never see the forecast", () => {
  it("answers 404 to external participants and outsiders, 403 to a member editing the settings", async () => {
    const cast = await roomWithCast(server);
    const orgId = cast.organization.id;
    const settings = await ok(cast.owner, "GET", `/organizations/${orgId}/forecast`);
    for (const guest of [cast.externalEditor, cast.externalViewer, cast.outsider]) {
      expect((await call(guest, "GET", `/rooms/${cast.room.id}/forecast`)).status).toBe(404);
      expect((await call(guest, "PUT", `/rooms/${cast.room.id}/forecast`, { statuses: [{ statusId: settings.buying[0].id, completed: true }] })).status).toBe(404);
      expect((await call(guest, "GET", `/organizations/${orgId}/forecast`)).status).toBe(404);
      expect((await call(guest, "PUT", `/organizations/${orgId}/forecast`, small())).status).toBe(404);
      const pipe = await call(guest, "GET", `/pipeline?organizationId=${orgId}`);
      expect(pipe.status).toBe(404);
    }
    // An internal member outside the room: the room's forecast does not exist for them either.
    expect((await call(cast.orgMember, "GET", `/rooms/${cast.room.id}/forecast`)).status).toBe(404);
    // An internal viewer reads but does not mark; a member who is not an admin does not edit the settings.
    expect((await ok(cast.internalViewer, "GET", `/rooms/${cast.room.id}/forecast`)).abilities).toEqual({ edit: false });
    expect((await call(cast.internalViewer, "PUT", `/rooms/${cast.room.id}/forecast`, { statuses: [] })).status).toBe(403);
    expect((await call(cast.internalEditor, "PUT", `/organizations/${orgId}/forecast`, small())).status).toBe(403);
    // Nothing the guest wrote got through.
    expect((await ok(cast.owner, "GET", `/rooms/${cast.room.id}/forecast`)).forecast.buyingCompleted).toBe(0);
  });
});

describe("bad matrices are refused (400, naming the field)", () => {
  it.each([
    ["wrong number of rows", (m: ReturnType<typeof small>) => ({ ...m, probability: m.probability.slice(1) }), "probability"],
    ["wrong number of columns", (m: ReturnType<typeof small>) => ({ ...m, days: m.days.map((r, i) => (i === 1 ? r.slice(1) : r)) }), "days.1"],
    ["a probability above 1", (m: ReturnType<typeof small>) => ({ ...m, probability: m.probability.map((r, i) => (i === 2 ? r.map((v, j) => (j === 3 ? 1.5 : v)) : r)) }), "probability.2.3"],
    ["a negative probability", (m: ReturnType<typeof small>) => ({ ...m, probability: m.probability.map((r, i) => (i === 0 ? r.map((v, j) => (j === 0 ? -0.1 : v)) : r)) }), "probability.0.0"],
    ["negative days", (m: ReturnType<typeof small>) => ({ ...m, days: m.days.map((r, i) => (i === 1 ? r.map((v, j) => (j === 2 ? -3 : v)) : r)) }), "days.1.2"],
    ["fractional days", (m: ReturnType<typeof small>) => ({ ...m, days: m.days.map((r, i) => (i === 0 ? r.map((v, j) => (j === 1 ? 2.5 : v)) : r)) }), "days.0.1"],
    ["no buying status", (m: ReturnType<typeof small>) => ({ ...m, buying: [] }), "buying"],
  ])("%s", async (_name, spoil, field) => {
    const { user: admin, organization } = await signupUser(server);
    const before = await ok(admin, "GET", `/organizations/${organization.id}/forecast`);
    const res = await call(admin, "PUT", `/organizations/${organization.id}/forecast`, spoil(small()));
    expect(res.status, JSON.stringify(res.body)).toBe(400);
    expect(res.body.error.code).toBe("invalid_input");
    expect(res.body.error.fields).toHaveProperty([field]);
    // Nothing changed.
    expect(await ok(admin, "GET", `/organizations/${organization.id}/forecast`)).toEqual(before);
  });

  it("keeps a status's id (and the rooms' marks on it) when the settings are saved again", async () => {
    const { user: admin, organization } = await signupUser(server);
    const first = await ok(admin, "PUT", `/organizations/${organization.id}/forecast`, small());
    const room = await createRoom(server, admin);
    await ok(admin, "PUT", `/rooms/${room.id}/forecast`, { statuses: [{ statusId: first.buying[0].id, completed: true }] });
    const again = small(["Budget approved", "Security review passed"]);
    const second = await ok(admin, "PUT", `/organizations/${organization.id}/forecast`, {
      ...again, buying: [{ id: first.buying[0].id, label: "Budget approved" }, { label: "Security review passed" }],
    });
    expect(second.buying[0]).toMatchObject({ id: first.buying[0].id, label: "Budget approved" });
    expect((await ok(admin, "GET", `/rooms/${room.id}/forecast`)).forecast.buyingCompleted).toBe(1);
  });
});
