import { z } from "zod";
import type { Tx } from "../../db/client.ts";
import { can, isId, requireOrg, type OrgStanding } from "../access/index.ts";
import type { ActorContext } from "../context.ts";
import { invalid, notFound } from "../errors.ts";
import { recordActivity } from "../services/activity.ts";
import { IsoDate, parseInput } from "../validation.ts";
import { DealRoleInput, type DealRole } from "./deal-team.ts";

/**
 * Targets for the organization's members (issue 18, decision 021): a value in one currency or a
 * number of wins, per period. Admins set and remove them (`org.manageTargets`); attainment credits
 * each won room to its owner, decided within the target's period, and, where the organization
 * chooses (`organizations.credit_deal_team`), to every internal member who plays a deal-team role
 * in it as well (team selling, field notes 001; server/sales/deal-team.ts). A target may name the
 * role it is for: then only the rooms where the member played that role count.
 */

const TargetInput = z
  .object({
    userId: z.uuid({ error: "must be a user id" }),
    periodStart: IsoDate,
    periodEnd: IsoDate,
    kind: z.enum(["value", "wins"], { error: 'must be "value" or "wins"' }),
    currency: z.string().regex(/^[A-Z]{3}$/, "must be a three-letter ISO currency code such as USD").optional(),
    amount: z.number({ error: "must be a whole number" }).int("must be a whole number").min(1, "must be at least 1").max(Number.MAX_SAFE_INTEGER),
    /** Optional: the deal-team role the target is for (field notes 001: a target per member and role). */
    dealRole: DealRoleInput.nullable().optional(),
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
  /** The deal-team role the target is for; null: every room credited to the member. */
  dealRole: DealRole | null;
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
  dealRole: DealRole | null;
}

const toTarget = (r: TargetRow): Target => ({
  id: r.id, user: { id: r.userId, name: r.userName }, periodStart: r.periodStart, periodEnd: r.periodEnd, kind: r.kind,
  target: r.kind === "value" ? { amount: Number(r.amount), currency: r.currency! } : Number(r.amount),
  dealRole: r.dealRole,
});

async function targetRows(sql: Tx, organizationId: string, onlyUserId?: string) {
  return sql<TargetRow[]>`
    select t.id, t.user_id as "userId", u.name as "userName", to_char(t.period_start, 'YYYY-MM-DD') as "periodStart",
      to_char(t.period_end, 'YYYY-MM-DD') as "periodEnd", t.kind, t.currency, t.amount, t.deal_role as "dealRole"
    from targets t join users u on u.id = t.user_id
    where t.organization_id = ${organizationId} ${onlyUserId ? sql`and t.user_id = ${onlyUserId}` : sql``}
    order by t.period_start, u.name, t.kind, t.currency, t.deal_role nulls first`;
}

export async function listTargets(ctx: ActorContext, organizationId: string | undefined): Promise<Target[]> {
  const org = await requireOrg(ctx.sql, ctx.actor, organizationId, "org.manageTargets", "set targets");
  return (await targetRows(ctx.sql, org.organizationId)).map(toTarget);
}

/** Whether won rooms are credited to their deal team too (decision 021); read with the targets. */
export async function teamCredit(ctx: ActorContext, organizationId: string | undefined): Promise<{ creditDealTeam: boolean }> {
  const org = await requireOrg(ctx.sql, ctx.actor, organizationId, "org.manageTargets", "set targets");
  return { creditDealTeam: await creditsDealTeam(ctx.sql, org.organizationId) };
}

async function creditsDealTeam(sql: Tx, organizationId: string): Promise<boolean> {
  const [row] = await sql<{ on: boolean }[]>`select credit_deal_team as on from organizations where id = ${organizationId}`;
  return row?.on ?? false;
}

/** Sets a member's target for a period (replacing the amount of the same member, period, kind and currency). */
export async function setTarget(ctx: ActorContext, organizationId: string | undefined, raw: unknown): Promise<Target> {
  const org = await requireOrg(ctx.sql, ctx.actor, organizationId, "org.manageTargets", "set targets");
  const input = parseInput(TargetInput, raw);
  const [member] = await ctx.sql`
    select 1 from memberships where organization_id = ${org.organizationId} and user_id = ${input.userId} and deactivated_at is null`;
  if (!member) throw invalid("Please check userId.", { userId: "must be a member of the organization" });
  const [row] = await ctx.sql<{ id: string }[]>`
    insert into targets (organization_id, user_id, period_start, period_end, kind, currency, amount, deal_role, created_by)
    values (${org.organizationId}, ${input.userId}, ${input.periodStart}, ${input.periodEnd}, ${input.kind}, ${input.currency ?? null}, ${input.amount}, ${input.dealRole ?? null}, ${ctx.actor.userId})
    on conflict (organization_id, user_id, period_start, period_end, kind, coalesce(currency, ''), coalesce(deal_role, ''))
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

/** One won room credited to a member: as its owner, or as a member of its deal team. */
export interface Credit {
  roomId: string;
  roomName: string;
  as: "owner" | "dealTeam";
  /** The deal-team role the member played in the room (null: none set; owners may have none). */
  dealRole: DealRole | null;
  /** The room's value (null: none), in full: team selling credits every member with the whole deal. */
  value: { amount: number; currency: string } | null;
  /** The day it was won (its last close), UTC. */
  wonOn: string;
}

export interface Attainment extends Target {
  achieved: { amount: number; currency: string } | number;
  /** Won rooms credited (to the owner, and to the deal team where the organization chooses), won within the period. */
  wins: number;
  /** achieved ÷ target, at most 1 (the raw figures say by how much a target was passed). */
  progress: number;
  /** The rooms counted in `achieved` and `wins`, each with how it was credited (decision 021). */
  credits: Credit[];
}

/**
 * Attainment for the pipeline answer: admins see every member's targets, other members their
 * own. Targets overlapping [from, to] (null: open-ended), of `ownerId` when given, of
 * `currency`'s value targets (and all win targets) when given. Each won room is credited once
 * to its owner and, when the organization credits the deal team, once to each other internal
 * participant who plays a deal-team role in it; a member is never credited twice for one room.
 */
export async function attainmentFor(
  sql: Tx,
  standing: OrgStanding,
  filter: { from: string | null; to: string; ownerId?: string; currency?: string },
): Promise<{ attainment: Attainment[]; creditDealTeam: boolean }> {
  const creditDealTeam = await creditsDealTeam(sql, standing.organizationId);
  const only = can(standing, "org.seeAllRooms") ? filter.ownerId : standing.userId;
  if (filter.ownerId && only !== filter.ownerId) return { attainment: [], creditDealTeam };
  const targets = (await targetRows(sql, standing.organizationId, only)).filter(
    (t) => t.periodStart <= filter.to && (filter.from === null || t.periodEnd >= filter.from) && (!filter.currency || t.kind === "wins" || t.currency === filter.currency),
  );
  if (targets.length === 0) return { attainment: [], creditDealTeam };
  // Each won room, at its decision (its last close), with the members it is credited to.
  const credits = await sql<{ userId: string; roomId: string; roomName: string; as: "owner" | "dealTeam"; dealRole: DealRole | null; amount: string | null; currency: string | null; day: string | null }[]>`
    select p.user_id as "userId", r.id as "roomId", r.name as "roomName",
      case when p.role = 'owner' then 'owner' else 'dealTeam' end as as, p.deal_role as "dealRole",
      r.value_amount as amount, r.value_currency as currency,
      to_char((select max(m.moved_at) from stage_moves m where m.room_id = r.id and m.kind = 'close') at time zone 'UTC', 'YYYY-MM-DD') as day
    from rooms r join participants p on p.room_id = r.id and p.side = 'internal'
    where r.organization_id = ${standing.organizationId} and r.status = 'won'
      and (p.role = 'owner' or (${creditDealTeam} and p.deal_role is not null))
    order by day, r.name, r.id`;
  return {
    creditDealTeam,
    attainment: targets.map((row) => {
      const t = toTarget(row);
      const mine = credits.filter(
        (c) => c.userId === row.userId && c.day !== null && c.day >= row.periodStart && c.day <= row.periodEnd && (row.dealRole === null || c.dealRole === row.dealRole),
      );
      const counted = row.kind === "wins" ? mine : mine.filter((c) => c.currency === row.currency);
      const list: Credit[] = counted.map((c) => ({
        roomId: c.roomId, roomName: c.roomName, as: c.as, dealRole: c.dealRole,
        value: c.amount === null ? null : { amount: Number(c.amount), currency: c.currency! }, wonOn: c.day!,
      }));
      const goal = Number(row.amount);
      if (row.kind === "wins") {
        return { ...t, achieved: list.length, wins: list.length, progress: Math.min(1, list.length / goal), credits: list };
      }
      const sum = list.reduce((s, c) => s + (c.value?.amount ?? 0), 0);
      return { ...t, achieved: { amount: sum, currency: row.currency! }, wins: list.length, progress: Math.min(1, sum / goal), credits: list };
    }),
  };
}
