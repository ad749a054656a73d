import { RateLimiterMemory, RateLimiterRes } from "rate-limiter-flexible";
import { tooManyRequests } from "../errors.ts";

/**
 * Per-process limits. With several processes behind a balancer these move to
 * rate-limiter-flexible's Redis store (same API).
 */
export function createRateLimits() {
  return {
    loginPerAccount: new RateLimiterMemory({ points: 10, duration: 15 * 60 }),
    loginPerIp: new RateLimiterMemory({ points: 50, duration: 15 * 60 }),
    signupPerIp: new RateLimiterMemory({ points: 20, duration: 60 * 60 }),
    invitationPerIp: new RateLimiterMemory({ points: 30, duration: 15 * 60 }),
    signInLinkPerIp: new RateLimiterMemory({ points: 20, duration: 15 * 60 }),
    signInLinkPerEmail: new RateLimiterMemory({ points: 3, duration: 15 * 60 }),
    // Guesses of the current password when changing it (a stolen session must not find it out).
    passwordChangePerUser: new RateLimiterMemory({ points: 5, duration: 15 * 60 }),
  };
}
export type RateLimits = ReturnType<typeof createRateLimits>;

/** Takes one point or throws 429 with the seconds until the next attempt is allowed. */
export async function consume(limiter: RateLimiterMemory, key: string): Promise<void> {
  try {
    await limiter.consume(key);
  } catch (error) {
    if (error instanceof RateLimiterRes) throw tooManyRequests(Math.max(1, Math.ceil(error.msBeforeNext / 1000)));
    throw error;
  }
}
