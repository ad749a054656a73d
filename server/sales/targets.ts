import { z } from "zod";
import type { Tx } from "../../db/client.ts";
import { can, isId, requireOrg, type OrgStanding } from "../access/index.ts";
import type { ActorContext } from "../context.ts";
import { invalid, notFound } from "../errors.ts";
import { recordActivity } from "../services/activity.ts";
import { IsoDate, parseInput } from "../validation.ts";

/**
 * Targets for the organization's members (issue 18, decision 021): a value in one currency or a
 * number of wins, per period. Admins set and remove them (`org.manageTargets`); attainment credits
 * each won room to its owner, decided within the target's period. Team credit (the deal team's
 * roles sharing a win) is not built yet.
 */

const TargetInput = z
  .object({
    userId: z.uuid({ error: "must be a user id" }),
    periodStart: IsoDate,
    periodEnd: IsoDate,
    kind: z.enum(["value", "wins"], { error: 'must be "value" or "wins"' }),
    currency: z.string().regex(/^[A-Z]{3}$/, "must be a three-letter ISO currency code such as USD").optional(),
    amount: z.number({ error: "must be a whole number" }).int("must be a whole number").min(1, "must be at least 1").max(Number.MAX_SAFE_INTEGER),
  })
  .strict()
  .superRefine((v, ctx) => {
    if (v.periodEnd < v.periodStart) ctx.addIssue({ code: "custom", path: ["periodEnd"], message: "must not be before periodStart" });
    if (v.kind === "value" && !v.currency) ctx.addIssue({ code: "custom", path: ["currency"], message: "is required for a value target" });
    if (v.kind === "wins" && v.currency) ctx.addIssue({ code: "custom", path: ["currency"], message: "is only for value targets" });
  });

export interface Target {
  id: string;
  user: { id: string; name: string };
  periodStart: string;
  periodEnd: string;
  kind: "value" | "wins";
  /** Value targets: Money in minor units; wins: a count. */
  target: { amount: number; currency: string } | number;
}

interface TargetRow {
  id: string;
  userId: string;
  userName: string;
  periodStart: string;
  periodEnd: string;
  kind: "value" | "wins";
  currency: string | null;
  amount: string;
}

const toTarget = (r: TargetRow): Target => ({
  id: r.id, user: { id: r.userId, name: r.userName }, periodStart: r.periodStart, periodEnd: r.periodEnd, kind: r.kind,
  target: r.kind === "value" ? { amount: Number(r.amount), currency: r.currency! } : Number(r.amount),
});

async function targetRows(sql: Tx, organizationId: string, onlyUserId?: string) {
  return sql<TargetRow[]>`
    select t.id, t.user_id as "userId", u.name as "userName", to_char(t.period_start, 'YYYY-MM-DD') as "periodStart",
      to_char(t.period_end, 'YYYY-MM-DD') as "periodEnd", t.kind, t.currency, t.amount
    from targets t join users u on u.id = t.user_id
    where t.organization_id = ${organizationId} ${onlyUserId ? sql`and t.user_id = ${onlyUserId}` : sql``}
    order by t.period_start, u.name, t.kind, t.currency`;
}

export async function listTargets(ctx: ActorContext, organizationId: string | undefined): Promise<Target[]> {
  const org = await requireOrg(ctx.sql, ctx.actor, organizationId, "org.manageTargets", "set targets");
  return (await targetRows(ctx.sql, org.organizationId)).map(toTarget);
}

