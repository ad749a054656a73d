import type { Tx } from "../../db/client.ts";
import type { ActorContext } from "../context.ts";
import { participantsWhoCanRead } from "../threads/access.ts";
import { publishPersonal } from "../threads/events.ts";
import type { ThreadRow } from "../threads/views.ts";
import { unreadNotificationCount } from "./inbox.ts";
import { levelsIn } from "./preferences.ts";

export interface Notified {
  userId: string;
  notificationId: string;
  kind: "mention" | "reply";
}

/**
 * Mention and reply notifications for a message, written in the caller's transaction.
 * `mentioned` are people the message mentions who may read the thread (see resolveMentions);
 * replies go to everyone else who wrote in the thread and may still read it. A person's room
 * level decides: "nothing" silences both, "mentions" keeps only mentions.
 */
export async function notifyMessage(
  sql: Tx,
  input: { thread: ThreadRow; messageId: string; authorId: string; mentioned: string[]; replies: boolean },
): Promise<Notified[]> {
  const { thread, authorId } = input;
  const mentioned = input.mentioned.filter((id) => id !== authorId);
  let repliedTo: string[] = [];
  if (input.replies) {
    const writers = await sql<{ userId: string }[]>`
      select distinct author_id as "userId" from messages
      where thread_id = ${thread.id} and deleted_at is null and author_id is not null and id <> ${input.messageId}
      union select created_by from threads where id = ${thread.id} and created_by is not null`;
    const candidates = writers.map((w) => w.userId).filter((id) => id !== authorId && !mentioned.includes(id));
    repliedTo = (await participantsWhoCanRead(sql, thread, thread, candidates)).map((p) => p.id);
  }
  const levels = await levelsIn(sql, thread.roomId, [...mentioned, ...repliedTo]);
  const wanted = [
    ...mentioned.filter((id) => levels.get(id) !== "nothing").map((userId) => ({ userId, kind: "mention" as const })),
    ...repliedTo.filter((id) => levels.get(id) === "everything").map((userId) => ({ userId, kind: "reply" as const })),
  ];
  const notified: Notified[] = [];
  for (const w of wanted) {
    // A mention added by an edit outranks an earlier reply notification for the same message.
    const [row] = await sql<{ id: string }[]>`
      insert into notifications (user_id, room_id, kind, object_type, object_id, thread_id, message_id, actor_id)
      values (${w.userId}, ${thread.roomId}, ${w.kind}, 'message', ${input.messageId}, ${thread.id}, ${input.messageId}, ${authorId})
      on conflict (user_id, message_id) do update set kind = 'mention', read_at = null, created_at = now()
        where notifications.kind = 'reply' and excluded.kind = 'mention'
      returning id`;
    if (row) notified.push({ userId: w.userId, notificationId: row.id, kind: w.kind });
  }
  return notified;
}

/** Tells each notified person's open sockets, after the transaction committed. */
export async function announceNotifications(ctx: ActorContext, thread: ThreadRow, notified: Notified[], messageId: string) {
  for (const n of notified) {
    const unread = await unreadNotificationCount(ctx.sql, n.userId);
    publishPersonal(ctx, {
      userId: n.userId,
      roomId: thread.roomId,
      type: "notification.created",
      visibility: thread.visibility,
      payload: {
        id: n.notificationId,
        kind: n.kind,
        roomId: thread.roomId,
        threadId: thread.id,
        messageId,
        title: thread.title,
        actor: { id: ctx.actor.userId, name: ctx.actor.name },
        unreadCount: unread,
      },
    });
  }
}
