import { z } from "zod";
import { transaction, type Tx } from "../../db/client.ts";
import { authorize, can, requireOrg } from "../access/index.ts";
import type { ActorContext } from "../context.ts";
import { invalid } from "../errors.ts";
import { recordActivity } from "../services/activity.ts";
import { Id, parseInput } from "../validation.ts";
import { internalStanding } from "./internal.ts";

/**
 * The event-based forecast of Integrated Sales Management (issue 18, decision 027,
 * docs/api.md "Forecast"). The organization defines buying statuses (events the buyer
 * completes) and sales statuses (events the seller completes), and two matrices indexed
 * [buying statuses completed][sales statuses completed]: the probability of close and the days
 * until close. A room's forecast is the cell its completed statuses point at. A buying status may
 * be tied, per room, to a plan step: the step being done completes the status.
 *
 * Internal by construction: `forecast.read` / `forecast.edit` in a room, `org.readForecast` /
 * `org.manageForecast` for the organization's settings. For guests none of it exists (404).
 */

export const MAX_STATUSES = 20;
export const MAX_DAYS = 3650;
const DAY = 86_400_000;

export const DEFAULT_BUYING = [
  "Need acknowledged", "Budget confirmed", "Decision process agreed", "Security review passed", "Legal redlines returned",
];
export const DEFAULT_SALES = [
  "Prospect qualified", "Key buying participants identified", "Offering positioned", "Decision criteria known",
  "Competition understood", "Implementation plan set",
];

/**
 * The shipped matrices: probability follows mostly the seller's progress (the notes: "the
 * probability of close is based on … following the sales process"), days until close mostly
 * the buyer's ("the projected time of close is based on … the buy cycle"). Decision 027.
 */
export function defaultMatrices(buying: number, sales: number) {
  const probability: number[][] = [];
  const days: number[][] = [];
  for (let b = 0; b <= buying; b++) {
    probability.push([]);
    days.push([]);
    for (let s = 0; s <= sales; s++) {
      probability[b]!.push(Math.round((0.05 + 0.75 * (s / Math.max(1, sales)) + 0.15 * (b / Math.max(1, buying))) * 100) / 100);
      days[b]!.push(Math.max(7, Math.round(150 - 120 * (b / Math.max(1, buying)) - 20 * (s / Math.max(1, sales)))));
    }
  }
  return { probability, days };
}

export interface ForecastStatus {
  id: string;
  kind: "buying" | "sales";
  label: string;
  position: number;
}
export interface ForecastSettings {
  organizationId: string;
  buying: ForecastStatus[];
  sales: ForecastStatus[];
  /** (buying.length + 1) rows × (sales.length + 1) columns, each 0..1. */
  probability: number[][];
  /** Same shape, whole days ≥ 0. */
  days: number[][];
  abilities: { edit: boolean };
}

/** Creates the shipped statuses and matrices for an organization that has none (idempotent). */
export async function ensureForecastDefaults(sql: Tx, organizationId: string): Promise<void> {
  await transaction(sql, async (tx) => {
    const { probability, days } = defaultMatrices(DEFAULT_BUYING.length, DEFAULT_SALES.length);
    const won = await tx`
      insert into forecast_matrices (organization_id, probability, days)
      values (${organizationId}, ${tx.json(probability)}, ${tx.json(days)})
      on conflict (organization_id) do nothing returning organization_id`;
    if (won.length === 0) return;
    const rows = [
      ...DEFAULT_BUYING.map((label, i) => ({ organization_id: organizationId, kind: "buying", label, position: i })),
      ...DEFAULT_SALES.map((label, i) => ({ organization_id: organizationId, kind: "sales", label, position: i })),
    ];
    await tx`insert into forecast_statuses ${tx(rows, "organization_id", "kind", "label", "position")}`;
  });
}

async function loadSettings(sql: Tx, organizationId: string) {
  await ensureForecastDefaults(sql, organizationId);
  const statuses = await sql<ForecastStatus[]>`
    select id, kind, label, position from forecast_statuses where organization_id = ${organizationId} order by kind, position, created_at`;
  const [m] = await sql<{ probability: number[][]; days: number[][] }[]>`
    select probability, days from forecast_matrices where organization_id = ${organizationId}`;
  return {
    buying: statuses.filter((s) => s.kind === "buying"),
    sales: statuses.filter((s) => s.kind === "sales"),
    probability: m!.probability,
    days: m!.days,
  };
}

