import { z } from "zod";
import { transaction, type Tx } from "../../db/client.ts";
import { conflict, invalid } from "../errors.ts";
import { authorize, can, loadAuthorized, type Standing, type StandingQuery } from "../access/index.ts";
import type { ActorContext } from "../context.ts";
import { recordActivity } from "../services/activity.ts";
import { Name, parseInput } from "../validation.ts";
import { internalStanding } from "./internal.ts";

/**
 * The stakeholder map: the people of the BUYING organization, their part in the decision, their
 * influence and where they stand. Internal by construction: there is no visibility; internal
 * readers (participants and organization admins) read it (`stakeholder.read`), internal editors
 * change it (`stakeholder.edit`). For the buyer's side it does not exist (404), and its live
 * events go out on the internal channel only.
 */

export const MAX_STAKEHOLDERS_PER_ROOM = 200;
export const DECISION_ROLES = [
  "economic_buyer",
  "decision_maker",
  "champion",
  "technical_evaluator",
  "user",
  "influencer",
  "blocker",
  "coach",
  "unknown",
] as const;
export const INFLUENCE_LEVELS = ["low", "medium", "high"] as const;
export const STANCES = ["supporter", "neutral", "skeptic", "opponent", "unknown"] as const;
export type DecisionRole = (typeof DECISION_ROLES)[number];
export type Influence = (typeof INFLUENCE_LEVELS)[number];
export type Stance = (typeof STANCES)[number];

export interface Stakeholder {
  id: string;
  roomId: string;
  name: string;
  title: string;
  decisionRole: DecisionRole;
  influence: Influence;
  stance: Stance;
  notes: string;
  /** The external participant this person is in the room, if linked. */
  user: { id: string; name: string } | null;
  createdBy: { id: string; name: string } | null;
  createdAt: string;
  updatedAt: string;
}
export interface StakeholderList {
  items: Stakeholder[];
  abilities: { edit: boolean };
}

const list = (values: readonly string[]) => values.map((v) => `"${v}"`).join(", ");
const StakeholderFields = {
  name: Name,
  title: z.string({ error: "must be text" }).trim().max(200, "must be at most 200 characters"),
  decisionRole: z.enum(DECISION_ROLES, { error: `must be one of ${list(DECISION_ROLES)}` }),
  influence: z.enum(INFLUENCE_LEVELS, { error: `must be one of ${list(INFLUENCE_LEVELS)}` }),
  stance: z.enum(STANCES, { error: `must be one of ${list(STANCES)}` }),
  notes: z.string({ error: "must be text" }).max(5000, "must be at most 5,000 characters"),
  userId: z.uuid({ error: "must be a guest of this room" }).nullable(),
};
const CreateInput = z
  .object(StakeholderFields)
  .partial()
  .required({ name: true })
  .strict();
const UpdateInput = z.object(StakeholderFields).partial().strict();

