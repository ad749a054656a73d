import { AsyncLocalStorage } from "node:async_hooks";
import type { Request, Response, NextFunction } from "express";
import type { AppContext } from "../context.ts";
import { recordActivity } from "../services/activity.ts";

/**
 * Refused attempts go into the room's audit trail: someone guessing an internal item's id, a
 * viewer trying to edit, an outsider opening a room's address, a replayed invitation link, on
 * every surface: HTTP (API and page routes), socket.io events, /collab connections.
 *
 * The policy notes a refusal where it decides (pure code, no I/O); the surface writes what
 * was noted once the answer is sent, so a refusal never slows or changes the answer: the HTTP
 * layer (`recordRefusals`), socket.io's event handlers and the collab `authorize` hook
 * (`recordingRefusals`). What collab refuses on its own (a read-only connection's write, a
 * change past the bounds) comes through its `onRefused` hook (`recordRefusal`).
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
  objectId?: string;
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

/** Who made the refused attempt, and through which door: an HTTP request, a socket.io event, a /collab upgrade. */
export interface RefusalSource {
  actorId: string | null;
  ip: string | undefined;
  /** The HTTP method, `socket.io` or `websocket`. */
  method: string;
  /** The request path, the socket.io event, or `/collab/<pageId>`. */
  path: string;
}

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

/**
 * The same for anything that is not an HTTP request (a socket.io event, a /collab upgrade):
 * runs `task` with the policy's refusals noted, and records them once it settled, after the
 * answer is on its way (a refusal never slows or changes the answer).
 */
export async function recordingRefusals<T>(app: AppContext, source: RefusalSource, task: () => Promise<T>): Promise<T> {
  const store: RequestRefusals = { refusals: [] };
  try {
    return await storage.run(store, task);
  } finally {
    if (store.refusals.length) setImmediate(() => void writeRefusals(app, store.refusals, source));
  }
}

/** Records a refusal a surface made itself, outside the policy (collab: a dropped write, a change past the bounds). */
export function recordRefusal(app: AppContext, refusal: Refusal, source: RefusalSource): void {
  setImmediate(() => void writeRefusals(app, [refusal], source));
}

/**
 * Writes refusals as `access.*` activities (visibility internal: the audit trail, never a feed).
 * Bounded twice, so a flood cannot fill the table: the same refusal (who, where, what kind, what
 * was asked) is written once a minute (`refusalRepeats`), and a person or address writes at most
 * REFUSAL_RECORDS a minute per room or organization (`refusalRecords`), on every surface together.
 */
async function writeRefusals(app: AppContext, refusals: Refusal[], source: RefusalSource) {
  const seen = new Set<string>();
  const who = source.actorId ?? source.ip;
  for (const refusal of refusals) {
    const scope = refusal.roomId ?? `org:${refusal.organizationId}`;
    const key = `${refusal.type}:${scope}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const path = source.path.slice(0, 300);
    try {
      const asked = [refusal.status, source.method, path, refusal.data?.action, refusal.data?.bound].join(" ");
      await app.rateLimits.refusalRepeats.consume(`${who}:${key}:${asked}`);
      await app.rateLimits.refusalRecords.consume(`${who}:${scope}`);
    } catch {
      continue; // a repeat, or over the limit: the rows already written show the pattern
    }
    try {
      await recordActivity(app.sql, {
        roomId: refusal.roomId, organizationId: refusal.organizationId, actorId: source.actorId,
        type: refusal.type, objectType: refusal.objectType, objectId: refusal.objectId, visibility: "internal", ip: source.ip,
        data: { ...refusal.data, status: refusal.status, method: source.method, path },
      });
    } catch (error) {
      app.log.warn({ err: error, roomId: refusal.roomId, organizationId: refusal.organizationId }, "could not record a refused attempt");
    }
  }
}
