import { z } from "zod";
import { transaction, type Tx } from "../../db/client.ts";
import {
  abilities,
  authorize,
  can,
  canReadItem,
  loadStanding,
  visibleWhere,
  type ItemAbilities,
  type Standing,
  type Visibility as PageVisibility,
} from "../access/index.ts";
import type { ActorContext } from "../context.ts";
import { AppError, forbidden, invalid, notFound } from "../errors.ts";
import { recordActivity } from "../services/activity.ts";
import { Visibility, parseInput } from "../validation.ts";
import { markdownToNode, nodeToUpdate, stateToMarkdown } from "./markdown.ts";
import { PAGE_COLUMNS, loadPage, toPage, type Page, type PageRow } from "./load-page.ts";
import { applyPageTemplate, PageTemplateInput } from "./page-templates.ts";
import { renderNode } from "./render.ts";
import { contentChange } from "./versions.ts";

export type { Page } from "./load-page.ts";

/**
 * Wiki pages: the tree, titles, visibility, archive. Content lives in the page's Yjs
 * document and changes only through `ctx.documents` (live editors see every change).
 *
 * Visibility is per page: a page's own visibility decides who sees it, whatever its parent.
 * A shared page may sit under an internal one; an external participant then sees it under
 * its nearest visible ancestor (or at the top), and never learns the internal parent exists.
 */

export const MAX_MARKDOWN_BYTES = 1_000_000;

export interface PageView extends Page {
  markdown: string;
  abilities: ItemAbilities;
}
export interface PageTreeItem extends Page {
  /** Depth in the tree as the caller sees it (0: top level). */
  depth: number;
}

const Title = z.string({ error: "is required" }).trim().min(1, "is required").max(200, "must be at most 200 characters");
const PageRef = z.uuid({ error: "must be a page id" });
const Markdown = z.string({ error: "must be a string" });

const CreatePageInput = z.object({
  title: Title,
  visibility: Visibility,
  parentId: PageRef.nullish(),
  markdown: Markdown.optional(),
  /** Our addition: a page template (page-templates.ts); it forces the visibility and fills the content. */
  template: PageTemplateInput.optional(),
});
const UpdatePageInput = z
  .object({
    title: Title,
    visibility: Visibility,
    parentId: PageRef.nullable(),
    sortOrder: z.number({ error: "must be a number" }).finite("must be a finite number"),
    /** Our addition: replaces the content, as a CRDT change live editors see. */
    markdown: Markdown,
  })
  .partial()
  .strict();

/**
 * The room's pages `s` may see, each with the nearest ancestor `s` may also see as its
 * parent. Filtering happens in SQL (visibleWhere); the climb walks past hidden and archived
 * ancestors without returning them.
 */
async function shownPages(
  sql: Tx,
  s: Standing,
  options: { includeArchived?: boolean; pageId?: string } = {},
): Promise<Page[]> {
  const includeArchived = options.includeArchived ?? false;
  const rows = await sql<PageRow[]>`
    with recursive shown as (
      select id from pages
      where room_id = ${s.roomId} and ${visibleWhere(sql, s, "visibility")}
        and (archived_at is null or ${includeArchived} or id = ${options.pageId ?? null}::uuid)
    ),
    climb (id, ancestor) as (
      select p.id, p.parent_id from pages p join shown using (id)
      union all
      select c.id, p.parent_id from climb c join pages p on p.id = c.ancestor
      where not exists (select 1 from shown where shown.id = c.ancestor)
    )
    select ${PAGE_COLUMNS(sql)}, c.ancestor as "parentId"
    from climb c join pages p on p.id = c.id
    where (c.ancestor is null or exists (select 1 from shown where shown.id = c.ancestor))
      ${options.pageId ? sql`and p.id = ${options.pageId}` : sql``}`;
  return rows.map(toPage);
}

/** The parent a page shows to `s`: its nearest ancestor `s` may see. */
async function shownParentId(sql: Tx, s: Standing, pageId: string): Promise<string | null> {
  const [page] = await shownPages(sql, s, { pageId });
  return page?.parentId ?? null;
}

