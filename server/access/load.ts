import type { Tx } from "../../db/client.ts";
import { AppError, notFound } from "../errors.ts";
import { authorize, isId, loadStanding, type Actor } from "./index.ts";
import { can, type ItemAction, type RoomAction, type ScopedItem, type Standing } from "./policy.ts";
import { noteRefusal } from "./refusals.ts";

/** What to check once the row and the standing are loaded. */
export type Check<T> =
  /** An item action on the row itself, or on what `item` makes of it (a message: its thread's visibility, its author). */
  | { action: ItemAction; item?: (row: T) => ScopedItem }
  /** A row without a visibility of its own that only some may know of (stakeholders: `stakeholder.read`); refused → 404. */
  | { readable: RoomAction };

/**
 * Load-and-authorize, the first step of every surface asked for one thing by its id: load the
 * row, load the actor's standing in the row's room, authorize. A malformed id, a missing row, a
 * room the actor may not see and an item they may not read all answer the same 404 naming
 * `what` ("Page does not exist or is not visible to you"), never the room. A 403 (they see it,
 * but may not do this) stays a 403. Every refusal is noted for the audit trail (refusals.ts).
 */
export async function loadAuthorized<T extends { roomId: string }>(
  sql: Tx,
  actor: Actor,
  what: string,
  id: string | undefined,
  find: (id: string) => Promise<T | null | undefined>,
  check: Check<T>,
): Promise<{ row: T; standing: Standing }> {
  if (!isId(id)) throw notFound(what);
  const row = await find(id);
  if (!row) throw notFound(what);
  let standing: Standing;
  try {
    standing = await loadStanding(sql, actor, row.roomId);
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
