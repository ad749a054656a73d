import { z } from "zod";
import type { Tx } from "../../db/client.ts";
import { authorizeOrg, can, loadOrgStanding, type OrgRole, type OrgStanding } from "../access/index.ts";
import type { ActorContext } from "../context.ts";
import { invalid, notFound } from "../errors.ts";
import { csvLines } from "../csv.ts";
import { IsoDate, parseInput } from "../validation.ts";
import { listStages, type Stage } from "./stages.ts";
import { forecastsFor } from "./forecast.ts";
import { attainmentFor, type Attainment } from "./targets.ts";

/**
 * Pipeline insight for the organization (issue 18, docs/decisions/021-pipeline.md): win rates
 * both ways, sales velocity, conversion from each stage, time in stage, pipeline by stage,
 * stalled and overdue deals. Everything is computed from the rooms and their stage history
 * (`stage_moves`), as the reader may see them: organization admins every room of the
 * organization, other members the rooms they take part in on the internal side. Money is never
 * added across currencies: every money figure and every value ratio is given per currency.
 * How each figure reads when nothing divides (no deal decided, a deal won the day it was
 * created) is in docs/api.md ("Pipeline").
 */

const DAY = 86_400_000;
/** The longest period asked for at once: ten years (the monthly win-rate series stays short). */
export const MAX_PERIOD_DAYS = 3660;
/** A deal is stalled when its days in the current stage pass this multiple of the stage's norm. */
export const DEFAULT_STALL_FACTOR = 2;

const Currency = z.string().regex(/^[A-Z]{3}$/, "must be a three-letter ISO currency code such as USD");
const Blank = (v: unknown) => (v === "" ? undefined : v);

export const PipelineQuery = z
  .object({
    organizationId: z.preprocess(Blank, z.uuid({ error: "must be an organization id" }).optional()),
    from: z.preprocess(Blank, IsoDate.optional()),
    to: z.preprocess(Blank, IsoDate.optional()),
    currency: z.preprocess(Blank, Currency.optional()),
    ownerId: z.preprocess(Blank, z.uuid({ error: "must be a user id" }).optional()),
    stage: z.preprocess(Blank, z.string({ error: "must be a stage name" }).trim().min(1).max(60, "must be at most 60 characters").optional()),
    period: z.preprocess(Blank, z.enum(["closed", "created"], { error: 'must be "closed" or "created"' }).optional()),
    stallFactor: z.preprocess(
      (v) => (v === "" || v === undefined ? undefined : typeof v === "string" ? Number(v) : v),
      z.number({ error: "must be a number" }).min(1, "must be at least 1").max(10, "must be at most 10").optional(),
    ),
  })
  .superRefine((v, ctx) => {
    if (v.from && v.to && v.from > v.to) ctx.addIssue({ code: "custom", path: ["to"], message: "must not be before from" });
    if (v.from && v.to && (Date.parse(v.to) - Date.parse(v.from)) / DAY > MAX_PERIOD_DAYS) {
      ctx.addIssue({ code: "custom", path: ["from"], message: "the period must be at most ten years" });
    }
  });
export type PipelineQueryInput = z.input<typeof PipelineQuery>;

export interface Money {
  amount: number;
  currency: string;
}
/** A figure per currency, keyed by ISO code (e.g. `{ "USD": 0.3, "EUR": 0.5 }`). */
export type PerCurrency<T> = Record<string, T>;

