import { transaction, type Tx } from "../../db/client.ts";
import type { ActorContext } from "../context.ts";
import { recordActivity } from "../services/activity.ts";
import { makeVersionsForRoom } from "../wiki/versions.ts";

/**
 * The hand-off: when a room enters a stage marked `handoff` (Delivering by default) or is
 * closed as won, every live page gets a `handoff` version of its own, the versions are
 * recorded as the hand-off's pages, and the organization's delivery team joins the room as
 * internal viewers (existing participants keep their role). Once per such event.
 */

export type HandoffTrigger = "stage" | "won";

export interface Handoff {
  id: string;
  trigger: HandoffTrigger;
  madeAt: string;
  madeBy: { id: string; name: string };
  pages: { pageId: string; versionNumber: number }[];
}

/** Adds the organization's delivery team to a room as internal viewers; returns who was added. */
export async function grantDeliveryTeam(sql: Tx, roomId: string, organizationId: string, onlyUserId?: string): Promise<string[]> {
  const rows = await sql<{ userId: string }[]>`
    insert into participants (room_id, user_id, side, role)
    select ${roomId}, m.user_id, 'internal', 'viewer'
    from memberships m join users u on u.id = m.user_id
    where m.organization_id = ${organizationId} and m.delivery_team and u.deactivated_at is null and m.deactivated_at is null
      ${onlyUserId ? sql`and m.user_id = ${onlyUserId}` : sql``}
    on conflict (room_id, user_id) do nothing
    returning user_id as "userId"`;
  return rows.map((r) => r.userId);
}

/** Hands the room off. Called after the move that triggered it has committed. */
export async function handOff(
  ctx: ActorContext,
  room: { roomId: string; organizationId: string },
  trigger: HandoffTrigger,
  stageMoveId: string | null,
): Promise<string> {
  // Versions first, each in its own transaction (makeVersion reads the live document before it locks the page).
  const made = await makeVersionsForRoom(ctx, room.roomId, "handoff", { createdBy: ctx.actor.userId, evenIfUnchanged: true });
  const handoffId = await transaction(ctx.sql, async (sql) => {
    const [row] = await sql<{ id: string }[]>`
      insert into handoffs (room_id, trigger, stage_move_id, made_by)
      values (${room.roomId}, ${trigger}, ${stageMoveId}, ${ctx.actor.userId}) returning id`;
    if (made.length) {
      const pages = made.map((m) => ({ handoff_id: row!.id, page_id: m.pageId, version_number: m.version.number }));
      await sql`insert into handoff_pages ${sql(pages, "handoff_id", "page_id", "version_number")}`;
    }
    const granted = await grantDeliveryTeam(sql, room.roomId, room.organizationId);
    // Internal: who joined from delivery is the seller's business; the stage change itself is shared.
    await recordActivity(sql, {
      roomId: room.roomId, organizationId: room.organizationId, actorId: ctx.actor.userId, type: "room.handed_off",
      objectType: "room", objectId: room.roomId, visibility: "internal",
      data: { handoffId: row!.id, trigger, pages: made.length, granted }, ip: ctx.ip,
    });
    return row!.id;
  });
  ctx.bus.publish({ roomId: room.roomId, type: "room.handed_off", visibility: "internal", payload: { roomId: room.roomId, handoffId, trigger } });
  return handoffId;
}

/** The room's most recent hand-off, or null: what the hand-off record and its exports are built on. */
export async function latestHandoff(sql: Tx, roomId: string): Promise<Handoff | null> {
  const [row] = await sql<{ id: string; trigger: HandoffTrigger; madeAt: Date; madeById: string; madeByName: string }[]>`
    select h.id, h.trigger, h.made_at as "madeAt", u.id as "madeById", u.name as "madeByName"
    from handoffs h join users u on u.id = h.made_by
    where h.room_id = ${roomId}
    order by h.made_at desc, h.id desc limit 1`;
  if (!row) return null;
  const pages = await sql<{ pageId: string; versionNumber: number }[]>`
    select hp.page_id as "pageId", hp.version_number as "versionNumber"
    from handoff_pages hp join pages p on p.id = hp.page_id
    where hp.handoff_id = ${row.id} order by p.created_at`;
  return { id: row.id, trigger: row.trigger, madeAt: row.madeAt.toISOString(), madeBy: { id: row.madeById, name: row.madeByName }, pages };
}
