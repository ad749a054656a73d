import { z } from "zod";
import { transaction, type Tx } from "../../db/client.ts";
import { isId, requireOrg, type Visibility } from "../access/index.ts";
import type { ActorContext } from "../context.ts";
import { conflict, notFound } from "../errors.ts";
import { recordActivity } from "../services/activity.ts";
import { Visibility as VisibilitySchema, parseInput } from "../validation.ts";
import { DEFAULT_BUYER_LABELS } from "./buyer-stages.ts";
import { FormDefinition, type FormField } from "./forms.ts";

/**
 * The organization's sales cycle. Every organization starts with the default cycle of the
 * field research, materialised into `stages` the first time anything asks; admins then
 * rename, reorder, add and remove stages, and set which one hands the room off and which
 * forms must be filled on leaving a stage. Rooms store their stage by name.
 */

export const DEFAULT_STAGES = [
  "Prospecting",
  "Qualifying",
  "Pricing",
  "Proposing",
  "Negotiating",
  "Closing",
  "Delivering",
  "Servicing",
] as const;
/** Entering this stage of the default cycle hands the room off to delivery. */
export const DEFAULT_HANDOFF_STAGE = "Delivering";

export const MAX_STAGES = 30;

export interface Stage {
  id: string;
  organizationId: string;
  name: string;
  position: number;
  handoff: boolean;
  form: FormField[];
  formVisibility: Visibility;
  /** What the buyer's side sees of this stage; null: hidden from them (server/sales/buyer-stages.ts). */
  buyerLabel: string | null;
}

const STAGE_COLUMNS = (sql: Tx) => sql`
  id, organization_id as "organizationId", name, position, handoff, form, form_visibility as "formVisibility",
  buyer_label as "buyerLabel"`;

/** Creates the default cycle unless the organization has one; two first uses at once agree (unique names). */
export async function ensureStages(sql: Tx, organizationId: string): Promise<void> {
  const [any] = await sql`select 1 from stages where organization_id = ${organizationId} limit 1`;
  if (any) return;
  const rows = DEFAULT_STAGES.map((name, position) => ({
    organization_id: organizationId, name, position, handoff: name === DEFAULT_HANDOFF_STAGE, buyer_label: DEFAULT_BUYER_LABELS[name] ?? null,
  }));
  await sql`insert into stages ${sql(rows, "organization_id", "name", "position", "handoff", "buyer_label")} on conflict do nothing`;
}

/** The cycle in order (materialised if need be). No access check: callers decide who asks. */
export async function listStages(sql: Tx, organizationId: string): Promise<Stage[]> {
  await ensureStages(sql, organizationId);
  return sql<Stage[]>`
    select ${STAGE_COLUMNS(sql)} from stages where organization_id = ${organizationId} order by position, name`;
}

/** The stage names in order: what room creation and the stage picker need. */
export async function stagesOf(sql: Tx, organizationId: string): Promise<string[]> {
  return (await listStages(sql, organizationId)).map((s) => s.name);
}

/** A stage of the organization by name (case-insensitive) or id; `lock` holds it against rename and removal. */
export async function findStage(sql: Tx, organizationId: string, nameOrId: string, lock = false): Promise<Stage | null> {
  await ensureStages(sql, organizationId);
  const byId = isId(nameOrId) ? sql`or id = ${nameOrId}` : sql``;
  const [row] = await sql<Stage[]>`
    select ${STAGE_COLUMNS(sql)} from stages
    where organization_id = ${organizationId} and (lower(name) = lower(${nameOrId}) ${byId})
    ${lock ? sql`for share` : sql``}`;
  return row ?? null;
}

export function stageJson(s: Stage) {
  return { id: s.id, name: s.name, position: s.position, handoff: s.handoff, form: s.form, formVisibility: s.formVisibility, buyerLabel: s.buyerLabel };
}

// ── Administration ──────────────────────────────────────────────────────────────────────

const StageName = z
  .string({ error: "is required" })
  .trim()
  .min(1, "is required")
  .max(60, "must be at most 60 characters");
const Position = z.number({ error: "must be a whole number" }).int("must be a whole number").min(0, "must not be negative").max(1000);

const AddStageInput = z
  .object({
    name: StageName,
    position: Position.optional(),
    handoff: z.boolean({ error: "must be true or false" }).optional(),
    form: FormDefinition.optional(),
    formVisibility: VisibilitySchema.optional(),
    /** The buyer-facing label; null hides the stage from the buyer's side. */
    buyerLabel: StageName.nullable().optional(),
  })
  .strict();
const UpdateStageInput = AddStageInput.partial().strict();

/** Anyone in the organization reads the cycle (`org.read`: they create rooms in it); others learn nothing. */
async function requireOrgMember(ctx: ActorContext, organizationId: string | undefined): Promise<string> {
  return (await requireOrg(ctx.sql, ctx.actor, organizationId, "org.read")).organizationId;
}

/** `org.manageSales` (the cycle, the delivery team), with a refusal that says what was refused. */
export async function requireSalesAdmin(ctx: ActorContext, organizationId: string | undefined, what: string): Promise<string> {
  return (await requireOrg(ctx.sql, ctx.actor, organizationId, "org.manageSales", what)).organizationId;
}

export async function listOrgStages(ctx: ActorContext, organizationId: string | undefined): Promise<Stage[]> {
  return listStages(ctx.sql, await requireOrgMember(ctx, organizationId));
}

/** Locks the organization's cycle for one change: concurrent admin edits take turns. */
async function lockedCycle(sql: Tx, organizationId: string): Promise<Stage[]> {
  await ensureStages(sql, organizationId);
  return sql<Stage[]>`
    select ${STAGE_COLUMNS(sql)} from stages where organization_id = ${organizationId} order by position, name for update`;
}

