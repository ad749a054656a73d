import type { Node as PMNode } from "@tiptap/pm/model";
import { prosemirrorToYXmlFragment, updateYFragment } from "@tiptap/y-tiptap";
import * as Y from "yjs";
import { z } from "zod";
import type { PageDocuments } from "../../collab/documents.ts";
import { transaction, type Tx } from "../../db/client.ts";
import { authorizeHistory, canReadHistory, historyVisibleWhere, type Standing, type Visibility } from "../access/index.ts";
import type { ActorContext, AppContext } from "../context.ts";
import type { Logger } from "../log.ts";
import { notFound } from "../errors.ts";
import { parseInput } from "../validation.ts";
import type { Bus } from "../realtime/bus.ts";
import { recordActivity } from "../services/activity.ts";
import { BOUNDS, measureFragment } from "./bounds.ts";
import { diffPages, type DiffBlock } from "./diff.ts";
import { nodeToMarkdown } from "./markdown.ts";
import { pageHtmlFor } from "./file-cards.ts";
import { loadPage, type Page } from "./load-page.ts";
import { pageNodeFromState, renderState } from "./render.ts";
import { PAGE_FRAGMENT, pageSchema } from "./schema.ts";

/**
 * Page versions: full Yjs state plus text and HTML, credited to everyone who edited since
 * the previous version. Made after a quiet period of edits, on demand, at stage changes and
 * hand-off, and by restore. The quiet period survives restarts: whoever stores an edit
 * (collab/storage.ts appendBatch) sets page_version_marks.due_at and adds the author to its
 * pending_authors in the same statement; the sweeper here makes due versions.
 * History is append-only: restore writes the old content as a new change and a new version.
 *
 * Each version records the page's visibility when it was made, and every reader sees only the
 * versions server/access lets them (historyVisibleWhere, authorizeHistory): what was written
 * while the page was internal stays internal after it is shared
 * (docs/decisions/012-history-visibility.md). A hidden version reads exactly like a missing one.
 */

export type VersionReason = "auto" | "manual" | "stage" | "handoff" | "restore";

/** How often the sweeper looks for due versions. */
export const SWEEP_INTERVAL_MS = 2_000;
export const SWEEP_BATCH = 20;

export interface VersionSummary {
  number: number;
  reason: VersionReason;
  label: string | null;
  title: string;
  createdAt: string;
  authors: { id: string; name: string }[];
  createdBy: { id: string; name: string } | null;
  restoredFrom: number | null;
}
export interface VersionView extends VersionSummary {
  markdown: string;
  html: string;
}

/** What making a version needs; the sweeper has no actor. */
export interface VersionDeps {
  sql: Tx;
  documents: PageDocuments;
  bus: Bus;
}

type VersionRow = Omit<VersionSummary, "createdAt"> & { createdAt: Date };

/**
 * The summary columns of `v`, for `reader` (none: the system, which sees everything). Which
 * version a restore came from is shown only when the reader may see that version too.
 */
const versionColumns = (sql: Tx, reader: Standing | null) => sql`
  v.number, v.reason, v.label, v.title, v.created_at as "createdAt",
  ${reader === null
    ? sql`v.restored_from`
    : sql`(select r.number from page_versions r
           where r.page_id = v.page_id and r.number = v.restored_from and ${historyVisibleWhere(sql, reader, "r.visibility")})`} as "restoredFrom",
  coalesce((select json_agg(json_build_object('id', u.id, 'name', u.name) order by u.name)
            from users u where u.id = any(v.author_ids)), '[]'::json) as authors,
  (select json_build_object('id', u.id, 'name', u.name) from users u where u.id = v.created_by) as "createdBy"`;

const toSummary = (row: VersionRow): VersionSummary => ({ ...row, createdAt: row.createdAt.toISOString() });

/** One version's summary as `reader` may see it; 404 when they may not (exactly as for a missing one). */
async function versionSummary(sql: Tx, pageId: string, number: number, reader: Standing | null): Promise<VersionSummary> {
  const [row] = await sql<VersionRow[]>`
    select ${versionColumns(sql, reader)} from page_versions v
    where v.page_id = ${pageId} and v.number = ${number}
      ${reader === null ? sql`` : sql`and ${historyVisibleWhere(sql, reader, "v.visibility")}`}`;
  if (!row) throw notFound("Version");
  return toSummary(row);
}

export interface MadeVersion {
  version: VersionSummary;
  /** False when the content matched the latest version: that one is returned instead. */
  created: boolean;
}

/**
 * Makes the next version of a page from its current document, unless the content and title
 * are the same as the latest version's: then the latest is returned and only the due mark
 * clears. Numbers are 1, 2, 3… per page, under the page row's lock.
 */