interface Row {
  id: string;
  roomId: string;
  organizationId: string;
  name: string;
  title: string;
  decisionRole: DecisionRole;
  influence: Influence;
  stance: Stance;
  notes: string;
  userId: string | null;
  userName: string | null;
  createdById: string | null;
  createdByName: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/** With `standing`, the reader's standing comes in the same query (loadAuthorized). */
const SELECT = (sql: Tx, standing?: StandingQuery) => sql`
  select s.id, s.room_id as "roomId", r.organization_id as "organizationId", s.name, s.title,
    s.decision_role as "decisionRole", s.influence, s.stance, s.notes,
    s.user_id as "userId", lu.name as "userName", s.created_by as "createdById", cu.name as "createdByName",
    s.created_at as "createdAt", s.updated_at as "updatedAt" ${standing ? sql`, ${standing.columns}` : sql``}
  from stakeholders s
  join rooms r on r.id = s.room_id ${standing ? standing.joins : sql``}
  left join users lu on lu.id = s.user_id
  left join users cu on cu.id = s.created_by`;

const ROLE_ORDER = (sql: Tx) =>
  sql`array_position(${DECISION_ROLES as unknown as string[]}::text[], s.decision_role)`;

function toStakeholder(row: Row): Stakeholder {
  return {
    id: row.id,
    roomId: row.roomId,
    name: row.name,
    title: row.title,
    decisionRole: row.decisionRole,
    influence: row.influence,
    stance: row.stance,
    notes: row.notes,
    user: row.userId && row.userName ? { id: row.userId, name: row.userName } : null,
    createdBy: row.createdById && row.createdByName ? { id: row.createdById, name: row.createdByName } : null,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

const WHAT = "Stakeholder";

async function find(sql: Tx, id: string, standing?: StandingQuery): Promise<Row | undefined> {
  const [row] = await sql<Row[]>`${SELECT(sql, standing)} where s.id = ${id}`;
  return row;
}

/** A stakeholder the actor may read; anything else (an external asking, another room) is a 404. */
async function open(ctx: ActorContext, stakeholderId: string | undefined): Promise<{ row: Row; standing: Standing }> {
  return loadAuthorized(ctx.sql, ctx.actor, WHAT, stakeholderId, (id, s) => find(ctx.sql, id, s), { readable: "stakeholder.read" });
}

/** A linked user must be a guest (external participant) of the room. */
async function assertGuest(sql: Tx, roomId: string, userId: string) {
  const [p] = await sql`select 1 from participants where room_id = ${roomId} and user_id = ${userId} and side = 'external'`;
  if (!p) throw invalid("Link a stakeholder only to a guest of this room.", { userId: "must be a guest of this room" });
}

function publish(ctx: ActorContext, type: string, roomId: string, payload: Record<string, unknown>) {
  ctx.bus.publish({ roomId, type, visibility: "internal", payload });
}

/** `GET /rooms/:roomId/stakeholders`, grouped by decision role (in DECISION_ROLES order), then by age. */
export async function listStakeholders(ctx: ActorContext, roomId: string | undefined): Promise<StakeholderList> {
  const standing = await internalStanding(ctx, roomId, "stakeholder.read", "Stakeholders");
  const rows = await ctx.sql<Row[]>`${SELECT(ctx.sql)} where s.room_id = ${standing.roomId} order by ${ROLE_ORDER(ctx.sql)}, s.created_at`;
  return { items: rows.map(toStakeholder), abilities: { edit: can(standing, "stakeholder.edit") } };
}

export async function createStakeholder(ctx: ActorContext, roomId: string | undefined, raw: unknown): Promise<Stakeholder> {
  const standing = await internalStanding(ctx, roomId, "stakeholder.read", "Stakeholders");
  authorize(standing, "stakeholder.edit");
  const input = parseInput(CreateInput, raw);
  if (input.userId) await assertGuest(ctx.sql, standing.roomId, input.userId);
  const id = await transaction(ctx.sql, async (sql) => {
    await sql`select pg_advisory_xact_lock(hashtextextended(${`dealroom.stakeholders:${standing.roomId}`}, 0))`;
    const [count] = await sql<{ n: number }[]>`select count(*)::int as n from stakeholders where room_id = ${standing.roomId}`;
    if (count!.n >= MAX_STAKEHOLDERS_PER_ROOM) throw conflict("too_many_stakeholders", `A room holds at most ${MAX_STAKEHOLDERS_PER_ROOM} stakeholders.`);
    const [row] = await sql<{ id: string }[]>`
      insert into stakeholders (room_id, name, title, decision_role, influence, stance, notes, user_id, created_by)
      values (${standing.roomId}, ${input.name}, ${input.title ?? ""}, ${input.decisionRole ?? "unknown"}, ${input.influence ?? "medium"},
              ${input.stance ?? "unknown"}, ${input.notes ?? ""}, ${input.userId ?? null}, ${ctx.actor.userId})
      returning id`;
    await recordActivity(sql, {
      roomId: standing.roomId, organizationId: standing.organizationId, actorId: ctx.actor.userId, type: "stakeholder.added",
      objectType: "stakeholder", objectId: row!.id, visibility: "internal", data: { name: input.name }, ip: ctx.ip,
    });
    return row!.id;
  });
  const stakeholder = toStakeholder((await find(ctx.sql, id))!);
  publish(ctx, "stakeholder.added", standing.roomId, { stakeholder });
  return stakeholder;
}

const COLUMN: Record<keyof z.infer<typeof UpdateInput>, string> = {
  name: "name", title: "title", decisionRole: "decision_role", influence: "influence", stance: "stance", notes: "notes", userId: "user_id",
};

export async function updateStakeholder(ctx: ActorContext, stakeholderId: string | undefined, raw: unknown): Promise<Stakeholder> {
  const { row, standing } = await open(ctx, stakeholderId);
  authorize(standing, "stakeholder.edit");
  const input = parseInput(UpdateInput, raw);
  if (input.userId) await assertGuest(ctx.sql, row.roomId, input.userId);
  const changes: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(input) as [keyof typeof COLUMN, unknown][]) {
    if (value !== undefined) changes[COLUMN[key]] = value;
  }
  if (Object.keys(changes).length === 0) return toStakeholder(row);
  await transaction(ctx.sql, async (sql) => {
    await sql`update stakeholders set ${sql(changes)}, updated_at = now() where id = ${row.id}`;
    await recordActivity(sql, {
      roomId: row.roomId, organizationId: row.organizationId, actorId: ctx.actor.userId, type: "stakeholder.updated",
      objectType: "stakeholder", objectId: row.id, visibility: "internal", data: { fields: Object.keys(input) }, ip: ctx.ip,
    });
  });
  const stakeholder = toStakeholder((await find(ctx.sql, row.id))!);
  publish(ctx, "stakeholder.updated", row.roomId, { stakeholder });
  return stakeholder;
}

export async function removeStakeholder(ctx: ActorContext, stakeholderId: string | undefined): Promise<void> {
  const { row, standing } = await open(ctx, stakeholderId);
  authorize(standing, "stakeholder.edit");
  await transaction(ctx.sql, async (sql) => {
    await sql`delete from stakeholders where id = ${row.id}`;
    await recordActivity(sql, {
      roomId: row.roomId, organizationId: row.organizationId, actorId: ctx.actor.userId, type: "stakeholder.removed",
      objectType: "stakeholder", objectId: row.id, visibility: "internal", data: { name: row.name }, ip: ctx.ip,
    });
  });
  publish(ctx, "stakeholder.removed", row.roomId, { stakeholderId: row.id });
}
