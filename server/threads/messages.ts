import { z } from "zod";
import { transaction, type Tx } from "../../db/client.ts";
import { authorize, loadAuthorized, type StandingQuery } from "../access/index.ts";
import type { ActorContext } from "../context.ts";
import { AppError, conflict, invalid } from "../errors.ts";
import { announceNotifications, notifyMessage } from "../notifications/notify.ts";
import { recordActivity } from "../services/activity.ts";
import { parseInput } from "../validation.ts";
import { openThread, participantsWhoCanRead } from "./access.ts";
import { publishMessage } from "./events.ts";
import { mentionedUserIds, renderMessage } from "./markdown.ts";
import { limitMessage } from "./rate-limit.ts";
import { markReadUpTo } from "./unread.ts";
import { messageViews, THREAD_COLUMNS, type MessageView, type ThreadRow } from "./views.ts";

export const MAX_BODY_CHARS = 10_000;

const BodyInput = z.object({ body: z.string({ error: "is required" }) }).strict();

/** A message body as stored: 400 when blank, 413 past the size bound. */
export function checkBody(body: string): string {
  if (body.trim() === "") throw invalid("Write a message first.", { body: "must not be empty" });
  if (body.length > MAX_BODY_CHARS) {
    throw new AppError(413, "message_too_large", `A message can be at most ${MAX_BODY_CHARS.toLocaleString("en")} characters.`, {
      body: `must be at most ${MAX_BODY_CHARS} characters`,
    });
  }
  return body;
}

/** The mentioned people who may read the thread, by id → name; nobody else counts as mentioned. */
async function resolveMentions(sql: Tx, thread: ThreadRow, body: string): Promise<Map<string, string>> {
  const people = await participantsWhoCanRead(sql, thread, thread, mentionedUserIds(body));
  return new Map(people.map((p) => [p.id, p.name]));
}

/**
 * Writes one message (rendered HTML, mentions, notifications, activity) in the caller's
 * transaction. Returns what to announce once it commits.
 */
export async function insertMessage(sql: Tx, ctx: ActorContext, thread: ThreadRow, body: string, options: { recordActivity: boolean }) {
  const mentions = await resolveMentions(sql, thread, body);
  const [row] = await sql<{ id: string; seq: string }[]>`
    insert into messages (thread_id, author_id, body, html)
    values (${thread.id}, ${ctx.actor.userId}, ${body}, ${renderMessage(body, { mentions })})
    returning id, seq`;
  const messageId = row!.id;
  if (mentions.size > 0) {
    await sql`insert into message_mentions ${sql([...mentions.keys()].map((userId) => ({ message_id: messageId, user_id: userId })))}`;
  }
  await sql`update threads set updated_at = now() where id = ${thread.id}`;
  // The author has read their own thread up to here.
  await markReadUpTo(sql, thread.id, ctx.actor.userId, row!.seq);
  if (options.recordActivity) {
    await recordActivity(sql, {
      roomId: thread.roomId, organizationId: thread.organizationId, actorId: ctx.actor.userId, type: "message.created",
      objectType: "message", objectId: messageId, visibility: thread.visibility, data: { threadId: thread.id }, ip: ctx.ip,
    });
  }
  const notified = await notifyMessage(sql, { thread, messageId, authorId: ctx.actor.userId, mentioned: [...mentions.keys()], replies: true });
  return { messageId, notified };
}

export async function listMessages(ctx: ActorContext, threadId: string | undefined): Promise<MessageView[]> {
  const { thread } = await openThread(ctx, threadId);
  return messageViews(ctx.sql, { threadId: thread.id });
}

export async function postMessage(ctx: ActorContext, threadId: string | undefined, raw: unknown): Promise<MessageView> {
  const { thread, standing } = await openThread(ctx, threadId);
  authorize(standing, "item.comment", thread, "Thread");
  const body = checkBody(parseInput(BodyInput, raw).body);
  await limitMessage(ctx, thread.id);
  const { messageId, notified } = await transaction(ctx.sql, (sql) => insertMessage(sql, ctx, thread, body, { recordActivity: true }));
  await publishMessage(ctx, "message.created", thread, messageId);
  await announceNotifications(ctx, thread, notified, messageId);
  return (await messageViews(ctx.sql, { messageIds: [messageId] }))[0]!;
}

