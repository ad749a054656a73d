import { authorize, canReadItem, loadAuthorized, loadStanding, type ScopedItem, type Standing, type Visibility } from "../access/index.ts";
import type { Tx } from "../../db/client.ts";
import type { ActorContext } from "../context.ts";
import type { PersonRef, ThreadRow } from "./views.ts";
import { findThread } from "./views.ts";

/**
 * Loads a thread the actor may read. A thread in a room they cannot see, or an internal thread
 * asked for by an external participant, answers 404 exactly like an id that does not exist.
 */
export async function openThread(ctx: ActorContext, threadId: string | undefined): Promise<{ thread: ThreadRow; standing: Standing }> {
  const { row, standing } = await loadAuthorized(ctx.sql, ctx.actor, "Thread", threadId, (id, s) => findThread(ctx.sql, id, s), { action: "item.read" });
  return { thread: row, standing };
}

interface ParticipantRow {
  userId: string;
  name: string;
  side: "internal" | "external";
  role: "owner" | "editor" | "commenter" | "viewer";
  orgRole: "admin" | "member" | null;
}

/**
 * The room's participants who may read `item`, decided by the same policy as every request.
 * `onlyUserIds` narrows the question (mentions).
 */
export async function participantsWhoCanRead(
  sql: Tx,
  room: { roomId: string; organizationId: string },
  item: ScopedItem,
  onlyUserIds?: string[],
): Promise<PersonRef[]> {
  if (onlyUserIds && onlyUserIds.length === 0) return [];
  const rows = await sql<ParticipantRow[]>`
    select p.user_id as "userId", u.name, p.side, p.role, m.role as "orgRole"
    from participants p
    join users u on u.id = p.user_id and u.deactivated_at is null
    left join memberships m on m.organization_id = ${room.organizationId} and m.user_id = p.user_id and m.deactivated_at is null
    where p.room_id = ${room.roomId} ${onlyUserIds ? sql`and p.user_id = any(${onlyUserIds}::uuid[])` : sql``}
    order by u.name`;
  return rows
    .filter((r) =>
      canReadItem(
        { userId: r.userId, roomId: room.roomId, organizationId: room.organizationId, participation: { side: r.side, role: r.role }, orgRole: r.orgRole },
        item,
      ),
    )
    .map((r) => ({ id: r.userId, name: r.name }));
}

/**
 * Who the composer may offer for @mentions in an item of `visibility`: participants who could
 * read it. Asking about internal items without being internal is a 404.
 */
export async function mentionableUsers(ctx: ActorContext, roomId: string | undefined, visibility: Visibility): Promise<PersonRef[]> {
  const standing = await loadStanding(ctx.sql, ctx.actor, roomId);
  authorize(standing, "item.read", { visibility }, "Thread");
  const people = await participantsWhoCanRead(ctx.sql, standing, { visibility });
  return people.filter((p) => p.id !== ctx.actor.userId);
}