export interface PipelineAnswer {
  organizationId: string;
  period: { kind: "closed" | "created"; from: string | null; to: string };
  /** Every currency of the rooms in the answer, in order; the keys of every per-currency figure. */
  currencies: string[];
  winRate: {
    decided: { unit: number; value: PerCurrency<number> };
    pursued: { unit: number; value: PerCurrency<number> };
    counts: { won: number; lost: number; open: number; decided: number; pursued: number; wonValue: PerCurrency<Money>; decidedValue: PerCurrency<Money>; pursuedValue: PerCurrency<Money> };
  };
  velocity: {
    perDay: PerCurrency<Money>;
    opportunities: PerCurrency<number>;
    averageValue: PerCurrency<Money>;
    winRate: PerCurrency<number>;
    cycleDays: PerCurrency<number>;
  };
  stages: {
    stage: string;
    /** False for a stage name rooms still carry that the cycle no longer has. */
    inCycle: boolean;
    count: number;
    value: PerCurrency<Money>;
    conversionToWon: { unit: number; value: PerCurrency<number>; reached: number; won: number };
    averageDays: number;
    /** How many completed stays the average is over. */
    stays: number;
  }[];
  /**
   * Event-based forecast (decision 027) of the open rooms in the answer: each room's cell of the
   * matrices, and per month of expected close and currency, the sum of probability × value.
   */
  forecast: {
    weighted: { period: string; currency: string; amount: number; count: number }[];
    byRoom: { roomId: string; name: string; value: Money | null; probability: number; days: number; expectedCloseDate: string; reason: string; weighted: Money | null }[];
  };
  /** Targets overlapping the period and what each member achieved (admins: everyone's; members: their own). */
  attainment: Attainment[];
  /** Whether `attainment` credits won rooms to their deal team as well as to their owner (decision 021). */
  teamCredit: { dealTeam: boolean };
  stallFactor: number;
  stalled: DealLine[];
  overdue: DealLine[];
  winRateOverTime: { month: string; won: number; lost: number; unit: number; value: PerCurrency<number> }[];
  owners: { id: string; name: string }[];
  /** The organization's stage names in order (for a filter). */
  cycle: string[];
}

export interface DealLine {
  roomId: string;
  name: string;
  account: string;
  stage: string;
  owner: { id: string; name: string } | null;
  value: Money | null;
  expectedCloseDate: string | null;
  daysInStage: number;
  /** Stalled deals: the stage's norm (average completed stay, in days). */
  normDays: number | null;
  /** Overdue deals: days since the expected close date. */
  daysOverdue: number | null;
}

interface RoomRow {
  id: string;
  name: string;
  account: string;
  valueAmount: string | null;
  valueCurrency: string | null;
  stage: string;
  status: "open" | "won" | "lost";
  expectedCloseDate: string | null;
  createdAt: Date;
  ownerId: string | null;
  ownerName: string | null;
}
interface MoveRow {
  roomId: string;
  kind: "move" | "close" | "reopen";
  fromStage: string;
  toStage: string;
  status: "open" | "won" | "lost";
  movedAt: Date;
}

interface Stay {
  stage: string;
  start: number;
  end: number | null;
}
/** One room as of the end of the period: what every figure is computed from. */
interface Deal {
  row: RoomRow;
  value: Money | null;
  status: "open" | "won" | "lost";
  stage: string;
  createdAt: number;
  /** When it was decided (its last close before the end), for won and lost deals. */
  closedAt: number | null;
  /** The furthest position in the cycle it reached by the end (-1: none known). */
  reached: number;
  stays: Stay[];
}

const lower = (s: string) => s.toLowerCase();
const ratio = (part: number, whole: number) => (whole > 0 ? part / whole : 0);

/**
 * The organization the pipeline is about: the one asked for, else the reader's first (by name).
 * Anyone outside it, guests included, learns nothing: 404 (org.readPipeline).
 */
async function pipelineOrganization(ctx: ActorContext, requested: string | undefined): Promise<OrgStanding> {
  if (requested) {
    const standing = await loadOrgStanding(ctx.sql, ctx.actor, requested);
    authorizeOrg(standing, "org.readPipeline");
    return { userId: standing.userId, organizationId: standing.organizationId, orgRole: standing.orgRole };
  }
  const mine = await ctx.sql<{ organizationId: string; orgRole: OrgRole }[]>`
    select m.organization_id as "organizationId", m.role as "orgRole"
    from memberships m join organizations o on o.id = m.organization_id
    where m.user_id = ${ctx.actor.userId} and m.deactivated_at is null order by o.name, o.id`;
  const chosen = mine.map((m) => ({ userId: ctx.actor.userId, ...m })).find((s) => can(s, "org.readPipeline"));
  if (!chosen) throw notFound("Organization");
  return chosen;
}

