import { can, loadStanding, type RoomAction, type Standing } from "../access/index.ts";
import type { ActorContext } from "../context.ts";
import { notFound } from "../errors.ts";

/**
 * The standing of someone who may read one of the room's internal-only records (stakeholders,
 * qualification). For anyone else the record does not exist: 404, like a room they are not in.
 */
export async function internalStanding(ctx: ActorContext, roomId: string | undefined, read: RoomAction, what: string): Promise<Standing> {
  const standing = await loadStanding(ctx.sql, ctx.actor, roomId);
  if (!can(standing, read)) throw notFound(what);
  return standing;
}
