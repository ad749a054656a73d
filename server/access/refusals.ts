import { AsyncLocalStorage } from "node:async_hooks";
import type { Request, Response, NextFunction } from "express";
import { RateLimiterMemory } from "rate-limiter-flexible";
import type { AppContext } from "../context.ts";
import { recordActivity } from "../services/activity.ts";

/**
 * Refused attempts go into the room's audit trail: someone guessing an internal item's id, a
 * viewer trying to edit, an outsider opening a room's address, a replayed invitation link.
 *
 * The policy notes a refusal where it decides (pure code, no I/O); the HTTP layer writes what
 * was noted once the response is sent, so a refusal never slows or changes the answer. The
 * per-request store lives on globalThis under a registered symbol: the built app and the server
 * load separate copies of server/access (docs/stack-notes.md, "two copies of the domain"), and
 * both must reach one store.
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

const STORE_KEY = Symbol.for("dealroom.access.refusals");
const globals = globalThis as { [STORE_KEY]?: AsyncLocalStorage<RequestRefusals> };
const storage = (globals[STORE_KEY] ??= new AsyncLocalStorage<RequestRefusals>());

/** Called by the policy as it refuses; outside an HTTP request (sockets, jobs) it notes nothing. */
export function noteRefusal(refusal: Refusal): void {
  const store = storage.getStore();
  if (store && store.refusals.length < MAX_PER_REQUEST) store.refusals.push(refusal);
}

const MAX_PER_REQUEST = 5;
/** Per person (or address) and room: enough for an audit to show a pattern, never a flood of rows. */
const RECORDS_PER_MINUTE = 30;

/** Express middleware: collects the request's refusals and records them after the response. */
export function recordRefusals(app: AppContext) {
  const limiter = new RateLimiterMemory({ points: RECORDS_PER_MINUTE, duration: 60 });
  return (req: Request, res: Response, next: NextFunction) => {
    const store: RequestRefusals = { refusals: [] };
    res.on("finish", () => {
      if (store.refusals.length === 0) return;
      const actorId: string | null = res.locals.auth?.actor?.userId ?? null;
      void writeRefusals(app, limiter, store.refusals, { actorId, ip: req.ip, method: req.method, path: req.originalUrl.split("?")[0]! });
    });
    storage.run(store, next);
  };
}

async function writeRefusals(
  app: AppContext,
  limiter: RateLimiterMemory,
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
      await limiter.consume(`${request.actorId ?? request.ip}:${scope}`);
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