/** The rooms the reader sees in the pipeline: every room for `org.seeAllRooms`, else their internal ones. */
async function loadRooms(sql: Tx, standing: OrgStanding) {
  const all = can(standing, "org.seeAllRooms");
  const scope = all
    ? sql`true`
    : sql`exists (select 1 from participants p where p.room_id = r.id and p.user_id = ${standing.userId} and p.side = 'internal')`;
  const rooms = await sql<RoomRow[]>`
    select r.id, r.name, r.account, r.value_amount as "valueAmount", r.value_currency as "valueCurrency", r.stage, r.status,
      to_char(r.expected_close_date, 'YYYY-MM-DD') as "expectedCloseDate", r.created_at as "createdAt",
      o.user_id as "ownerId", u.name as "ownerName"
    from rooms r
    left join participants o on o.room_id = r.id and o.role = 'owner'
    left join users u on u.id = o.user_id
    where r.organization_id = ${standing.organizationId} and ${scope}
    order by r.created_at, r.id`;
  const moves = await sql<MoveRow[]>`
    select m.room_id as "roomId", m.kind, m.from_stage as "fromStage", m.to_stage as "toStage", m.status, m.moved_at as "movedAt"
    from stage_moves m join rooms r on r.id = m.room_id
    where r.organization_id = ${standing.organizationId} and ${scope}
    order by m.room_id, m.seq`;
  return { rooms, moves };
}

/** The room as it stood at `end` (ms), from its stage history. */
function dealAt(row: RoomRow, moves: MoveRow[], end: number, positions: Map<string, number>): Deal {
  const createdAt = row.createdAt.getTime();
  const before = moves.filter((m) => m.movedAt.getTime() <= end);
  // The stage it started in: where its first move left from; with no move, where it is.
  let stage = moves[0]?.fromStage ?? row.stage;
  let status: Deal["status"] = "open";
  let closedAt: number | null = null;
  let reached = positions.get(lower(stage)) ?? -1;
  const stays: Stay[] = [{ stage, start: createdAt, end: null }];
  const open = () => stays[stays.length - 1]!;
  for (const m of before) {
    const at = m.movedAt.getTime();
    if (m.kind === "move") {
      if (status === "open" && open().end === null) open().end = at;
      stage = m.toStage;
      reached = Math.max(reached, positions.get(lower(stage)) ?? -1);
      // A closed room that moves on (a won deal to Delivering) is no longer in the running: no stay.
      stays.push({ stage, start: at, end: status === "open" ? null : at });
    } else if (m.kind === "close") {
      if (open().end === null) open().end = at;
      status = m.status;
      closedAt = at;
    } else {
      status = "open";
      closedAt = null;
      stays.push({ stage, start: at, end: null });
    }
  }
  const value = row.valueAmount !== null && row.valueCurrency ? { amount: Number(row.valueAmount), currency: row.valueCurrency } : null;
  // Stays of zero length (a room created and moved at once) say nothing about time in stage.
  return { row, value, status, stage, createdAt, closedAt, reached, stays: stays.filter((s) => s.end === null || s.end > s.start) };
}

/** Whole UTC calendar days from one instant's date to another's. */
const calendarDays = (from: number, to: number) => Math.round((Math.floor(to / DAY) * DAY - Math.floor(from / DAY) * DAY) / DAY);
const round2 = (n: number) => Math.round(n * 100) / 100;

