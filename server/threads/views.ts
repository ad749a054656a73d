import type { Tx } from "../../db/client.ts";
import type { StandingQuery, Visibility, visibleWhere } from "../access/index.ts";
import { notFound } from "../errors.ts";

/** A piece of SQL, as visibleWhere makes them. */
export type SqlFragment = ReturnType<typeof visibleWhere>;

/** A person as threads show them: id and name, never the e-mail. */
export interface PersonRef {
  id: string;
  name: string;
}

export interface ThreadView {
  id: string;
  roomId: string;
  title: string;
  visibility: Visibility;
  status: "open" | "resolved";
  resolvedAt: string | null;
  resolvedBy: PersonRef | null;
  /** The linked page, only when the reader (or the live channel) may see it. */
  page: { id: string; title: string } | null;
  createdBy: PersonRef | null;
  createdAt: string;
  updatedAt: string;
  messageCount: number;
  lastMessageAt: string | null;
  /**
   * Where in its page the thread was started (a comment anchored to text), shown with the page
   * link: only when the reader (or the live channel) may see the page. `from`/`to` are base64
   * Y.encodeRelativePosition bytes; docs/decisions/028-comments-anchored-to-text.md.
   */
  anchor: { pageId: string; from: string; to: string; quote: string } | null;
}

export interface MessageView {
  id: string;
  threadId: string;
  roomId: string;
  author: PersonRef | null;
  /** Markdown source as written ("" once deleted). */
  body: string;
  /** Safe HTML rendered from `body` on the server. */
  html: string;
  createdAt: string;
  editedAt: string | null;
  deleted: boolean;
}

/** A thread row as loaded for access checks and events. */
export interface ThreadRow {
  id: string;
  roomId: string;
  organizationId: string;
  title: string;
  visibility: Visibility;
  pageId: string | null;
  createdBy: string | null;
  createdAt: Date;
  updatedAt: Date;
  resolvedAt: Date | null;
  resolvedBy: string | null;
}

export const THREAD_COLUMNS = (sql: Tx) => sql`
  t.id, t.room_id as "roomId", r.organization_id as "organizationId", t.title, t.visibility, t.page_id as "pageId",
  t.created_by as "createdBy", t.created_at as "createdAt", t.updated_at as "updatedAt",
  t.resolved_at as "resolvedAt", t.resolved_by as "resolvedBy"`;

/** One thread with its room's organization, or undefined; with the reader's standing for loadAuthorized. */
export async function findThread(sql: Tx, threadId: string, standing?: StandingQuery): Promise<ThreadRow | undefined> {
  const [row] = await sql<ThreadRow[]>`
    select ${THREAD_COLUMNS(sql)} ${standing ? sql`, ${standing.columns}` : sql``}
    from threads t join rooms r on r.id = t.room_id ${standing ? standing.joins : sql``} where t.id = ${threadId}`;
  return row;
}

/** A thread row that must exist (reloaded after a change, for events). */
export async function reloadThread(sql: Tx, threadId: string): Promise<ThreadRow> {
  const thread = await findThread(sql, threadId);
  if (!thread) throw notFound("Thread");
  return thread;
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);
const person = (id: string | null, name: string | null): PersonRef | null => (id && name ? { id, name } : null);

/**
 * Thread views for `threadIds` (or every thread of `roomId` matching `where`). `pageVisible` is
 * the SQL condition on `p.visibility` deciding whether the linked page may be shown.
 */
