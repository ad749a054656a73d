import { sha256 } from "@oslojs/crypto/sha2";
import { encodeBase32LowerCaseNoPadding, encodeHexLowerCase } from "@oslojs/encoding";
import type { Tx } from "../../db/client.ts";

// Sessions as the Lucia guide builds them: a random token goes to the client,
// only its SHA-256 is stored, expiry slides forward while the session is used, but never
// past 90 days from sign-in (docs/decisions/003-sessions.md).
const DAY_MS = 24 * 60 * 60 * 1000;
export const SESSION_LIFETIME_MS = 30 * DAY_MS;
/** However busy, a session ends this long after it was created: then sign in again. */
export const SESSION_MAX_AGE_MS = 90 * DAY_MS;
const RENEW_WHEN_LEFT_MS = 15 * DAY_MS;

export interface SessionUser {
  id: string;
  email: string;
  name: string;
}
export interface Session {
  id: string;
  userId: string;
  expiresAt: Date;
  kind: "cookie" | "bearer";
}

export function generateToken(): string {
  const bytes = new Uint8Array(20);
  crypto.getRandomValues(bytes);
  return encodeBase32LowerCaseNoPadding(bytes);
}

export const hashToken = (token: string) => encodeHexLowerCase(sha256(new TextEncoder().encode(token)));

export async function createSession(
  sql: Tx,
  userId: string,
  kind: Session["kind"],
  meta: { ip?: string | undefined; userAgent?: string | undefined } = {},
): Promise<{ token: string; session: Session }> {
  const token = generateToken();
  const session: Session = { id: hashToken(token), userId, kind, expiresAt: new Date(Date.now() + SESSION_LIFETIME_MS) };
  await sql`insert into sessions (id, user_id, expires_at, kind, ip, user_agent)
    values (${session.id}, ${userId}, ${session.expiresAt}, ${kind}, ${meta.ip ?? null}, ${meta.userAgent?.slice(0, 400) ?? null})`;
  return { token, session };
}

/** The session and user a token stands for, or null. Renews the expiry when it is past half-life. */
export async function validateSessionToken(
  sql: Tx,
  token: string,
): Promise<{ session: Session; user: SessionUser; renewed: boolean } | null> {
  if (!/^[a-z2-7]{32}$/.test(token)) return null;
  const id = hashToken(token);
  const [row] = await sql<{ userId: string; expiresAt: Date; createdAt: Date; kind: Session["kind"]; email: string; name: string }[]>`
    select s.user_id as "userId", s.expires_at as "expiresAt", s.created_at as "createdAt", s.kind, u.email, u.name
    from sessions s join users u on u.id = s.user_id
    where s.id = ${id} and u.deactivated_at is null`;
  if (!row) return null;
  const session: Session = { id, userId: row.userId, expiresAt: row.expiresAt, kind: row.kind };
  const endsAt = row.createdAt.getTime() + SESSION_MAX_AGE_MS;
  if (Date.now() >= Math.min(session.expiresAt.getTime(), endsAt)) {
    await sql`delete from sessions where id = ${id}`;
    return null;
  }
  let renewed = false;
  const renewTo = Math.min(Date.now() + SESSION_LIFETIME_MS, endsAt);
  if (session.expiresAt.getTime() - Date.now() < RENEW_WHEN_LEFT_MS && renewTo > session.expiresAt.getTime()) {
    session.expiresAt = new Date(renewTo);
    await sql`update sessions set expires_at = ${session.expiresAt} where id = ${id}`;
    renewed = true;
  }
  return { session, user: { id: row.userId, email: row.email, name: row.name }, renewed };
}

/**
 * The id a session is shown by (`GET /me/sessions`, docs/api.md): derived from the stored id (the
 * token's SHA-256), so it is neither the token nor its hash. It names a session to its owner and
 * signs nobody in: nothing accepts it in place of a token, and the token cannot be found from it.
 */
export const publicSessionId = (sessionId: string) =>
  encodeHexLowerCase(sha256(new TextEncoder().encode(`dealroom.session-public:${sessionId}`))).slice(0, 32);

/**
 * Ends one session. After the transaction commits, the caller publishes `{ sessionIds }` on the
 * bus so the session's live sockets close too (docs/access.md, "Sessions and live connections").
 */
export async function invalidateSession(sql: Tx, sessionId: string): Promise<void> {
  await sql`delete from sessions where id = ${sessionId}`;
}

/** Ends every session of a user; returns their ids, for the `{ sessionIds }` invalidation after commit. */
export async function invalidateUserSessions(sql: Tx, userId: string): Promise<string[]> {
  const rows = await sql<{ id: string }[]>`delete from sessions where user_id = ${userId} returning id`;
  return rows.map((r) => r.id);
}
