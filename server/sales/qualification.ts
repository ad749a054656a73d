import { z } from "zod";
import { transaction } from "../../db/client.ts";
import { authorize, can } from "../access/index.ts";
import type { ActorContext } from "../context.ts";
import { invalid, notFound } from "../errors.ts";
import { recordActivity } from "../services/activity.ts";
import { IsoDate, parseInput } from "../validation.ts";
import { internalStanding } from "./internal.ts";

/**
 * The qualification checklist: seven questions the seller answers about the deal. Internal by
 * construction (`qualification.read` / `qualification.edit`: internal readers / internal
 * editors); for the buyer's side it does not exist (404).
 */

export const QUALIFICATION_ITEMS = [
  { item: "identified_project", label: "Identified project", hint: "A named project with an owner on their side." },
  { item: "budget", label: "Budget", hint: "Money is set aside, and we know roughly how much." },
  { item: "compelling_event", label: "Compelling event", hint: "Something that forces a decision by a date." },
  { item: "decision_process", label: "Decision process", hint: "We know the steps, people and paperwork to a signature." },
  { item: "influencers_known", label: "Influencers known", hint: "We have met the people who sway the decision." },
  { item: "competition", label: "Competition", hint: "We know who else they are talking to, and why we win." },
  { item: "required_by", label: "Required by", hint: "The date they need to be live." },
] as const;
export type QualificationItem = (typeof QUALIFICATION_ITEMS)[number]["item"];
export const QUALIFICATION_STATUSES = ["unknown", "yes", "no"] as const;
export type QualificationStatus = (typeof QUALIFICATION_STATUSES)[number];

export interface QualificationAnswer {
  item: QualificationItem;
  label: string;
  hint: string;
  status: QualificationStatus;
  note: string;
  /** Only for the `required_by` item: YYYY-MM-DD. */
  requiredBy: string | null;
  updatedBy: { id: string; name: string } | null;
  updatedAt: string | null;
}
export interface Qualification {
  items: QualificationAnswer[];
  /** How many items are answered "yes". */
  qualified: number;
  total: number;
  abilities: { edit: boolean };
}

const AnswerInput = z
  .object({
    status: z.enum(QUALIFICATION_STATUSES, { error: 'must be "unknown", "yes" or "no"' }),
    note: z.string({ error: "must be text" }).max(2000, "must be at most 2,000 characters").optional(),
    requiredBy: IsoDate.nullable().optional(),
  })
  .strict();

const isItem = (value: string | undefined): value is QualificationItem => QUALIFICATION_ITEMS.some((i) => i.item === value);

interface Row {
  item: QualificationItem;
  status: QualificationStatus;
  note: string;
  requiredBy: string | null;
  updatedById: string | null;
  updatedByName: string | null;
  updatedAt: Date;
}

async function answers(ctx: ActorContext, roomId: string): Promise<QualificationAnswer[]> {
  const rows = await ctx.sql<Row[]>`
    select q.item, q.status, q.note, q.required_by as "requiredBy", q.updated_by as "updatedById", u.name as "updatedByName", q.updated_at as "updatedAt"
    from qualification_answers q left join users u on u.id = q.updated_by
    where q.room_id = ${roomId}`;
  const byItem = new Map(rows.map((r) => [r.item, r]));
  return QUALIFICATION_ITEMS.map(({ item, label, hint }) => {
    const row = byItem.get(item);
    return {
      item,
      label,
      hint,
      status: row?.status ?? "unknown",
      note: row?.note ?? "",
      requiredBy: row?.requiredBy ?? null,
      updatedBy: row?.updatedById && row.updatedByName ? { id: row.updatedById, name: row.updatedByName } : null,
      updatedAt: row ? row.updatedAt.toISOString() : null,
    };
  });
}

/** `GET /rooms/:roomId/qualification`: all seven items, unanswered ones as "unknown". */
export async function getQualification(ctx: ActorContext, roomId: string | undefined): Promise<Qualification> {
  const standing = await internalStanding(ctx, roomId, "qualification.read", "Qualification");
  const items = await answers(ctx, standing.roomId);
  return { items, qualified: items.filter((i) => i.status === "yes").length, total: items.length, abilities: { edit: can(standing, "qualification.edit") } };
}

/** `PUT /rooms/:roomId/qualification/:item`: sets one answer (status, note, and for `required_by` the date). */
export async function setQualificationAnswer(ctx: ActorContext, roomId: string | undefined, item: string | undefined, raw: unknown): Promise<QualificationAnswer> {
  const standing = await internalStanding(ctx, roomId, "qualification.read", "Qualification");
  authorize(standing, "qualification.edit");
  if (!isItem(item)) throw notFound("Qualification item");
  const input = parseInput(AnswerInput, raw);
  if (input.requiredBy && item !== "required_by") {
    throw invalid("Only the “Required by” item takes a date.", { requiredBy: "is only for the required_by item" });
  }
  await transaction(ctx.sql, async (sql) => {
    await sql`
      insert into qualification_answers (room_id, item, status, note, required_by, updated_by, updated_at)
      values (${standing.roomId}, ${item}, ${input.status}, ${input.note ?? ""}, ${input.requiredBy ?? null}, ${ctx.actor.userId}, now())
      on conflict (room_id, item) do update set
        status = excluded.status,
        note = ${input.note === undefined ? sql`qualification_answers.note` : sql`excluded.note`},
        required_by = ${input.requiredBy === undefined ? sql`qualification_answers.required_by` : sql`excluded.required_by`},
        updated_by = excluded.updated_by, updated_at = now()`;
    await recordActivity(sql, {
      roomId: standing.roomId, organizationId: standing.organizationId, actorId: ctx.actor.userId, type: "qualification.updated",
      objectType: "qualification", objectId: item, visibility: "internal", data: { status: input.status }, ip: ctx.ip,
    });
  });
  const answer = (await answers(ctx, standing.roomId)).find((a) => a.item === item)!;
  ctx.bus.publish({ roomId: standing.roomId, type: "qualification.updated", visibility: "internal", payload: { answer } });
  return answer;
}