/** Depth-first, siblings by sort order then age: the order the sidebar shows. */
function treeOrder(pages: Page[]): PageTreeItem[] {
  const children = new Map<string | null, Page[]>();
  for (const page of pages) {
    const list = children.get(page.parentId) ?? [];
    list.push(page);
    children.set(page.parentId, list);
  }
  const ordered: PageTreeItem[] = [];
  const visit = (parentId: string | null, depth: number) => {
    const list = (children.get(parentId) ?? []).sort((a, b) => a.sortOrder - b.sortOrder || a.createdAt.localeCompare(b.createdAt));
    for (const page of list) {
      ordered.push({ ...page, depth });
      visit(page.id, depth + 1);
    }
  };
  visit(null, 0);
  return ordered;
}

export async function listPages(
  ctx: ActorContext,
  roomId: string | undefined,
  options: { includeArchived?: boolean } = {},
): Promise<PageTreeItem[]> {
  const standing = await loadStanding(ctx.sql, ctx.actor, roomId);
  authorize(standing, "room.read");
  return treeOrder(await shownPages(ctx.sql, standing, options));
}

async function view(ctx: ActorContext, standing: Standing, pageId: string): Promise<PageView> {
  const [page] = await shownPages(ctx.sql, standing, { pageId });
  if (!page) throw notFound("Page");
  const markdown = stateToMarkdown(await ctx.documents.encodeState(pageId));
  return { ...page, markdown, abilities: abilities(standing, page) };
}

export async function getPage(ctx: ActorContext, pageId: string | undefined): Promise<PageView> {
  const { standing, page } = await loadPage(ctx, pageId);
  return view(ctx, standing, page.id);
}

function assertMarkdownSize(markdown: unknown) {
  if (typeof markdown === "string" && Buffer.byteLength(markdown, "utf8") > MAX_MARKDOWN_BYTES) {
    throw new AppError(413, "payload_too_large", "The page content is larger than 1 MB of markdown.");
  }
}

/**
 * Checks that `parentId` may become the parent of a page in `s.roomId`: a page of the same
 * room that the actor sees and that is not archived. Anything else reads the same: no such page.
 */
async function assertParent(sql: Tx, s: Standing, parentId: string) {
  const [parent] = await sql<{ roomId: string; visibility: PageVisibility; archived: boolean }[]>`
    select room_id as "roomId", visibility, archived_at is not null as archived from pages where id = ${parentId}`;
  if (!parent || parent.roomId !== s.roomId || !canReadItem(s, parent)) {
    throw invalid("The parent page does not exist in this room.", { parentId: "is not a page of this room" });
  }
  if (parent.archived) throw invalid("The parent page is archived.", { parentId: "is archived" });
}

/** Serializes tree moves in a room, so two concurrent moves cannot close a cycle. */
const lockTree = (sql: Tx, roomId: string) => sql`select pg_advisory_xact_lock(hashtextextended(${`dealroom.page-tree:${roomId}`}, 0))`;

const nextSortOrder = async (sql: Tx, roomId: string, parentId: string | null) => {
  const [row] = await sql<{ next: number }[]>`
    select coalesce(max(sort_order), 0) + 1 as next from pages
    where room_id = ${roomId} and parent_id is not distinct from ${parentId}::uuid`;
  return row!.next;
};

const eventPayload = (page: { id: string; title: string; visibility: PageVisibility }) =>
  // No parent id: a shared page's parent may be internal, and the event goes to external clients.
  ({ pageId: page.id, title: page.title, visibility: page.visibility });

/**
 * Creates a page. Its initial content becomes the page's Yjs state here, once, on the
 * server: the browser editor never seeds content (that would duplicate it).
 */