function addMoney(map: Map<string, number>, value: Money | null) {
  if (value) map.set(value.currency, (map.get(value.currency) ?? 0) + value.amount);
}

function perCurrency<T>(currencies: string[], f: (c: string) => T): PerCurrency<T> {
  return Object.fromEntries(currencies.map((c) => [c, f(c)]));
}

/** Value ratio per currency: the part's value over the whole's, 0 where the whole is worth nothing. */
function valueRatios(currencies: string[], part: Deal[], whole: Deal[]): PerCurrency<number> {
  const p = new Map<string, number>();
  const w = new Map<string, number>();
  for (const d of part) addMoney(p, d.value);
  for (const d of whole) addMoney(w, d.value);
  return perCurrency(currencies, (c) => ratio(p.get(c) ?? 0, w.get(c) ?? 0));
}
function sums(currencies: string[], deals: Deal[]): PerCurrency<Money> {
  const m = new Map<string, number>();
  for (const d of deals) addMoney(m, d.value);
  return perCurrency(currencies, (c) => ({ amount: m.get(c) ?? 0, currency: c }));
}

/** The answer of GET /api/v1/pipeline (docs/api.md "Pipeline"). */
export async function pipeline(ctx: ActorContext, raw: unknown): Promise<PipelineAnswer> {
  const input = parseInput(PipelineQuery, raw ?? {});
  const standing = await pipelineOrganization(ctx, input.organizationId);
  const cycle = await listStages(ctx.sql, standing.organizationId);
  const positions = new Map(cycle.map((s) => [lower(s.name), s.position] as const));
  let stageFilter: Stage | null = null;
  if (input.stage) {
    stageFilter = cycle.find((s) => lower(s.name) === lower(input.stage!)) ?? null;
    if (!stageFilter) throw invalid("Unknown stage.", { stage: `must be one of ${cycle.map((s) => s.name).join(", ")}` });
  }

  const now = Date.now();
  const fromTs = input.from ? Date.parse(`${input.from}T00:00:00Z`) : -Infinity;
  // `to` is a whole day, inclusive; the figures are as things stood at its end (or now, if sooner).
  const end = Math.min(input.to ? Date.parse(`${input.to}T00:00:00Z`) + DAY - 1 : now, now);
  const kind = input.period ?? "closed";

  const { rooms, moves } = await loadRooms(ctx.sql, standing);
  const movesByRoom = new Map<string, MoveRow[]>();
  for (const m of moves) (movesByRoom.get(m.roomId) ?? movesByRoom.set(m.roomId, []).get(m.roomId)!).push(m);

  const owners = new Map<string, string>();
  for (const r of rooms) if (r.ownerId && r.ownerName) owners.set(r.ownerId, r.ownerName);

  const deals = rooms
    .filter((r) => r.createdAt.getTime() <= end)
    .map((r) => dealAt(r, movesByRoom.get(r.id) ?? [], end, positions))
    .filter((d) => !input.ownerId || d.row.ownerId === input.ownerId)
    .filter((d) => !input.currency || d.value?.currency === input.currency)
    .filter((d) => !stageFilter || d.reached >= stageFilter.position);

  const isDecided = (d: Deal) => d.status !== "open";
  let decided: Deal[];
  let open: Deal[];
  if (kind === "closed") {
    decided = deals.filter((d) => isDecided(d) && d.closedAt! >= fromTs);
    open = deals.filter((d) => d.status === "open");
  } else {
    const cohort = deals.filter((d) => d.createdAt >= fromTs);
    decided = cohort.filter(isDecided);
    open = cohort.filter((d) => d.status === "open");
  }
  const won = decided.filter((d) => d.status === "won");
  const pursued = [...decided, ...open];
  const currencies = [...new Set(pursued.flatMap((d) => (d.value ? [d.value.currency] : [])))].sort();
  if (input.currency && !currencies.includes(input.currency)) currencies.push(input.currency);

  // Sales velocity per currency: opportunities × average value × win rate ÷ cycle days.
  const inCurrency = (list: Deal[], c: string) => list.filter((d) => d.value?.currency === c);
  const velocity: PipelineAnswer["velocity"] = { perDay: {}, opportunities: {}, averageValue: {}, winRate: {}, cycleDays: {} };
  for (const c of currencies) {
    const opps = inCurrency(pursued, c);
    const total = opps.reduce((s, d) => s + d.value!.amount, 0);
    const average = ratio(total, opps.length);
    const winRate = ratio(inCurrency(won, c).length, inCurrency(decided, c).length);
    const wins = inCurrency(won, c);
    // A deal won the day it was created took one day: a cycle is never zero days long.
    const cycleDays = ratio(wins.reduce((s, d) => s + Math.max(1, calendarDays(d.createdAt, d.closedAt!)), 0), wins.length);
    velocity.opportunities[c] = opps.length;
    velocity.averageValue[c] = { amount: Math.round(average), currency: c };
    velocity.winRate[c] = winRate;
    velocity.cycleDays[c] = cycleDays;
    velocity.perDay[c] = { amount: cycleDays > 0 ? Math.round((opps.length * average * winRate) / cycleDays) : 0, currency: c };
  }

  // Time in stage: completed stays (left by a move or a decision) of every deal in the selection.
  const stayDays = new Map<string, number[]>();
  for (const d of deals) {
    for (const s of d.stays) {
      if (s.end === null) continue;
      const key = lower(s.stage);
      (stayDays.get(key) ?? stayDays.set(key, []).get(key)!).push((s.end - s.start) / DAY);
    }
  }
  const norm = (stage: string) => {
    const days = stayDays.get(lower(stage)) ?? [];
    return { averageDays: round2(ratio(days.reduce((a, b) => a + b, 0), days.length)), stays: days.length };
  };

  const stageNames = cycle.filter((s) => !stageFilter || s.position >= stageFilter.position).map((s) => s.name);
  for (const d of open) if (!positions.has(lower(d.stage)) && !stageNames.some((n) => lower(n) === lower(d.stage))) stageNames.push(d.stage);
  const stages = stageNames.map((name) => {
    const here = open.filter((d) => lower(d.stage) === lower(name));
    const position = positions.get(lower(name));
    const reachedIt = position === undefined ? [] : decided.filter((d) => d.reached >= position);
    const wonFromIt = reachedIt.filter((d) => d.status === "won");
    return {
      stage: name,
      inCycle: position !== undefined,
      count: here.length,
      value: sums([...new Set(here.flatMap((d) => (d.value ? [d.value.currency] : [])))].sort(), here),
      conversionToWon: {
        unit: ratio(wonFromIt.length, reachedIt.length),
        value: valueRatios([...new Set(reachedIt.flatMap((d) => (d.value ? [d.value.currency] : [])))].sort(), wonFromIt, reachedIt),
        reached: reachedIt.length,
        won: wonFromIt.length,
      },
      ...norm(name),
    };
  });

  // Stalled and overdue: open deals, as of the end of the period.
  const factor = input.stallFactor ?? DEFAULT_STALL_FACTOR;
  const line = (d: Deal): DealLine => {
    const current = d.stays[d.stays.length - 1];
    return {
      roomId: d.row.id, name: d.row.name, account: d.row.account, stage: d.stage,
      owner: d.row.ownerId ? { id: d.row.ownerId, name: d.row.ownerName ?? "" } : null,
      value: d.value, expectedCloseDate: d.row.expectedCloseDate,
      daysInStage: current && current.end === null ? round2((end - current.start) / DAY) : 0,
      normDays: null, daysOverdue: null,
    };
  };
  const stalled = open
    .map((d) => ({ ...line(d), normDays: norm(d.stage).stays > 0 ? norm(d.stage).averageDays : null }))
    .filter((l) => l.normDays !== null && l.daysInStage > factor * Math.max(1, l.normDays))
    .sort((a, b) => b.daysInStage - a.daysInStage);
  const endDate = new Date(end).toISOString().slice(0, 10);
  const overdue = open
    .filter((d) => d.row.expectedCloseDate !== null && d.row.expectedCloseDate < endDate)
    .map((d) => ({ ...line(d), daysOverdue: calendarDays(Date.parse(`${d.row.expectedCloseDate}T00:00:00Z`), end) }))
    .sort((a, b) => b.daysOverdue - a.daysOverdue);

  // Win rate per month of decision, over the period (from its first decision when open-ended).
  const winRateOverTime: PipelineAnswer["winRateOverTime"] = [];
  if (decided.length > 0) {
    const first = Number.isFinite(fromTs) ? fromTs : Math.min(...decided.map((d) => d.closedAt!));
    const cursor = new Date(first);
    let y = cursor.getUTCFullYear();
    let m = cursor.getUTCMonth();
    const last = new Date(end);
    for (let i = 0; i < 130 && (y < last.getUTCFullYear() || (y === last.getUTCFullYear() && m <= last.getUTCMonth())); i++) {
      const start = Date.UTC(y, m, 1);
      const stop = Date.UTC(y, m + 1, 1);
      const inMonth = decided.filter((d) => d.closedAt! >= start && d.closedAt! < stop);
      const wonInMonth = inMonth.filter((d) => d.status === "won");
      const monthCurrencies = [...new Set(inMonth.flatMap((d) => (d.value ? [d.value.currency] : [])))].sort();
      winRateOverTime.push({
        month: `${y}-${String(m + 1).padStart(2, "0")}`,
        won: wonInMonth.length,
        lost: inMonth.length - wonInMonth.length,
        unit: ratio(wonInMonth.length, inMonth.length),
        value: valueRatios(monthCurrencies, wonInMonth, inMonth),
      });
      m += 1;
      if (m === 12) (m = 0), (y += 1);
    }
  }

  const credited = await attainmentFor(ctx.sql, standing, { from: input.from ?? null, to: endDate, ownerId: input.ownerId, currency: input.currency });
  return {
    organizationId: standing.organizationId,
    period: { kind, from: input.from ?? null, to: endDate },
    currencies,
    winRate: {
      decided: { unit: ratio(won.length, decided.length), value: valueRatios(currencies, won, decided) },
      pursued: { unit: ratio(won.length, pursued.length), value: valueRatios(currencies, won, pursued) },
      counts: {
        won: won.length, lost: decided.length - won.length, open: open.length, decided: decided.length, pursued: pursued.length,
        wonValue: sums(currencies, won), decidedValue: sums(currencies, decided), pursuedValue: sums(currencies, pursued),
      },
    },
    velocity,
    stages,
    forecast: await weightedForecast(ctx.sql, standing.organizationId, open),
    attainment: credited.attainment,
    teamCredit: { dealTeam: credited.creditDealTeam },
    stallFactor: factor,
    stalled,
    overdue,
    winRateOverTime,
    owners: [...owners].map(([id, name]) => ({ id, name })).sort((a, b) => a.name.localeCompare(b.name)),
    cycle: cycle.map((s) => s.name),
  };
}

