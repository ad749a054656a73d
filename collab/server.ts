import type http from "node:http";
import type { Duplex } from "node:stream";
import { RateLimiterMemory } from "rate-limiter-flexible";
import { WebSocketServer, type WebSocket } from "ws";
import { COLLAB_UPGRADES } from "../server/auth/rate-limits.ts";
import type { InvalidationScope } from "../server/realtime/bus.ts";
import type { AppContext } from "../server/context.ts";
import { clientAddress, compileTrust } from "../server/client-ip.ts";
import { AppError } from "../server/errors.ts";
import { authorizeConnection, type Subject } from "./authorize.ts";
import { CLOSE } from "./close-codes.ts";
import { Connection, type ConnectionLimits } from "./connection.ts";
import { SAVED_PARAM } from "./protocol.ts";
import { DocumentRegistry } from "./registry.ts";

export interface CollabOptions extends ConnectionLimits {
  /** Largest message accepted; ws refuses a bigger frame from its header, before buffering it. */
  maxPayload: number;
  maxConnectionsPerPage: number;
  /**
   * Upgrades allowed per client IP per `upgradeWindowSeconds`. By default the limit is the app
   * context's `rateLimits.collabUpgradesPerIp` (in Redis with several processes, so counted across
   * them); a caller that sets either option gets a limiter of its own, in memory (tests).
   */
  upgradesPerIp: number;
  upgradeWindowSeconds: number;
  /** Dead connections are found by ping and dropped after this long without a pong. */
  pingIntervalMs: number;
  /** On shutdown, how long to wait for clients to answer the close before cutting them off. */
  drainTimeoutMs: number;
}

export const DEFAULT_COLLAB_OPTIONS: CollabOptions = {
  maxPayload: 2 * 1024 * 1024,
  maxConnectionsPerPage: 200,
  upgradesPerIp: COLLAB_UPGRADES.points,
  upgradeWindowSeconds: COLLAB_UPGRADES.duration,
  pingIntervalMs: 30_000,
  drainTimeoutMs: 3000,
  maxQueuedMessages: 32,
  maxQueuedBytes: 4 * 1024 * 1024,
  maxBufferedBytes: 16 * 1024 * 1024,
};

const PATH = /^\/collab(?:\/|$)/;

/**
 * The /collab/<pageId> websocket endpoint (y-websocket protocol). It claims only its own path and
 * never touches other upgrades (Vite HMR and socket.io share the HTTP server). Documents live in
 * the registry that is AppContext.documents, so server code edits the same in-memory documents.
 */