export async function getForecastSettings(ctx: ActorContext, organizationId: string | undefined): Promise<ForecastSettings> {
  const org = await requireOrg(ctx.sql, ctx.actor, organizationId, "org.readForecast", "forecast settings");
  return { organizationId: org.organizationId, ...(await loadSettings(ctx.sql, org.organizationId)), abilities: { edit: can(org, "org.manageForecast") } };
}

const Label = z.string({ error: "is required" }).trim().min(1, "is required").max(120, "must be at most 120 characters");
const StatusInput = z.object({ id: z.uuid({ error: "must be a status id" }).optional(), label: Label }).strict();
const Statuses = z.array(StatusInput, { error: "must be a list of statuses" }).min(1, "must list at least one status").max(MAX_STATUSES, `must list at most ${MAX_STATUSES} statuses`);
const Row = (cell: z.ZodNumber) => z.array(cell, { error: "must be a list of numbers" }).max(MAX_STATUSES + 1, `must have at most ${MAX_STATUSES + 1} columns`);
const Probability = z.number({ error: "must be a number between 0 and 1" }).min(0, "must be between 0 and 1").max(1, "must be between 0 and 1");
const Days = z.number({ error: "must be a whole number of days" }).int("must be a whole number of days").min(0, "must not be negative").max(MAX_DAYS, `must be at most ${MAX_DAYS}`);

export const SettingsInput = z
  .object({
    buying: Statuses,
    sales: Statuses,
    probability: z.array(Row(Probability), { error: "must be a list of rows" }).max(MAX_STATUSES + 1, `must have at most ${MAX_STATUSES + 1} rows`),
    days: z.array(Row(Days), { error: "must be a list of rows" }).max(MAX_STATUSES + 1, `must have at most ${MAX_STATUSES + 1} rows`),
  })
  .strict()
  .superRefine((v, ctx) => {
    for (const name of ["probability", "days"] as const) {
      const m = v[name];
      if (m.length !== v.buying.length + 1) {
        ctx.addIssue({ code: "custom", path: [name], message: `must have ${v.buying.length + 1} rows (0 to ${v.buying.length} buying statuses completed)` });
        continue;
      }
      m.forEach((row, i) => {
        if (row.length !== v.sales.length + 1) {
          ctx.addIssue({ code: "custom", path: [name, i], message: `must have ${v.sales.length + 1} columns (0 to ${v.sales.length} sales statuses completed)` });
        }
      });
    }
    for (const kind of ["buying", "sales"] as const) {
      const seen = new Set<string>();
      v[kind].forEach((s, i) => {
        if (s.id && seen.has(s.id)) ctx.addIssue({ code: "custom", path: [kind, i, "id"], message: "is listed twice" });
        if (s.id) seen.add(s.id);
      });
    }
  });

/** `PUT /organizations/:organizationId/forecast`: replaces the statuses (keeping the ids given) and both matrices. */
export async function setForecastSettings(ctx: ActorContext, organizationId: string | undefined, raw: unknown): Promise<ForecastSettings> {
  const org = await requireOrg(ctx.sql, ctx.actor, organizationId, "org.manageForecast", "edit the forecast");
  const input = parseInput(SettingsInput, raw);
  await ensureForecastDefaults(ctx.sql, org.organizationId);
  await transaction(ctx.sql, async (sql) => {
    const existing = await sql<{ id: string; kind: string }[]>`
      select id, kind from forecast_statuses where organization_id = ${org.organizationId} for update`;
    const kindOf = new Map(existing.map((s) => [s.id, s.kind]));
    const keep: string[] = [];
    for (const kind of ["buying", "sales"] as const) {
      input[kind].forEach((s, i) => {
        if (s.id && kindOf.get(s.id) !== kind) throw invalid(`Please check ${kind}.${i}.id.`, { [`${kind}.${i}.id`]: `must be one of the organization's ${kind} statuses` });
        if (s.id) keep.push(s.id);
      });
    }
    await sql`delete from forecast_statuses where organization_id = ${org.organizationId} and not (id = any(${keep}::uuid[]))`;
    for (const kind of ["buying", "sales"] as const) {
      for (const [i, s] of input[kind].entries()) {
        if (s.id) await sql`update forecast_statuses set label = ${s.label}, position = ${i} where id = ${s.id}`;
        else await sql`insert into forecast_statuses (organization_id, kind, label, position) values (${org.organizationId}, ${kind}, ${s.label}, ${i})`;
      }
    }
    await sql`
      update forecast_matrices set probability = ${sql.json(input.probability)}, days = ${sql.json(input.days)},
        updated_by = ${ctx.actor.userId}, updated_at = now()
      where organization_id = ${org.organizationId}`;
    await recordActivity(sql, {
      roomId: null, organizationId: org.organizationId, actorId: ctx.actor.userId, type: "forecast.settings_updated",
      objectType: "organization", objectId: org.organizationId, visibility: "internal", data: {}, ip: ctx.ip,
    });
  });
  return getForecastSettings(ctx, org.organizationId);
}