/** Writes positions 0..n-1 in the given order. */
async function renumber(sql: Tx, ordered: Stage[]) {
  for (const [position, s] of ordered.entries()) {
    if (s.position !== position) await sql`update stages set position = ${position} where id = ${s.id}`;
  }
}

const nameTaken = (name: string) => conflict("stage_name_taken", `There is already a stage called ${name}.`);

async function recordCycleChange(sql: Tx, ctx: ActorContext, organizationId: string, type: string, stage: Stage, data: Record<string, unknown>) {
  await recordActivity(sql, {
    organizationId, actorId: ctx.actor.userId, type, objectType: "stage", objectId: stage.id, visibility: "internal",
    data: { name: stage.name, ...data }, ip: ctx.ip,
  });
}

export async function addStage(ctx: ActorContext, organizationId: string | undefined, raw: unknown): Promise<Stage> {
  const orgId = await requireSalesAdmin(ctx, organizationId, "change the sales cycle");
  const input = parseInput(AddStageInput, raw);
  const id = await transaction(ctx.sql, async (sql) => {
    const cycle = await lockedCycle(sql, orgId);
    if (cycle.length >= MAX_STAGES) throw conflict("too_many_stages", `A sales cycle has at most ${MAX_STAGES} stages.`);
    if (cycle.some((s) => s.name.toLowerCase() === input.name.toLowerCase())) throw nameTaken(input.name);
    const [row] = await sql<Stage[]>`
      insert into stages (organization_id, name, position, handoff, form, form_visibility, buyer_label)
      values (${orgId}, ${input.name}, ${cycle.length}, ${input.handoff ?? false}, ${sql.json((input.form ?? []) as any)},
              ${input.formVisibility ?? "internal"}, ${input.buyerLabel ?? null})
      returning ${STAGE_COLUMNS(sql)}`;
    const ordered = [...cycle];
    ordered.splice(Math.min(input.position ?? cycle.length, cycle.length), 0, row!);
    await renumber(sql, ordered);
    await recordCycleChange(sql, ctx, orgId, "stage.added", row!, {});
    return row!.id;
  });
  return (await findStage(ctx.sql, orgId, id))!;
}

function stageInCycle(cycle: Stage[], stageId: string | undefined): Stage {
  const stage = isId(stageId) ? cycle.find((s) => s.id === stageId) : undefined;
  if (!stage) throw notFound("Stage");
  return stage;
}

/** Rename, move, hand-off flag, form: any of them. Rooms in a renamed stage follow in the same transaction. */
export async function updateStage(ctx: ActorContext, organizationId: string | undefined, stageId: string | undefined, raw: unknown): Promise<Stage> {
  const orgId = await requireSalesAdmin(ctx, organizationId, "change the sales cycle");
  const input = parseInput(UpdateStageInput, raw);
  await transaction(ctx.sql, async (sql) => {
    const cycle = await lockedCycle(sql, orgId);
    const stage = stageInCycle(cycle, stageId);
    const changes: Record<string, unknown> = {};
    if (input.name !== undefined && input.name !== stage.name) {
      if (cycle.some((s) => s.id !== stage.id && s.name.toLowerCase() === input.name!.toLowerCase())) throw nameTaken(input.name);
      changes.name = input.name;
    }
    if (input.handoff !== undefined) changes.handoff = input.handoff;
    if (input.form !== undefined) changes.form = sql.json(input.form as any);
    if (input.formVisibility !== undefined) changes.form_visibility = input.formVisibility;
    if (input.buyerLabel !== undefined) changes.buyer_label = input.buyerLabel;
    if (Object.keys(changes).length) await sql`update stages set ${sql(changes)} where id = ${stage.id}`;
    if (changes.name !== undefined) {
      await sql`update rooms set stage = ${input.name!}, updated_at = now() where organization_id = ${orgId} and stage = ${stage.name}`;
    }
    if (input.position !== undefined) {
      const ordered = cycle.filter((s) => s.id !== stage.id);
      ordered.splice(Math.min(input.position, ordered.length), 0, stage);
      await renumber(sql, ordered);
    }
    await recordCycleChange(sql, ctx, orgId, "stage.updated", stage, { fields: Object.keys(input), ...(changes.name ? { renamedTo: input.name } : {}) });
  });
  return (await findStage(ctx.sql, orgId, stageId!))!;
}

/** Removes a stage no room is in; the last stage stays (a room always has one). */
export async function removeStage(ctx: ActorContext, organizationId: string | undefined, stageId: string | undefined): Promise<void> {
  const orgId = await requireSalesAdmin(ctx, organizationId, "change the sales cycle");
  await transaction(ctx.sql, async (sql) => {
    const cycle = await lockedCycle(sql, orgId);
    const stage = stageInCycle(cycle, stageId);
    if (cycle.length === 1) throw conflict("last_stage", "A sales cycle needs at least one stage; add another before removing this one.");
    const [row] = await sql<{ count: number }[]>`
      select count(*)::int as count from rooms where organization_id = ${orgId} and stage = ${stage.name}`;
    const count = row!.count;
    if (count > 0) {
      throw conflict("stage_in_use", `${count === 1 ? "1 room is" : `${count} rooms are`} in ${stage.name}. Move ${count === 1 ? "it" : "them"} to another stage before removing it.`);
    }
    await sql`delete from stages where id = ${stage.id}`;
    await renumber(sql, cycle.filter((s) => s.id !== stage.id));
    await recordCycleChange(sql, ctx, orgId, "stage.removed", stage, {});
  });
}
