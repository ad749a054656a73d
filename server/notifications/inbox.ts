import type { Tx } from "../../db/client.ts";
import { isId, readableWhere } from "../access/index.ts";
import type { ActorContext } from "../context.ts";
import { notFound } from "../errors.ts";
import { publishPersonal } from "../threads/events.ts";
import { plainText } from "../threads/markdown.ts";
import { mentionNamesOf, type PersonRef } from "../threads/views.ts";
import { collectContentNotifications } from "./content.ts";
import { objectTitle, sharedNow } from "./visibility.ts";

export interface NotificationView {
  id: string;
  kind: "mention" | "reply" | "content" | "engagement";
  /** The activity type for content notifications (`page.created`...), else `message.created`. */
  type: string;
  roomId: string;
  roomName: string;
  objectType: string;
  objectId: string;
  threadId: string | null;
  messageId: string | null;
  actor: PersonRef | null;
  title: string | null;
  excerpt: string | null;
  url: string;
  createdAt: string;
  readAt: string | null;
}

const EXCERPT_CHARS = 200;

/**
 * A notification is shown (listed, counted, mailed) only while its person may still read what
 * it points at, as the access policy decides it (readableWhere: canReadItem per row), the item
 * counting as shared when both its record and the object are shared now.
 */
export function notificationVisible(sql: Tx) {
  return readableWhere(sql, { user: "n.user_id", room: "n.room_id" }, sharedNow(sql, "n.visibility_hint", "n.object_type", "n.object_id"));
}

/** Rows of `notifications n` joined with what a view needs; `where` narrows them. */
async function notificationRows(sql: Tx, where: ReturnType<typeof notificationVisible>, limit: number) {
  return sql<
    {
      id: string; kind: NotificationView["kind"]; activityType: string | null; roomId: string; roomName: string;
      objectType: string; objectId: string; threadId: string | null; messageId: string | null;
      actorId: string | null; actorName: string | null; title: string | null; body: string | null;
      createdAt: Date; readAt: Date | null; userId: string;
    }[]
  >`
    select n.id, n.kind, n.activity_type as "activityType", n.room_id as "roomId", r.name as "roomName",
      n.object_type as "objectType", n.object_id as "objectId", n.thread_id as "threadId", n.message_id as "messageId",
      n.actor_id as "actorId", u.name as "actorName", ${objectTitle(sql, "n.object_type", "n.object_id")} as title,
      case when m.deleted_at is null then m.body end as body, n.created_at as "createdAt", n.read_at as "readAt", n.user_id as "userId"
    from (
      select n0.*, coalesce(a.visibility, 'shared') as visibility_hint
      from notifications n0 left join activities a on a.id = n0.activity_id
    ) n
    join rooms r on r.id = n.room_id
    left join users u on u.id = n.actor_id
    left join messages m on m.id = n.message_id
    where ${where} and ${notificationVisible(sql)}
    order by n.created_at desc, n.id
    limit ${limit}`;
}

type Row = Awaited<ReturnType<typeof notificationRows>>[number];

function urlOf(row: Pick<Row, "roomId" | "objectType" | "objectId" | "threadId" | "activityType">): string {
  if (row.activityType === "room.handed_off") return `/rooms/${row.roomId}/handoff`;
  if (row.activityType?.startsWith("engagement.")) return `/rooms/${row.roomId}/engagement`;
  if (row.threadId) return `/rooms/${row.roomId}/threads/${row.threadId}`;
  if (row.objectType === "page") return `/rooms/${row.roomId}/pages/${row.objectId}`;
  if (row.objectType === "file" || row.objectType === "folder") return `/rooms/${row.roomId}/files`;
  return `/rooms/${row.roomId}`;
}

function toView(row: Row, mentions: ReadonlyMap<string, string> | undefined): NotificationView {
  const text = row.body === null ? null : plainText(row.body, mentions);
  return {
    id: row.id,
    kind: row.kind,
    type: row.activityType ?? "message.created",
    roomId: row.roomId,
    roomName: row.roomName,
    objectType: row.objectType,
    objectId: row.objectId,
    threadId: row.threadId,
    messageId: row.messageId,
    actor: row.actorId && row.actorName ? { id: row.actorId, name: row.actorName } : null,
    title: row.title,
    excerpt: text === null ? null : text.length > EXCERPT_CHARS ? `${text.slice(0, EXCERPT_CHARS - 1)}…` : text,
    url: urlOf(row),
    createdAt: row.createdAt.toISOString(),
    readAt: row.readAt ? row.readAt.toISOString() : null,
  };
}

