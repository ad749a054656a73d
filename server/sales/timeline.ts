import { authorize, canReadItem, isInternal, loadStanding, type Visibility } from "../access/index.ts";
import type { ActorContext } from "../context.ts";
import type { FilledForm, FormField } from "./forms.ts";
import { buyerJourney, buyerLabelFor } from "./buyer-stages.ts";
import { formsForWin, formsPassed } from "./moves.ts";
import { listStages, type Stage } from "./stages.ts";

/**
 * A room's way through the sales cycle: the cycle with the current stage, the form needed to
 * leave it, every move with who and when, and the days spent in each stage. Everyone in the
 * room reads it; a filled form (and the form needed next) only reaches readers who may see its
 * visibility, and close reasons only internal readers.
 */

const DAY_MS = 86_400_000;

export interface TimelineStage {
  id: string;
  name: string;
  position: number;
  current: boolean;
  hasForm: boolean;
  handoff: boolean;
  /** Fractional days the room spent in this stage, all stays together. */
  days: number;
  /** The stages (ids, in order) whose hand-off forms moving the room here asks for now; empty for a back move or none. */
  formsAsked: string[];
}

export interface TimelineMove {
  id: string;
  kind: "move" | "close" | "reopen";
  /** Stage names: the stage's name today, or the name it had when it no longer exists. */
  from: string;
  to: string;
  fromStageId: string | null;
  toStageId: string | null;
  status: "open" | "won" | "lost";
  /** Close reason; null for external readers. */
  reason: string | null;
  movedBy: { id: string; name: string } | null;
  movedAt: string;
  /** Present when a form was filled and the reader may see it; person values resolve in `people`. */
  form?: FilledForm & { visibility: Visibility; people: { id: string; name: string }[] };
}

export interface StageTimeline {
  roomId: string;
  stage: string;
  status: "open" | "won" | "lost";
  /** Null for external readers. */
  closeReason: string | null;
  createdAt: string;
  /** Fractional days since the room was created; the sum of every `timeInStages` entry. */
  ageDays: number;
  stages: TimelineStage[];
  /** The form that leaving the current stage forward asks for; null when none, or the reader may not see it. */
  requiredForm: { stageId: string; stage: string; visibility: Visibility; fields: FormField[]; alreadyFilled: boolean } | null;
  /** The stages (ids) whose forms closing as won asks for now. */
  winFormsAsked: string[];
  /** Oldest first. */
  moves: TimelineMove[];
  /** Time per stage in the order first entered, including stages removed since. */
  timeInStages: { stageId: string | null; stage: string; days: number }[];
}

interface MoveRow {
  id: string;
  kind: TimelineMove["kind"];
  fromStageId: string | null;
  fromStage: string;
  toStageId: string | null;
  toStage: string;
  status: TimelineMove["status"];
  reason: string | null;
  form: FilledForm | null;
  formVisibility: Visibility;
  movedById: string | null;
  movedByName: string | null;
  movedAt: Date;
}