export interface RoomStatus extends ForecastStatus {
  completed: boolean;
  /** Completed because its tied plan step is done (or marked by hand). */
  completedBy: "hand" | "planStep" | null;
  planStep: { id: string; title: string; status: string } | null;
}
export interface Forecast {
  buyingCompleted: number;
  buyingTotal: number;
  salesCompleted: number;
  salesTotal: number;
  probability: number;
  days: number;
  /** Today (UTC) + days, YYYY-MM-DD. */
  expectedCloseDate: string;
  /** "3 of 5 buying statuses, 4 of 6 sales statuses → 60%, 45 days" */
  reason: string;
}
export interface RoomForecast {
  roomId: string;
  buying: RoomStatus[];
  sales: RoomStatus[];
  forecast: Forecast;
  abilities: { edit: boolean };
}

export function forecastFrom(b: number, B: number, s: number, S: number, probability: number[][], days: number[][], now = Date.now()): Forecast {
  const p = probability[b]?.[s] ?? 0;
  const d = days[b]?.[s] ?? 0;
  const pct = Math.round(p * 1000) / 10;
  return {
    buyingCompleted: b, buyingTotal: B, salesCompleted: s, salesTotal: S, probability: p, days: d,
    expectedCloseDate: new Date(Math.floor(now / DAY) * DAY + d * DAY).toISOString().slice(0, 10),
    reason: `${b} of ${B} buying statuses, ${s} of ${S} sales statuses → ${pct}%, ${d} ${d === 1 ? "day" : "days"}`,
  };
}

interface RoomStatusRow {
  roomId: string;
  statusId: string;
  completed: boolean;
  planStepId: string | null;
  stepTitle: string | null;
  stepStatus: string | null;
}

async function roomStatusRows(sql: Tx, roomIds: string[]) {
  if (roomIds.length === 0) return [];
  return sql<RoomStatusRow[]>`
    select r.room_id as "roomId", r.status_id as "statusId", r.completed, r.plan_step_id as "planStepId",
      p.title as "stepTitle", p.status as "stepStatus"
    from room_forecast_statuses r left join plan_steps p on p.id = r.plan_step_id and p.room_id = r.room_id
    where r.room_id = any(${roomIds}::uuid[])`;
}

function roomView(settings: Awaited<ReturnType<typeof loadSettings>>, rows: RoomStatusRow[]) {
  const byStatus = new Map(rows.map((r) => [r.statusId, r]));
  const view = (s: ForecastStatus): RoomStatus => {
    const r = byStatus.get(s.id);
    const byStep = r?.planStepId != null && r.stepStatus === "done";
    const completed = !!r?.completed || byStep;
    return {
      ...s, completed, completedBy: r?.completed ? "hand" : byStep ? "planStep" : null,
      planStep: r?.planStepId && r.stepTitle !== null ? { id: r.planStepId, title: r.stepTitle, status: r.stepStatus! } : null,
    };
  };
  const buying = settings.buying.map(view);
  const sales = settings.sales.map(view);
  const forecast = forecastFrom(
    buying.filter((s) => s.completed).length, buying.length, sales.filter((s) => s.completed).length, sales.length,
    settings.probability, settings.days,
  );
  return { buying, sales, forecast };
}

