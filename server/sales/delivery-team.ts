import { transaction } from "../../db/client.ts";
import { isId } from "../access/index.ts";
import type { ActorContext } from "../context.ts";
import { notFound } from "../errors.ts";
import { recordActivity } from "../services/activity.ts";
import { grantDeliveryTeam } from "./handoff.ts";
import { requireSalesAdmin } from "./stages.ts";

/** Members marked `delivery_team` read every room handed off to delivery (as internal viewers). */

export interface DeliveryMember {
  userId: string;
  name: string;
  email: string;
}

const WHAT = "manage the delivery team";

export async function listDeliveryTeam(ctx: ActorContext, organizationId: string | undefined): Promise<DeliveryMember[]> {
  const orgId = await requireSalesAdmin(ctx, organizationId, WHAT);
  return ctx.sql<DeliveryMember[]>`
    select u.id as "userId", u.name, u.email from memberships m join users u on u.id = m.user_id
    where m.organization_id = ${orgId} and m.delivery_team and m.deactivated_at is null order by u.name`;
}

/** Marks a member; they also join, as internal viewers, the rooms already handed off. */
export async function addToDeliveryTeam(ctx: ActorContext, organizationId: string | undefined, userId: string | undefined): Promise<DeliveryMember> {
  const orgId = await requireSalesAdmin(ctx, organizationId, WHAT);
  if (!isId(userId)) throw notFound("Member");
  return transaction(ctx.sql, async (sql) => {
    const [member] = await sql<DeliveryMember[]>`
      update memberships m set delivery_team = true from users u
      where m.organization_id = ${orgId} and m.user_id = ${userId} and u.id = m.user_id and m.deactivated_at is null
      returning u.id as "userId", u.name, u.email`;
    if (!member) throw notFound("Member");
    const rooms = await sql<{ roomId: string }[]>`
      select distinct h.room_id as "roomId" from handoffs h join rooms r on r.id = h.room_id where r.organization_id = ${orgId}`;
    for (const { roomId } of rooms) {
      const granted = await grantDeliveryTeam(sql, roomId, orgId, userId);
      if (granted.length) {
        await recordActivity(sql, {
          roomId, organizationId: orgId, actorId: ctx.actor.userId, type: "participant.delivery_added",
          objectType: "user", objectId: userId, visibility: "internal", ip: ctx.ip,
        });
      }
    }
    await recordActivity(sql, {
      organizationId: orgId, actorId: ctx.actor.userId, type: "member.delivery_team_added",
      objectType: "user", objectId: userId, visibility: "internal", ip: ctx.ip,
    });
    return member;
  });
}

/**
 * Unmarks a member: later hand-offs no longer add them. Rooms they already joined keep them
 * (they may be working the account); the room owner removes them there if they should go.
 */
export async function removeFromDeliveryTeam(ctx: ActorContext, organizationId: string | undefined, userId: string | undefined): Promise<void> {
  const orgId = await requireSalesAdmin(ctx, organizationId, WHAT);
  if (!isId(userId)) throw notFound("Member");
  await transaction(ctx.sql, async (sql) => {
    const [row] = await sql`
      update memberships set delivery_team = false where organization_id = ${orgId} and user_id = ${userId} returning user_id`;
    if (!row) throw notFound("Member");
    await recordActivity(sql, {
      organizationId: orgId, actorId: ctx.actor.userId, type: "member.delivery_team_removed",
      objectType: "user", objectId: userId, visibility: "internal", ip: ctx.ip,
    });
  });
}