export async function stageTimeline(ctx: ActorContext, roomId: string | undefined): Promise<StageTimeline> {
  const standing = await loadStanding(ctx.sql, ctx.actor, roomId);
  authorize(standing, "room.readTimeline");
  const internal = isInternal(standing);
  const [room] = await ctx.sql<{ stage: string; status: StageTimeline["status"]; closeReason: string | null; createdAt: Date }[]>`
    select stage, status, close_reason as "closeReason", created_at as "createdAt" from rooms where id = ${standing.roomId}`;
  const cycle = await listStages(ctx.sql, standing.organizationId);
  const rows = await ctx.sql<MoveRow[]>`
    select m.id, m.kind, m.from_stage_id as "fromStageId", m.from_stage as "fromStage", m.to_stage_id as "toStageId",
           m.to_stage as "toStage", m.status, m.reason, m.form, m.form_visibility as "formVisibility",
           u.id as "movedById", u.name as "movedByName", m.moved_at as "movedAt"
    from stage_moves m left join users u on u.id = m.moved_by
    where m.room_id = ${standing.roomId} order by m.seq`;

  const byId = new Map(cycle.map((s) => [s.id, s]));
  const nameOf = (id: string | null, recorded: string) => (id && byId.get(id)?.name) || recorded;
  const current = cycle.find((s) => s.name === room!.stage) ?? null;

  // Stays: the room's creation enters its first stage; each move enters its target; the last stay runs until now.
  const now = Date.now();
  const firstStage = rows[0] ? { id: rows[0].fromStageId, name: rows[0].fromStage } : { id: current?.id ?? null, name: room!.stage };
  const stays = [{ ...firstStage, from: room!.createdAt.getTime() }, ...rows.map((r) => ({ id: r.toStageId, name: r.toStage, from: r.movedAt.getTime() }))];
  const time = new Map<string, { stageId: string | null; stage: string; days: number }>();
  stays.forEach((stay, i) => {
    const until = i + 1 < stays.length ? stays[i + 1]!.from : now;
    const key = stay.id ?? `name:${stay.name}`;
    const entry = time.get(key) ?? { stageId: stay.id, stage: nameOf(stay.id, stay.name), days: 0 };
    entry.days += Math.max(0, until - stay.from) / DAY_MS;
    time.set(key, entry);
  });

  const people = await peopleIn(ctx, rows);
  const moves: TimelineMove[] = rows.map((r) => {
    const showForm = r.form && canReadItem(standing, { visibility: r.formVisibility });
    return {
      id: r.id, kind: r.kind,
      from: nameOf(r.fromStageId, r.fromStage), to: nameOf(r.toStageId, r.toStage),
      fromStageId: r.fromStageId, toStageId: r.toStageId,
      status: r.status, reason: internal ? r.reason : null,
      movedBy: r.movedById && r.movedByName ? { id: r.movedById, name: r.movedByName } : null,
      movedAt: r.movedAt.toISOString(),
      ...(showForm ? { form: { ...r.form!, visibility: r.formVisibility, people: personValues(r.form!, people) } } : {}),
    };
  });

  const lastMove = rows.findLastIndex((r) => r.kind === "move");
  const alreadyFilled = rows.slice(lastMove + 1).some((r) => r.kind === "close" && r.form !== null);
  const timeline: StageTimeline = {
    roomId: standing.roomId,
    stage: room!.stage,
    status: room!.status,
    closeReason: internal ? room!.closeReason : null,
    createdAt: room!.createdAt.toISOString(),
    ageDays: Math.max(0, now - room!.createdAt.getTime()) / DAY_MS,
    stages: cycle.map((s) => ({
      id: s.id, name: s.name, position: s.position, current: s.id === current?.id,
      hasForm: s.form.length > 0, handoff: s.handoff, days: time.get(s.id)?.days ?? 0,
      formsAsked: s.id === current?.id ? [] : formsPassed(cycle, current, s, alreadyFilled).map((p) => p.id),
    })),
    requiredForm: current && current.form.length && canReadItem(standing, { visibility: current.formVisibility })
      ? { stageId: current.id, stage: current.name, visibility: current.formVisibility, fields: current.form, alreadyFilled }
      : null,
    winFormsAsked: formsForWin(current).map((p) => p.id),
    moves,
    timeInStages: [...time.values()],
  };
  return internal ? timeline : buyersTimeline(timeline, cycle);
}

/**
 * The timeline as the buyer's side reads it: the journey's steps (buyer-facing labels) instead
 * of the seller's stages, moves named by those labels (moves within one step left out), and no
 * stage ids. Nothing of the seller's stage names remains (docs/decisions/018-newcomer.md).
 */
function buyersTimeline(t: StageTimeline, cycle: Stage[]): StageTimeline {
  const label = (name: string) => buyerLabelFor(cycle, name);
  const journey = buyerJourney(cycle);
  const currentLabel = label(t.stage);
  const daysOf = new Map<string, number>();
  for (const entry of t.timeInStages) {
    const l = label(entry.stage) || "";
    daysOf.set(l, (daysOf.get(l) ?? 0) + entry.days);
  }
  const moves = t.moves
    .map((m) => ({ ...m, from: label(m.from), to: label(m.to), fromStageId: null, toStageId: null }))
    .filter((m) => m.kind !== "move" || m.from !== m.to);
  return {
    ...t,
    stage: currentLabel,
    stages: journey.map((step, position) => ({
      id: step.stageIds[0]!, name: step.label, position, current: step.label === currentLabel,
      hasForm: false, handoff: false, days: daysOf.get(step.label) ?? 0, formsAsked: [],
    })),
    // Guests move no stage: which forms a move asks for is the seller's business.
    winFormsAsked: [],
    requiredForm: t.requiredForm ? { ...t.requiredForm, stageId: "", stage: currentLabel } : null,
    moves,
    timeInStages: [...daysOf.entries()].filter(([l]) => l).map(([stage, days]) => ({ stageId: null, stage, days })),
  };
}

/** Names of everyone a person field points at. */
async function peopleIn(ctx: ActorContext, rows: MoveRow[]): Promise<Map<string, string>> {
  const ids = new Set<string>();
  for (const r of rows) if (r.form) for (const f of r.form.fields) if (f.type === "person" && typeof r.form.values[f.key] === "string") ids.add(r.form.values[f.key] as string);
  if (ids.size === 0) return new Map();
  const users = await ctx.sql<{ id: string; name: string }[]>`select id, name from users where id = any(${[...ids]}::uuid[])`;
  return new Map(users.map((u) => [u.id, u.name]));
}

function personValues(form: FilledForm, names: Map<string, string>) {
  const out: { id: string; name: string }[] = [];
  for (const f of form.fields) {
    const id = form.values[f.key];
    if (f.type === "person" && typeof id === "string" && names.has(id)) out.push({ id, name: names.get(id)! });
  }
  return out;
}
