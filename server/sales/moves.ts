import { z } from "zod";
import { transaction, type Tx } from "../../db/client.ts";
import { authorize, loadStanding, type Standing, type Visibility } from "../access/index.ts";
import type { ActorContext } from "../context.ts";
import { conflict, invalid } from "../errors.ts";
import { recordActivity } from "../services/activity.ts";
import { getRoom, type RoomView } from "../services/rooms.ts";
import { parseInput } from "../validation.ts";
import { makeVersionsForRoom } from "../wiki/versions.ts";
import { validateFormValues, type FilledForm, type FormField } from "./forms.ts";
import { handOff } from "./handoff.ts";
import { findStage, listStages, type Stage } from "./stages.ts";
import { buyerLabelFor } from "./buyer-stages.ts";

/**
 * Moving a room through its organization's stages, closing it (won or lost) and reopening it.
 * Each is one `stage_moves` row, one shared activity (the stage is shared knowledge; the
 * filled form stays in stage_moves with its own visibility), a `stage` version of every live
 * page, and a shared live event without form values. Entering a hand-off stage, or winning,
 * hands the room off. A closed room keeps its status when it moves (a won deal moves on to
 * Delivering and Servicing); only close and reopen change the status.
 */

export const MAX_REASON = 2000;

const MoveInput = z
  .object({
    stage: z.string({ error: "is required" }).trim().min(1, "is required").max(100, "must be at most 100 characters"),
    form: z.unknown().optional(),
  })
  .strict();

const CloseInput = z
  .object({
    outcome: z.enum(["won", "lost"], { error: 'must be "won" or "lost"' }),
    reason: z.string({ error: "must be text" }).trim().max(MAX_REASON, `must be at most ${MAX_REASON} characters`).optional(),
    form: z.unknown().optional(),
  })
  .strict()
  .superRefine((v, ctx) => {
    if (v.outcome === "lost" && !v.reason) ctx.addIssue({ code: "custom", path: ["reason"], message: "is required when the deal is lost" });
  });

interface LockedRoom {
  id: string;
  organizationId: string;
  stage: string;
  status: "open" | "won" | "lost";
}

type MoveKind = "move" | "close" | "reopen";

interface Moved {
  moveId: string;
  kind: MoveKind;
  from: string;
  to: Stage | null;
  status: LockedRoom["status"];
  movedAt: Date;
}

/** The room row, locked for the move: two moves of one room take turns. */
async function lockRoom(sql: Tx, roomId: string): Promise<LockedRoom> {
  const [room] = await sql<LockedRoom[]>`
    select id, organization_id as "organizationId", stage, status from rooms where id = ${roomId} for update`;
  return room!;
}

async function participantIds(sql: Tx, roomId: string): Promise<Set<string>> {
  const rows = await sql<{ userId: string }[]>`select user_id as "userId" from participants where room_id = ${roomId}`;
  return new Set(rows.map((r) => r.userId));
}

/**
 * True when the current stage's form was already filled during this stay (a won close asks
 * for it): leaving the stage forward then needs it no more.
 */
async function filledThisStay(sql: Tx, roomId: string): Promise<boolean> {
  const [row] = await sql<{ filled: boolean }[]>`
    select exists (
      select 1 from stage_moves c where c.room_id = ${roomId} and c.kind = 'close' and c.form is not null
        and c.seq > coalesce((select max(m.seq) from stage_moves m where m.room_id = ${roomId} and m.kind = 'move'), 0)
    ) as filled`;
  return row!.filled;
}

/** The facts of a stage that decide which forms a move asks for. */
export interface StagePlace {
  id: string;
  position: number;
  form: readonly unknown[];
}

/**
 * The stages whose hand-off forms a move from `current` to `target` asks for: moving forward
 * leaves the current stage and passes every stage up to the target, and each of them with a
 * form asks for it, except the current stage's when it was already filled during this stay
 * (`currentFilled`: a won close filled it). Moving back, or from a stage the cycle no longer
 * knows, asks for nothing. The move service and the stage timeline (what the UI shows) both
 * answer from this.
 */
export function formsPassed<S extends StagePlace>(cycle: readonly S[], current: S | null, target: S, currentFilled: boolean): S[] {
  if (!current || target.position <= current.position) return [];
  return cycle.filter(
    (s) => s.position >= current.position && s.position < target.position && s.form.length > 0 && !(s.id === current.id && currentFilled),
  );
}

