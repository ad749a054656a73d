import { z } from "zod";
import { transaction } from "../../db/client.ts";
import { hashPassword, verifyPassword } from "../auth/passwords.ts";
import { consume } from "../auth/rate-limits.ts";
import { createSession, invalidateUserSessions, type Session } from "../auth/sessions.ts";
import type { ActorContext } from "../context.ts";
import { AppError } from "../errors.ts";
import { Password, parseInput } from "../validation.ts";
import { recordActivity } from "./activity.ts";
import type { RequestMeta } from "./accounts.ts";

export const ChangePasswordInput = z.object({
  currentPassword: z.string({ error: "is required" }).min(1, "is required").max(256),
  newPassword: Password,
});

/**
 * Changes the password and ends every session of the user (a stolen token dies with the old
 * password); the caller gets a fresh session so they stay signed in here.
 */
export async function changePassword(ctx: ActorContext, raw: unknown, kind: Session["kind"], meta: RequestMeta = {}) {
  const input = parseInput(ChangePasswordInput, raw);
  // Every attempt counts, right or wrong, so guessing is slow; a success clears the count.
  await consume(ctx.rateLimits.passwordChangePerUser, ctx.actor.userId);
  const [user] = await ctx.sql<{ passwordHash: string | null }[]>`select password_hash as "passwordHash" from users where id = ${ctx.actor.userId}`;
  if (!(await verifyPassword(user?.passwordHash ?? null, input.currentPassword))) {
    throw new AppError(400, "invalid_input", "Your current password is not correct.", { currentPassword: "is not correct" });
  }
  await ctx.rateLimits.passwordChangePerUser.delete(ctx.actor.userId);
  const passwordHash = await hashPassword(input.newPassword);
  const result = await transaction(ctx.sql, async (sql) => {
    await sql`update users set password_hash = ${passwordHash} where id = ${ctx.actor.userId}`;
    const ended = await invalidateUserSessions(sql, ctx.actor.userId);
    await recordActivity(sql, { actorId: ctx.actor.userId, type: "account.password_changed", visibility: "internal", ip: ctx.ip });
    return { ended, ...(await createSession(sql, ctx.actor.userId, kind, meta)) };
  });
  // After commit: the old sessions' sockets (socket.io and collab) close at once.
  if (result.ended.length) ctx.bus.invalidate({ sessionIds: result.ended });
  ctx.bus.invalidate({ userIds: [ctx.actor.userId] });
  return { token: result.token, session: result.session };
}
