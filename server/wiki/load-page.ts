import type { Tx } from "../../db/client.ts";
import { loadAuthorized, type ItemAction, type Visibility } from "../access/index.ts";
import type { ActorContext } from "../context.ts";

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
  // One query for the page and the reader's standing (loadAuthorized): a hidden page and a missing
  // id do the same work before the same 404 (no timing difference to tell them apart; docs/access.md).
  const { row, standing } = await loadAuthorized(ctx.sql, ctx.actor, "Page", pageId, async (id, s) => {
    const [page] = await ctx.sql<PageRow[]>`
      select ${PAGE_COLUMNS(ctx.sql)}, ${s.columns}
      from pages p join rooms r on r.id = p.room_id ${s.joins}
      where p.id = ${id}`;
    return page;
  }, { action });
  return { standing, page: toPage(row) };
}
