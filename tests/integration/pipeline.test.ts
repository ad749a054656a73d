import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addParticipant, createRoom, roomWithCast, signupUser, type TestUser } from "../support/factories.ts";
import { relaxPerIpLimits } from "../support/matrix-fixtures.ts";
import { startTestServer, type TestServer } from "../support/server.ts";

// GET /api/v1/pipeline (server/sales/pipeline.ts, docs/api.md "Pipeline"): the field notes'
// win-rate scenarios and a velocity example seeded through the API, with the arithmetic checked
// exactly; who sees what; how empty and degenerate cases read. Time only moves forward through
// the API, so where a figure needs days to pass (cycle length, time in stage), the test moves the
// recorded instants back with direct SQL on its own test database (`backdate`), never through an
// endpoint of the product.

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
  relaxPerIpLimits(server);
});
afterAll(async () => {
  await server.close();
});

const DAY = 86_400_000;
const api = (who: TestUser, path: string, body?: unknown) => server.api(`/api/v1${path}`, { token: who.token, body });

async function deal(owner: TestUser, name: string, dollars: number | null, currency = "USD", extra: Record<string, unknown> = {}) {
  return createRoom(server, owner, { name, ...(dollars === null ? {} : { value: { amount: dollars * 100, currency } }), ...extra });
}
async function close(owner: TestUser, roomId: string, outcome: "won" | "lost") {
  const res = await api(owner, `/rooms/${roomId}/close`, outcome === "lost" ? { outcome, reason: "Went with a competitor" } : { outcome });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
}
async function move(owner: TestUser, roomId: string, stage: string) {
  const res = await api(owner, `/rooms/${roomId}/stage`, { stage });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
}
async function pipeline(who: TestUser, query = "") {
  const res = await api(who, `/pipeline${query}`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body;
}

/** Test-only: moves a room's creation and its stage moves back in time (days before now). */
async function backdate(roomId: string, createdDaysAgo: number, moves: number[] = []) {
  await server.sql`update rooms set created_at = now() - make_interval(days => ${createdDaysAgo}) where id = ${roomId}`;
  const rows = await server.sql<{ id: string }[]>`select id from stage_moves where room_id = ${roomId} order by seq`;
  expect(rows.length).toBe(moves.length);
  for (const [i, row] of rows.entries()) {
    await server.sql`update stage_moves set moved_at = now() - make_interval(days => ${moves[i]!}) where id = ${row.id}`;
  }
}

describe("win rate, both ways (field notes 004, scenarios 1 and 2)", () => {
  it("scenario 1: A $20k won, B $10k won, C $40k lost, D $30k lost → 50% by count, 30% by value", async () => {
    const { user: seller } = await signupUser(server);
    const a = await deal(seller, "Deal A", 20_000);
    const b = await deal(seller, "Deal B", 10_000);
    const c = await deal(seller, "Deal C", 40_000);
    const d = await deal(seller, "Deal D", 30_000);
    // A and C went further before they were decided: conversion from Proposing is over them alone.
    await move(seller, a.id, "Proposing");
    await move(seller, c.id, "Proposing");
    await close(seller, a.id, "won");
    await close(seller, b.id, "won");
    await close(seller, c.id, "lost");
    await close(seller, d.id, "lost");

    const p = await pipeline(seller);
    expect(p.currencies).toEqual(["USD"]);
    expect(p.winRate.decided).toEqual({ unit: 0.5, value: { USD: 0.3 } });
    // Nothing is open: pursuing and deciding are the same four deals.
    expect(p.winRate.pursued).toEqual({ unit: 0.5, value: { USD: 0.3 } });
    expect(p.winRate.counts).toMatchObject({ won: 2, lost: 2, open: 0, decided: 4, pursued: 4 });
    expect(p.winRate.counts.wonValue).toEqual({ USD: { amount: 3_000_000, currency: "USD" } });
    expect(p.winRate.counts.decidedValue).toEqual({ USD: { amount: 10_000_000, currency: "USD" } });

    const stage = (name: string) => p.stages.find((s: { stage: string }) => s.stage === name);
    // Every deal reached Prospecting; A and C reached Proposing (passing Qualifying and Pricing).
    expect(stage("Prospecting").conversionToWon).toEqual({ unit: 0.5, value: { USD: 0.3 }, reached: 4, won: 2 });
    expect(stage("Qualifying").conversionToWon).toEqual({ unit: 0.5, value: { USD: 20_000 / 60_000 }, reached: 2, won: 1 });
    expect(stage("Proposing").conversionToWon).toEqual({ unit: 0.5, value: { USD: 20_000 / 60_000 }, reached: 2, won: 1 });
    expect(stage("Negotiating").conversionToWon).toEqual({ unit: 0, value: {}, reached: 0, won: 0 });
    // Nothing is open, so no stage holds a deal.
    expect(p.stages.every((s: { count: number }) => s.count === 0)).toBe(true);
    expect(p.forecast).toEqual({ weighted: [], byRoom: [] });
    expect(p.attainment).toEqual([]);

    // Same answer for the one currency asked for; none for another.
    expect((await pipeline(seller, "?currency=USD")).winRate.decided).toEqual({ unit: 0.5, value: { USD: 0.3 } });
    const eur = await pipeline(seller, "?currency=EUR");
    expect(eur.winRate.decided).toEqual({ unit: 0, value: { EUR: 0 } });
    expect(eur.winRate.counts.decided).toBe(0);
    // The stage filter keeps the deals that reached it: the win rate reads as conversion from it.
    expect((await pipeline(seller, "?stage=proposing")).winRate.decided).toEqual({ unit: 0.5, value: { USD: 20_000 / 60_000 } });
  });

  it("scenario 2: C still open → 66.7% / 50% over decided deals, 50% / 30% over all pursued", async () => {
    const { user: seller } = await signupUser(server);
    const a = await deal(seller, "Deal A", 20_000);
    const b = await deal(seller, "Deal B", 10_000);
    const c = await deal(seller, "Deal C", 40_000);
    const d = await deal(seller, "Deal D", 30_000);
    await close(seller, a.id, "won");
    await close(seller, b.id, "won");
    await close(seller, d.id, "lost");
    await move(seller, c.id, "Negotiating");

    const p = await pipeline(seller);
    expect(p.winRate.decided).toEqual({ unit: 2 / 3, value: { USD: 0.5 } });
    expect(p.winRate.pursued).toEqual({ unit: 0.5, value: { USD: 0.3 } });
    expect(p.winRate.counts).toMatchObject({ won: 2, lost: 1, open: 1, decided: 3, pursued: 4 });
    const negotiating = p.stages.find((s: { stage: string }) => s.stage === "Negotiating");
    expect(negotiating).toMatchObject({ count: 1, value: { USD: { amount: 4_000_000, currency: "USD" } } });

    // Created-in: the same four deals were all created today, so the cohort reads the same.
    const cohort = await pipeline(seller, "?period=created");
    expect(cohort.period.kind).toBe("created");
    expect(cohort.winRate.decided).toEqual({ unit: 2 / 3, value: { USD: 0.5 } });
    expect(cohort.winRate.pursued).toEqual({ unit: 0.5, value: { USD: 0.3 } });
  });

  it("a period closed before the deals were decided sees them open; one after their decisions sees them decided", async () => {
    const { user: seller } = await signupUser(server);
    const a = await deal(seller, "Old win", 20_000);
    const b = await deal(seller, "Recent loss", 10_000);
    await close(seller, a.id, "won");
    await close(seller, b.id, "lost");
    await backdate(a.id, 60, [40]);
    await backdate(b.id, 60, [5]);
    const day = (ago: number) => new Date(Date.now() - ago * DAY).toISOString().slice(0, 10);

    // Closed in the last 30 days: only the loss.
    const recent = await pipeline(seller, `?from=${day(30)}&to=${day(0)}`);
    expect(recent.winRate.counts).toMatchObject({ won: 0, lost: 1, decided: 1, open: 0 });
    expect(recent.winRate.decided).toEqual({ unit: 0, value: { USD: 0 } });
    // As of 20 days ago: the win was decided (40 days ago), the loss still open.
    const then = await pipeline(seller, `?from=${day(50)}&to=${day(20)}`);
    expect(then.winRate.counts).toMatchObject({ won: 1, lost: 0, decided: 1, open: 1, pursued: 2 });
    expect(then.winRate.pursued).toEqual({ unit: 0.5, value: { USD: 20_000 / 30_000 } });
    expect(then.period).toEqual({ kind: "closed", from: day(50), to: day(20) });
  });
});

describe("sales velocity", () => {
  it("opportunities × average value × win rate ÷ cycle days, per currency, exactly", async () => {
    const { user: seller } = await signupUser(server);
    // USD: two wins (12 and 8 days from creation to close), two losses, one open deal.
    const w1 = await deal(seller, "Win 1", 10_000);
    const w2 = await deal(seller, "Win 2", 30_000);
    const l1 = await deal(seller, "Loss 1", 20_000);
    const l2 = await deal(seller, "Loss 2", 20_000);
    await deal(seller, "Open 1", 20_000);
    for (const r of [w1, w2]) await close(seller, r.id, "won");
    for (const r of [l1, l2]) await close(seller, r.id, "lost");
    await backdate(w1.id, 14, [2]);
    await backdate(w2.id, 10, [2]);
    // EUR: one deal won the day it was created: a cycle of one day, never zero.
    const e1 = await deal(seller, "Same-day win", 5_000, "EUR");
    await close(seller, e1.id, "won");
    // A deal without a value counts in the unit win rate, in no currency's figures.
    const n1 = await deal(seller, "No value yet", null);
    await close(seller, n1.id, "lost");

    const p = await pipeline(seller);
    expect(p.currencies).toEqual(["EUR", "USD"]);
    expect(p.velocity.opportunities).toEqual({ EUR: 1, USD: 5 });
    expect(p.velocity.averageValue).toEqual({ EUR: { amount: 500_000, currency: "EUR" }, USD: { amount: 2_000_000, currency: "USD" } });
    expect(p.velocity.winRate).toEqual({ EUR: 1, USD: 0.5 });
    expect(p.velocity.cycleDays).toEqual({ EUR: 1, USD: 10 });
    // 5 × $20,000 × 0.5 ÷ 10 days = $5,000 a day; 1 × €5,000 × 1 ÷ 1 day = €5,000 a day.
    expect(p.velocity.perDay).toEqual({ EUR: { amount: 500_000, currency: "EUR" }, USD: { amount: 500_000, currency: "USD" } });
    // Counted by deals, across currencies: 3 won of 6 decided (the one without a value included).
    expect(p.winRate.decided.unit).toBe(0.5);
    expect(p.winRate.decided.value).toEqual({ EUR: 1, USD: 40_000 / 80_000 });

    const usd = await pipeline(seller, "?currency=USD");
    expect(usd.currencies).toEqual(["USD"]);
    expect(usd.velocity.perDay).toEqual({ USD: { amount: 500_000, currency: "USD" } });
    expect(usd.winRate.decided.unit).toBe(0.5);
  });
});

describe("time in stage, stalled and overdue deals", () => {
  it("averages completed stays, flags a deal past twice its stage's norm and a deal past its expected close", async () => {
    const { user: seller } = await signupUser(server);
    const yesterday = new Date(Date.now() - DAY).toISOString().slice(0, 10);
    // r1: 4 days in Prospecting, 3 in Qualifying, in Pricing since 3 days ago.
    const r1 = await deal(seller, "Steady", 10_000);
    await move(seller, r1.id, "Qualifying");
    await move(seller, r1.id, "Pricing");
    await backdate(r1.id, 10, [6, 3]);
    // r2: 2 days in Prospecting, in Qualifying for 20 days: stalled (20 > 2 × 3).
    const r2 = await deal(seller, "Stuck", 10_000, "USD", { account: "=HYPERLINK(\"x\")", expectedCloseDate: yesterday });
    await move(seller, r2.id, "Qualifying");
    await backdate(r2.id, 22, [20]);

    const p = await pipeline(seller);
    const stage = (name: string) => p.stages.find((s: { stage: string }) => s.stage === name);
    expect(stage("Prospecting")).toMatchObject({ averageDays: 3, stays: 2 });
    expect(stage("Qualifying")).toMatchObject({ averageDays: 3, stays: 1, count: 1 });
    expect(stage("Pricing")).toMatchObject({ averageDays: 0, stays: 0, count: 1 });
    expect(p.stalled.map((l: { name: string }) => l.name)).toEqual(["Stuck"]);
    expect(p.stalled[0]).toMatchObject({ stage: "Qualifying", normDays: 3 });
    expect(Math.round(p.stalled[0].daysInStage)).toBe(20);
    expect(p.overdue).toEqual([expect.objectContaining({ name: "Stuck", expectedCloseDate: yesterday, daysOverdue: 1 })]);
    // A larger multiple: nothing is stalled.
    expect((await pipeline(seller, "?stallFactor=7")).stalled).toEqual([]);

    // The CSV behind the list escapes a formula cell.
    const csv = await server.api("/api/v1/pipeline/export?table=overdue", { token: seller.token });
    expect(csv.status).toBe(200);
    expect(csv.headers.get("content-type")).toMatch(/^text\/csv/);
    expect(csv.headers.get("content-disposition")).toMatch(/attachment; filename="pipeline-overdue-/);
    expect(csv.body).toContain(`"'=HYPERLINK(""x"")"`);
    const stagesCsv = await server.api("/api/v1/pipeline/export?table=stages", { token: seller.token });
    expect(stagesCsv.body.split("\r\n")[0]).toMatch(/^stage,open deals,open value USD/);
    expect((await server.api("/api/v1/pipeline/export?table=nope", { token: seller.token })).status).toBe(400);
  });
});

describe("who sees what", () => {
  it("guests get 404; members see their internal rooms; admins see every room of the organization", async () => {
    const cast = await roomWithCast(server);
    const org = cast.organization.id;
    // The owner's two rooms get values; the member takes part in the other room only.
    await server.api(`/api/v1/rooms/${cast.room.id}`, { token: cast.owner.token, method: "PATCH", body: { value: { amount: 100, currency: "USD" } } });
    await server.api(`/api/v1/rooms/${cast.otherRoom.id}`, { token: cast.owner.token, method: "PATCH", body: { value: { amount: 900, currency: "USD" } } });

    for (const guest of [cast.externalEditor, cast.externalViewer]) {
      expect((await api(guest, "/pipeline")).status).toBe(404);
      expect((await api(guest, `/pipeline?organizationId=${org}`)).status).toBe(404);
      expect((await api(guest, `/pipeline/export?table=stages&organizationId=${org}`)).status).toBe(404);
    }
    expect((await api(cast.outsider, `/pipeline?organizationId=${org}`)).status).toBe(404);
    expect((await server.api("/api/v1/pipeline")).status).toBe(401);

    const admin = await pipeline(cast.owner, `?organizationId=${org}`);
    expect(admin.winRate.counts.open).toBe(2);
    expect(admin.stages[0]).toMatchObject({ stage: "Prospecting", count: 2, value: { USD: { amount: 1000, currency: "USD" } } });
    const member = await pipeline(cast.orgMember);
    expect(member.organizationId).toBe(org);
    expect(member.winRate.counts.open).toBe(1);
    expect(member.stages[0]).toMatchObject({ count: 1, value: { USD: { amount: 900, currency: "USD" } } });
    const viewer = await pipeline(cast.internalViewer);
    expect(viewer.stages[0]).toMatchObject({ count: 1, value: { USD: { amount: 100, currency: "USD" } } });
    // The owner filter keeps the rooms that person owns.
    expect((await pipeline(cast.owner, `?ownerId=${cast.internalEditor.id}`)).winRate.counts.pursued).toBe(0);
    expect((await pipeline(cast.owner, `?ownerId=${cast.owner.id}`)).winRate.counts.pursued).toBe(2);
  });

  it("an external participant who is in an organization of their own sees only that one", async () => {
    const { user: seller, organization } = await signupUser(server);
    const room = await deal(seller, "Shared deal", 5_000);
    const { user: buyer } = await signupUser(server);
    const res = await api(seller, `/rooms/${room.id}/invitations`, { email: buyer.email, side: "external", role: "editor" });
    expect(res.status).toBe(201);
    expect((await api(buyer, `/invitations/${res.body.token}/accept`, {})).status).toBe(200);
    const own = await pipeline(buyer);
    expect(own.organizationId).not.toBe(organization.id);
    expect(own.winRate.counts.pursued).toBe(0);
    expect((await api(buyer, `/pipeline?organizationId=${organization.id}`)).status).toBe(404);
  });
});

describe("empty and bad input", () => {
  it("an empty organization reads zeros everywhere: no NaN, no Infinity, no null figure", async () => {
    const { user } = await signupUser(server);
    const res = await api(user, "/pipeline");
    expect(res.status).toBe(200);
    const p = res.body;
    expect(p.winRate).toEqual({
      decided: { unit: 0, value: {} },
      pursued: { unit: 0, value: {} },
      counts: { won: 0, lost: 0, open: 0, decided: 0, pursued: 0, wonValue: {}, decidedValue: {}, pursuedValue: {} },
    });
    expect(p.velocity).toEqual({ perDay: {}, opportunities: {}, averageValue: {}, winRate: {}, cycleDays: {} });
    expect(p.stages).toHaveLength(8);
    for (const s of p.stages) expect(s).toMatchObject({ count: 0, value: {}, conversionToWon: { unit: 0, value: {} }, averageDays: 0 });
    expect(p.winRateOverTime).toEqual([]);
    // JSON turns NaN and Infinity into null: no figure anywhere is null (only period.from, open-ended).
    const nulls: string[] = [];
    const walk = (v: unknown, path: string) => {
      if (v === null) nulls.push(path);
      else if (typeof v === "object") for (const [k, x] of Object.entries(v as object)) walk(x, `${path}.${k}`);
    };
    walk(p, "");
    expect(nulls).toEqual([".period.from"]);

    // A currency asked for that has no deals reads zeros for it, not an empty map.
    const usd = await pipeline(user, "?currency=USD");
    expect(usd.velocity).toEqual({
      perDay: { USD: { amount: 0, currency: "USD" } }, opportunities: { USD: 0 }, averageValue: { USD: { amount: 0, currency: "USD" } },
      winRate: { USD: 0 }, cycleDays: { USD: 0 },
    });
  });

  it("refuses bad filters with 400 naming the field", async () => {
    const { user } = await signupUser(server);
    const bad = async (query: string, field: string) => {
      const res = await api(user, `/pipeline${query}`);
      expect([query, res.status]).toEqual([query, 400]);
      expect(res.body.error.fields).toHaveProperty(field);
    };
    await bad("?from=2026-02-01&to=2026-01-01", "to");
    await bad("?from=2000-01-01&to=2020-01-01", "from");
    await bad("?from=yesterday", "from");
    await bad("?currency=usd", "currency");
    await bad("?ownerId=42", "ownerId");
    await bad("?stage=Nowhere", "stage");
    await bad("?period=someday", "period");
    await bad("?stallFactor=0", "stallFactor");
    await bad("?currency=USD&currency=EUR", "currency");
    await bad(`?organizationId=${"x".repeat(5)}`, "organizationId");
  });

  it("a member sees the rooms they take part in, and nothing of the others", async () => {
    const { user: seller } = await signupUser(server);
    const room = await deal(seller, "Deal", 1_000);
    const other = await deal(seller, "Other", 2_000);
    const member = await addParticipant(server, seller, other.id, "internal", "viewer");
    const p = await pipeline(member);
    expect(p.winRate.counts.pursued).toBe(1);
    expect(p.stages[0].value).toEqual({ USD: { amount: 200_000, currency: "USD" } });
    expect(JSON.stringify(p)).not.toContain(room.id);
  });
});

describe("targets and attainment", () => {
  it("admins set targets; each won room is credited to its owner within the period; members see their own", async () => {
    const cast = await roomWithCast(server);
    const org = cast.organization.id;
    const seller = cast.owner;
    const member = cast.orgMember;
    const year = new Date().getUTCFullYear();
    const period = { periodStart: `${year}-01-01`, periodEnd: `${year}-12-31` };
    const put = (who: TestUser, body: unknown) => server.api(`/api/v1/organizations/${org}/targets`, { token: who.token, method: "PUT", body });

    const value = await put(seller, { userId: seller.id, ...period, kind: "value", currency: "USD", amount: 4_000_000 });
    expect(value.status, JSON.stringify(value.body)).toBe(200);
    expect(value.body).toMatchObject({ user: { id: seller.id }, kind: "value", target: { amount: 4_000_000, currency: "USD" } });
    // Setting the same target again replaces its amount.
    const again = await put(seller, { userId: seller.id, ...period, kind: "value", currency: "USD", amount: 5_000_000 });
    expect(again.body.id).toBe(value.body.id);
    expect((await put(seller, { userId: member.id, ...period, kind: "wins", amount: 4 })).status).toBe(200);
    // Members may not set targets; guests and outsiders learn nothing; bad input names its field.
    expect((await put(member, { userId: member.id, ...period, kind: "wins", amount: 9 })).status).toBe(403);
    expect((await put(cast.externalEditor, { userId: member.id, ...period, kind: "wins", amount: 9 })).status).toBe(404);
    expect((await put(seller, { userId: cast.outsider.id, ...period, kind: "wins", amount: 1 })).body.error.fields).toHaveProperty("userId");
    expect((await put(seller, { userId: member.id, ...period, kind: "value", amount: 1 })).body.error.fields).toHaveProperty("currency");
    expect((await put(seller, { userId: member.id, ...period, kind: "wins", amount: 0 })).body.error.fields).toHaveProperty("amount");

    // The seller wins $20k and $10k; a $40k loss counts for nothing. The member wins one deal of theirs.
    const a = await deal(seller, "Won A", 20_000);
    const b = await deal(seller, "Won B", 10_000);
    const c = await deal(seller, "Lost C", 40_000);
    await close(seller, a.id, "won");
    await close(seller, b.id, "won");
    await close(seller, c.id, "lost");
    const mine = await createRoom(server, member, { name: "Member's deal" });
    await close(member, mine.id, "won");

    const p = await pipeline(seller, `?organizationId=${org}&from=${year}-01-01`);
    const of = (userId: string) => p.attainment.find((t: { user: { id: string } }) => t.user.id === userId);
    expect(of(seller.id)).toMatchObject({ kind: "value", target: { amount: 5_000_000, currency: "USD" }, achieved: { amount: 3_000_000, currency: "USD" }, wins: 2, progress: 0.6 });
    expect(of(member.id)).toMatchObject({ kind: "wins", target: 4, achieved: 1, wins: 1, progress: 0.25 });
    // A member sees their own attainment only.
    const theirs = await pipeline(member, `?organizationId=${org}&from=${year}-01-01`);
    expect(theirs.attainment.map((t: { user: { id: string } }) => t.user.id)).toEqual([member.id]);
    // A period the targets do not touch shows none.
    expect((await pipeline(seller, `?organizationId=${org}&from=${year - 3}-01-01&to=${year - 3}-12-31`)).attainment).toEqual([]);

    const list = await server.api(`/api/v1/organizations/${org}/targets`, { token: seller.token });
    expect(list.body.items).toHaveLength(2);
    expect((await server.api(`/api/v1/organizations/${org}/targets/${value.body.id}`, { token: seller.token, method: "DELETE" })).status).toBe(204);
    expect((await server.api(`/api/v1/organizations/${org}/targets/${value.body.id}`, { token: seller.token, method: "DELETE" })).status).toBe(404);
  });
});

describe("team selling: deal-team roles and team credit (decision 021, field notes 001)", () => {
  async function inviteExisting(owner: TestUser, roomId: string, user: TestUser, side: "internal" | "external" = "internal") {
    const invite = await api(owner, `/rooms/${roomId}/invitations`, { email: user.email, side, role: "editor" });
    expect(invite.status, JSON.stringify(invite.body)).toBe(201);
    const accepted = await server.api(`/api/v1/invitations/${invite.body.token}/accept`, { token: user.token, body: {} });
    expect(accepted.status, JSON.stringify(accepted.body)).toBe(200);
  }
  const setRole = (who: TestUser, roomId: string, userId: string, dealRole: string | null) =>
    server.api(`/api/v1/rooms/${roomId}/deal-team/${userId}`, { token: who.token, method: "PUT", body: { dealRole } });

  it("credits each won room to its owner, and to every member with a deal-team role where the organization chooses, with exact sums", async () => {
    const cast = await roomWithCast(server);
    const org = cast.organization.id;
    const seller = cast.owner;
    const engineer = cast.orgMember;
    const year = new Date().getUTCFullYear();
    const period = { periodStart: `${year}-01-01`, periodEnd: `${year}-12-31` };
    const put = (body: unknown) => server.api(`/api/v1/organizations/${org}/targets`, { token: seller.token, method: "PUT", body });

    // A: the seller's $20k deal, the engineer its design consultant, won. B: the engineer's own
    // $10k deal (as sales person), the seller supporting it as sales enabler, won. C: €40k, the
    // seller's, the engineer designing, won. D: $30k, the seller's, the engineer designing, lost.
    const a = await deal(seller, "Team A", 20_000);
    const b = await createRoom(server, engineer, { name: "Team B", value: { amount: 1_000_000, currency: "USD" } });
    const c = await deal(seller, "Team C", 40_000, "EUR");
    const d = await deal(seller, "Team D", 30_000);
    for (const room of [a, c, d]) {
      await inviteExisting(seller, room.id, engineer);
      expect((await setRole(seller, room.id, engineer.id, "design_consultant")).status).toBe(200);
    }
    await inviteExisting(engineer, b.id, seller);
    expect((await setRole(engineer, b.id, seller.id, "sales_enabler")).status).toBe(200);
    const ownRole = await setRole(engineer, b.id, engineer.id, "sales_person");
    expect(ownRole.body).toMatchObject({ userId: engineer.id, role: "owner", dealRole: "sales_person" });

    // The deal team reads like this for internal readers; a guest learns nothing; the role is checked.
    const team = await api(engineer, `/rooms/${a.id}/deal-team`);
    expect(team.status).toBe(200);
    expect(team.body.members).toEqual([
      { userId: seller.id, name: seller.name, role: "owner", dealRole: null },
      { userId: engineer.id, name: engineer.name, role: "editor", dealRole: "design_consultant" },
    ]);
    expect(team.body.roles.map((r: { value: string }) => r.value)).toEqual(["sales_person", "design_consultant", "financial_expert", "sales_manager", "sales_enabler"]);
    expect(team.body).toMatchObject({ creditDealTeam: false, abilities: { edit: false } });
    expect((await api(seller, `/rooms/${a.id}/deal-team`)).body.abilities).toEqual({ edit: true });
    expect((await api(cast.externalEditor, `/rooms/${cast.room.id}/deal-team`)).status).toBe(404);
    expect((await setRole(cast.externalEditor, cast.room.id, cast.internalEditor.id, "sales_manager")).status).toBe(404);
    expect((await setRole(cast.internalEditor, cast.room.id, cast.internalEditor.id, "sales_manager")).status).toBe(403);
    expect((await setRole(seller, a.id, engineer.id, "closer")).body.error.fields).toHaveProperty("dealRole");
    expect((await setRole(seller, cast.room.id, cast.externalEditor.id, "sales_person")).body.error.fields).toHaveProperty("userId");
    expect((await setRole(seller, a.id, cast.outsider.id, "sales_person")).status).toBe(404);
    // The guest's view of the participants carries no deal role.
    const seen = await api(cast.externalEditor, `/rooms/${cast.room.id}/participants`);
    expect(JSON.stringify(seen.body)).not.toContain("dealRole");

    await close(seller, a.id, "won");
    await close(engineer, b.id, "won");
    await close(seller, c.id, "won");
    await close(seller, d.id, "lost");

    const sellerUsd = (await put({ userId: seller.id, ...period, kind: "value", currency: "USD", amount: 5_000_000 })).body;
    const sellerWins = (await put({ userId: seller.id, ...period, kind: "wins", amount: 4 })).body;
    const engineerUsd = (await put({ userId: engineer.id, ...period, kind: "value", currency: "USD", amount: 3_000_000 })).body;
    const engineerDesign = await put({ userId: engineer.id, ...period, kind: "wins", amount: 2, dealRole: "design_consultant" });
    expect(engineerDesign.status, JSON.stringify(engineerDesign.body)).toBe(200);
    expect(engineerDesign.body.dealRole).toBe("design_consultant");
    expect((await put({ userId: engineer.id, ...period, kind: "wins", amount: 2, dealRole: "closer" })).body.error.fields).toHaveProperty("dealRole");

    const attained = async () => {
      const p = await pipeline(seller, `?organizationId=${org}&from=${year}-01-01`);
      const byId = (id: string) => p.attainment.find((t: { id: string }) => t.id === id);
      return { p, sellerUsd: byId(sellerUsd.id), sellerWins: byId(sellerWins.id), engineerUsd: byId(engineerUsd.id), engineerDesign: byId(engineerDesign.body.id) };
    };
    const names = (t: { credits: { roomName: string; as: string }[] }) => t.credits.map((x) => `${x.roomName}:${x.as}`).sort();

    // The owner alone, by default: the seller has A ($20k of $50k = 0.4) and A, C as wins; the engineer B ($10k of $30k).
    let r = await attained();
    expect(r.p.teamCredit).toEqual({ dealTeam: false });
    expect(r.sellerUsd).toMatchObject({ achieved: { amount: 2_000_000, currency: "USD" }, wins: 1, progress: 0.4, dealRole: null });
    expect(r.sellerUsd.credits).toEqual([{ roomId: a.id, roomName: "Team A", as: "owner", dealRole: null, value: { amount: 2_000_000, currency: "USD" }, wonOn: expect.any(String) }]);
    expect(r.sellerWins).toMatchObject({ achieved: 2, wins: 2, progress: 0.5 });
    expect(r.engineerUsd).toMatchObject({ achieved: { amount: 1_000_000, currency: "USD" }, wins: 1, progress: 1_000_000 / 3_000_000 });
    // Owning B as sales person is not designing: the role target counts nothing yet.
    expect(r.engineerDesign).toMatchObject({ achieved: 0, wins: 0, progress: 0, credits: [] });

    // Members and guests cannot turn team credit on; admins can.
    const credit = (who: TestUser, on: unknown) => server.api(`/api/v1/organizations/${org}/team-credit`, { token: who.token, method: "PUT", body: { creditDealTeam: on } });
    expect((await credit(engineer, true)).status).toBe(403);
    expect((await credit(cast.externalEditor, true)).status).toBe(404);
    expect((await credit(seller, "yes")).body.error.fields).toHaveProperty("creditDealTeam");
    expect((await credit(seller, true)).body).toEqual({ creditDealTeam: true });
    expect((await server.api(`/api/v1/organizations/${org}/targets`, { token: seller.token })).body.creditDealTeam).toBe(true);

    // Team credit: every member with a role is credited the whole won deal, once; the lost D counts for nobody.
    r = await attained();
    expect(r.p.teamCredit).toEqual({ dealTeam: true });
    // Seller: A as owner $20k + B as sales enabler $10k = $30k of $50k = 0.6 (C is in euros).
    expect(r.sellerUsd).toMatchObject({ achieved: { amount: 3_000_000, currency: "USD" }, wins: 2, progress: 0.6 });
    expect(names(r.sellerUsd)).toEqual(["Team A:owner", "Team B:dealTeam"]);
    expect(r.sellerUsd.credits.find((x: { roomId: string }) => x.roomId === b.id).dealRole).toBe("sales_enabler");
    // Seller's wins: A, B, C = 3 of 4.
    expect(r.sellerWins).toMatchObject({ achieved: 3, wins: 3, progress: 0.75 });
    // Engineer: A on the team $20k + B as owner $10k = $30k of $30k = 1.
    expect(r.engineerUsd).toMatchObject({ achieved: { amount: 3_000_000, currency: "USD" }, wins: 2, progress: 1 });
    expect(names(r.engineerUsd)).toEqual(["Team A:dealTeam", "Team B:owner"]);
    // Engineer as design consultant: A and C (D was lost) = 2 of 2.
    expect(r.engineerDesign).toMatchObject({ achieved: 2, wins: 2, progress: 1 });
    expect(names(r.engineerDesign)).toEqual(["Team A:dealTeam", "Team C:dealTeam"]);
    // A member sees their own attainment, credits included; nobody else's.
    const theirs = await pipeline(engineer, `?organizationId=${org}&from=${year}-01-01`);
    expect(theirs.attainment.map((t: { user: { id: string } }) => t.user.id)).toEqual([engineer.id, engineer.id]);

    // Clearing a role takes the credit away again.
    expect((await setRole(seller, a.id, engineer.id, null)).body.dealRole).toBeNull();
    r = await attained();
    expect(r.engineerUsd).toMatchObject({ achieved: { amount: 1_000_000, currency: "USD" }, wins: 1 });
    expect(r.engineerDesign).toMatchObject({ achieved: 1, wins: 1, progress: 0.5 });
  });
});
