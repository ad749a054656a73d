import type { Visibility } from "../access/index.ts";
import type { ActorContext } from "../context.ts";
import { messageViews, threadViews, type ThreadRow } from "./views.ts";

/**
 * Live events about threads, published after the change committed. Each goes out on the
 * thread's own visibility, so an external participant's socket never gets an internal one.
 */
export type ThreadEventType = "thread.created" | "thread.updated" | "thread.resolved" | "thread.reopened";
export type MessageEventType = "message.created" | "message.updated" | "message.deleted";

/**
 * Events for one person rather than a room channel: socket.io sends them to that user's own
 * sockets only (server/realtime/socket.ts). Their payload carries `userId`.
 */
export const PERSONAL_EVENTS = new Set(["notification.created", "notifications.changed", "thread.read"]);

/** A linked page travels with a thread event only on a channel whose readers may all see it. */
function pageVisibleOnChannel(ctx: ActorContext, visibility: Visibility) {
  return visibility === "internal" ? ctx.sql`true` : ctx.sql`p.visibility = 'shared'`;
}

export async function publishThread(ctx: ActorContext, type: ThreadEventType, thread: ThreadRow, extra: Record<string, unknown> = {}) {
  const [view] = await threadViews(ctx.sql, { threadIds: [thread.id] }, pageVisibleOnChannel(ctx, thread.visibility));
  if (!view) return;
  ctx.bus.publish({ roomId: thread.roomId, type, visibility: thread.visibility, payload: { ...view, ...extra } });
}

export async function publishMessage(ctx: ActorContext, type: MessageEventType, thread: ThreadRow, messageId: string) {
  const [message] = await messageViews(ctx.sql, { messageIds: [messageId] });
  if (!message) return;
  ctx.bus.publish({ roomId: thread.roomId, type, visibility: thread.visibility, payload: { ...message } });
}

export function publishPersonal(
  ctx: Pick<ActorContext, "bus">,
  event: { userId: string; roomId: string; type: string; visibility: Visibility; payload: Record<string, unknown> },
) {
  if (!PERSONAL_EVENTS.has(event.type)) throw new TypeError(`${event.type} is not a personal event`);
  ctx.bus.publish({ roomId: event.roomId, type: event.type, visibility: event.visibility, payload: { ...event.payload, userId: event.userId } });
}
