import type http from "node:http";
import { CLOSE } from "./close-codes.ts";
import type { CollabHooks, CollabUser, PageAccess } from "./hooks.ts";
import { colorFor } from "./protocol.ts";

/** What one connection may do on one page, decided once at the upgrade. */
export interface Grant<U extends CollabUser = CollabUser, A extends PageAccess = PageAccess> {
  user: U;
  /** The `authorize` hook's answer: room, write right, side. */
  access: A;
  pageId: string;
  /** The client address the upgrade came from. */
  ip: string;
  /** Stamped over the `user` field of every awareness state the connection sends. */
  stamp: { id: string; name: string; side: "internal" | "external"; color: string };
}

export type Decision<U extends CollabUser = CollabUser, A extends PageAccess = PageAccess> =
  | { ok: true; grant: Grant<U, A> }
  | { ok: false; code: number; reason: string };

/** Filled in as the decision learns who is asking about what, so an invalidation during it can match. */
export interface Subject {
  pageId: string;
  userId?: string;
  roomId?: string;
  /** The session the connection authenticated with: when it ends, the connection closes (4401). */
  sessionId?: string;
}

const refuse = (code: number, reason: string) => ({ ok: false as const, code, reason });

/**
 * Decides a /collab/<pageId> connection through the application's hooks: the Origin of browser
 * pages (`originAllowed`), who it is (`authenticate`: cookie, `?token=` or bearer, as the
 * application reads them), what they may do on the page (`authorize`). A page the user may not
 * read is answered exactly like a missing one (4404).
 */
export async function decideConnection<U extends CollabUser, A extends PageAccess>(
  hooks: CollabHooks<U, A>,
  req: http.IncomingMessage,
  ip: string,
  subject: Subject,
): Promise<Decision<U, A>> {
  if (!hooks.originAllowed(req)) return refuse(CLOSE.UNAUTHENTICATED, "origin not allowed");
  const token = new URL(req.url ?? "/", "http://collab.invalid").searchParams.get("token");
  const user = await hooks.authenticate(req, token);
  if (!user) return refuse(CLOSE.UNAUTHENTICATED, "not authenticated");
  subject.userId = user.id;
  subject.sessionId = user.sessionId;

  const access = await hooks.authorize(user, { request: req, ip, pageId: subject.pageId });
  if (!access) return refuse(CLOSE.NOT_FOUND, "page not found");
  subject.roomId = access.roomId;
  return {
    ok: true,
    grant: {
      user,
      access,
      pageId: subject.pageId,
      ip,
      stamp: { id: user.id, name: user.name, side: access.side, color: colorFor(user.id) },
    },
  };
}