/** The tables behind the pipeline page's charts and lists, as CSV (server/csv.ts escapes formula cells). */
export const PIPELINE_TABLES = ["stages", "win-rate", "velocity", "stalled", "overdue"] as const;
export type PipelineTable = (typeof PIPELINE_TABLES)[number];

const TableQuery = z.object({ table: z.enum(PIPELINE_TABLES, { error: `must be one of ${PIPELINE_TABLES.join(", ")}` }) });

export async function pipelineCsv(ctx: ActorContext, raw: unknown): Promise<{ filename: string; body: string }> {
  const { table, ...rest } = (raw ?? {}) as Record<string, unknown>;
  const { table: which } = parseInput(TableQuery, { table });
  const p = await pipeline(ctx, rest);
  const money = (m: Money | undefined) => (m ? m.amount : 0);
  let rows: unknown[][];
  if (which === "stages") {
    rows = [["stage", "open deals", ...p.currencies.map((c) => `open value ${c} (minor units)`), "reached and decided", "won from here", "conversion to won (unit)",
      ...p.currencies.map((c) => `conversion to won (value, ${c})`), "average days in stage", "completed stays"]];
    for (const s of p.stages) {
      rows.push([s.stage, s.count, ...p.currencies.map((c) => money(s.value[c])), s.conversionToWon.reached, s.conversionToWon.won, s.conversionToWon.unit,
        ...p.currencies.map((c) => s.conversionToWon.value[c] ?? 0), s.averageDays, s.stays]);
    }
  } else if (which === "win-rate") {
    rows = [["month", "won", "lost", "unit win rate", ...p.currencies.map((c) => `value win rate (${c})`)]];
    for (const m of p.winRateOverTime) rows.push([m.month, m.won, m.lost, m.unit, ...p.currencies.map((c) => m.value[c] ?? 0)]);
  } else if (which === "velocity") {
    rows = [["currency", "opportunities", "average value (minor units)", "win rate", "cycle days", "velocity per day (minor units)"]];
    for (const c of p.currencies) {
      const v = p.velocity;
      rows.push([c, v.opportunities[c], money(v.averageValue[c]), v.winRate[c], v.cycleDays[c], money(v.perDay[c])]);
    }
  } else {
    const list = which === "stalled" ? p.stalled : p.overdue;
    rows = [["room", "account", "stage", "owner", "value (minor units)", "currency", "expected close", "days in stage", which === "stalled" ? "stage norm (days)" : "days overdue"]];
    for (const l of list) {
      rows.push([l.name, l.account, l.stage, l.owner?.name ?? "", l.value?.amount ?? "", l.value?.currency ?? "", l.expectedCloseDate ?? "", l.daysInStage,
        which === "stalled" ? l.normDays : l.daysOverdue]);
    }
  }
  return { filename: `pipeline-${which}-${p.period.to}.csv`, body: csvLines(rows) };
}