export async function makeVersion(
  deps: VersionDeps,
  pageId: string,
  reason: VersionReason,
  options: {
    label?: string | null;
    createdBy?: string | null;
    restoredFrom?: number;
    ip?: string | undefined;
    /** Make the version even when it matches the latest (a restore that changed the document). */
    evenIfUnchanged?: boolean;
    /** Who the answer is for (the version's summary as they may see it); none: the system. */
    reader?: Standing;
  } = {},
): Promise<MadeVersion> {
  // The page's visibility (and how many times it changed) before the document is read: the
  // version is recorded shared only if the page was shared all the while (below).
  const [before] = await deps.sql<{ epoch: number }[]>`select visibility_epoch as epoch from pages where id = ${pageId}`;
  if (!before) throw notFound("Page");
  // Read the document before taking the row lock: the live document may be waiting on a
  // flush that itself needs this row.
  const state = await deps.documents.encodeState(pageId);
  const content = renderState(state);
  const made = await transaction(deps.sql, async (sql) => {
    // "No key update": the log appends' foreign-key checks on this row need not wait for us.
    const [page] = await sql<{ roomId: string; organizationId: string; title: string; visibility: Visibility; epoch: number }[]>`
      select p.room_id as "roomId", r.organization_id as "organizationId", p.title, p.visibility, p.visibility_epoch as epoch
      from pages p join rooms r on r.id = p.room_id
      where p.id = ${pageId}
      for no key update of p`;
    if (!page) throw notFound("Page");
    // Locked: an edit stored while this version is made is credited in the next one, not lost.
    const [mark] = await sql<{ pendingAuthors: string[] }[]>`
      select pending_authors as "pendingAuthors" from page_version_marks where page_id = ${pageId} for update`;
    const pendingAuthors = mark?.pendingAuthors ?? [];
    // The visibility the content was read under (docs/decisions/012-history-visibility.md): the
    // page's, unless it changed while the document was being read; then internal, since the
    // content may be from before it was shared.
    const madeUnder: Visibility = page.epoch === before.epoch ? page.visibility : "internal";
    const [latest] = await sql<{ number: number; contentHtml: string; title: string; visibility: Visibility }[]>`
      select number, content_html as "contentHtml", title, visibility from page_versions
      where page_id = ${pageId} order by number desc limit 1`;
    // Unchanged: the latest stands, unless it was made while internal and this one would be
    // shared (a page shared with unchanged content gets a version the buyer's side may read).
    const latestStands = latest && (latest.visibility === "shared" || madeUnder === "internal");
    if (latest && latestStands && !options.evenIfUnchanged && latest.contentHtml === content.html && latest.title === page.title) {
      await sql`update page_version_marks set due_at = null where page_id = ${pageId}`;
      return { page, number: latest.number, created: false, madeUnder: latest.visibility };
    }
    const number = (latest?.number ?? 0) + 1;
    await sql`
      insert into page_versions (page_id, number, state, content_text, content_html, title, label, reason, author_ids, created_by, restored_from, visibility)
      values (${pageId}, ${number}, ${Buffer.from(state)}, ${content.text}, ${content.html}, ${page.title},
              ${options.label ?? null}, ${reason}, ${pendingAuthors}::uuid[], ${options.createdBy ?? null}, ${options.restoredFrom ?? null},
              ${madeUnder})`;
    // Credited now; whoever edits from here on is credited in the next version.
    await sql`delete from page_version_marks where page_id = ${pageId}`;
    await recordActivity(sql, {
      roomId: page.roomId, organizationId: page.organizationId, actorId: options.createdBy ?? null,
      type: "page.version.created", objectType: "page", objectId: pageId, visibility: madeUnder,
      // A version nobody made by hand (autosave, stage, hand-off) names whose edits it holds, for the audit trail.
      data: {
        number, reason,
        ...(options.restoredFrom ? { restoredFrom: options.restoredFrom } : {}),
        ...(options.createdBy ? {} : { authorIds: pendingAuthors.slice(0, 20) }),
      },
      ip: options.ip,
    });
    return { page, number, created: true, madeUnder };
  });
  if (made.created) {
    deps.bus.publish({
      // Told only to those who may read the version.
      roomId: made.page.roomId, type: "page.version.created", visibility: made.madeUnder,
      payload: { pageId, number: made.number, reason },
    });
  }
  return { version: await versionSummary(deps.sql, pageId, made.number, options.reader ?? null), created: made.created };
}