export function attachCollab(app: AppContext, server: http.Server, overrides: Partial<CollabOptions> = {}) {
  if (!(app.documents instanceof DocumentRegistry)) {
    throw new Error("attachCollab needs AppContext.documents to be the live DocumentRegistry (see createAppContext)");
  }
  const registry: DocumentRegistry = app.documents;
  const options = { ...DEFAULT_COLLAB_OPTIONS, ...overrides };
  const wss = new WebSocketServer({ noServer: true, maxPayload: options.maxPayload, perMessageDeflate: false, clientTracking: false });
  const ownUpgradeLimit = overrides.upgradesPerIp !== undefined || overrides.upgradeWindowSeconds !== undefined;
  const upgrades = ownUpgradeLimit
    ? new RateLimiterMemory({ points: options.upgradesPerIp, duration: options.upgradeWindowSeconds })
    : app.rateLimits.collabUpgradesPerIp;
  const connections = new Set<Connection>();
  // The same client address as Express' req.ip: only TRUST_PROXY's proxies may name it.
  const trust = compileTrust(app.config.trustProxy);
  let closing = false;

  const onUpgrade = (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = (req.url ?? "").split("?")[0]!;
    if (!PATH.test(path)) return;
    socket.on("error", () => {}); // a client vanishing mid-handshake is not our error
    if (closing) return rejectUpgrade(socket, 503, "Service Unavailable");
    // Anything not a page id (including bad %-escapes) is decided like a missing page.
    const pageId = path.slice("/collab/".length);
    upgrades.consume(clientAddress(req, trust)).then(
      () => wss.handleUpgrade(req, socket, head, (ws) => void accept(ws, req, pageId)),
      () => rejectUpgrade(socket, 429, "Too Many Requests"),
    ).catch((error: unknown) => {
      app.log.error({ err: error }, "collab upgrade failed");
      socket.destroy();
    });
  };

  async function accept(ws: WebSocket, req: http.IncomingMessage, pageId: string) {
    const subject: Subject = { pageId };
    const connection = new Connection(ws, subject, options, app.log, (c) => {
      connections.delete(c);
      if (c.document) registry.release(c.document);
    });
    connection.wantsSaved = new URL(req.url ?? "/", "http://collab").searchParams.get(SAVED_PARAM) === "1";
    connections.add(connection);
    try {
      const decision = await authorizeConnection(app, req, subject);
      if (!connection.isOpen) return;
      if (!decision.ok) return connection.close(decision.code, decision.reason);
      if (connection.invalidated) return connection.close(CLOSE.RECONNECT, "reconnect");
      const document = await registry.acquire(pageId);
      if (!connection.isOpen || connection.invalidated) {
        registry.release(document);
        return connection.close(CLOSE.RECONNECT, "reconnect");
      }
      if (document.peers.size >= options.maxConnectionsPerPage) {
        registry.release(document);
        return connection.close(CLOSE.TOO_MANY, "too many connections to this page");
      }
      connection.open(decision.grant, document);
    } catch (error) {
      if (error instanceof AppError && error.status === 404) return connection.close(CLOSE.NOT_FOUND, "page not found");
      // 503 from the registry: shutting down. Anything else (database unreachable) is worth a log line.
      if (!(error instanceof AppError)) app.log.error({ err: error, pageId }, "collab connection could not be set up");
      connection.close(CLOSE.UNAVAILABLE, "try again shortly");
    }
  }

  // Access changed: close what it touches with "reconnect"; the reconnect is decided afresh.
  // A session that ended closes its connections for good (4401: the client does not retry).
  const offInvalidate = app.bus.onInvalidate((scope) => {
    for (const connection of connections) {
      if (!touches(scope, connection)) continue;
      if ("sessionIds" in scope && connection.document) connection.close(CLOSE.UNAUTHENTICATED, "session ended");
      else if (connection.document) connection.close(CLOSE.RECONNECT, "reconnect");
      else connection.invalidated = true;
    }
  });

  // Several processes: cut off from Redis for a while, this process may have missed revocations.
  // Every connection reconnects, and the reconnect is decided afresh.
  const offResync = app.bus.onResync(() => {
    for (const connection of connections) {
      if (connection.document) connection.close(CLOSE.RECONNECT, "reconnect");
      else connection.invalidated = true;
    }
  });

  const ping = setInterval(() => {
    for (const connection of connections) {
      if (!connection.alive) {
        connection.ws.terminate();
        continue;
      }
      connection.alive = false;
      connection.ws.ping();
    }
  }, options.pingIntervalMs);
  ping.unref();

  server.on("upgrade", onUpgrade);
  registry.startSweep();

  return {
    registry,
    /** Live connections (for tests and diagnostics). */
    connections,
    /**
     * Stops taking connections, closes the open ones (applying whatever they sent before), then
     * writes every document to PostgreSQL. Resolves when everything is stored.
     */
    close: async () => {
      // The upgrade listener stays and answers 503: an upgrade nobody answers would hang, and
      // keep the HTTP server from closing (socket.io leaves upgrades that are not its own alone).
      closing = true;
      offInvalidate();
      offResync();
      clearInterval(ping);
      await Promise.all([...connections].map((c) => c.drain(CLOSE.RESTARTING, "server restarting", options.drainTimeoutMs)));
      await registry.close();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}

/**
 * Whether an invalidation scope touches a connection. While the upgrade is still being decided,
 * facts not yet known (user, room) count as a match: a stale decision must not survive.
 */
function touches(scope: InvalidationScope, connection: Connection): boolean {
  const { pageId, userId, roomId, sessionId } = connection.subject;
  if ("pageIds" in scope) return scope.pageIds.includes(pageId);
  if ("sessionIds" in scope) return sessionId === undefined || scope.sessionIds.includes(sessionId);
  const inRoom = (id: string | undefined) => roomId === undefined || roomId === id;
  if ("userIds" in scope) return (userId === undefined || scope.userIds.includes(userId)) && (!scope.roomId || inRoom(scope.roomId));
  return inRoom(scope.roomId);
}

function rejectUpgrade(socket: Duplex, status: number, text: string) {
  if (!socket.writable) return socket.destroy();
  socket.once("finish", () => socket.destroy());
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}
