import { z } from "zod";
import { transaction, type Tx } from "../../db/client.ts";
import {
  abilities,
  authorize,
  can,
  canReadItem,
  loadAuthorized,
  loadStanding,
  visibleWhere,
  type ItemAbilities,
  type Side,
  type Standing,
  type StandingQuery,
  type Visibility as StepVisibility,
} from "../access/index.ts";
import type { ActorContext } from "../context.ts";
import { conflict, invalid } from "../errors.ts";
import { recordActivity } from "../services/activity.ts";
import { Id, IsoDate, parseInput, Visibility } from "../validation.ts";

/**
 * The mutual action plan: the steps both sides agree to take until the deal closes. Every step
 * is `shared` (the buyer's team sees and works it) or `internal` (the seller's own to-dos,
 * which do not exist for the buyer's side). See docs/decisions/009-action-plan-and-planning.md.
 *
 * Who may do what (server/access/policy.ts):
 * - everyone in the room reads the steps they may see (`room.read` + `item.read`);
 * - editors of either side add shared steps (`plan.create`), edit and remove the steps they see
 *   (`item.edit`) and reorder them (`plan.reorder`); only internal editors add internal steps
 *   (`plan.createInternal`) or change a step's visibility (`item.changeVisibility`);
 * - a commenter may change the status of a step assigned to them, nothing else (`item.setStatus`).
 */

export const MAX_STEPS_PER_ROOM = 200;
export const STEP_STATUSES = ["open", "done", "blocked"] as const;
export type StepStatus = (typeof STEP_STATUSES)[number];

export interface PlanPerson {
  id: string;
  name: string;
  side: Side;
}

/** A step as every reader of it sees it (live events carry this). */
export interface PlanStep {
  id: string;
  roomId: string;
  title: string;
  notes: string;
  owner: PlanPerson | null;
  /** YYYY-MM-DD or null. */
  dueDate: string | null;
  status: StepStatus;
  visibility: StepVisibility;
  position: number;
  /** Open or blocked, and due before today (UTC). */
  overdue: boolean;
  completedAt: string | null;
  createdBy: { id: string; name: string } | null;
  createdAt: string;
  updatedAt: string;
}
export interface PlanStepView extends PlanStep {
  abilities: ItemAbilities;
}
export interface PlanView {
  items: PlanStepView[];
  /** The last due date among the steps this reader may see (internal steps never move it for externals). */
  projectedCloseDate: string | null;
  /** The room's expected close date. */
  expectedCloseDate: string | null;
  abilities: { create: boolean; createInternal: boolean; reorder: boolean };
}

const Title = z
  .string({ error: "is required" })
  .trim()
  .min(1, "is required")
  .max(300, "must be at most 300 characters");
const Notes = z.string({ error: "must be text" }).max(5000, "must be at most 5,000 characters");
const Status = z.enum(STEP_STATUSES, { error: 'must be "open", "done" or "blocked"' });
const OwnerId = z.uuid({ error: "must be a participant of this room" }).nullable();
const DueDate = IsoDate.nullable();

const CreateStepInput = z
  .object({
    title: Title,
    notes: Notes.optional(),
    ownerId: OwnerId.optional(),
    dueDate: DueDate.optional(),
    status: Status.optional(),
    visibility: Visibility.optional(),
  })
  .strict();
const UpdateStepInput = z
  .object({ title: Title, notes: Notes, ownerId: OwnerId, dueDate: DueDate, status: Status, visibility: Visibility })
  .partial()
  .strict();
const ReorderInput = z
  .object({ stepIds: z.array(Id, { error: "must be a list of step ids" }).max(MAX_STEPS_PER_ROOM, `must list at most ${MAX_STEPS_PER_ROOM} steps`) })
  .strict();

