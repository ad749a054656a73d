import type { AppContext } from "../context.ts";
import type { Standing } from "../access/index.ts";
import { build, quietFlags } from "./report.ts";

/**
 * "Gone quiet" notices for each open room's owner (docs/decisions/025-engagement.md), from the
 * same flags as the Engagement tab: an in-app notification (kind `engagement`, about the room),
 * once per episode: not again while one of the same kind was made after the buyer's last
 * activity (or after the stage move the champion has not been seen since). Rooms with tracking
 * off are left alone. Run by the `engagement-quiet` job (server/jobs.ts).
 */
export async function notifyQuietRooms(app: AppContext): Promise<number> {
  const rooms = await app.sql<{ roomId: string; organizationId: string; ownerId: string }[]>`
    select r.id as "roomId", r.organization_id as "organizationId", p.user_id as "ownerId"
    from rooms r join organizations o on o.id = r.organization_id
    join participants p on p.room_id = r.id and p.role = 'owner'
    where r.status = 'open' and r.engagement_tracking and o.engagement_tracking`;
  let sent = 0;
  for (const room of rooms) {
    // The owner's view of the room: everything, as on their Engagement tab.
    const standing: Standing = { userId: room.ownerId, roomId: room.roomId, organizationId: room.organizationId, orgRole: null, participation: { side: "internal", role: "owner" } };
    const report = await build(app.sql, standing, null);
    const flags = await quietFlags(app.sql, room.roomId, report.participants, report.quietAfterDays, report.createdAt);
    for (const flag of flags) {
      const type = `engagement.${flag.kind}`;
      const since = flag.kind === "buyer_quiet" ? (flag.lastBuyerActivityAt ?? report.createdAt.toISOString()) : flag.stageMovedAt;
      const inserted = await app.sql`
        insert into notifications (user_id, room_id, kind, activity_type, object_type, object_id)
        select ${room.ownerId}, ${room.roomId}, 'engagement', ${type}, 'room', ${room.roomId}
        where not exists (select 1 from notifications where user_id = ${room.ownerId} and room_id = ${room.roomId}
          and activity_type = ${type} and created_at > ${since})
        returning id`;
      sent += inserted.length;
    }
  }
  return sent;
}