export async function createPage(ctx: ActorContext, roomId: string | undefined, raw: unknown): Promise<PageView> {
  const standing = await loadStanding(ctx.sql, ctx.actor, roomId);
  authorize(standing, "page.create");
  assertMarkdownSize((raw as { markdown?: unknown } | null)?.markdown);
  const input = parseInput(CreatePageInput, applyPageTemplate(raw));
  if (input.visibility === "internal" && !can(standing, "internal.read")) {
    throw forbidden("External participants can only create shared pages.");
  }
  const node = input.markdown ? await ctx.markdown.importMarkdown(input.markdown) : markdownToNode("");
  const content = renderNode(node);
  const parentId = input.parentId ?? null;

  const pageId = await transaction(ctx.sql, async (sql) => {
    if (parentId) {
      await lockTree(sql, standing.roomId);
      await assertParent(sql, standing, parentId);
    }
    const [row] = await sql<{ id: string }[]>`
      insert into pages (room_id, parent_id, title, visibility, sort_order, created_by, content_text, content_html)
      values (${standing.roomId}, ${parentId}, ${input.title}, ${input.visibility},
              ${await nextSortOrder(sql, standing.roomId, parentId)}, ${ctx.actor.userId}, ${content.text}, ${content.html})
      returning id`;
    return row!.id;
  });
  try {
    // Stored like any edit by the creator: the quiet-period version credits them.
    await ctx.documents.applyUpdate(pageId, nodeToUpdate(node), ctx.actor.userId);
  } catch (error) {
    // A page without its content must not stay behind; nobody has seen it yet.
    await ctx.sql`delete from pages where id = ${pageId}`;
    throw error;
  }
  await recordActivity(ctx.sql, {
    roomId: standing.roomId, organizationId: standing.organizationId, actorId: ctx.actor.userId,
    type: "page.created", objectType: "page", objectId: pageId, visibility: input.visibility,
    data: { title: input.title }, ip: ctx.ip,
  });
  ctx.bus.publish({
    roomId: standing.roomId, type: "page.created", visibility: input.visibility,
    payload: eventPayload({ id: pageId, title: input.title, visibility: input.visibility }),
  });
  return view(ctx, standing, pageId);
}

/** True when `candidate` is `pageId` or one of its descendants. */
async function isSelfOrDescendant(sql: Tx, pageId: string, candidate: string): Promise<boolean> {
  const [hit] = await sql`
    with recursive subtree (id) as (
      select ${pageId}::uuid
      union
      select p.id from pages p join subtree s on p.parent_id = s.id
    )
    select 1 from subtree where id = ${candidate}`;
  return hit !== undefined;
}

/**
 * Renames, moves, reorders or changes the visibility of a page (visibility: internal editors
 * only); with `markdown`, replaces its content through the live document.
 */