/** The forms closing as won asks for: the current stage's (the deal is leaving sales). */
export function formsForWin<S extends StagePlace>(current: S | null): S[] {
  return current && current.form.length ? [current] : [];
}

/** Internal if any form asked for is internal: the most careful of them decides. */
const formVisibility = (stages: Stage[]): Visibility =>
  stages.length > 0 && stages.every((s) => s.formVisibility === "shared") ? "shared" : "internal";

/** Checks a form against the fields of the stages being left; `null` when nothing was asked. */
function fillForm(stages: Stage[], raw: unknown, people: Set<string>): FilledForm | null {
  const fields: FormField[] = [];
  const keys = new Set<string>();
  for (const s of stages) for (const f of s.form) if (!keys.has(f.key)) (keys.add(f.key), fields.push(f));
  const values = validateFormValues(fields, raw, people);
  return fields.length ? { fields, values } : null;
}

async function insertMove(
  sql: Tx,
  ctx: ActorContext,
  room: LockedRoom,
  move: { kind: MoveKind; from: Stage | null; to: Stage | null; toName: string; status: LockedRoom["status"]; reason?: string | null; form: FilledForm | null; formVisibility: Visibility },
) {
  const [row] = await sql<{ id: string; movedAt: Date }[]>`
    insert into stage_moves (room_id, kind, from_stage_id, from_stage, to_stage_id, to_stage, status, reason, form, form_visibility, moved_by)
    values (${room.id}, ${move.kind}, ${move.from?.id ?? null}, ${room.stage}, ${move.to?.id ?? null}, ${move.toName}, ${move.status},
            ${move.reason ?? null}, ${move.form ? sql.json(move.form as any) : null}, ${move.formVisibility}, ${ctx.actor.userId})
    returning id, moved_at as "movedAt"`;
  return row!;
}

const ACTIVITY: Record<MoveKind, string> = { move: "stage.changed", close: "room.closed", reopen: "room.reopened" };

/** After commit: page versions, the hand-off if due, the live event, and the room as its reader sees it. */
async function afterMove(ctx: ActorContext, s: Standing, moved: Moved, handoff: "stage" | "won" | null): Promise<RoomView> {
  const payload = {
    roomId: s.roomId, kind: moved.kind, stage: moved.to?.name ?? moved.from, previousStage: moved.from, status: moved.status,
    movedBy: { id: ctx.actor.userId, name: ctx.actor.name }, movedAt: moved.movedAt.toISOString(),
  };
  // The seller's stage names go to the internal channel; the buyer's side hears the buyer-facing labels.
  ctx.bus.publish({ roomId: s.roomId, type: ACTIVITY[moved.kind], visibility: "internal", payload });
  const cycle = await listStages(ctx.sql, s.organizationId);
  ctx.bus.publish({
    roomId: s.roomId, type: ACTIVITY[moved.kind], visibility: "shared", audience: "external",
    payload: { ...payload, stage: buyerLabelFor(cycle, payload.stage), previousStage: buyerLabelFor(cycle, payload.previousStage) },
  });
  await makeVersionsForRoom(ctx, s.roomId, "stage", { createdBy: ctx.actor.userId });
  if (handoff) await handOff(ctx, { roomId: s.roomId, organizationId: s.organizationId }, handoff, moved.moveId);
  return getRoom(ctx, s.roomId);
}

async function recordMoveActivity(sql: Tx, ctx: ActorContext, s: Standing, kind: MoveKind, data: Record<string, unknown>) {
  await recordActivity(sql, {
    roomId: s.roomId, organizationId: s.organizationId, actorId: ctx.actor.userId, type: ACTIVITY[kind],
    objectType: "room", objectId: s.roomId, visibility: "shared", data, ip: ctx.ip,
  });
}

/**
 * Moves the room to `stage` (a name, any case, or an id). Moving forward leaves the current
 * stage and passes every stage up to the target: their forms must be filled (`form`, one
 * object of field key → value); a refusal names every bad key in `error.fields` and changes
 * nothing. Moving back needs no form.
 */
