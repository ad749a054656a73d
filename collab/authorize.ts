import type http from "node:http";
import { can, effectiveSide, loadAuthorized, type Actor, type Visibility } from "../server/access/index.ts";
import { SESSION_COOKIE, readCookie } from "../server/auth/cookies.ts";
import { bearerToken } from "../server/auth/middleware.ts";
import { websocketOriginAllowed } from "../server/auth/origin.ts";
import { validateSessionToken } from "../server/auth/sessions.ts";
import type { AppContext } from "../server/context.ts";
import { AppError } from "../server/errors.ts";
import { CLOSE } from "./close-codes.ts";
import { colorFor } from "./protocol.ts";

/** What one connection may do on one page, decided once at the upgrade. */
export interface Grant {
  actor: Actor;
  pageId: string;
  roomId: string;
  canWrite: boolean;
  /** Stamped over the `user` field of every awareness state the connection sends. */
  user: { id: string; name: string; side: "internal" | "external"; color: string };
}

export type Decision = { ok: true; grant: Grant } | { ok: false; code: number; reason: string };

/** Filled in as the decision learns who is asking about what, so an invalidation during it can match. */
export interface Subject {
  pageId: string;
  userId?: string;
  roomId?: string;
  /** The session the connection authenticated with: when it ends, the connection closes (4401). */
  sessionId?: string;
}

const refuse = (code: number, reason: string): Decision => ({ ok: false, code, reason });

/**
 * Decides a /collab/<pageId> connection through the access policy: the session (cookie,
 * `?token=` or a bearer header), the Origin of browser pages, the page and the actor's standing
 * in its room. A page the actor may not read is answered exactly like a missing one (4404).
 */
export async function authorizeConnection(app: AppContext, req: http.IncomingMessage, subject: Subject): Promise<Decision> {
  const url = new URL(req.url ?? "/", "http://collab.invalid");
  if (!websocketOriginAllowed(app.config, req)) return refuse(CLOSE.UNAUTHENTICATED, "origin not allowed");
  const token = url.searchParams.get("token") ?? bearerToken(req.headers.authorization) ?? readCookie(req.headers.cookie, SESSION_COOKIE);
  const session = token ? await validateSessionToken(app.sql, token) : null;
  if (!session) return refuse(CLOSE.UNAUTHENTICATED, "not authenticated");
  const actor: Actor = { userId: session.user.id, name: session.user.name, email: session.user.email };
  subject.userId = actor.userId;
  subject.sessionId = session.session.id;

  let loaded;
  try {
    loaded = await loadAuthorized(app.sql, actor, "Page", subject.pageId, async (id) => {
      const [page] = await app.sql<{ roomId: string; visibility: Visibility; archived: boolean }[]>`
        select room_id as "roomId", visibility, archived_at is not null as archived from pages where id = ${id}`;
      if (page) subject.roomId = page.roomId;
      return page;
    }, { action: "item.read" });
  } catch (error) {
    if (error instanceof AppError && error.status === 404) return refuse(CLOSE.NOT_FOUND, "page not found");
    throw error;
  }
  const { row: page, standing } = loaded;
  return {
    ok: true,
    grant: {
      actor,
      pageId: subject.pageId,
      roomId: page.roomId,
      // An archived page is read-only until it is restored.
      canWrite: can(standing, "item.edit", page) && !page.archived,
      user: { id: actor.userId, name: actor.name, side: effectiveSide(standing) ?? "external", color: colorFor(actor.userId) },
    },
  };
}