/** The forecast part of the answer (decision 027); money is never added across currencies. */
async function weightedForecast(sql: Tx, organizationId: string, open: Deal[]): Promise<PipelineAnswer["forecast"]> {
  const forecasts = await forecastsFor(sql, organizationId, open.map((d) => d.row.id));
  const byRoom = open.map((d) => {
    const f = forecasts.get(d.row.id)!;
    return {
      roomId: d.row.id, name: d.row.name, value: d.value, probability: f.probability, days: f.days,
      expectedCloseDate: f.expectedCloseDate, reason: f.reason,
      weighted: d.value ? { amount: Math.round(d.value.amount * f.probability), currency: d.value.currency } : null,
    };
  }).sort((a, b) => a.expectedCloseDate.localeCompare(b.expectedCloseDate) || a.name.localeCompare(b.name));
  const sums = new Map<string, { period: string; currency: string; exact: number; count: number }>();
  for (const r of byRoom) {
    if (!r.value) continue;
    const period = r.expectedCloseDate.slice(0, 7);
    const key = `${period} ${r.value.currency}`;
    const e = sums.get(key) ?? sums.set(key, { period, currency: r.value.currency, exact: 0, count: 0 }).get(key)!;
    e.exact += r.value.amount * r.probability;
    e.count += 1;
  }
  const weighted = [...sums.values()]
    .map((e) => ({ period: e.period, currency: e.currency, amount: Math.round(e.exact), count: e.count }))
    .sort((a, b) => a.period.localeCompare(b.period) || a.currency.localeCompare(b.currency));
  return { weighted, byRoom };
}