export async function moveStage(ctx: ActorContext, roomId: string | undefined, raw: unknown): Promise<RoomView> {
  const standing = await loadStanding(ctx.sql, ctx.actor, roomId);
  authorize(standing, "room.moveStage");
  const input = parseInput(MoveInput, raw);
  let handoff = false;
  const moved = await transaction(ctx.sql, async (sql): Promise<Moved> => {
    const room = await lockRoom(sql, standing.roomId);
    const cycle = await listStages(sql, room.organizationId);
    const target = await findStage(sql, room.organizationId, input.stage, true);
    if (!target) throw invalid("Unknown stage.", { stage: `must be one of ${cycle.map((s) => s.name).join(", ")}` });
    const current = cycle.find((s) => s.name === room.stage) ?? null;
    if (current?.id === target.id) throw conflict("same_stage", `The room is already in ${target.name}.`);
    // A room in a stage the cycle no longer knows (data from before it existed) moves freely.
    const passed = formsPassed(cycle, current, target, current !== null && current.form.length > 0 && (await filledThisStay(sql, room.id)));
    const form = fillForm(passed, input.form, await participantIds(sql, room.id));
    const row = await insertMove(sql, ctx, room, {
      kind: "move", from: current, to: target, toName: target.name, status: room.status, form, formVisibility: formVisibility(passed),
    });
    await sql`update rooms set stage = ${target.name}, updated_at = now() where id = ${room.id}`;
    await recordMoveActivity(sql, ctx, standing, "move", { moveId: row.id, from: room.stage, to: target.name });
    handoff = target.handoff;
    return { moveId: row.id, kind: "move", from: room.stage, to: target, status: room.status, movedAt: row.movedAt };
  });
  return afterMove(ctx, standing, moved, handoff ? "stage" : null);
}

/**
 * Closes the room as won or lost (a reason is required when lost). Winning asks for the
 * current stage's form (the deal is leaving sales) and hands the room off.
 */
export async function closeRoom(ctx: ActorContext, roomId: string | undefined, raw: unknown): Promise<RoomView> {
  const standing = await loadStanding(ctx.sql, ctx.actor, roomId);
  authorize(standing, "room.moveStage");
  const input = parseInput(CloseInput, raw);
  const moved = await transaction(ctx.sql, async (sql): Promise<Moved> => {
    const room = await lockRoom(sql, standing.roomId);
    if (room.status !== "open") throw conflict("already_closed", `The room is already closed as ${room.status}. Reopen it first.`);
    const current = await findStage(sql, room.organizationId, room.stage, true);
    const asked = input.outcome === "won" ? formsForWin(current) : [];
    const form = fillForm(asked, input.form, await participantIds(sql, room.id));
    const row = await insertMove(sql, ctx, room, {
      kind: "close", from: current, to: current, toName: room.stage, status: input.outcome, reason: input.reason || null,
      form, formVisibility: formVisibility(asked),
    });
    await sql`update rooms set status = ${input.outcome}, close_reason = ${input.reason || null}, updated_at = now() where id = ${room.id}`;
    await recordMoveActivity(sql, ctx, standing, "close", { moveId: row.id, outcome: input.outcome });
    return { moveId: row.id, kind: "close", from: room.stage, to: current, status: input.outcome, movedAt: row.movedAt };
  });
  return afterMove(ctx, standing, moved, input.outcome === "won" ? "won" : null);
}

/** Opens a closed room again, in the stage it is in. A hand-off already made stays. */
export async function reopenRoom(ctx: ActorContext, roomId: string | undefined): Promise<RoomView> {
  const standing = await loadStanding(ctx.sql, ctx.actor, roomId);
  authorize(standing, "room.moveStage");
  const moved = await transaction(ctx.sql, async (sql): Promise<Moved> => {
    const room = await lockRoom(sql, standing.roomId);
    if (room.status === "open") throw conflict("not_closed", "The room is open; only a closed room can be reopened.");
    const current = await findStage(sql, room.organizationId, room.stage, true);
    const row = await insertMove(sql, ctx, room, {
      kind: "reopen", from: current, to: current, toName: room.stage, status: "open", form: null, formVisibility: "internal",
    });
    await sql`update rooms set status = 'open', close_reason = null, updated_at = now() where id = ${room.id}`;
    await recordMoveActivity(sql, ctx, standing, "reopen", { moveId: row.id, previousStatus: room.status });
    return { moveId: row.id, kind: "reopen", from: room.stage, to: current, status: "open", movedAt: row.movedAt };
  });
  return afterMove(ctx, standing, moved, null);
}