/** `GET /rooms/:roomId/forecast`: the statuses, which are completed, and the cell they point at. */
export async function getRoomForecast(ctx: ActorContext, roomId: string | undefined): Promise<RoomForecast> {
  const standing = await internalStanding(ctx, roomId, "forecast.read", "Forecast");
  const settings = await loadSettings(ctx.sql, standing.organizationId);
  const rows = await roomStatusRows(ctx.sql, [standing.roomId]);
  return { roomId: standing.roomId, ...roomView(settings, rows), abilities: { edit: can(standing, "forecast.edit") } };
}

const RoomInput = z
  .object({
    statuses: z
      .array(
        z.object({
          statusId: Id.describe("status"),
          completed: z.boolean({ error: "must be true or false" }).optional(),
          planStepId: z.uuid({ error: "must be a plan step of this room" }).nullable().optional(),
        }).strict(),
        { error: "must be a list of statuses" },
      )
      .max(2 * MAX_STATUSES, `must list at most ${2 * MAX_STATUSES} statuses`),
  })
  .strict();

/** `PUT /rooms/:roomId/forecast`: marks statuses completed (or not) and ties buying statuses to plan steps. */
export async function setRoomForecast(ctx: ActorContext, roomId: string | undefined, raw: unknown): Promise<RoomForecast> {
  const standing = await internalStanding(ctx, roomId, "forecast.read", "Forecast");
  authorize(standing, "forecast.edit");
  const input = parseInput(RoomInput, raw);
  const settings = await loadSettings(ctx.sql, standing.organizationId);
  const kinds = new Map([...settings.buying, ...settings.sales].map((s) => [s.id, s.kind]));
  const stepIds = input.statuses.map((s) => s.planStepId).filter((x): x is string => !!x);
  const steps = new Set(
    stepIds.length
      ? (await ctx.sql<{ id: string }[]>`select id from plan_steps where room_id = ${standing.roomId} and id = any(${stepIds}::uuid[])`).map((r) => r.id)
      : [],
  );
  input.statuses.forEach((s, i) => {
    const kind = kinds.get(s.statusId);
    if (!kind) throw invalid(`Please check statuses.${i}.statusId.`, { [`statuses.${i}.statusId`]: "must be one of the organization's statuses" });
    if (s.planStepId && kind !== "buying") throw invalid(`Please check statuses.${i}.planStepId.`, { [`statuses.${i}.planStepId`]: "only a buying status may be tied to a plan step" });
    if (s.planStepId && !steps.has(s.planStepId)) throw invalid(`Please check statuses.${i}.planStepId.`, { [`statuses.${i}.planStepId`]: "must be a plan step of this room" });
  });
  await transaction(ctx.sql, async (sql) => {
    for (const s of input.statuses) {
      await sql`
        insert into room_forecast_statuses (room_id, status_id, completed, plan_step_id, updated_by, updated_at)
        values (${standing.roomId}, ${s.statusId}, ${s.completed ?? false}, ${s.planStepId ?? null}, ${ctx.actor.userId}, now())
        on conflict (room_id, status_id) do update set
          completed = ${s.completed === undefined ? sql`room_forecast_statuses.completed` : sql`excluded.completed`},
          plan_step_id = ${s.planStepId === undefined ? sql`room_forecast_statuses.plan_step_id` : sql`excluded.plan_step_id`},
          updated_by = excluded.updated_by, updated_at = now()`;
    }
    await recordActivity(sql, {
      roomId: standing.roomId, organizationId: standing.organizationId, actorId: ctx.actor.userId, type: "forecast.updated",
      objectType: "forecast", objectId: standing.roomId, visibility: "internal", data: { statuses: input.statuses.length }, ip: ctx.ip,
    });
  });
  return getRoomForecast(ctx, standing.roomId);
}

/** For the pipeline answer: each room's forecast, from the organization's matrices. */
export async function forecastsFor(sql: Tx, organizationId: string, roomIds: string[]): Promise<Map<string, Forecast>> {
  const settings = await loadSettings(sql, organizationId);
  const rows = await roomStatusRows(sql, roomIds);
  const byRoom = new Map<string, RoomStatusRow[]>();
  for (const r of rows) (byRoom.get(r.roomId) ?? byRoom.set(r.roomId, []).get(r.roomId)!).push(r);
  return new Map(roomIds.map((id) => [id, roomView(settings, byRoom.get(id) ?? []).forecast]));
}
