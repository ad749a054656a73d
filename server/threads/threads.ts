import { z } from "zod";
import { transaction, type Tx } from "../../db/client.ts";
import { authorize, can, canReadItem, loadStanding, visibleWhere, type Standing } from "../access/index.ts";
import type { ActorContext } from "../context.ts";
import { forbidden, notFound } from "../errors.ts";
import { announceNotifications } from "../notifications/notify.ts";
import { recordActivity } from "../services/activity.ts";
import { Id, parseInput, Visibility } from "../validation.ts";
import { openThread } from "./access.ts";
import { publishMessage, publishThread } from "./events.ts";
import { checkBody, insertMessage } from "./messages.ts";
import { limitThread } from "./rate-limit.ts";
import { unreadByThread } from "./unread.ts";
import { findThread, messageViews, reloadThread, threadViews, type MessageView, type ThreadView } from "./views.ts";

export const MAX_TITLE_CHARS = 200;

const Title = z
  .string({ error: "is required" })
  .trim()
  .min(1, "is required")
  .max(MAX_TITLE_CHARS, `must be at most ${MAX_TITLE_CHARS} characters`);

const CreateThreadInput = z
  .object({
    title: Title,
    visibility: Visibility,
    body: z.string({ error: "is required" }),
    pageId: Id.nullish(),
  })
  .strict();

const UpdateThreadInput = z.object({ title: Title, pageId: Id.nullable() }).partial().strict();

export type ThreadWithUnread = ThreadView & { unreadCount: number };

/** The linked page is shown only when the reader may see the page itself. */
const pageVisibleTo = (sql: Tx, standing: Standing) => visibleWhere(sql, standing, "p.visibility");

async function viewFor(ctx: ActorContext, standing: Standing, threadId: string): Promise<ThreadWithUnread> {
  const [view] = await threadViews(ctx.sql, { threadIds: [threadId] }, pageVisibleTo(ctx.sql, standing));
  const unread = await unreadByThread(ctx.sql, standing);
  return { ...view!, unreadCount: unread.get(threadId) ?? 0 };
}

/** A page of this room the actor may see, to link a thread to; anything else is "no such page". */
async function assertLinkablePage(ctx: ActorContext, standing: Standing, pageId: string) {
  const [page] = await ctx.sql<{ visibility: "internal" | "shared" }[]>`
    select visibility from pages where id = ${pageId} and room_id = ${standing.roomId} and archived_at is null`;
  if (!page || !canReadItem(standing, page)) throw notFound("Page");
}

export async function createThread(ctx: ActorContext, roomId: string | undefined, raw: unknown): Promise<ThreadWithUnread & { messages: MessageView[] }> {
  const standing = await loadStanding(ctx.sql, ctx.actor, roomId);
  authorize(standing, "thread.create");
  const input = parseInput(CreateThreadInput, raw);
  if (input.visibility === "internal") authorize(standing, "thread.createInternal");
  const body = checkBody(input.body);
  if (input.pageId) await assertLinkablePage(ctx, standing, input.pageId);
  await limitThread(ctx, standing.roomId);
  return startThread(ctx, standing, { title: input.title, visibility: input.visibility, body, pageId: input.pageId ?? null });
}

/** A thread checked and bounded by its caller (createThread, server/threads/comments.ts). */
export interface NewThread {
  title: string;
  visibility: "internal" | "shared";
  body: string;
  pageId: string | null;
}

/**
 * Writes a thread and its first message in one transaction (`within` adds to it, e.g. a comment's
 * anchor), then announces both on the thread's own visibility. The caller has authorized it.
 */
