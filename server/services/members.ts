import { transaction } from "../../db/client.ts";
import { isId, requireOrg } from "../access/index.ts";
import { invalidateUserSessions } from "../auth/sessions.ts";
import type { ActorContext } from "../context.ts";
import { AppError, notFound } from "../errors.ts";
import { recordActivity } from "./activity.ts";

export interface MemberView {
  userId: string;
  name: string;
  email: string;
  role: "admin" | "member";
  deactivatedAt: string | null;
  joinedAt: string;
}

/** Organization admins manage members (`org.manageMembers`); anyone else asking about an organization learns nothing. */
export async function requireOrgAdmin(ctx: ActorContext, organizationId: string | undefined): Promise<string> {
  return (await requireOrg(ctx.sql, ctx.actor, organizationId, "org.manageMembers")).organizationId;
}

export async function listMembers(ctx: ActorContext, organizationId: string | undefined): Promise<MemberView[]> {
  const orgId = await requireOrgAdmin(ctx, organizationId);
  // users.deactivated_at: the account-wide lock of deactivations made before they were per organization.
  const rows = await ctx.sql<{ userId: string; name: string; email: string; role: MemberView["role"]; deactivatedAt: Date | null; joinedAt: Date }[]>`
    select u.id as "userId", u.name, u.email, m.role, coalesce(m.deactivated_at, u.deactivated_at) as "deactivatedAt", m.created_at as "joinedAt"
    from memberships m join users u on u.id = m.user_id
    where m.organization_id = ${orgId} order by coalesce(m.deactivated_at, u.deactivated_at) nulls first, u.name`;
  return rows.map((r) => ({ ...r, deactivatedAt: r.deactivatedAt?.toISOString() ?? null, joinedAt: r.joinedAt.toISOString() }));
}

/**
 * Deactivates a member who leaves this organization: they are taken out of the organization and
 * every room of it at once (their sockets and collab connections in those rooms close), and
 * everything they wrote stays, attributed to them. Rooms they owned pass to the admin doing this.
 * It is the organization's decision only: the person's account, their sessions and their places
 * in other organizations' rooms stay theirs
 * (docs/decisions/014-trust-proxy-and-per-organization-deactivation.md).
 */
export async function deactivateMember(ctx: ActorContext, organizationId: string | undefined, userId: string | undefined) {
  const orgId = await requireOrgAdmin(ctx, organizationId);
  if (!isId(userId)) throw notFound("Member");
  if (userId === ctx.actor.userId) throw new AppError(400, "cannot_deactivate_self", "You cannot deactivate yourself.");
  const { rooms, transferred } = await transaction(ctx.sql, async (sql) => {
    const [member] = await sql`select 1 from memberships where organization_id = ${orgId} and user_id = ${userId} for update`;
    if (!member) throw notFound("Member");
    await sql`update memberships set deactivated_at = coalesce(deactivated_at, now()), delivery_team = false
      where organization_id = ${orgId} and user_id = ${userId}`;
    const owned = await sql<{ roomId: string }[]>`
      select p.room_id as "roomId" from participants p join rooms r on r.id = p.room_id
      where p.user_id = ${userId} and p.role = 'owner' and r.organization_id = ${orgId}`;
    // Out of every room of this organization (plan items assigned to them become unassigned).
    await sql`delete from participants p using rooms r where r.id = p.room_id and r.organization_id = ${orgId} and p.user_id = ${userId}`;
    for (const { roomId } of owned) {
      await sql`insert into participants (room_id, user_id, side, role) values (${roomId}, ${ctx.actor.userId}, 'internal', 'owner')
        on conflict (room_id, user_id) do update set side = 'internal', role = 'owner'`;
      await recordActivity(sql, {
        roomId, organizationId: orgId, actorId: ctx.actor.userId, type: "room.ownership_transferred",
        objectType: "user", objectId: ctx.actor.userId, visibility: "internal",
        data: { from: userId, to: ctx.actor.userId, because: "member_deactivated" }, ip: ctx.ip,
      });
    }
    await recordActivity(sql, {
      organizationId: orgId, actorId: ctx.actor.userId, type: "member.deactivated",
      objectType: "user", objectId: userId, visibility: "internal", ip: ctx.ip,
    });
    const rooms = await sql<{ id: string }[]>`select id from rooms where organization_id = ${orgId}`;
    return { rooms: rooms.map((r) => r.id), transferred: owned.map((o) => o.roomId) };
  });
  // After commit: the person's live connections in this organization's rooms are decided afresh
  // (and refused); their connections elsewhere are left alone.
  for (const roomId of rooms) ctx.bus.invalidate({ userIds: [userId], roomId });
  for (const roomId of transferred) ctx.bus.invalidate({ userIds: [ctx.actor.userId], roomId });
}

/**
 * Lets a deactivated member back into the organization (with the role they had). Rooms are not
 * given back: they are invited to rooms again. It also lifts the account-wide lock of a
 * deactivation made before deactivation was per organization.
 */
export async function reactivateMember(ctx: ActorContext, organizationId: string | undefined, userId: string | undefined) {
  const orgId = await requireOrgAdmin(ctx, organizationId);
  if (!isId(userId)) throw notFound("Member");
  await transaction(ctx.sql, async (sql) => {
    const [row] = await sql`
      update memberships set deactivated_at = null where organization_id = ${orgId} and user_id = ${userId}
      returning user_id`;
    if (!row) throw notFound("Member");
    await sql`update users set deactivated_at = null where id = ${userId}`;
    await recordActivity(sql, {
      organizationId: orgId, actorId: ctx.actor.userId, type: "member.reactivated",
      objectType: "user", objectId: userId, visibility: "internal", ip: ctx.ip,
    });
  });
}
