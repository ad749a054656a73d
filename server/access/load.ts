import type { Tx } from "../../db/client.ts";
import { AppError, notFound } from "../errors.ts";
import { authorize, isId, standingFromRow, standingJoins, type Actor, type StandingRow } from "./index.ts";
import { can, type ItemAction, type RoomAction, type ScopedItem, type Standing } from "./policy.ts";
import { noteRefusal } from "./refusals.ts";

/** What to check once the row and the standing are loaded. */
export type Check<T> =
  /** An item action on the row itself, or on what `item` makes of it (a message: its thread's visibility, its author). */
  | { action: ItemAction; item?: (row: T) => ScopedItem }
  /** A row without a visibility of its own that only some may know of (stakeholders: `stakeholder.read`); refused → 404. */
  | { readable: RoomAction };

/**
 * The pieces `find` puts into its query so the row and the actor's standing in its room come
 * back in one query: `joins` after the room (joined as `r`), `columns` in the select list.
 */
export interface StandingQuery {
  joins: ReturnType<typeof standingJoins>;
  columns: ReturnType<typeof standingColumnsAliased>;
}

/** The standing's columns under names no row of ours uses (a stakeholder has a `role` of its own). */
const ALIASES = { organizationId: "_standingOrganizationId", side: "_standingSide", role: "_standingRole", orgRole: "_standingOrgRole" } as const;
const standingColumnsAliased = (sql: Tx) => sql`
  r.organization_id as "_standingOrganizationId", sp.side as "_standingSide", sp.role as "_standingRole", sm.role as "_standingOrgRole"`;

/**
 * Load-and-authorize, the first step of every surface asked for one thing by its id: load the
 * row and the actor's standing in the row's room in ONE query (`find` writes it, with the
 * StandingQuery's joins and columns), then authorize. A malformed id, a missing row, a room the
 * actor may not see and an item they may not read all answer the same 404 naming `what` ("Page
 * does not exist or is not visible to you"), never the room; and a hidden row costs the same
 * database work as a missing one, so the two cannot be told apart by time either
 * (tests/integration/existence-timing.test.ts). A 403 (they see it, but may not do this) stays a
 * 403. Every refusal is noted for the audit trail (refusals.ts).
 *
 *     loadAuthorized(sql, actor, "Page", pageId, async (id, s) => {
 *       const [row] = await sql<PageRow[]>`
 *         select p.id, p.room_id as "roomId", p.visibility, ${s.columns}
 *         from pages p join rooms r on r.id = p.room_id ${s.joins} where p.id = ${id}`;
 *       return row;
 *     }, { action: "item.read" });
 */
export async function loadAuthorized<T extends { roomId: string }>(
  sql: Tx,
  actor: Actor,
  what: string,
  id: string | undefined,
  find: (id: string, standing: StandingQuery) => Promise<T | null | undefined>,
  check: Check<T>,
): Promise<{ row: T; standing: Standing }> {
  if (!isId(id)) throw notFound(what);
  const found = await find(id, { joins: standingJoins(sql, actor), columns: standingColumnsAliased(sql) });
  if (!found) throw notFound(what);
  const { row, standingRow } = splitStanding(found);
  let standing: Standing;
  try {
    standing = standingFromRow(actor, row.roomId, standingRow);
  } catch (error) {
    // Say "page", not "room": the answer must not tell that the id belongs to some room.
    throw error instanceof AppError && error.status === 404 ? notFound(what) : error;
  }
  if ("readable" in check) {
    if (!can(standing, check.readable)) {
      noteRefusal({ roomId: standing.roomId, organizationId: standing.organizationId, type: "access.denied", status: 404, data: { action: check.readable, what } });
      throw notFound(what);
    }
  } else {
    authorize(standing, check.action, check.item ? check.item(row) : (row as unknown as ScopedItem), what);
  }
  return { row, standing };
}

/** The row without the standing's columns, and the standing's columns. */
function splitStanding<T extends object>(found: T): { row: T; standingRow: StandingRow } {
  const record = { ...found } as Record<string, unknown>;
  if (!(ALIASES.organizationId in record)) {
    throw new Error("loadAuthorized: find must select the standing's columns (`${s.columns}`) and join `${s.joins}` after the room `r`");
  }
  const standingRow = {
    organizationId: record[ALIASES.organizationId],
    side: record[ALIASES.side] ?? null,
    role: record[ALIASES.role] ?? null,
    orgRole: record[ALIASES.orgRole] ?? null,
  } as StandingRow;
  for (const alias of Object.values(ALIASES)) delete record[alias];
  return { row: record as T, standingRow };
}
