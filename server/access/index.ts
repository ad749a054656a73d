import type { Tx } from "../../db/client.ts";
import { forbidden, notFound } from "../errors.ts";
import {
  can,
  canReadHistory,
  canReadItem,
  isInternal,
  isOrgMember,
  seesRoom,
  type Action,
  type ItemAction,
  type OrgAction,
  type OrgRole,
  type OrgStanding,
  type ParticipantRole,
  type RoomAction,
  type HistoryEntry,
  type Side,
  type ScopedItem,
  type Standing,
} from "./policy.ts";
import { noteRefusal } from "./refusals.ts";

export * from "./policy.ts";
export { loadAuthorized, type Check, type StandingQuery } from "./load.ts";

/** The signed-in user a request or connection acts for. */
export interface Actor {
  userId: string;
  name: string;
  email: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isId = (value: string | undefined): value is string => value !== undefined && UUID.test(value);

/** What a standing is made of, as `standingColumns` selects it. */
export interface StandingRow {
  organizationId: string;
  side: Side | null;
  role: ParticipantRole | null;
  orgRole: OrgRole | null;
}

/**
 * The joins and columns of a standing, for loading an item and its reader's standing in one
 * query (so an item that exists but is hidden costs the same work as a missing one). The room
 * must be joined as `r`; the columns are named as in StandingRow.
 */
export const standingJoins = (sql: Tx, actor: Actor) => sql`
  left join participants sp on sp.room_id = r.id and sp.user_id = ${actor.userId}
  left join memberships sm on sm.organization_id = r.organization_id and sm.user_id = ${actor.userId} and sm.deactivated_at is null`;
export const standingColumns = (sql: Tx) => sql`
  r.organization_id as "organizationId", sp.side as "side", sp.role as "role", sm.role as "orgRole"`;

/** The standing a row describes; 404 (noted as a refusal) if the actor may not see the room. */
export function standingFromRow(actor: Actor, roomId: string, row: StandingRow): Standing {
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
 * Loads where `actor` stands in `roomId`. A room the actor may not see is reported
 * exactly like one that does not exist: 404.
 */
export async function loadStanding(sql: Tx, actor: Actor, roomId: string | undefined): Promise<Standing> {
  if (!isId(roomId)) throw notFound("Room");
  const [row] = await sql<StandingRow[]>`
    select ${standingColumns(sql)} from rooms r ${standingJoins(sql, actor)} where r.id = ${roomId}`;
  if (!row) throw notFound("Room");
  return standingFromRow(actor, roomId, row);
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
    or exists (select 1 from memberships m where m.organization_id = ${sql(orgIdColumn)} and m.user_id = ${actor.userId} and m.role = 'admin' and m.deactivated_at is null)
  )`;
}

/**
 * The SQL condition of `canReadItem` evaluated per row, for queries that span rooms and people
 * (notifications): may the user in `userColumn` read, in the room in `roomColumn`, an item that
 * is shared when `shared` (a SQL boolean) holds? Participants by their side; an organization
 * admin who takes no part reads like an internal participant (policy.ts: effectiveSide).
 */
export function readableWhere(sql: Tx, columns: { user: string; room: string }, shared: ReturnType<typeof visibleWhere>) {
  const user = sql(columns.user);
  const room = sql(columns.room);
  return sql`(case
    when exists (select 1 from participants rp where rp.room_id = ${room} and rp.user_id = ${user})
      then exists (select 1 from participants rp where rp.room_id = ${room} and rp.user_id = ${user}
        and (rp.side = 'internal' or (${shared})))
    else exists (select 1 from rooms rr join memberships rm on rm.organization_id = rr.organization_id
      where rr.id = ${room} and rm.user_id = ${user} and rm.role = 'admin' and rm.deactivated_at is null)
  end)`;
}

// ── Organizations ────────────────────────────────────────────────────────────────────────

/**
 * Loads where `actor` stands in `organizationId`. Not being a member is not an error here:
 * `authorizeOrg` answers it with a 404, like an organization that does not exist.
 */
export async function loadOrgStanding(sql: Tx, actor: Actor, organizationId: string | undefined): Promise<OrgStanding & { exists: boolean }> {
  if (!isId(organizationId)) return { userId: actor.userId, organizationId: "", orgRole: null, exists: false };
  const [row] = await sql<{ orgRole: OrgRole | null }[]>`
    select m.role as "orgRole" from organizations o
    left join memberships m on m.organization_id = o.id and m.user_id = ${actor.userId} and m.deactivated_at is null
    where o.id = ${organizationId}`;
  return { userId: actor.userId, organizationId, orgRole: row?.orgRole ?? null, exists: row !== undefined };
}

/** What a 403 says for each organization action, unless the caller names what was refused. */
const ORG_REFUSAL: Partial<Record<OrgAction, string>> = {
  "org.manageMembers": "manage members",
  "org.manageSales": "change the sales cycle",
  "org.manageTemplates": "manage room templates",
  "org.manageSettings": "change organization settings",
  "org.readOutbox": "read the outbox",
  "org.manageWebhooks": "manage webhooks",
  "org.manageEngagement": "change engagement tracking",
};

/**
 * Throws unless the organization action is allowed: 404 for someone outside the organization
 * (it does not exist for them), 403 for a member who may not. Refusals are noted for the
 * organization's audit trail like room refusals. `what` finishes "Only organization admins can …".
 */
export function authorizeOrg(s: OrgStanding & { exists?: boolean }, action: OrgAction, what?: string): void {
  const refuse = (status: 403 | 404) => {
    if (s.exists !== false && s.organizationId) {
      noteRefusal({ roomId: null, organizationId: s.organizationId, type: "access.denied", status, objectType: "organization", data: { action } });
    }
    return status === 404 ? notFound("Organization") : forbidden(`Only organization admins can ${what ?? ORG_REFUSAL[action] ?? "do this"}.`);
  };
  if (!isOrgMember(s)) throw refuse(404);
  if (!can(s, action)) throw refuse(403);
}

/** loadOrgStanding + authorizeOrg: the organization id, once the actor may do `action` in it. */
export async function requireOrg(sql: Tx, actor: Actor, organizationId: string | undefined, action: OrgAction, what?: string): Promise<OrgStanding> {
  const standing = await loadOrgStanding(sql, actor, organizationId);
  authorizeOrg(standing, action, what);
  return { userId: standing.userId, organizationId: standing.organizationId, orgRole: standing.orgRole };
}

/**
 * The organization a page about one organization is for: `requested` (a `?org=` id), else the
 * first of the actor's organizations where `action` is allowed, else their first one (so the
 * answer is the policy's 403). Someone in no organization is refused with a 403.
 */
export async function chooseOrganization(sql: Tx, actor: Actor, action: OrgAction, requested?: string | null): Promise<OrgStanding> {
  if (requested != null) return requireOrg(sql, actor, requested, action);
  const mine = await sql<{ organizationId: string; orgRole: OrgRole }[]>`
    select m.organization_id as "organizationId", m.role as "orgRole"
    from memberships m join organizations o on o.id = m.organization_id
    where m.user_id = ${actor.userId} and m.deactivated_at is null order by o.name`;
  const standings = mine.map((m) => ({ userId: actor.userId, ...m }));
  const chosen = standings.find((s) => can(s, action)) ?? standings[0];
  if (!chosen) throw forbidden(`Only organization admins can ${ORG_REFUSAL[action] ?? "do this"}.`);
  authorizeOrg(chosen, action);
  return chosen;
}

