import type { Tx } from "../../db/client.ts";
import { readableWhere } from "../access/index.ts";
import { sharedNow } from "./visibility.ts";

/** Activity types that mean "something new to look at" in a room. */
export const CONTENT_ACTIVITY_TYPES = ["thread.created", "page.created", "file.uploaded", "file.version_added"];

/** How far back a collection looks past the last one, so a transaction that committed late is still seen. */
const OVERLAP = "1 minute";
/** Nobody is notified about content older than this (a first collection after a long time away). */
const HORIZON = "30 days";

/**
 * New-content notifications are collected lazily from the activity log, whichever service
 * recorded the activity: new items in rooms the user takes part in, made by someone else after
 * they joined, that they may see, in rooms whose level is "everything". Idempotent.
 */
export async function collectContentNotifications(sql: Tx, userId: string): Promise<void> {
  await sql`
    insert into notifications (user_id, room_id, kind, activity_type, object_type, object_id, thread_id, activity_id, actor_id, created_at)
    select p.user_id, a.room_id, 'content', a.type, a.object_type, a.object_id,
      case when a.object_type = 'thread' then a.object_id::uuid end,
      a.id, a.actor_id, a.at
    from activities a
    join participants p on p.room_id = a.room_id and p.user_id = ${userId}
    left join notification_preferences np on np.user_id = p.user_id and np.room_id = a.room_id
    where a.type = any(${CONTENT_ACTIVITY_TYPES})
      and a.actor_id is distinct from p.user_id
      and a.object_id is not null
      and a.at >= p.created_at
      and a.at > greatest(now() - ${HORIZON}::interval,
        coalesce((select c.collected_at from notification_cursors c where c.user_id = p.user_id), '-infinity') - ${OVERLAP}::interval)
      and coalesce(np.level, 'everything') = 'everything'
      and ${readableWhere(sql, { user: "p.user_id", room: "a.room_id" }, sharedNow(sql, "a.visibility", "a.object_type", "a.object_id"))}
    on conflict do nothing`;
  await sql`
    insert into notification_cursors (user_id, collected_at) values (${userId}, now())
    on conflict (user_id) do update set collected_at = greatest(notification_cursors.collected_at, excluded.collected_at)`;
}
