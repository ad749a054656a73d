import type { Tx } from "../../db/client.ts";
import { authorize, loadStanding, visibleWhere, type Standing } from "../access/index.ts";
import type { ActorContext } from "../context.ts";
import { markThreadNotificationsRead } from "../notifications/inbox.ts";
import { openThread } from "./access.ts";
import { publishPersonal } from "./events.ts";

/**
 * Unread = messages someone else wrote after the reader's read mark (messages.seq), not
 * deleted, in threads the reader may see.
 */
export async function unreadByThread(sql: Tx, standing: Standing): Promise<Map<string, number>> {
  const rows = await sql<{ threadId: string; unread: number }[]>`
    select t.id as "threadId", count(m.id)::int as unread
    from threads t
    left join thread_reads r on r.thread_id = t.id and r.user_id = ${standing.userId}
    join messages m on m.thread_id = t.id and m.seq > coalesce(r.last_read_seq, 0)
      and m.deleted_at is null and m.author_id is distinct from ${standing.userId}
    where t.room_id = ${standing.roomId} and ${visibleWhere(sql, standing, "t.visibility")}
    group by t.id`;
  return new Map(rows.map((r) => [r.threadId, r.unread]));
}

const total = (counts: Map<string, number>) => [...counts.values()].reduce((a, b) => a + b, 0);

export async function roomUnread(ctx: ActorContext, roomId: string | undefined) {
  const standing = await loadStanding(ctx.sql, ctx.actor, roomId);
  authorize(standing, "room.read");
  const counts = await unreadByThread(ctx.sql, standing);
  return { roomId: standing.roomId, unread: total(counts), threads: [...counts].map(([threadId, unread]) => ({ threadId, unread })) };
}

/** Moves a read mark forward (never back). */
export async function markReadUpTo(sql: Tx, threadId: string, userId: string, seq: string | number) {
  await sql`
    insert into thread_reads (thread_id, user_id, last_read_seq) values (${threadId}, ${userId}, ${seq})
    on conflict (thread_id, user_id) do update
      set last_read_seq = greatest(thread_reads.last_read_seq, excluded.last_read_seq), read_at = now()`;
}

/**
 * The reader has seen the whole thread: its unread count drops to 0, its notifications are
 * read, and the reader's other open clients are told.
 */
export async function markThreadRead(ctx: ActorContext, threadId: string | undefined) {
  const { thread, standing } = await openThread(ctx, threadId);
  const [last] = await ctx.sql<{ seq: string | null }[]>`select max(seq) as seq from messages where thread_id = ${thread.id}`;
  if (last?.seq) await markReadUpTo(ctx.sql, thread.id, ctx.actor.userId, last.seq);
  await markThreadNotificationsRead(ctx, thread.id);
  const counts = await unreadByThread(ctx.sql, standing);
  const result = { threadId: thread.id, roomId: thread.roomId, unread: counts.get(thread.id) ?? 0, roomUnread: total(counts) };
  publishPersonal(ctx, { userId: ctx.actor.userId, roomId: thread.roomId, type: "thread.read", visibility: thread.visibility, payload: result });
  return result;
}
