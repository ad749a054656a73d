import type { AppContext } from "../context.ts";
import { isMentionId } from "../../app/editor/page-mention.ts";
import { unreadNotificationCount } from "../notifications/inbox.ts";
import { levelsIn } from "../notifications/preferences.ts";
import { participantsWhoCanRead } from "../threads/access.ts";
import { publishPersonal } from "../threads/events.ts";

/**
 * Notifications for mentions in a page (docs/decisions/026-editor-images-mentions.md).
 *
 * Decided on the server from what was stored, never from a client's say-so: the collab server
 * reads the mention ids out of each update it accepts from a writer (collab/update-bounds.ts),
 * and once that update is committed calls `notifyPageMentions` with the connection's own user
 * as the author. Only participants who may read the page *now* (the access policy:
 * participantsWhoCanRead) are notified — a guest named by a hand-written update on an internal
 * page is not, nor is anyone outside the room. A mention kept unread is not repeated (migration
 * 0018). The notification links to the page, and is shown only while its reader may still see
 * the page (server/notifications/inbox.ts, notificationVisible).
 */
export async function notifyPageMentions(app: Pick<AppContext, "sql" | "bus">, input: { pageId: string; authorId: string; userIds: string[] }): Promise<string[]> {
  const { sql } = app;
  const candidates = [...new Set(input.userIds)].filter((id) => isMentionId(id) && id !== input.authorId);
  if (candidates.length === 0) return [];
  const [page] = await sql<{ id: string; roomId: string; organizationId: string; visibility: "internal" | "shared"; title: string }[]>`
    select p.id, p.room_id as "roomId", r.organization_id as "organizationId", p.visibility, p.title
    from pages p join rooms r on r.id = p.room_id
    where p.id = ${input.pageId} and p.archived_at is null`;
  if (!page) return [];
  const readers = (await participantsWhoCanRead(sql, page, { visibility: page.visibility }, candidates)).map((p) => p.id);
  const levels = await levelsIn(sql, page.roomId, readers);
  const wanted = readers.filter((id) => levels.get(id) !== "nothing");
  if (wanted.length === 0) return [];
  const [author] = await sql<{ name: string }[]>`select name from users where id = ${input.authorId}`;
  const notified: { userId: string; id: string }[] = [];
  for (const userId of wanted) {
    const [row] = await sql<{ id: string }[]>`
      insert into notifications (user_id, room_id, kind, object_type, object_id, actor_id)
      values (${userId}, ${page.roomId}, 'mention', 'page', ${page.id}, ${input.authorId})
      on conflict (user_id, object_id) where kind = 'mention' and object_type = 'page' and read_at is null do nothing
      returning id`;
    if (row) notified.push({ userId, id: row.id });
  }
  for (const n of notified) {
    publishPersonal(app, {
      userId: n.userId,
      roomId: page.roomId,
      type: "notification.created",
      visibility: page.visibility,
      payload: {
        id: n.id,
        kind: "mention",
        roomId: page.roomId,
        pageId: page.id,
        title: page.title,
        url: `/rooms/${page.roomId}/pages/${page.id}`,
        actor: { id: input.authorId, name: author?.name ?? "Someone" },
        unreadCount: await unreadNotificationCount(sql, n.userId),
      },
    });
  }
  return notified.map((n) => n.userId);
}