/** A version of every live page of a room (stage changes, hand-off). */
export async function makeVersionsForRoom(
  deps: VersionDeps,
  roomId: string,
  reason: "stage" | "handoff",
  /** `evenIfUnchanged`: a hand-off freezes a version of its own even of a page that did not change. */
  options: { createdBy?: string | null; label?: string | null; evenIfUnchanged?: boolean } = {},
): Promise<{ pageId: string; version: VersionSummary; created: boolean }[]> {
  const pages = await deps.sql<{ id: string }[]>`
    select id from pages where room_id = ${roomId} and archived_at is null order by created_at`;
  const made = [];
  for (const page of pages) made.push({ pageId: page.id, ...(await makeVersion(deps, page.id, reason, options)) });
  return made;
}

/** A page whose version cannot be made is tried again this much later, so it does not hold up the others. */
const FAILED_VERSION_RETRY_SECONDS = 300;

/** One pass of the quiet-period trigger: an auto version of every page whose version is due. */
export async function sweepDueVersions(deps: VersionDeps & { log: Logger }): Promise<number> {
  const due = await deps.sql<{ id: string }[]>`
    select page_id as id from page_version_marks where due_at <= now() order by due_at limit ${SWEEP_BATCH}`;
  for (const page of due) {
    try {
      await makeVersion(deps, page.id, "auto");
    } catch (error) {
      deps.log.error({ err: error, pageId: page.id }, "making a page version failed; trying again later");
      await deps.sql`
        update page_version_marks set due_at = now() + make_interval(secs => ${FAILED_VERSION_RETRY_SECONDS})
        where page_id = ${page.id}`;
    }
  }
  return due.length;
}

const ManualVersionInput = z.object({
  label: z.string({ error: "must be a string" }).trim().max(200, "must be at most 200 characters").nullish(),
});

/** Manual checkpoint by an editor. */
export async function createManualVersion(ctx: ActorContext, pageId: string | undefined, raw: unknown): Promise<MadeVersion> {
  const { page, standing } = await loadPage(ctx, pageId, "item.edit");
  const { label } = parseInput(ManualVersionInput, raw);
  return makeVersion(ctx, page.id, "manual", { label: label || null, createdBy: ctx.actor.userId, ip: ctx.ip, reader: standing });
}

/** The versions of a page the caller may see, newest first. */
export async function listVersions(ctx: ActorContext, pageId: string | undefined): Promise<VersionSummary[]> {
  const { page, standing } = await loadPage(ctx, pageId);
  const rows = await ctx.sql<VersionRow[]>`
    select ${versionColumns(ctx.sql, standing)} from page_versions v
    where v.page_id = ${page.id} and ${historyVisibleWhere(ctx.sql, standing, "v.visibility")}
    order by v.number desc`;
  return rows.map(toSummary);
}

function versionNumber(raw: string | undefined): number {
  if (!raw || !/^[1-9]\d{0,8}$/.test(raw)) throw notFound("Version");
  return Number(raw);
}

/**
 * The stored state of version `number` of a page the reader may read, or 404 when there is no
 * such version or the reader may not see it (authorizeHistory): both answer the same. The state
 * of a hidden version is not even read.
 */
async function loadVersionState(sql: Tx, reader: Standing, page: Page, number: number) {
  const [row] = await sql<{ visibility: Visibility; state: Buffer | null }[]>`
    select visibility, case when ${historyVisibleWhere(sql, reader, "visibility")} then state end as state
    from page_versions where page_id = ${page.id} and number = ${number}`;
  if (!row) throw notFound("Version");
  authorizeHistory(reader, page, row, "Version");
  return { state: new Uint8Array(row.state!) };
}

async function versionView(ctx: ActorContext, standing: Standing, page: Page, number: number): Promise<VersionView> {
  const { state } = await loadVersionState(ctx.sql, standing, page, number);
  // The stored HTML is the same for everyone (file cards as placeholders): render for this reader.
  const node = pageNodeFromState(state);
  return { ...(await versionSummary(ctx.sql, page.id, number, standing)), markdown: nodeToMarkdown(node), html: await pageHtmlFor(ctx.sql, standing, node) };
}

export async function getVersion(ctx: ActorContext, pageId: string | undefined, numberParam: string | undefined): Promise<VersionView> {
  const { page, standing } = await loadPage(ctx, pageId);
  return versionView(ctx, standing, page, versionNumber(numberParam));
}

/**
 * Version `number` of a page as the caller may see it, or null when there is none for them
 * (never made, or made while the page was hidden from them): for the hand-off record.
 */
