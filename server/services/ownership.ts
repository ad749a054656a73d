import { z } from "zod";
import { transaction } from "../../db/client.ts";
import { authorize, isId, loadStanding, mayBecomeOwner, type ParticipantRole, type Side } from "../access/index.ts";
import type { ActorContext } from "../context.ts";
import { AppError, notFound } from "../errors.ts";
import { parseInput } from "../validation.ts";
import { recordActivity } from "./activity.ts";
import { getRoom } from "./rooms.ts";

export const TransferOwnershipInput = z.object({ userId: z.string({ error: "is required" }) }).strict();

/**
 * Hands a room to another internal participant (owner or organization admin). The previous
 * owner stays in the room as an internal editor, so nothing they wrote loses its author.
 */
export async function transferOwnership(ctx: ActorContext, roomId: string | undefined, raw: unknown) {
  const standing = await loadStanding(ctx.sql, ctx.actor, roomId);
  authorize(standing, "room.transferOwnership");
  const { userId } = parseInput(TransferOwnershipInput, raw);
  if (!isId(userId)) throw notFound("Participant");
  const previousOwnerId = await transaction(ctx.sql, async (sql) => {
    const [target] = await sql<{ side: Side; role: ParticipantRole }[]>`
      select side, role from participants where room_id = ${standing.roomId} and user_id = ${userId} for update`;
    if (!target) throw notFound("Participant");
    if (!mayBecomeOwner(target)) {
      if (target.role === "owner") throw new AppError(409, "already_owner", "That person already owns this room.");
      throw new AppError(400, "owner_must_be_internal", "Only an internal participant can own a room.", { userId: "must be an internal participant" });
    }
    const [previous] = await sql<{ userId: string }[]>`
      update participants set role = 'editor' where room_id = ${standing.roomId} and role = 'owner' returning user_id as "userId"`;
    await sql`update participants set role = 'owner' where room_id = ${standing.roomId} and user_id = ${userId}`;
    await recordActivity(sql, {
      roomId: standing.roomId, organizationId: standing.organizationId, actorId: ctx.actor.userId,
      type: "room.ownership_transferred", objectType: "user", objectId: userId, visibility: "internal",
      data: { from: previous?.userId ?? null, to: userId }, ip: ctx.ip,
    });
    return previous?.userId ?? null;
  });
  ctx.bus.invalidate({ userIds: previousOwnerId ? [previousOwnerId, userId] : [userId], roomId: standing.roomId });
  return getRoom(ctx, standing.roomId);
}