export async function startThread(
  ctx: ActorContext,
  standing: Standing,
  input: NewThread,
  within?: (sql: Tx, threadId: string) => Promise<void>,
): Promise<ThreadWithUnread & { messages: MessageView[] }> {
  const { thread, messageId, notified } = await transaction(ctx.sql, async (sql) => {
    const [row] = await sql<{ id: string }[]>`
      insert into threads (room_id, title, visibility, page_id, created_by)
      values (${standing.roomId}, ${input.title}, ${input.visibility}, ${input.pageId}, ${ctx.actor.userId})
      returning id`;
    if (within) await within(sql, row!.id);
    const thread = (await findThread(sql, row!.id))!;
    await recordActivity(sql, {
      roomId: thread.roomId, organizationId: thread.organizationId, actorId: ctx.actor.userId, type: "thread.created",
      objectType: "thread", objectId: thread.id, visibility: thread.visibility, ip: ctx.ip,
    });
    const first = await insertMessage(sql, ctx, thread, input.body, { recordActivity: false });
    return { thread, ...first };
  });
  await publishThread(ctx, "thread.created", thread);
  await publishMessage(ctx, "message.created", thread, messageId);
  await announceNotifications(ctx, thread, notified, messageId);
  return { ...(await viewFor(ctx, standing, thread.id)), messages: await messageViews(ctx.sql, { messageIds: [messageId] }) };
}

export async function listThreads(ctx: ActorContext, roomId: string | undefined): Promise<ThreadWithUnread[]> {
  const standing = await loadStanding(ctx.sql, ctx.actor, roomId);
  authorize(standing, "room.read");
  const views = await threadViews(
    ctx.sql,
    { roomId: standing.roomId, where: visibleWhere(ctx.sql, standing, "t.visibility") },
    pageVisibleTo(ctx.sql, standing),
  );
  const unread = await unreadByThread(ctx.sql, standing);
  return views.map((v) => ({ ...v, unreadCount: unread.get(v.id) ?? 0 }));
}

export async function getThread(ctx: ActorContext, threadId: string | undefined): Promise<ThreadWithUnread> {
  const { thread, standing } = await openThread(ctx, threadId);
  return viewFor(ctx, standing, thread.id);
}

/** Title and page link: the thread's creator, or an editor who may see it. */
export async function updateThread(ctx: ActorContext, threadId: string | undefined, raw: unknown): Promise<ThreadWithUnread> {
  const { thread, standing } = await openThread(ctx, threadId);
  const own = { visibility: thread.visibility, createdBy: thread.createdBy };
  if (!can(standing, "item.edit", thread) && !can(standing, "item.editOwn", own)) throw forbidden();
  const input = parseInput(UpdateThreadInput, raw);
  if (input.pageId) await assertLinkablePage(ctx, standing, input.pageId);
  const changes: Record<string, unknown> = {};
  if (input.title !== undefined) changes.title = input.title;
  if (input.pageId !== undefined) changes.page_id = input.pageId;
  if (Object.keys(changes).length > 0) {
    await transaction(ctx.sql, async (sql) => {
      await sql`update threads set ${sql(changes)}, updated_at = now() where id = ${thread.id}`;
      await recordActivity(sql, {
        roomId: thread.roomId, organizationId: thread.organizationId, actorId: ctx.actor.userId, type: "thread.updated",
        objectType: "thread", objectId: thread.id, visibility: thread.visibility, data: { fields: Object.keys(input) }, ip: ctx.ip,
      });
    });
    await publishThread(ctx, "thread.updated", await reloadThread(ctx.sql, thread.id));
  }
  return viewFor(ctx, standing, thread.id);
}

/** Resolve or reopen: anyone who may comment in the thread. Doing it twice changes nothing. */
export async function setResolved(ctx: ActorContext, threadId: string | undefined, resolved: boolean): Promise<ThreadWithUnread> {
  const { thread, standing } = await openThread(ctx, threadId);
  authorize(standing, "item.comment", thread, "Thread");
  if ((thread.resolvedAt !== null) !== resolved) {
    const type = resolved ? "thread.resolved" : "thread.reopened";
    await transaction(ctx.sql, async (sql) => {
      await sql`update threads set
          resolved_at = ${resolved ? sql`now()` : null}, resolved_by = ${resolved ? ctx.actor.userId : null}, updated_at = now()
        where id = ${thread.id}`;
      await recordActivity(sql, {
        roomId: thread.roomId, organizationId: thread.organizationId, actorId: ctx.actor.userId, type,
        objectType: "thread", objectId: thread.id, visibility: thread.visibility, ip: ctx.ip,
      });
    });
    await publishThread(ctx, type, await reloadThread(ctx.sql, thread.id));
  }
  return viewFor(ctx, standing, thread.id);
}