export async function findVersion(ctx: ActorContext, pageId: string, number: number): Promise<VersionView | null> {
  const { page, standing } = await loadPage(ctx, pageId);
  const [row] = await ctx.sql<{ visibility: Visibility }[]>`
    select visibility from page_versions where page_id = ${page.id} and number = ${number}`;
  if (!row || !canReadHistory(standing, page, row)) return null;
  return versionView(ctx, standing, page, number);
}

/**
 * Brings back the content of version `number` as a new change to the current document
 * (so live editors see it and concurrent edits merge), then records it as a new version.
 */
export async function restoreVersion(ctx: ActorContext, pageId: string | undefined, numberParam: string | undefined): Promise<MadeVersion> {
  const { page, standing } = await loadPage(ctx, pageId, "item.edit");
  const number = versionNumber(numberParam);
  // An internal editor may restore any version; an external editor only the ones they may see.
  const { state: oldState } = await loadVersionState(ctx.sql, standing, page, number);
  const update = contentChange(await ctx.documents.encodeState(page.id), pageNodeFromState(oldState));
  if (update) await ctx.documents.applyUpdate(page.id, update, ctx.actor.userId);
  // A restore that changed the document is recorded even when it lands on the latest version's
  // content (unsaved edits thrown away); one that changed nothing is not.
  return makeVersion(ctx, page.id, "restore", {
    createdBy: ctx.actor.userId, restoredFrom: number, ip: ctx.ip, evenIfUnchanged: update !== null, reader: standing,
  });
}

/**
 * The Yjs update that turns the document `currentState` into `target`, or null when it
 * already is: how non-collaborative writes (restore, API edits) become CRDT changes.
 * Only the differing blocks change, so live editors' cursors in unchanged parts stay put.
 */
export function contentChange(currentState: Uint8Array, target: PMNode): Uint8Array | null {
  const doc = new Y.Doc();
  try {
    Y.applyUpdate(doc, currentState);
    const before = Y.encodeStateVector(doc);
    let changed = false;
    doc.on("afterTransaction", (tr: Y.Transaction) => {
      if (tr.changed.size > 0 || tr.deleteSet.clients.size > 0) changed = true;
    });
    const fragment = doc.getXmlFragment(PAGE_FRAGMENT);
    const measure = measureFragment(fragment);
    if (measure.depth > BOUNDS.maxDepth || measure.nodes > BOUNDS.maxNodes) {
      // A document stored past the bounds is replaced whole: comparing with it would recurse as deep as it is.
      doc.transact(() => {
        fragment.delete(0, fragment.length);
        prosemirrorToYXmlFragment(target, fragment);
      });
    } else {
      updateYFragment(doc, fragment, target, { mapping: new Map(), isOMark: new Map() });
    }
    return changed ? Y.encodeStateAsUpdate(doc, before) : null;
  } finally {
    doc.destroy();
  }
}

export interface VersionDiff {
  from: number;
  to: number;
  blocks: DiffBlock[];
}

export async function diffVersions(
  ctx: ActorContext,
  pageId: string | undefined,
  fromParam: string | undefined,
  toParam: string | undefined,
): Promise<VersionDiff> {
  const { page, standing } = await loadPage(ctx, pageId);
  const from = versionNumber(fromParam);
  const to = versionNumber(toParam);
  // Both ends must be versions the reader may see: a diff from a hidden version to a visible one would show the hidden one.
  const [before, after] = await Promise.all([loadVersionState(ctx.sql, standing, page, from), loadVersionState(ctx.sql, standing, page, to)]);
  return { from, to, blocks: diffPages(pageNodeFromState(before.state), pageNodeFromState(after.state)) };
}

export interface CurrentComparison {
  /** The page's current content, as markdown and as HTML for this reader. */
  markdown: string;
  html: string;
  /** The readable diff from version `from` (or from an empty page when null) to the current content. */
  blocks: DiffBlock[];
}

/**
 * A page's current content set against one of its versions: what changed since (the hand-off
 * record's "what changed since hand-off"). `fromParam` null compares against an empty page (a
 * page created after the version was frozen).
 */
export async function compareWithCurrent(ctx: ActorContext, pageId: string | undefined, fromParam: string | null): Promise<CurrentComparison> {
  const { page, standing } = await loadPage(ctx, pageId);
  const before = fromParam === null
    ? pageSchema().schema.topNodeType.createAndFill()!
    : pageNodeFromState((await loadVersionState(ctx.sql, standing, page, versionNumber(fromParam))).state);
  const current = pageNodeFromState(await ctx.documents.encodeState(page.id));
  return { markdown: nodeToMarkdown(current), html: await pageHtmlFor(ctx.sql, standing, current), blocks: diffPages(before, current) };
}
