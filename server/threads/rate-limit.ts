import { RateLimiterMemory } from "rate-limiter-flexible";
import { consume } from "../auth/rate-limits.ts";
import type { ActorContext } from "../context.ts";

/** Messages (posts and edits) one person may send into one thread in a burst. */
export const MESSAGE_BURST = { points: 10, duration: 20 };
/** Threads one person may start in one room in a burst. */
export const THREAD_BURST = { points: 30, duration: 60 };

interface ThreadLimits {
  messages: RateLimiterMemory;
  threads: RateLimiterMemory;
}

// Keyed by the process's bus, which every context made from one AppContext shares, so each
// app (and each test server) gets its own counters without widening AppContext.
const limitsByApp = new WeakMap<object, ThreadLimits>();

function limitsOf(ctx: ActorContext): ThreadLimits {
  let limits = limitsByApp.get(ctx.bus);
  if (!limits) {
    limits = { messages: new RateLimiterMemory(MESSAGE_BURST), threads: new RateLimiterMemory(THREAD_BURST) };
    limitsByApp.set(ctx.bus, limits);
  }
  return limits;
}

/** Flood protection: 429 with Retry-After past the burst. */
export const limitMessage = (ctx: ActorContext, threadId: string) => consume(limitsOf(ctx).messages, `${ctx.actor.userId}:${threadId}`);
export const limitThread = (ctx: ActorContext, roomId: string) => consume(limitsOf(ctx).threads, `${ctx.actor.userId}:${roomId}`);
