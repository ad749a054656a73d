import { transaction } from "../../db/client.ts";
import { z } from "zod";
import { authorize, can, isId, isManageableParticipant, loadStanding, mayBecomeOwner, type ParticipantRole, type Side } from "../access/index.ts";
import type { ActorContext } from "../context.ts";
import { AppError, notFound } from "../errors.ts";
import { InviteRole, parseInput } from "../validation.ts";
import { recordActivity } from "./activity.ts";

export interface ParticipantView {
  userId: string;
  name: string;
  /** Omitted for external callers looking at internal participants (docs/api.md). */
  email?: string;
  side: Side;
  role: ParticipantRole;
  joinedAt: string;
}

export async function listParticipants(ctx: ActorContext, roomId: string | undefined): Promise<ParticipantView[]> {
  const standing = await loadStanding(ctx.sql, ctx.actor, roomId);
  authorize(standing, "participant.list");
  const seeAllEmails = can(standing, "participant.seeEmail");
  const rows = await ctx.sql<{ userId: string; name: string; email: string; side: Side; role: ParticipantRole; joinedAt: Date }[]>`
    select p.user_id as "userId", u.name, u.email, p.side, p.role, p.created_at as "joinedAt"
    from participants p join users u on u.id = p.user_id
    where p.room_id = ${standing.roomId}
    order by p.side, (p.role = 'owner') desc, u.name`;
  return rows.map((r) => ({
    userId: r.userId,
    name: r.name,
    ...(seeAllEmails || r.side === "external" ? { email: r.email } : {}),
    side: r.side,
    role: r.role,
    joinedAt: r.joinedAt.toISOString(),
  }));
}

/** What the caller may do to each participant of the room, by user id (the overview shows its controls from this). */
export interface ParticipantActions {
  /** Change their role, remove them. */
  manage: boolean;
  /** Make them the room's owner. */
  makeOwner: boolean;
}

/**
 * The participant controls the caller gets, decided here by the access policy (the room
 * abilities `participant.manage` and `room.transferOwnership` and the rules about the person
 * acted on), so the page never re-derives who can be made owner.
 */
export async function participantActions(ctx: ActorContext, roomId: string | undefined): Promise<Record<string, ParticipantActions>> {
  const standing = await loadStanding(ctx.sql, ctx.actor, roomId);
  authorize(standing, "participant.list");
  const manage = can(standing, "participant.manage");
  const transfer = can(standing, "room.transferOwnership");
  const rows = await ctx.sql<{ userId: string; side: Side; role: ParticipantRole }[]>`
    select user_id as "userId", side, role from participants where room_id = ${standing.roomId}`;
  return Object.fromEntries(
    rows.map((r) => [r.userId, { manage: manage && isManageableParticipant(r), makeOwner: transfer && mayBecomeOwner(r) }]),
  );
}

const ChangeRoleInput = z.object({ role: InviteRole }).strict();

async function loadTarget(ctx: ActorContext, roomId: string, userId: string | undefined) {
  if (!isId(userId)) throw notFound("Participant");
  const [target] = await ctx.sql<{ side: Side; role: ParticipantRole }[]>`
    select side, role from participants where room_id = ${roomId} and user_id = ${userId}`;
  if (!target) throw notFound("Participant");
  return target;
}

export async function changeParticipantRole(ctx: ActorContext, roomId: string | undefined, userId: string | undefined, raw: unknown) {
  const standing = await loadStanding(ctx.sql, ctx.actor, roomId);
  authorize(standing, "participant.manage");
  const { role } = parseInput(ChangeRoleInput, raw);
  const target = await loadTarget(ctx, standing.roomId, userId);
  if (!isManageableParticipant(target)) {
    throw new AppError(409, "owner_role", "The owner's role cannot be changed. Transfer ownership first.");
  }
  await transaction(ctx.sql, async (sql) => {
    await sql`update participants set role = ${role} where room_id = ${standing.roomId} and user_id = ${userId!}`;
    await recordActivity(sql, {
      roomId: standing.roomId, organizationId: standing.organizationId, actorId: ctx.actor.userId,
      type: "participant.role_changed", objectType: "user", objectId: userId!, visibility: "internal",
      data: { from: target.role, to: role, side: target.side }, ip: ctx.ip,
    });
  });
  // A lowered role must reach open connections at once.
  ctx.bus.invalidate({ userIds: [userId!], roomId: standing.roomId });
  return (await listParticipants(ctx, standing.roomId)).find((p) => p.userId === userId)!;
}

export async function removeParticipant(ctx: ActorContext, roomId: string | undefined, userId: string | undefined) {
  const standing = await loadStanding(ctx.sql, ctx.actor, roomId);
  authorize(standing, "participant.manage");
  const target = await loadTarget(ctx, standing.roomId, userId);
  if (!isManageableParticipant(target)) {
    throw new AppError(409, "owner_role", "The owner cannot be removed. Transfer ownership first.");
  }
  await transaction(ctx.sql, async (sql) => {
    await sql`delete from participants where room_id = ${standing.roomId} and user_id = ${userId!}`;
    await recordActivity(sql, {
      roomId: standing.roomId, organizationId: standing.organizationId, actorId: ctx.actor.userId,
      type: "participant.removed", objectType: "user", objectId: userId!, visibility: "internal",
      data: { side: target.side, role: target.role }, ip: ctx.ip,
    });
  });
  ctx.bus.invalidate({ userIds: [userId!], roomId: standing.roomId });
}