/** Sets a member's target for a period (replacing the amount of the same member, period, kind and currency). */
export async function setTarget(ctx: ActorContext, organizationId: string | undefined, raw: unknown): Promise<Target> {
  const org = await requireOrg(ctx.sql, ctx.actor, organizationId, "org.manageTargets", "set targets");
  const input = parseInput(TargetInput, raw);
  const [member] = await ctx.sql`
    select 1 from memberships where organization_id = ${org.organizationId} and user_id = ${input.userId} and deactivated_at is null`;
  if (!member) throw invalid("Please check userId.", { userId: "must be a member of the organization" });
  const [row] = await ctx.sql<{ id: string }[]>`
    insert into targets (organization_id, user_id, period_start, period_end, kind, currency, amount, created_by)
    values (${org.organizationId}, ${input.userId}, ${input.periodStart}, ${input.periodEnd}, ${input.kind}, ${input.currency ?? null}, ${input.amount}, ${ctx.actor.userId})
    on conflict (organization_id, user_id, period_start, period_end, kind, coalesce(currency, ''))
    do update set amount = excluded.amount, updated_at = now()
    returning id`;
  await recordActivity(ctx.sql, {
    roomId: null, organizationId: org.organizationId, actorId: ctx.actor.userId, type: "target.set",
    objectType: "target", objectId: row!.id, visibility: "internal", data: { userId: input.userId }, ip: ctx.ip,
  });
  return (await targetRows(ctx.sql, org.organizationId)).map(toTarget).find((t) => t.id === row!.id)!;
}

export async function removeTarget(ctx: ActorContext, organizationId: string | undefined, targetId: string | undefined): Promise<void> {
  const org = await requireOrg(ctx.sql, ctx.actor, organizationId, "org.manageTargets", "set targets");
  if (!isId(targetId)) throw notFound("Target");
  const rows = await ctx.sql`delete from targets where id = ${targetId} and organization_id = ${org.organizationId} returning id`;
  if (rows.length === 0) throw notFound("Target");
}

export interface Attainment extends Target {
  achieved: { amount: number; currency: string } | number;
  /** Won rooms credited (owned by the member, won within the period). */
  wins: number;
  /** achieved ÷ target, at most 1 (the raw figures say by how much a target was passed). */
  progress: number;
}

/**
 * Attainment for the pipeline answer: admins see every member's targets, other members their
 * own. Targets overlapping [from, to] (null: open-ended), of `ownerId` when given, of
 * `currency`'s value targets (and all win targets) when given.
 */
export async function attainmentFor(
  sql: Tx,
  standing: OrgStanding,
  filter: { from: string | null; to: string; ownerId?: string; currency?: string },
): Promise<Attainment[]> {
  const only = can(standing, "org.seeAllRooms") ? filter.ownerId : standing.userId;
  if (filter.ownerId && only !== filter.ownerId) return [];
  const targets = (await targetRows(sql, standing.organizationId, only)).filter(
    (t) => t.periodStart <= filter.to && (filter.from === null || t.periodEnd >= filter.from) && (!filter.currency || t.kind === "wins" || t.currency === filter.currency),
  );
  if (targets.length === 0) return [];
  // Each won room, credited to its owner, at its decision (its last close).
  const won = await sql<{ ownerId: string; amount: string | null; currency: string | null; day: string }[]>`
    select o.user_id as "ownerId", r.value_amount as amount, r.value_currency as currency,
      to_char((select max(m.moved_at) from stage_moves m where m.room_id = r.id and m.kind = 'close') at time zone 'UTC', 'YYYY-MM-DD') as day
    from rooms r join participants o on o.room_id = r.id and o.role = 'owner'
    where r.organization_id = ${standing.organizationId} and r.status = 'won'`;
  return targets.map((row) => {
    const t = toTarget(row);
    const credited = won.filter((w) => w.ownerId === row.userId && w.day !== null && w.day >= row.periodStart && w.day <= row.periodEnd);
    const goal = Number(row.amount);
    if (row.kind === "wins") {
      return { ...t, achieved: credited.length, wins: credited.length, progress: Math.min(1, credited.length / goal) };
    }
    const inCurrency = credited.filter((w) => w.currency === row.currency);
    const sum = inCurrency.reduce((s, w) => s + Number(w.amount ?? 0), 0);
    return { ...t, achieved: { amount: sum, currency: row.currency! }, wins: inCurrency.length, progress: Math.min(1, sum / goal) };
  });
}