/** A message the actor may change: their own, in a thread they may still comment in. */
async function openOwnMessage(ctx: ActorContext, messageId: string | undefined) {
  type Row = ThreadRow & { messageAuthorId: string | null; messageDeletedAt: Date | null };
  const { row, standing } = await loadAuthorized(ctx.sql, ctx.actor, "Message", messageId, async (id, s) => {
    const [found] = await ctx.sql<Row[]>`
      select ${THREAD_COLUMNS(ctx.sql)}, m.author_id as "messageAuthorId", m.deleted_at as "messageDeletedAt", ${s.columns}
      from messages m join threads t on t.id = m.thread_id join rooms r on r.id = t.room_id ${s.joins}
      where m.id = ${id}`;
    return found;
  }, {
    action: "item.editOwn",
    item: (r) => ({ visibility: r.visibility, createdBy: r.messageAuthorId }),
  });
  const { messageAuthorId, messageDeletedAt, ...thread } = row;
  return { thread, standing, message: { id: messageId!, threadId: thread.id, authorId: messageAuthorId, deletedAt: messageDeletedAt } };
}

export async function editMessage(ctx: ActorContext, messageId: string | undefined, raw: unknown): Promise<MessageView> {
  const { thread, message } = await openOwnMessage(ctx, messageId);
  if (message.deletedAt) throw conflict("message_deleted", "This message was deleted; it can no longer be edited.");
  const body = checkBody(parseInput(BodyInput, raw).body);
  await limitMessage(ctx, thread.id);
  const notified = await transaction(ctx.sql, async (sql) => {
    const mentions = await resolveMentions(sql, thread, body);
    const before = await sql<{ userId: string }[]>`select user_id as "userId" from message_mentions where message_id = ${message.id}`;
    await sql`update messages set body = ${body}, html = ${renderMessage(body, { mentions })}, edited_at = now() where id = ${message.id}`;
    await sql`delete from message_mentions where message_id = ${message.id}`;
    if (mentions.size > 0) {
      await sql`insert into message_mentions ${sql([...mentions.keys()].map((userId) => ({ message_id: message.id, user_id: userId })))}`;
    }
    await recordActivity(sql, {
      roomId: thread.roomId, organizationId: thread.organizationId, actorId: ctx.actor.userId, type: "message.edited",
      objectType: "message", objectId: message.id, visibility: thread.visibility, data: { threadId: thread.id }, ip: ctx.ip,
    });
    // Only people newly mentioned by the edit hear about it.
    const already = new Set(before.map((b) => b.userId));
    const added = [...mentions.keys()].filter((id) => !already.has(id));
    return notifyMessage(sql, { thread, messageId: message.id, authorId: ctx.actor.userId, mentioned: added, replies: false });
  });
  await publishMessage(ctx, "message.updated", thread, message.id);
  await announceNotifications(ctx, thread, notified, message.id);
  return (await messageViews(ctx.sql, { messageIds: [message.id] }))[0]!;
}

/** Deleting keeps the message's place ("message deleted") and drops its text, mentions and notifications. */
export async function deleteMessage(ctx: ActorContext, messageId: string | undefined): Promise<void> {
  const { thread, message } = await openOwnMessage(ctx, messageId);
  if (message.deletedAt) return;
  await transaction(ctx.sql, async (sql) => {
    await sql`update messages set body = '', html = '', deleted_at = now() where id = ${message.id}`;
    await sql`delete from message_mentions where message_id = ${message.id}`;
    await sql`delete from notifications where message_id = ${message.id}`;
    await recordActivity(sql, {
      roomId: thread.roomId, organizationId: thread.organizationId, actorId: ctx.actor.userId, type: "message.deleted",
      objectType: "message", objectId: message.id, visibility: thread.visibility, data: { threadId: thread.id }, ip: ctx.ip,
    });
  });
  await publishMessage(ctx, "message.deleted", thread, message.id);
}
