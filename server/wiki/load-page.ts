import type { Tx } from "../../db/client.ts";
import {
  authorize,
  isId,
  standingColumns,
  standingFromRow,
  standingJoins,
  type ItemAction,
  type Standing,
  type StandingRow,
  type Visibility,
} from "../access/index.ts";
import type { ActorContext } from "../context.ts";
import { AppError, notFound } from "../errors.ts";

export interface Page {
  id: string;
  roomId: string;
  title: string;
  visibility: Visibility;
  /** The nearest ancestor the caller may see (null: top level); see pages.ts. */
  parentId: string | null;
  sortOrder: number;
  archivedAt: string | null;
  createdAt: string;
  updatedAt: string;
}

export type PageRow = Omit<Page, "archivedAt" | "createdAt" | "updatedAt"> & {
  archivedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
};

export const toPage = (row: PageRow): Page => ({
  id: row.id,
  roomId: row.roomId,
  title: row.title,
  visibility: row.visibility,
  parentId: row.parentId,
  sortOrder: row.sortOrder,
  archivedAt: row.archivedAt?.toISOString() ?? null,
  createdAt: row.createdAt.toISOString(),
  updatedAt: row.updatedAt.toISOString(),
});

/** The page columns under the alias `p`. */
export const PAGE_COLUMNS = (sql: Tx) => sql`
  p.id, p.room_id as "roomId", p.title, p.visibility, p.parent_id as "parentId", p.sort_order as "sortOrder",
  p.archived_at as "archivedAt", p.created_at as "createdAt", p.updated_at as "updatedAt"`;

/**
 * Loads a page and checks `action` on it: every page surface starts here. A page the actor
 * may not see (another room, internal for an external participant) is a 404 exactly like an
 * id that does not exist. `page.parentId` is the stored parent, which may be hidden from the
 * actor: answers show the parent from pages.ts's tree query instead.
 */
export async function loadPage(ctx: ActorContext, pageId: string | undefined, action: ItemAction = "item.read") {
  if (!isId(pageId)) throw notFound("Page");
  // One query for the page and the reader's standing: a hidden page and a missing id do the same
  // work before the same 404 (no timing difference to tell them apart; docs/access.md).
  const [row] = await ctx.sql<(PageRow & StandingRow)[]>`
    select ${PAGE_COLUMNS(ctx.sql)}, ${standingColumns(ctx.sql)}
    from pages p join rooms r on r.id = p.room_id ${standingJoins(ctx.sql, ctx.actor)}
    where p.id = ${pageId}`;
  if (!row) throw notFound("Page");
  let standing: Standing;
  try {
    standing = standingFromRow(ctx.actor, row.roomId, row);
  } catch (error) {
    // Say "page", not "room": the answer must not tell that the id belongs to some room.
    throw error instanceof AppError && error.status === 404 ? notFound("Page") : error;
  }
  const page: PageRow = {
    id: row.id, roomId: row.roomId, title: row.title, visibility: row.visibility, parentId: row.parentId,
    sortOrder: row.sortOrder, archivedAt: row.archivedAt, createdAt: row.createdAt, updatedAt: row.updatedAt,
  };
  authorize(standing, action, page, "Page");
  return { standing, page: toPage(page) };
}