/** Notifications of one person, newest first, each re-checked against what they may see now. */
export async function notificationsFor(sql: Tx, userId: string, options: { unreadOnly?: boolean; since?: Date; until?: Date; limit?: number } = {}) {
  const where = sql`n.user_id = ${userId}
    ${options.unreadOnly ? sql`and n.read_at is null` : sql``}
    ${options.since ? sql`and n.created_at > ${options.since}` : sql``}
    ${options.until ? sql`and n.created_at <= ${options.until}` : sql``}`;
  const rows = await notificationRows(sql, where, options.limit ?? 50);
  const mentions = await mentionNamesOf(sql, rows.flatMap((r) => (r.messageId && r.body !== null ? [r.messageId] : [])));
  return rows.map((row) => toView(row, row.messageId ? mentions.get(row.messageId) : undefined));
}

export async function unreadNotificationCount(sql: Tx, userId: string): Promise<number> {
  const [row] = await sql<{ count: number }[]>`
    select count(*)::int as count from (
      select n0.*, coalesce(a.visibility, 'shared') as visibility_hint
      from notifications n0 left join activities a on a.id = n0.activity_id
      where n0.user_id = ${userId} and n0.read_at is null
    ) n
    where ${notificationVisible(sql)}`;
  return row!.count;
}

/** The caller's notifications (collecting new-content ones first) and their unread count. */
export async function listNotifications(ctx: ActorContext, query: { unread?: unknown } = {}) {
  await collectContentNotifications(ctx.sql, ctx.actor.userId);
  const items = await notificationsFor(ctx.sql, ctx.actor.userId, { unreadOnly: query.unread === "true" || query.unread === true });
  return { items, unreadCount: await unreadNotificationCount(ctx.sql, ctx.actor.userId) };
}

/** The bell's number: collects first, so new pages and files count too. */
export async function notificationBadge(ctx: ActorContext): Promise<number> {
  await collectContentNotifications(ctx.sql, ctx.actor.userId);
  return unreadNotificationCount(ctx.sql, ctx.actor.userId);
}

async function announceCount(ctx: ActorContext) {
  const unreadCount = await unreadNotificationCount(ctx.sql, ctx.actor.userId);
  // Not about any one room; the user channel ignores the room and visibility.
  publishPersonal(ctx, { userId: ctx.actor.userId, roomId: "", type: "notifications.changed", visibility: "shared", payload: { unreadCount } });
  return unreadCount;
}

export async function markNotificationRead(ctx: ActorContext, notificationId: string | undefined) {
  if (!isId(notificationId)) throw notFound("Notification");
  const [row] = await ctx.sql<{ id: string }[]>`
    update notifications set read_at = coalesce(read_at, now())
    where id = ${notificationId} and user_id = ${ctx.actor.userId} returning id`;
  if (!row) throw notFound("Notification");
  return { id: row.id, unreadCount: await announceCount(ctx) };
}

export async function markAllNotificationsRead(ctx: ActorContext) {
  await ctx.sql`update notifications set read_at = now() where user_id = ${ctx.actor.userId} and read_at is null`;
  return { unreadCount: await announceCount(ctx) };
}

/** Reading a thread reads its notifications too. Returns whether any changed. */
export async function markThreadNotificationsRead(ctx: ActorContext, threadId: string): Promise<boolean> {
  const rows = await ctx.sql`
    update notifications set read_at = now()
    where user_id = ${ctx.actor.userId} and thread_id = ${threadId} and read_at is null returning id`;
  if (rows.length > 0) await announceCount(ctx);
  return rows.length > 0;
}

/** One line saying what a notification is about: "Maya Chen mentioned you in “Pricing”". */
export function describeNotification(n: Pick<NotificationView, "kind" | "type" | "actor" | "title">): string {
  const who = n.actor?.name ?? "Someone";
  const what = n.title ? `“${n.title}”` : "an item";
  if (n.kind === "mention") return `${who} mentioned you in ${what}`;
  if (n.kind === "reply") return `${who} replied in ${what}`;
  if (n.type === "engagement.buyer_quiet") return `${what} has gone quiet: no buyer activity for a while`;
  if (n.type === "engagement.champion_unseen") return `${what}: the champion has not been seen since the stage moved`;
  if (n.type === "room.handed_off") return `${who} handed ${what} to delivery`;
  if (n.type.startsWith("thread.")) return `${who} started the thread ${what}`;
  if (n.type.startsWith("page.")) return `${who} created the page ${what}`;
  if (n.type === "file.version_added") return `${who} uploaded a new version of ${what}`;
  if (n.type.startsWith("file.")) return `${who} added the file ${what}`;
  return `${who} added ${what}`;
}