export async function updatePage(ctx: ActorContext, pageId: string | undefined, raw: unknown): Promise<PageView> {
  const { standing, page } = await loadPage(ctx, pageId, "item.edit");
  assertMarkdownSize((raw as { markdown?: unknown } | null)?.markdown);
  const input = parseInput(UpdatePageInput, raw);
  const visibility = input.visibility ?? page.visibility;
  const visibilityChanged = visibility !== page.visibility;
  if (visibilityChanged) authorize(standing, "item.changeVisibility", page, "Page");
  // Computed against the document as it is now; edits made meanwhile merge with it (CRDT).
  const contentUpdate =
    input.markdown === undefined ? null : contentChange(await ctx.documents.encodeState(page.id), await ctx.markdown.importMarkdown(input.markdown));

  const changed = await transaction(ctx.sql, async (sql) => {
    const changes: Record<string, unknown> = {};
    if (input.title !== undefined && input.title !== page.title) changes.title = input.title;
    if (visibilityChanged) changes.visibility = visibility;
    if (input.parentId !== undefined) {
      await lockTree(sql, standing.roomId);
      // Sending back the parent one was shown is not a move (it may stand for a hidden one).
      const shownParent = await shownParentId(sql, standing, page.id);
      if (input.parentId !== shownParent) {
        if (input.parentId !== null) {
          await assertParent(sql, standing, input.parentId);
          if (await isSelfOrDescendant(sql, page.id, input.parentId)) {
            throw invalid("A page cannot move under itself or one of its own sub-pages.", {
              parentId: "is this page or one of its sub-pages",
            });
          }
        }
        changes.parent_id = input.parentId;
        if (input.sortOrder === undefined) changes.sort_order = await nextSortOrder(sql, standing.roomId, input.parentId);
      }
    }
    if (input.sortOrder !== undefined && input.sortOrder !== page.sortOrder) changes.sort_order = input.sortOrder;
    if (Object.keys(changes).length === 0 && !contentUpdate) return false;

    if (Object.keys(changes).length > 0) await sql`update pages set ${sql(changes)}, updated_at = now() where id = ${page.id}`;
    else await sql`update pages set updated_at = now() where id = ${page.id}`;
    const base = {
      roomId: standing.roomId, organizationId: standing.organizationId, actorId: ctx.actor.userId,
      objectType: "page", objectId: page.id, ip: ctx.ip,
    };
    const fields = [...Object.keys(changes).filter((f) => f !== "visibility"), ...(contentUpdate ? ["content"] : [])];
    if (fields.length > 0) {
      await recordActivity(sql, { ...base, type: "page.updated", visibility, data: { fields: fields.map(apiFieldName) } });
    }
    if (visibilityChanged) {
      // Recorded with the new visibility: a page made internal leaves no trace for external participants.
      await recordActivity(sql, { ...base, type: "page.visibility_changed", visibility, data: { from: page.visibility, to: visibility } });
    }
    return true;
  });
  if (!changed) return view(ctx, standing, page.id);

  if (contentUpdate) await ctx.documents.applyUpdate(page.id, contentUpdate, ctx.actor.userId);

  const title = input.title ?? page.title;
  if (visibilityChanged && visibility === "internal") {
    // Live editors and subscribers of this page must be authorized afresh: externals lose it now.
    // Sub-pages keep their own visibility, so their access does not change.
    ctx.bus.invalidate({ pageIds: [page.id] });
    ctx.bus.publish({ roomId: standing.roomId, type: "page.removed", visibility: "shared", audience: "external", payload: { pageId: page.id } });
  }
  ctx.bus.publish({ roomId: standing.roomId, type: "page.updated", visibility, payload: eventPayload({ id: page.id, title, visibility }) });
  return view(ctx, standing, page.id);
}

const apiFieldName = (column: string) => ({ parent_id: "parentId", sort_order: "sortOrder" })[column] ?? column;

/** Archives (or brings back) a page. Its sub-pages stay and show under the nearest visible ancestor. */
export async function setPageArchived(ctx: ActorContext, pageId: string | undefined, archived: boolean): Promise<PageView> {
  const { standing, page } = await loadPage(ctx, pageId, "item.edit");
  if ((page.archivedAt !== null) !== archived) {
    await transaction(ctx.sql, async (sql) => {
      await sql`update pages set archived_at = ${archived ? sql`now()` : null}, updated_at = now() where id = ${page.id}`;
      await recordActivity(sql, {
        roomId: standing.roomId, organizationId: standing.organizationId, actorId: ctx.actor.userId,
        type: archived ? "page.archived" : "page.unarchived", objectType: "page", objectId: page.id,
        visibility: page.visibility, ip: ctx.ip,
      });
    });
    ctx.bus.publish({
      roomId: standing.roomId, type: "page.updated", visibility: page.visibility,
      payload: { ...eventPayload(page), archived },
    });
  }
  return view(ctx, standing, page.id);
}

/** The API's page shape (docs/api.md), with our additions after the contract's fields. */
export function pageJson(page: PageView) {
  return {
    id: page.id,
    roomId: page.roomId,
    title: page.title,
    visibility: page.visibility,
    parentId: page.parentId,
    markdown: page.markdown,
    updatedAt: page.updatedAt,
    createdAt: page.createdAt,
    sortOrder: page.sortOrder,
    archivedAt: page.archivedAt,
    abilities: page.abilities,
  };
}

export function pageListItemJson(page: PageTreeItem) {
  return {
    id: page.id,
    title: page.title,
    visibility: page.visibility,
    parentId: page.parentId,
    updatedAt: page.updatedAt,
    sortOrder: page.sortOrder,
    depth: page.depth,
    archivedAt: page.archivedAt,
  };
}
