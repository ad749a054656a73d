import type http from "node:http";
import { RateLimiterRes } from "rate-limiter-flexible";
import type { CollabHooks, CollabUser, DocumentErrors, PageAccess } from "../collab/hooks.ts";
import { DocumentRegistry, type RegistryHooks, type RegistryOptions } from "../collab/registry.ts";
import { CLOSE } from "../collab/close-codes.ts";
import { createCollabServer, type CollabOptions } from "../collab/server.ts";
import type { Sql } from "../db/client.ts";
import { can, effectiveSide, loadAuthorized, type Actor, type Standing, type Visibility } from "./access/index.ts";
import { recordingRefusals, recordRefusal, type RefusalSource } from "./access/refusals.ts";
import { SESSION_COOKIE, readCookie } from "./auth/cookies.ts";
import { bearerToken } from "./auth/middleware.ts";
import { websocketOriginAllowed } from "./auth/origin.ts";
import { validateSessionToken } from "./auth/sessions.ts";
import { clientAddress, compileTrust } from "./client-ip.ts";
import type { AppContext } from "./context.ts";
import { AppError, notFound } from "./errors.ts";
import type { Logger } from "./log.ts";
import { documentTooComplex, PAGE_FORMAT } from "./wiki/bounds.ts";
import { renderPageContent } from "./wiki/render.ts";

/**
 * The composition root of the collaboration server: the collab library (collab/) knows nothing
 * of Dealroom, and this module hands it what it needs as hooks (docs/decisions/023-collab-as-library.md).
 *
 * - the documents: how a page renders (text and HTML), what a page may hold (PAGE_FORMAT, from
 *   the editor's schema), and which of our errors its failures become;
 * - the endpoint: who an upgrade is (the session from `?token=`, a bearer header or the cookie),
 *   the Origin rule and the client address (the same as socket.io's and Express'), the upgrade
 *   allowance (AppContext.rateLimits), what the person may do on the page (loadAuthorized and the
 *   policy), access changes (the bus), and refusals into the audit trail (server/access/refusals.ts).
 */

/** A connection's user as the hooks know it: collab's fields plus the actor services take. */
export interface CollabActor extends CollabUser {
  actor: Actor;
}

/** A connection's access as the hooks decided it: collab's fields plus the standing behind them. */
export interface CollabPageAccess extends PageAccess {
  standing: Standing;
}

/** Collab's failures as the errors services and the API answer with. */
export const PAGE_DOCUMENT_ERRORS: DocumentErrors = {
  pageNotFound: () => notFound("Page"),
  shuttingDown: () => new AppError(503, "unavailable", "The server is shutting down."),
  outOfBounds: documentTooComplex,
};

export const PAGE_DOCUMENT_HOOKS: RegistryHooks = { render: renderPageContent, format: PAGE_FORMAT, errors: PAGE_DOCUMENT_ERRORS };

/** The live page documents (AppContext.documents), with Dealroom's page hooks. */
export function createPageDocuments(sql: Sql, log: Logger, options: Partial<Omit<RegistryOptions, keyof RegistryHooks>> = {}): DocumentRegistry {
  return new DocumentRegistry(sql, log, { ...PAGE_DOCUMENT_HOOKS, ...options });
}

const source = (user: CollabUser, ip: string, pageId: string): RefusalSource => ({
  actorId: user.id,
  ip,
  method: "websocket",
  path: `/collab/${pageId}`,
});

/** The endpoint's hooks, over the app context. */
export function collabHooks(app: AppContext): CollabHooks<CollabActor, CollabPageAccess> {
  // The same client address as Express' req.ip: only TRUST_PROXY's proxies may name it.
  const trust = compileTrust(app.config.trustProxy);
  return {
    clientAddress: (req) => clientAddress(req, trust),
    originAllowed: (req) => websocketOriginAllowed(app.config, req),
    async admitUpgrade(ip) {
      try {
        await app.rateLimits.collabUpgradesPerIp.consume(ip);
        return true;
      } catch (error) {
        if (error instanceof RateLimiterRes) return false;
        throw error;
      }
    },
    async authenticate(req: http.IncomingMessage, token) {
      const raw = token ?? bearerToken(req.headers.authorization) ?? readCookie(req.headers.cookie, SESSION_COOKIE);
      const session = raw ? await validateSessionToken(app.sql, raw) : null;
      if (!session) return null;
      const actor: Actor = { userId: session.user.id, name: session.user.name, email: session.user.email };
      return { id: actor.userId, name: actor.name, sessionId: session.session.id, actor };
    },
    // The policy's refusals (an internal page asked for by a guest, a room they are not in) are
    // noted as on every surface and recorded after the answer (recordingRefusals).
    authorize: (user, { ip, pageId }) =>
      recordingRefusals(app, source(user, ip, pageId), async () => {
        try {
          const { row: page, standing } = await loadAuthorized(app.sql, user.actor, "Page", pageId, async (id, s) => {
            const [row] = await app.sql<{ roomId: string; visibility: Visibility; archived: boolean }[]>`
              select p.room_id as "roomId", p.visibility, p.archived_at is not null as archived, ${s.columns}
              from pages p join rooms r on r.id = p.room_id ${s.joins} where p.id = ${id}`;
            return row;
          }, { action: "item.read" });
          return {
            roomId: page.roomId,
            // An archived page is read-only until it is restored.
            canWrite: can(standing, "item.edit", page) && !page.archived,
            side: effectiveSide(standing) ?? "external",
            standing,
          };
        } catch (error) {
          if (error instanceof AppError && error.status === 404) return null;
          throw error;
        }
      }),
    onAccessChange: (listener) => app.bus.onInvalidate(listener),
    onResync: (listener) => app.bus.onResync(listener),
    onRefused(refusal) {
      const { standing } = refusal.access;
      const base = { roomId: standing.roomId, organizationId: standing.organizationId, type: "access.denied", objectType: "page", objectId: refusal.pageId };
      recordRefusal(
        app,
        refusal.kind === "write"
          ? { ...base, status: 403, data: { action: "item.edit", what: "Page" } }
          : { ...base, type: "access.out_of_bounds", status: refusal.code === CLOSE.TOO_LARGE ? 413 : 422, data: { bound: refusal.bound, reason: refusal.reason, closeCode: refusal.code } },
        source(refusal.user, refusal.ip, refusal.pageId),
      );
    },
  };
}

/**
 * The /collab endpoint on `server`, over the app's live documents (AppContext.documents must be
 * the DocumentRegistry createAppContext builds).
 */
export function attachCollab(app: AppContext, server: http.Server, options: Partial<CollabOptions> = {}) {
  if (!(app.documents instanceof DocumentRegistry)) {
    throw new Error("attachCollab needs AppContext.documents to be the live DocumentRegistry (see createAppContext)");
  }
  return createCollabServer({ httpServer: server, registry: app.documents, log: app.log, hooks: collabHooks(app), options });
}