export async function threadViews(
  sql: Tx,
  filter: { roomId: string; where: SqlFragment } | { threadIds: string[] },
  pageVisible: SqlFragment,
): Promise<ThreadView[]> {
  const scope = "threadIds" in filter ? sql`t.id = any(${filter.threadIds}::uuid[])` : sql`t.room_id = ${filter.roomId} and ${filter.where}`;
  const rows = await sql<
    (Omit<ThreadRow, "organizationId"> & {
      creatorName: string | null;
      resolverName: string | null;
      linkedPageId: string | null;
      linkedPageTitle: string | null;
      messageCount: number;
      lastMessageAt: Date | null;
      anchorFrom: Uint8Array | null;
      anchorTo: Uint8Array | null;
      anchorQuote: string | null;
    })[]
  >`
    select t.id, t.room_id as "roomId", t.title, t.visibility, t.page_id as "pageId", t.created_by as "createdBy",
      t.created_at as "createdAt", t.updated_at as "updatedAt", t.resolved_at as "resolvedAt", t.resolved_by as "resolvedBy",
      cu.name as "creatorName", ru.name as "resolverName", p.id as "linkedPageId", p.title as "linkedPageTitle",
      coalesce(m.count, 0)::int as "messageCount", m.last_at as "lastMessageAt",
      a.anchor_from as "anchorFrom", a.anchor_to as "anchorTo", a.quote as "anchorQuote"
    from threads t
    left join users cu on cu.id = t.created_by
    left join users ru on ru.id = t.resolved_by
    left join pages p on p.id = t.page_id and p.archived_at is null and ${pageVisible}
    left join thread_anchors a on a.thread_id = t.id and a.page_id = p.id
    left join lateral (
      select count(*) filter (where deleted_at is null) as count, max(created_at) filter (where deleted_at is null) as last_at
      from messages where thread_id = t.id
    ) m on true
    where ${scope}
    order by coalesce(m.last_at, t.created_at) desc, t.id`;
  return rows.map((r) => ({
    id: r.id,
    roomId: r.roomId,
    title: r.title,
    visibility: r.visibility,
    status: r.resolvedAt ? "resolved" : "open",
    resolvedAt: iso(r.resolvedAt),
    resolvedBy: person(r.resolvedBy, r.resolverName),
    page: r.linkedPageId && r.linkedPageTitle !== null ? { id: r.linkedPageId, title: r.linkedPageTitle } : null,
    createdBy: person(r.createdBy, r.creatorName),
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
    messageCount: r.messageCount,
    lastMessageAt: iso(r.lastMessageAt),
    anchor:
      r.linkedPageId && r.anchorFrom && r.anchorTo && r.anchorQuote !== null
        ? { pageId: r.linkedPageId, from: Buffer.from(r.anchorFrom).toString("base64"), to: Buffer.from(r.anchorTo).toString("base64"), quote: r.anchorQuote }
        : null,
  }));
}

/** Message views: for one thread (or several) in posting order, or the given ids. */
export async function messageViews(sql: Tx, filter: { threadId: string } | { threadIds: string[] } | { messageIds: string[] }): Promise<MessageView[]> {
  const scope =
    "threadId" in filter
      ? sql`m.thread_id = ${filter.threadId}`
      : "threadIds" in filter
        ? sql`m.thread_id = any(${filter.threadIds}::uuid[])`
        : sql`m.id = any(${filter.messageIds}::uuid[])`;
  const rows = await sql<
    { id: string; threadId: string; roomId: string; authorId: string | null; authorName: string | null; body: string; html: string; createdAt: Date; editedAt: Date | null; deletedAt: Date | null }[]
  >`
    select m.id, m.thread_id as "threadId", t.room_id as "roomId", m.author_id as "authorId", u.name as "authorName",
      m.body, m.html, m.created_at as "createdAt", m.edited_at as "editedAt", m.deleted_at as "deletedAt"
    from messages m join threads t on t.id = m.thread_id left join users u on u.id = m.author_id
    where ${scope}
    order by m.seq`;
  return rows.map((r) => ({
    id: r.id,
    threadId: r.threadId,
    roomId: r.roomId,
    author: person(r.authorId, r.authorName),
    body: r.deletedAt ? "" : r.body,
    html: r.deletedAt ? "" : r.html,
    createdAt: r.createdAt.toISOString(),
    editedAt: iso(r.editedAt),
    deleted: r.deletedAt !== null,
  }));
}

/**
 * The resolved mentions of messages (message_mentions: people who could read the thread when it
 * was written) with their current names, by message id → user id → name: what plainText shows
 * for a mention, as the message's HTML does.
 */
export async function mentionNamesOf(sql: Tx, messageIds: readonly string[]): Promise<Map<string, Map<string, string>>> {
  const out = new Map<string, Map<string, string>>();
  if (messageIds.length === 0) return out;
  const rows = await sql<{ messageId: string; userId: string; name: string }[]>`
    select mm.message_id as "messageId", mm.user_id as "userId", u.name
    from message_mentions mm join users u on u.id = mm.user_id
    where mm.message_id = any(${messageIds as string[]}::uuid[])`;
  for (const r of rows) {
    if (!out.has(r.messageId)) out.set(r.messageId, new Map());
    out.get(r.messageId)!.set(r.userId.toLowerCase(), r.name);
  }
  return out;
}
