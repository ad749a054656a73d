import type http from "node:http";

/**
 * What the collaboration server needs from the application it runs in, handed in at
 * construction (createCollabServer, DocumentRegistry), the way Hocuspocus takes onAuthenticate
 * and onStoreDocument. collab/ imports nothing from server/ (tests/unit/boundaries.test.ts):
 * who a connection is, what it may do, how a page renders, what a page may hold, where logs
 * and refusals go all come through here. The composition root that wires them is
 * server/collab-hooks.ts (docs/architecture.md, "Collaboration").
 */

/** The logger collab writes to: an object of fields, then a message (pino's shape). */
export interface CollabLogger {
  debug(fields: object, message?: string): void;
  info(fields: object, message?: string): void;
  warn(fields: object, message?: string): void;
  error(fields: object, message?: string): void;
}

/**
 * Which live connections must be decided afresh (published by the application after access
 * changed): a user's (in one room or all), a room's, some pages', or ended sessions' (closed for good).
 */
export type AccessChange =
  | { userIds: string[]; roomId?: string }
  | { roomId: string }
  | { pageIds: string[] }
  | { sessionIds: string[] };

/** Who a connection is, as the application's `authenticate` hook says. */
export interface CollabUser {
  id: string;
  name: string;
  /** When this session ends (AccessChange `sessionIds`), the connection closes for good (4401). */
  sessionId: string;
}

/** What a user may do on a page, as the application's `authorize` hook decides it. */
export interface PageAccess {
  roomId: string;
  canWrite: boolean;
  /** Stamped over the awareness state the connection sends (others see it next to the caret). */
  side: "internal" | "external";
}

/** The upgrade request as the hooks see it. */
export interface UpgradeRequest {
  request: http.IncomingMessage;
  /** The client address (the `clientAddress` hook's answer). */
  ip: string;
  pageId: string;
}

/**
 * A refusal collab makes itself, after the upgrade was authorized: a write from a read-only
 * connection (dropped; reported once per connection) or a change past the document's bounds
 * (the connection closes with 4413 or 4422). Refusals the `authorize` hook makes are the
 * application's to record.
 */
export type CollabRefusal<U extends CollabUser = CollabUser, A extends PageAccess = PageAccess> = {
  user: U;
  /** What `authorize` answered for this connection (the application may carry its own facts in it). */
  access: A;
  pageId: string;
  ip: string;
} & ({ kind: "write" } | { kind: "bounds"; bound: string; code: number; reason: string });

/**
 * `U` and `A` are the application's own user and access objects: collab reads only the fields
 * of CollabUser and PageAccess and hands them back as they were (like Hocuspocus' context).
 */
export interface CollabHooks<U extends CollabUser = CollabUser, A extends PageAccess = PageAccess> {
  /** The client's address (rate limits, refusal records): only trusted proxies may name it. */
  clientAddress(request: http.IncomingMessage): string;
  /** Whether the request's Origin may open a connection (a browser page elsewhere must not ride a cookie). */
  originAllowed(request: http.IncomingMessage): boolean;
  /** Takes one upgrade from `ip`'s allowance; false: answer 429 before any websocket is made. */
  admitUpgrade(ip: string): Promise<boolean>;
  /** Who the upgrade is (`token`: the `?token=` parameter, if any); null: nobody (4401). */
  authenticate(request: http.IncomingMessage, token: string | null): Promise<U | null>;
  /** What `user` may do on the page; null: no such page or not visible to them (4404, the same answer). */
  authorize(user: U, upgrade: UpgradeRequest): Promise<A | null>;
  /** Subscribes to access changes; returns the unsubscribe. */
  onAccessChange(listener: (change: AccessChange) => void): () => void;
  /**
   * Subscribes to "access changes may have been missed" (several processes: cut off from the
   * bus for a while); every connection then reconnects and is decided afresh. Returns the unsubscribe.
   */
  onResync?(listener: () => void): () => void;
  /** Told of every refusal collab makes itself (for the audit trail); must not throw. */
  onRefused?(refusal: CollabRefusal<U, A>): void;
}

/** The page does not exist, or was deleted while open. */
export class PageNotFound extends Error {
  constructor() {
    super("Page does not exist.");
    this.name = "PageNotFound";
  }
}

/** The registry is closing (server shutdown): no new documents. */
export class ShuttingDown extends Error {
  constructor() {
    super("The server is shutting down.");
    this.name = "ShuttingDown";
  }
}

/** A change (or awareness state) that does not fit the document's format and bounds; nothing of it was applied. */
export class DocumentOutOfBounds extends Error {
  constructor(readonly bound: string, message: string) {
    super(message);
    this.name = "DocumentOutOfBounds";
  }
}

/**
 * How the registry's failures reach the application's code (applyUpdate, encodeState), as the
 * application's own errors (an API answers 404, 503, 413 or 422 from them). Unset: the classes above.
 */
export interface DocumentErrors {
  pageNotFound(): Error;
  shuttingDown(): Error;
  outOfBounds(error: DocumentOutOfBounds): Error;
}
