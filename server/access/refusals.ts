import { AsyncLocalStorage } from "node:async_hooks";
import type { Request, Response, NextFunction } from "express";
import type { AppContext } from "../context.ts";
import { recordActivity } from "../services/activity.ts";

/**
 * Refused attempts go into the room's audit trail: someone guessing an internal item's id, a
 * viewer trying to edit, an outsider opening a room's address, a replayed invitation link.
 *
 * The policy notes a refusal where it decides (pure code, no I/O); the HTTP layer writes what
 * was noted once the response is sent, so a refusal never slows or changes the answer.
 *
 * One copy of this module runs (page routes reach the domain through `context.app.services`,
 * docs/decisions/015-one-domain.md), so one AsyncLocalStorage scopes the notes to their
 * request. It holds nothing beyond a request; what outlives one (how many records a person
 * may cause a minute) is `AppContext.rateLimits.refusalRecords`.
 */
export interface Refusal {
  /** Null for organization-level refusals (authorizeOrg): recorded against the organization. */
  roomId: string | null;
  organizationId: string | null;
  /** `access.denied` (404 or 403 from the policy) or a more specific `access.*` event such as `access.invitation_refused`. */
  type: string;
  status: number;
  objectType?: string;
  data?: Record<string, unknown>;
}

interface RequestRefusals {
  refusals: Refusal[];
}

const storage = new AsyncLocalStorage<RequestRefusals>();

/** Called by the policy as it refuses; outside an HTTP request (sockets, jobs) it notes nothing. */
export function noteRefusal(refusal: Refusal): void {
  const store = storage.getStore();
  if (store && store.refusals.length < MAX_PER_REQUEST) store.refusals.push(refusal);
}

const MAX_PER_REQUEST = 5;

/** Express middleware: collects the request's refusals and records them after the response. */
export function recordRefusals(app: AppContext) {
  return (req: Request, res: Response, next: NextFunction) => {
    const store: RequestRefusals = { refusals: [] };
    res.on("finish", () => {
      if (store.refusals.length === 0) return;
      const actorId: string | null = res.locals.auth?.actor?.userId ?? null;
      void writeRefusals(app, store.refusals, { actorId, ip: req.ip, method: req.method, path: req.originalUrl.split("?")[0]! });
    });
    storage.run(store, next);
  };
}

async function writeRefusals(
  app: AppContext,
  refusals: Refusal[],
  request: { actorId: string | null; ip: string | undefined; method: string; path: string },
) {
  const seen = new Set<string>();
  for (const refusal of refusals) {
    const scope = refusal.roomId ?? `org:${refusal.organizationId}`;
    const key = `${refusal.type}:${scope}`;
    if (seen.has(key)) continue;
    seen.add(key);
    try {
      await app.rateLimits.refusalRecords.consume(`${request.actorId ?? request.ip}:${scope}`);
    } catch {
      continue; // over the limit: the rows already written show the pattern
    }
    try {
      await recordActivity(app.sql, {
        roomId: refusal.roomId, organizationId: refusal.organizationId, actorId: request.actorId,
        type: refusal.type, objectType: refusal.objectType, visibility: "internal", ip: request.ip,
        data: { ...refusal.data, status: refusal.status, method: request.method, path: request.path.slice(0, 300) },
      });
    } catch (error) {
      app.log.warn({ err: error, roomId: refusal.roomId, organizationId: refusal.organizationId }, "could not record a refused attempt");
    }
  }
}
