import type { Redis } from "ioredis";
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from "rate-limiter-flexible";
import { tooManyRequests } from "../errors.ts";

/** Messages (posts and edits) one person may send into one thread in a burst. */
export const MESSAGE_BURST = { points: 10, duration: 20 };
/** Threads one person may start in one room in a burst. */
export const THREAD_BURST = { points: 30, duration: 60 };
/**
 * Engagement heartbeats one person may send a minute, over every tab and client: a beat every
 * 15 s while active plus one on each hide, blur or change of item (docs/decisions/025-engagement.md).
 */
export const BEAT_BURST = { points: 20, duration: 60 };
/** Refused attempts recorded per person (or address) and room a minute: enough to show a pattern, never a flood of rows. */
export const REFUSAL_RECORDS = { points: 30, duration: 60 };
/** The same refusal (person or address, room, kind, what was asked) is recorded once a minute; repeats collapse into it. */
export const REFUSAL_REPEATS = { points: 1, duration: 60 };
/** /collab upgrades per client address in a burst (before any websocket is made; over it: HTTP 429). */
export const COLLAB_UPGRADES = { points: 120, duration: 10 };

/** Limits a caller may set differently (tests; a deployment could take them from the environment). */
export interface RateLimitSettings {
  collabUpgradesPerIp?: { points: number; duration: number };
}

/**
 * Every limit of the process, built once at start into `AppContext.rateLimits`
 * (server/boot.ts) and shared by every surface: the JSON API, the page routes, socket.io, /collab.
 * With `redis` (several processes behind a balancer) they are counted in Redis, shared by every
 * process; while Redis is away each process counts in memory (the insurance limiter) rather
 * than refusing or letting everything through.
 */
export function createRateLimits(redis?: Redis, settings: RateLimitSettings = {}) {
  const limiter = (keyPrefix: string, opts: { points: number; duration: number }): RateLimiterAbstract =>
    redis
      ? new RateLimiterRedis({ storeClient: redis, keyPrefix: `dealroom:rl:${keyPrefix}`, ...opts, insuranceLimiter: new RateLimiterMemory(opts) })
      : new RateLimiterMemory(opts);
  return {
    loginPerAccount: limiter("login-account", { points: 10, duration: 15 * 60 }),
    loginPerIp: limiter("login-ip", { points: 50, duration: 15 * 60 }),
    signupPerIp: limiter("signup-ip", { points: 20, duration: 60 * 60 }),
    invitationPerIp: limiter("invitation-ip", { points: 30, duration: 15 * 60 }),
    signInLinkPerIp: limiter("link-ip", { points: 20, duration: 15 * 60 }),
    signInLinkPerEmail: limiter("link-email", { points: 3, duration: 15 * 60 }),
    // Guesses of the current password when changing it (a stolen session must not find it out).
    passwordChangePerUser: limiter("password-user", { points: 5, duration: 15 * 60 }),
    messagesPerThread: limiter("messages-thread", MESSAGE_BURST),
    threadsPerRoom: limiter("threads-room", THREAD_BURST),
    refusalRecords: limiter("refusals", REFUSAL_RECORDS),
    refusalRepeats: limiter("refusal-repeats", REFUSAL_REPEATS),
    // Counted across processes too: without it N processes would let N times the burst through.
    collabUpgradesPerIp: limiter("collab-upgrade-ip", settings.collabUpgradesPerIp ?? COLLAB_UPGRADES),
    engagementBeats: limiter("engagement-beats", BEAT_BURST),
  };
}
export type RateLimits = ReturnType<typeof createRateLimits>;

/** Takes one point or throws 429 with the seconds until the next attempt is allowed. */
export async function consume(limiter: RateLimiterAbstract, key: string): Promise<void> {
  try {
    await limiter.consume(key);
  } catch (error) {
    if (error instanceof RateLimiterRes) throw tooManyRequests(Math.max(1, Math.ceil(error.msBeforeNext / 1000)));
    throw error;
  }
}
