import type { Tx } from "../../db/client.ts";
import { forbidden, notFound } from "../errors.ts";
import {
  can,
  canReadHistory,
  canReadItem,
  isInternal,
  seesRoom,
  type Action,
  type ItemAction,
  type OrgRole,
  type ParticipantRole,
  type RoomAction,
  type HistoryEntry,
  type Side,
  type ScopedItem,
  type Standing,
} from "./policy.ts";
import { noteRefusal } from "./refusals.ts";

export * from "./policy.ts";

/** The signed-in user a request or connection acts for. */
export interface Actor {
  userId: string;
  name: string;
  email: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isId = (value: string | undefined): value is string => value !== undefined && UUID.test(value);

/**
 * Loads where `actor` stands in `roomId`. A room the actor may not see is reported
 * exactly like one that does not exist: 404.
 */
export async function loadStanding(sql: Tx, actor: Actor, roomId: string | undefined): Promise<Standing> {
  if (!isId(roomId)) throw notFound("Room");
  const [row] = await sql<{ organizationId: string; side: Side | null; role: ParticipantRole | null; orgRole: OrgRole | null }[]>`
    select r.organization_id as "organizationId", p.side, p.role, m.role as "orgRole"
    from rooms r
    left join participants p on p.room_id = r.id and p.user_id = ${actor.userId}
    left join memberships m on m.organization_id = r.organization_id and m.user_id = ${actor.userId}
    where r.id = ${roomId}`;
  if (!row) throw notFound("Room");
  const standing: Standing = {
    userId: actor.userId,
    roomId,
    organizationId: row.organizationId,
    participation: row.side && row.role ? { side: row.side, role: row.role } : null,
    orgRole: row.orgRole,
  };
  if (!seesRoom(standing)) {
    noteRefusal({ roomId, organizationId: row.organizationId, type: "access.denied", status: 404, objectType: "room" });
    throw notFound("Room");
  }
  return standing;
}

/**
 * Throws unless the action is allowed: 404 when the actor must not know the room or item
 * exists, 403 when they can see it but may not do this.
 */
export function authorize(s: Standing, action: RoomAction): void;
export function authorize(s: Standing, action: ItemAction, item: ScopedItem, what?: string): void;
export function authorize(s: Standing, action: Action, item?: ScopedItem, what = "That item"): void {
  const refuse = (status: 403 | 404, hidden = "Room") => {
    noteRefusal({ roomId: s.roomId, organizationId: s.organizationId, type: "access.denied", status, data: { action, what } });
    return status === 404 ? notFound(hidden) : forbidden();
  };
  if (!seesRoom(s)) throw refuse(404);
  if (item) {
    if (!canReadItem(s, item)) throw refuse(404, what);
    if (!can(s, action as ItemAction, item)) throw refuse(403);
    return;
  }
  if (!can(s, action as RoomAction)) throw refuse(403);
}

/**
 * The SQL condition selecting the items of a room that `s` may see, for lists and search.
 * `column` names the visibility column (qualify it when joining).
 */
export function visibleWhere(sql: Tx, s: Standing, column = "visibility") {
  return isInternal(s) ? sql`true` : sql`${sql(column)} = 'shared'`;
}

/**
 * The SQL condition selecting the history entries (page versions, file versions) of an item the
 * caller already may read (loadPage, loadReadableFile) that `s` may also see: canReadHistory in
 * SQL. `column` names the entry's recorded visibility (`v.visibility`; for the original name of
 * a file version, `v.uploaded_visibility`). Every history surface filters with this, so a
 * hidden version reads exactly like one that does not exist. docs/decisions/012-history-visibility.md.
 */
export function historyVisibleWhere(sql: Tx, s: Standing, column = "v.visibility") {
  return visibleWhere(sql, s, column);
}

/** Throws 404 (`what` not found, as for a missing entry) unless `s` may see this history entry of `item`. */
export function authorizeHistory(s: Standing, item: ScopedItem, entry: HistoryEntry, what = "That version"): void {
  authorize(s, "item.read", item, what);
  if (!canReadHistory(s, item, entry)) {
    noteRefusal({ roomId: s.roomId, organizationId: s.organizationId, type: "access.denied", status: 404, data: { action: "history.read", what } });
    throw notFound(what);
  }
}

/** The SQL condition selecting the rooms an actor may open: participant, or admin of its organization. */
export function visibleRoomsWhere(sql: Tx, actor: Actor, roomIdColumn = "r.id", orgIdColumn = "r.organization_id") {
  return sql`(
    exists (select 1 from participants p where p.room_id = ${sql(roomIdColumn)} and p.user_id = ${actor.userId})
    or exists (select 1 from memberships m where m.organization_id = ${sql(orgIdColumn)} and m.user_id = ${actor.userId} and m.role = 'admin')
  )`;
}
