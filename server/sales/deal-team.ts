import { z } from "zod";
import { transaction } from "../../db/client.ts";
import { authorize, can, isId, requireOrg, type ParticipantRole } from "../access/index.ts";
import type { ActorContext } from "../context.ts";
import { invalid, notFound } from "../errors.ts";
import { recordActivity } from "../services/activity.ts";
import { parseInput } from "../validation.ts";
import { internalStanding } from "./internal.ts";
import { DEAL_ROLES, DEAL_ROLE_LABELS, type DealRole } from "../../app/lib/deal-roles.ts";

/**
 * Team selling (issue 18, decision 021, field notes 001): the roles an internal member plays in
 * one room's deal team, and the organization's choice to credit a won room to its deal team as
 * well as to its owner (server/sales/targets.ts counts the credit). The deal team is the seller's
 * business: guests never see it (`dealTeam.read`, 404), and only the room's owner or an
 * organization admin composes it (`dealTeam.edit`).
 */

export { DEAL_ROLES, DEAL_ROLE_LABELS, type DealRole } from "../../app/lib/deal-roles.ts";

export const DealRoleInput = z.enum(DEAL_ROLES, { error: `must be one of ${DEAL_ROLES.join(", ")}` });

export interface DealTeamMember {
  userId: string;
  name: string;
  /** The member's access in the room (owner, editor, ...). */
  role: ParticipantRole;
  dealRole: DealRole | null;
}

export interface DealTeam {
  members: DealTeamMember[];
  roles: { value: DealRole; label: string }[];
  /** Whether the organization credits won rooms to the deal team (else the owner alone). */
  creditDealTeam: boolean;
  abilities: { edit: boolean };
}

export async function getDealTeam(ctx: ActorContext, roomId: string | undefined): Promise<DealTeam> {
  const standing = await internalStanding(ctx, roomId, "dealTeam.read", "Deal team");
  const members = await ctx.sql<DealTeamMember[]>`
    select p.user_id as "userId", u.name, p.role, p.deal_role as "dealRole"
    from participants p join users u on u.id = p.user_id
    where p.room_id = ${standing.roomId} and p.side = 'internal'
    order by (p.role = 'owner') desc, u.name`;
  const [org] = await ctx.sql<{ creditDealTeam: boolean }[]>`
    select credit_deal_team as "creditDealTeam" from organizations where id = ${standing.organizationId}`;
  return {
    members,
    roles: DEAL_ROLES.map((value) => ({ value, label: DEAL_ROLE_LABELS[value] })),
    creditDealTeam: org?.creditDealTeam ?? false,
    abilities: { edit: can(standing, "dealTeam.edit") },
  };
}

const DealRoleBody = z.object({ dealRole: DealRoleInput.nullable() }).strict();

/** Sets (or clears, with null) the deal-team role an internal participant plays in the room. */
export async function setDealRole(ctx: ActorContext, roomId: string | undefined, userId: string | undefined, raw: unknown): Promise<DealTeamMember> {
  const standing = await internalStanding(ctx, roomId, "dealTeam.read", "Deal team");
  authorize(standing, "dealTeam.edit");
  const { dealRole } = parseInput(DealRoleBody, raw);
  if (!isId(userId)) throw notFound("Participant");
  const [target] = await ctx.sql<{ side: string }[]>`
    select side from participants where room_id = ${standing.roomId} and user_id = ${userId}`;
  if (!target) throw notFound("Participant");
  if (target.side !== "internal") throw invalid("Only the seller's own people take a deal-team role.", { userId: "must be an internal participant" });
  return transaction(ctx.sql, async (sql) => {
    const [member] = await sql<DealTeamMember[]>`
      update participants p set deal_role = ${dealRole} from users u
      where p.room_id = ${standing.roomId} and p.user_id = ${userId} and u.id = p.user_id
      returning p.user_id as "userId", u.name, p.role, p.deal_role as "dealRole"`;
    await recordActivity(sql, {
      roomId: standing.roomId, organizationId: standing.organizationId, actorId: ctx.actor.userId, type: "participant.deal_role_set",
      objectType: "user", objectId: userId, visibility: "internal", data: { dealRole }, ip: ctx.ip,
    });
    return member!;
  });
}

const TeamCreditBody = z.object({ creditDealTeam: z.boolean({ error: "must be true or false" }) }).strict();

/** The organization's choice to credit a won room to its deal team too (admins, like targets). */
export async function setTeamCredit(ctx: ActorContext, organizationId: string | undefined, raw: unknown): Promise<{ creditDealTeam: boolean }> {
  const org = await requireOrg(ctx.sql, ctx.actor, organizationId, "org.manageTargets", "set targets");
  const { creditDealTeam } = parseInput(TeamCreditBody, raw);
  await transaction(ctx.sql, async (sql) => {
    await sql`update organizations set credit_deal_team = ${creditDealTeam} where id = ${org.organizationId}`;
    await recordActivity(sql, {
      roomId: null, organizationId: org.organizationId, actorId: ctx.actor.userId, type: "organization.team_credit_set",
      objectType: "organization", objectId: org.organizationId, visibility: "internal", data: { creditDealTeam }, ip: ctx.ip,
    });
  });
  return { creditDealTeam };
}