interface StepRow {
  id: string;
  roomId: string;
  organizationId: string;
  title: string;
  notes: string;
  ownerId: string | null;
  ownerName: string | null;
  ownerSide: Side | null;
  dueDate: string | null;
  status: StepStatus;
  visibility: StepVisibility;
  position: number;
  overdue: boolean;
  completedAt: Date | null;
  createdById: string | null;
  createdByName: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/** With `standing`, the reader's standing comes in the same query (loadAuthorized). */
const STEP_SELECT = (sql: Tx, standing?: StandingQuery) => sql`
  select s.id, s.room_id as "roomId", r.organization_id as "organizationId", s.title, s.notes,
    s.owner_id as "ownerId", ou.name as "ownerName", op.side as "ownerSide",
    s.due_date as "dueDate", s.status, s.visibility, s.position,
    (s.status <> 'done' and s.due_date is not null and s.due_date < (now() at time zone 'utc')::date) as overdue,
    s.completed_at as "completedAt", s.created_by as "createdById", cu.name as "createdByName",
    s.created_at as "createdAt", s.updated_at as "updatedAt" ${standing ? sql`, ${standing.columns}` : sql``}
  from plan_steps s
  join rooms r on r.id = s.room_id ${standing ? standing.joins : sql``}
  left join participants op on op.room_id = s.room_id and op.user_id = s.owner_id
  left join users ou on ou.id = s.owner_id
  left join users cu on cu.id = s.created_by`;

function toStep(row: StepRow): PlanStep {
  return {
    id: row.id,
    roomId: row.roomId,
    title: row.title,
    notes: row.notes,
    owner: row.ownerId && row.ownerName && row.ownerSide ? { id: row.ownerId, name: row.ownerName, side: row.ownerSide } : null,
    dueDate: row.dueDate,
    status: row.status,
    visibility: row.visibility,
    position: row.position,
    overdue: row.overdue,
    completedAt: row.completedAt ? row.completedAt.toISOString() : null,
    createdBy: row.createdById && row.createdByName ? { id: row.createdById, name: row.createdByName } : null,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

/** What the policy needs to know about a step. */
const scoped = (row: { visibility: StepVisibility; ownerId: string | null; createdById: string | null }) => ({
  visibility: row.visibility,
  assigneeId: row.ownerId,
  createdBy: row.createdById,
});

const viewOf = (row: StepRow, s: Standing): PlanStepView => ({ ...toStep(row), abilities: abilities(s, scoped(row)) });

async function findStep(sql: Tx, stepId: string, standing?: StandingQuery): Promise<StepRow | undefined> {
  const [row] = await sql<StepRow[]>`${STEP_SELECT(sql, standing)} where s.id = ${stepId}`;
  return row;
}

/** Serializes position changes of one room's plan (adding at the end, reordering). */
const lockPlan = (sql: Tx, roomId: string) => sql`select pg_advisory_xact_lock(hashtextextended(${`dealroom.plan:${roomId}`}, 0))`;

/**
 * Loads a step the actor may read. A step of a room they cannot see, or an internal step asked
 * for by an external participant, answers 404 exactly like an id that does not exist.
 */
async function openStep(ctx: ActorContext, stepId: string | undefined): Promise<{ step: StepRow; standing: Standing }> {
  const { row, standing } = await loadAuthorized<StepRow>(ctx.sql, ctx.actor, "Plan step", stepId, (id, s) => findStep(ctx.sql, id, s), {
    action: "item.read",
    item: scoped,
  });
  return { step: row, standing };
}

/** The owner must be a participant of the room who may see the step. */
async function assertOwner(sql: Tx, s: Standing, ownerId: string, visibility: StepVisibility) {
  const [p] = await sql<{ side: Side }[]>`
    select p.side from participants p join users u on u.id = p.user_id and u.deactivated_at is null
    where p.room_id = ${s.roomId} and p.user_id = ${ownerId}`;
  if (!p) throw invalid("The owner must be a participant of this room.", { ownerId: "must be a participant of this room" });
  if (visibility === "internal" && p.side !== "internal") {
    throw invalid("An internal step can only be owned by your own team.", { ownerId: "cannot see an internal step (a guest)" });
  }
}

const eventStep = (row: StepRow) => toStep(row);

function publishStep(ctx: ActorContext, type: string, row: StepRow) {
  ctx.bus.publish({ roomId: row.roomId, type, visibility: row.visibility, payload: { step: eventStep(row) } });
}

async function planFor(ctx: ActorContext, s: Standing): Promise<PlanView> {
  const rows = await ctx.sql<StepRow[]>`
    ${STEP_SELECT(ctx.sql)}
    where s.room_id = ${s.roomId} and ${visibleWhere(ctx.sql, s, "s.visibility")}
    order by s.position, s.created_at`;
  const [room] = await ctx.sql<{ expectedCloseDate: string | null }[]>`
    select expected_close_date as "expectedCloseDate" from rooms where id = ${s.roomId}`;
  const due = rows.map((r) => r.dueDate).filter((d): d is string => d !== null).sort();
  return {
    items: rows.map((r) => viewOf(r, s)),
    projectedCloseDate: due.length ? due[due.length - 1]! : null,
    expectedCloseDate: room?.expectedCloseDate ?? null,
    abilities: { create: can(s, "plan.create"), createInternal: can(s, "plan.createInternal"), reorder: can(s, "plan.reorder") },
  };
}

/** `GET /rooms/:roomId/plan`: the steps the caller may see, in plan order. */
export async function listPlan(ctx: ActorContext, roomId: string | undefined): Promise<PlanView> {
  const standing = await loadStanding(ctx.sql, ctx.actor, roomId);
  authorize(standing, "room.read");
  return planFor(ctx, standing);
}

export async function getPlanStep(ctx: ActorContext, stepId: string | undefined): Promise<PlanStepView> {
  const { step, standing } = await openStep(ctx, stepId);
  return viewOf(step, standing);
}

const statusActivity: Record<StepStatus, string> = { done: "plan.step_done", blocked: "plan.step_blocked", open: "plan.step_reopened" };

/** Adds a step at the end of the plan. Shared unless an internal editor asks for internal. */
export async function createPlanStep(ctx: ActorContext, roomId: string | undefined, raw: unknown): Promise<PlanStepView> {
  const standing = await loadStanding(ctx.sql, ctx.actor, roomId);
  authorize(standing, "plan.create");
  const input = parseInput(CreateStepInput, raw);
  const visibility = input.visibility ?? "shared";
  if (visibility === "internal") authorize(standing, "plan.createInternal");
  if (input.ownerId) await assertOwner(ctx.sql, standing, input.ownerId, visibility);
  const status = input.status ?? "open";

  const stepId = await transaction(ctx.sql, async (sql) => {
    await lockPlan(sql, standing.roomId);
    const [count] = await sql<{ n: number; next: number }[]>`
      select count(*)::int as n, coalesce(max(position), 0) + 1 as next from plan_steps where room_id = ${standing.roomId}`;
    if (count!.n >= MAX_STEPS_PER_ROOM) throw conflict("plan_full", `A plan holds at most ${MAX_STEPS_PER_ROOM} steps.`);
    const [row] = await sql<{ id: string }[]>`
      insert into plan_steps (room_id, title, notes, owner_id, due_date, status, visibility, position, created_by, completed_at)
      values (${standing.roomId}, ${input.title}, ${input.notes ?? ""}, ${input.ownerId ?? null}, ${input.dueDate ?? null},
              ${status}, ${visibility}, ${count!.next}, ${ctx.actor.userId}, ${status === "done" ? sql`now()` : null})
      returning id`;
    await recordActivity(sql, {
      roomId: standing.roomId, organizationId: standing.organizationId, actorId: ctx.actor.userId, type: "plan.step_added",
      objectType: "plan_step", objectId: row!.id, visibility, data: { title: input.title }, ip: ctx.ip,
    });
    return row!.id;
  });
  const step = (await findStep(ctx.sql, stepId))!;
  publishStep(ctx, "plan.step_added", step);
  return viewOf(step, standing);
}

/**
 * Changes a step. Only `status`: `item.setStatus` (editors, or a commenter the step is assigned
 * to); anything else: `item.edit`; a new visibility also `item.changeVisibility`.
 */
export async function updatePlanStep(ctx: ActorContext, stepId: string | undefined, raw: unknown): Promise<PlanStepView> {
  const { step, standing } = await openStep(ctx, stepId);
  const input = parseInput(UpdateStepInput, raw);
  const onlyStatus = Object.keys(input).every((key) => key === "status");
  authorize(standing, onlyStatus ? "item.setStatus" : "item.edit", scoped(step), "Plan step");
  const visibility = input.visibility ?? step.visibility;
  const visibilityChanged = visibility !== step.visibility;
  if (visibilityChanged) authorize(standing, "item.changeVisibility", scoped(step), "Plan step");
  const ownerId = input.ownerId !== undefined ? input.ownerId : step.ownerId;
  if (ownerId && (input.ownerId !== undefined || visibilityChanged)) await assertOwner(ctx.sql, standing, ownerId, visibility);

  const changes: Record<string, unknown> = {};
  if (input.title !== undefined && input.title !== step.title) changes.title = input.title;
  if (input.notes !== undefined && input.notes !== step.notes) changes.notes = input.notes;
  if (input.ownerId !== undefined && input.ownerId !== step.ownerId) changes.owner_id = input.ownerId;
  if (input.dueDate !== undefined && input.dueDate !== step.dueDate) changes.due_date = input.dueDate;
  if (visibilityChanged) changes.visibility = visibility;
  const statusChanged = input.status !== undefined && input.status !== step.status;
  if (Object.keys(changes).length === 0 && !statusChanged) return viewOf(step, standing);

  await transaction(ctx.sql, async (sql) => {
    const completed = statusChanged ? { completed_at: input.status === "done" ? new Date() : null, status: input.status } : {};
    await sql`update plan_steps set ${sql({ ...changes, ...completed })}, updated_at = now() where id = ${step.id}`;
    const base = { roomId: step.roomId, organizationId: step.organizationId, actorId: ctx.actor.userId, objectType: "plan_step", objectId: step.id, ip: ctx.ip };
    if (Object.keys(changes).length > 0) {
      await recordActivity(sql, {
        ...base, type: visibilityChanged ? "plan.step_visibility_changed" : "plan.step_updated", visibility,
        data: { fields: Object.keys(changes).map((k) => (k === "owner_id" ? "ownerId" : k === "due_date" ? "dueDate" : k)) },
      });
    }
    if (statusChanged) await recordActivity(sql, { ...base, type: statusActivity[input.status!], visibility });
  });
  const after = (await findStep(ctx.sql, step.id))!;
  if (visibilityChanged && visibility === "internal") {
    // Gone for the buyer's side, still there for the seller's.
    ctx.bus.publish({ roomId: step.roomId, type: "plan.step_removed", visibility: "shared", audience: "external", payload: { stepId: step.id } });
  }
  publishStep(ctx, "plan.step_updated", after);
  return viewOf(after, standing);
}

export async function removePlanStep(ctx: ActorContext, stepId: string | undefined): Promise<void> {
  const { step, standing } = await openStep(ctx, stepId);
  authorize(standing, "item.edit", scoped(step), "Plan step");
  await transaction(ctx.sql, async (sql) => {
    await sql`delete from plan_steps where id = ${step.id}`;
    await recordActivity(sql, {
      roomId: step.roomId, organizationId: step.organizationId, actorId: ctx.actor.userId, type: "plan.step_removed",
      objectType: "plan_step", objectId: step.id, visibility: step.visibility, data: { title: step.title }, ip: ctx.ip,
    });
  });
  ctx.bus.publish({ roomId: step.roomId, type: "plan.step_removed", visibility: step.visibility, payload: { stepId: step.id } });
}

/**
 * Puts the steps the caller sees in the order of `stepIds`, which must list each of them once.
 * For a reader of shared steps only, internal steps keep their places: the shared steps are
 * permuted among the positions shared steps held, so nothing about internal steps is learnt or moved.
 */
export async function reorderPlan(ctx: ActorContext, roomId: string | undefined, raw: unknown): Promise<PlanView> {
  const standing = await loadStanding(ctx.sql, ctx.actor, roomId);
  authorize(standing, "plan.reorder");
  const { stepIds } = parseInput(ReorderInput, raw);
  const moved = await transaction(ctx.sql, async (sql) => {
    await lockPlan(sql, standing.roomId);
    const all = await sql<{ id: string; visibility: StepVisibility; position: number }[]>`
      select id, visibility, position from plan_steps where room_id = ${standing.roomId} order by position, created_at`;
    const visible = all.filter((step) => canReadItem(standing, step));
    const visibleIds = new Set(visible.map((step) => step.id));
    if (stepIds.length !== visible.length || new Set(stepIds).size !== stepIds.length || stepIds.some((id) => !visibleIds.has(id))) {
      throw invalid("List every step of the plan exactly once.", { stepIds: "must list each step of the plan exactly once" });
    }
    // Slots: the places (in plan order) the visible steps hold; the new order fills them.
    const byId = new Map(visible.map((step) => [step.id, step]));
    const queue = [...stepIds];
    const order = all.map((step) => (visibleIds.has(step.id) ? byId.get(queue.shift()!)! : step));
    const changed = order.some((step, i) => step.position !== i + 1);
    if (!changed) return false;
    for (const [i, step] of order.entries()) {
      if (step.position !== i + 1) await sql`update plan_steps set position = ${i + 1}, updated_at = now() where id = ${step.id}`;
    }
    await recordActivity(sql, {
      roomId: standing.roomId, organizationId: standing.organizationId, actorId: ctx.actor.userId, type: "plan.reordered",
      objectType: "room", objectId: standing.roomId, visibility: visible.some((s) => s.visibility === "internal") ? "internal" : "shared", ip: ctx.ip,
    });
    return order;
  });
  if (moved) {
    // Internal sockets get the whole order; the buyer's side only the shared steps'.
    ctx.bus.publish({ roomId: standing.roomId, type: "plan.reordered", visibility: "internal", payload: { stepIds: moved.map((s) => s.id) } });
    ctx.bus.publish({
      roomId: standing.roomId, type: "plan.reordered", visibility: "shared", audience: "external",
      payload: { stepIds: moved.filter((s) => s.visibility === "shared").map((s) => s.id) },
    });
  }
  return planFor(ctx, standing);
}
