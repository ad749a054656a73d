import { z } from "zod";
import { transaction } from "../../db/client.ts";
import { publicSessionId, SESSION_MAX_AGE_MS } from "../auth/sessions.ts";
import type { ActorContext } from "../context.ts";
import { invalid, notFound } from "../errors.ts";
import { parseInput } from "../validation.ts";
import { recordActivity } from "./activity.ts";

/**
 * A person's own sessions: the list (`GET /me/sessions`), ending one (`DELETE /me/sessions/:id`)
 * and ending all but the current one ("sign out everywhere else"). Ending a session publishes
 * `{ sessionIds }` after commit, so its socket.io and collab connections close at once, as for
 * logout and a password change (docs/access.md "Sessions, live connections and oracles",
 * docs/decisions/014). Sessions are shown by `publicSessionId`, never by their stored id.
 */

export interface SessionView {
  id: string;
  kind: "cookie" | "bearer";
  createdAt: string;
  /** When it ends unless used again (it slides forward with use). */
  expiresAt: string;
  /** When it ends however it is used (90 days after sign-in). */
  endsAt: string;
  ip: string | null;
  userAgent: string | null;
  /** The session this request came with. */
  current: boolean;
}

interface Row {
  id: string;
  kind: "cookie" | "bearer";
  createdAt: Date;
  expiresAt: Date;
  ip: string | null;
  userAgent: string | null;
}

/** The actor's live sessions (not expired, not past their 90 days), newest first. */
async function liveSessions(ctx: ActorContext): Promise<Row[]> {
  return ctx.sql<Row[]>`
    select id, kind, created_at as "createdAt", expires_at as "expiresAt", ip, user_agent as "userAgent"
    from sessions
    where user_id = ${ctx.actor.userId} and expires_at > now() and created_at > now() - ${`${SESSION_MAX_AGE_MS} milliseconds`}::interval
    order by created_at desc, id`;
}

export async function listSessions(ctx: ActorContext, currentSessionId: string | null): Promise<SessionView[]> {
  return (await liveSessions(ctx)).map((row) => ({
    id: publicSessionId(row.id),
    kind: row.kind,
    createdAt: row.createdAt.toISOString(),
    expiresAt: row.expiresAt.toISOString(),
    endsAt: new Date(row.createdAt.getTime() + SESSION_MAX_AGE_MS).toISOString(),
    ip: row.ip,
    userAgent: row.userAgent,
    current: row.id === currentSessionId,
  }));
}

const PublicId = z.string().regex(/^[0-9a-f]{32}$/);

/** Ends the sessions with these stored ids (the actor's own), records it, and closes their sockets after commit. */
async function endSessions(ctx: ActorContext, ids: string[], others: boolean): Promise<number> {
  if (ids.length === 0) return 0;
  const ended = await transaction(ctx.sql, async (sql) => {
    const rows = await sql<{ id: string }[]>`
      delete from sessions where user_id = ${ctx.actor.userId} and id = any(${sql.array(ids)}) returning id`;
    if (rows.length) {
      await recordActivity(sql, { actorId: ctx.actor.userId, type: "account.sessions_ended", visibility: "internal", data: { count: rows.length, others }, ip: ctx.ip });
    }
    return rows.map((r) => r.id);
  });
  if (ended.length) ctx.bus.invalidate({ sessionIds: ended });
  return ended.length;
}

/**
 * Ends one of the actor's sessions, named by its public id. Someone else's session, an ended one
 * and an id that never existed all answer the same 404. Returns whether it was the current one.
 */
export async function revokeSession(ctx: ActorContext, currentSessionId: string | null, rawId: string | undefined): Promise<{ current: boolean }> {
  const parsed = PublicId.safeParse(rawId);
  if (!parsed.success) throw notFound("Session");
  const target = (await liveSessions(ctx)).find((row) => publicSessionId(row.id) === parsed.data);
  if (!target) throw notFound("Session");
  await endSessions(ctx, [target.id], false);
  return { current: target.id === currentSessionId };
}

const OthersQuery = z.object({ others: z.literal("1", { error: 'must be "1": only the other sessions can be ended together' }) });

/** "Sign out everywhere else": ends every session of the actor but `currentSessionId`. Returns how many. */
export async function revokeOtherSessions(ctx: ActorContext, currentSessionId: string | null, query: unknown): Promise<number> {
  parseInput(OthersQuery, { others: (query as Record<string, unknown> | null)?.others });
  if (!currentSessionId) throw invalid("Sign in first: the other sessions are those of the session asking.");
  const ids = (await liveSessions(ctx)).map((row) => row.id).filter((id) => id !== currentSessionId);
  return endSessions(ctx, ids, true);
}
