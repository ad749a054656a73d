import { consume } from "../auth/rate-limits.ts";
import type { ActorContext } from "../context.ts";

export { MESSAGE_BURST, THREAD_BURST } from "../auth/rate-limits.ts";

// The limiters are the process's own (AppContext.rateLimits, built once in server/boot.ts):
// a post through the JSON API and one through a page's form action count against one limit.

/** Flood protection: 429 with Retry-After past the burst. */
export const limitMessage = (ctx: ActorContext, threadId: string) => consume(ctx.rateLimits.messagesPerThread, `${ctx.actor.userId}:${threadId}`);
export const limitThread = (ctx: ActorContext, roomId: string) => consume(ctx.rateLimits.threadsPerRoom, `${ctx.actor.userId}:${roomId}`);
