import type http from "node:http";
import { createAdapter } from "@socket.io/redis-adapter";
import { Server, type Socket } from "socket.io";
import { z } from "zod";
import { isInternal, loadStanding, type Actor, type Standing } from "../access/index.ts";
import { recordingRefusals } from "../access/refusals.ts";
import { SESSION_COOKIE, readCookie } from "../auth/cookies.ts";
import { websocketOriginAllowed } from "../auth/origin.ts";
import { validateSessionToken } from "../auth/sessions.ts";
import { clientAddress, compileTrust } from "../client-ip.ts";
import { withActor, type AppContext } from "../context.ts";
import { Beat, recordBeat } from "../engagement/beats.ts";
import { AppError } from "../errors.ts";
import { PERSONAL_EVENTS } from "../threads/events.ts";
import { markThreadRead } from "../threads/unread.ts";
import type { InvalidationScope, RoomEvent } from "./bus.ts";

interface SocketData {
  actor: Actor;
  /** The session the handshake was made with; when it ends, the socket is disconnected. */
  sessionId: string;
  /** When the session was last found valid, and until when it is (for heartbeats, below). */
  sessionCheckedAt?: number;
  sessionExpiresAt?: number;
  /** The client's address, by the same TRUST_PROXY rule as HTTP and /collab (server/client-ip.ts). */
  ip: string;
  /** Rooms this socket was admitted to, with the standing that admitted it. */
  rooms: Map<string, Standing>;
}

/** socket.io channel names are the server's; a client never names one. */
const channel = (roomId: string, scope: "shared" | "internal") => `room:${roomId}:${scope}`;
/** Every socket of a user is in their own channel, for events meant for that person alone. */
const userChannel = (userId: string) => `user:${userId}`;

type Ack = (value: unknown) => void;
/** How old a session check a heartbeat may rely on (every other event checks afresh). */
const BEAT_SESSION_RECHECK_MS = 30_000;
const errorReply = (code: string, message: string) => ({ error: { code, message } });

/** What a client may send, and the shape each message must have. */
const INBOUND = {
  "room:join": z.object({ roomId: z.string().min(1).max(100) }),
  "room:leave": z.object({ roomId: z.string().min(1).max(100) }),
  "thread:read": z.object({ threadId: z.string().min(1).max(100) }),
  /** Active reading time (server/engagement/beats.ts): checked against the policy, bounded, rate-limited. */
  "engagement:beat": Beat,
} as const;
type InboundEvent = keyof typeof INBOUND;

/**
 * Live events over socket.io. A client asks `room:join`; the access policy answers; the
 * server alone puts the socket in the room's shared channel, and internal sockets also in
 * the internal one. Messages of the wrong shape get an error acknowledgement and change
 * nothing; the socket stays usable.
 */
export function attachRealtime(app: AppContext, server: http.Server) {
  const io = new Server(server, {
    serveClient: false,
    // Other upgrade handlers share this server (the /collab endpoint); never kill their upgrades.
    destroyUpgrade: false,
    maxHttpBufferSize: 64 * 1024,
    // The same Origin check as /collab: a page on another origin cannot ride the session cookie.
    allowRequest: (req, callback) => callback(null, websocketOriginAllowed(app.config, req)),
  });
  // Several processes: a broadcast (io.to(channel).emit, below) reaches the sockets of every
  // process through Redis (docs/decisions/024-several-processes-on-redis.md). Clients use the
  // websocket transport only, so no sticky sessions are needed.
  if (app.redis) io.adapter(createAdapter(app.redis.adapterPub, app.redis.adapterSub, { key: "dealroom:socket.io" }));

  // The token each socket authenticated with, kept in memory only, so every event re-checks the
  // session by the same rule as HTTP requests (validateSessionToken).
  const tokens = new WeakMap<Socket, string>();
  const trust = compileTrust(app.config.trustProxy);

  io.use(async (socket, next) => {
    try {
      const token = (socket.handshake.auth as { token?: unknown })?.token;
      const raw = typeof token === "string" ? token : readCookie(socket.handshake.headers.cookie, SESSION_COOKIE);
      const result = raw ? await validateSessionToken(app.sql, raw) : null;
      if (!result) return next(new Error("unauthenticated"));
      tokens.set(socket, raw!);
      (socket.data as SocketData).actor = { userId: result.user.id, name: result.user.name, email: result.user.email };
      (socket.data as SocketData).sessionId = result.session.id;
      (socket.data as SocketData).ip = clientAddress(socket.request, trust);
      (socket.data as SocketData).rooms = new Map();
      next();
    } catch (error) {
      next(error as Error);
    }
  });

  const leaveRoom = async (socket: Socket, roomId: string) => {
    (socket.data as SocketData).rooms.delete(roomId);
    await socket.leave(channel(roomId, "shared"));
    await socket.leave(channel(roomId, "internal"));
  };

  const handlers: { [E in InboundEvent]: (socket: Socket, input: z.infer<(typeof INBOUND)[E]>) => Promise<unknown> } = {
    async "room:join"(socket, { roomId }) {
      const data = socket.data as SocketData;
      const standing = await loadStanding(app.sql, data.actor, roomId);
      data.rooms.set(roomId, standing);
      await socket.join(channel(roomId, "shared"));
      if (isInternal(standing)) await socket.join(channel(roomId, "internal"));
      // Asked again after joining: a removal that committed while we joined has either been
      // seen here, or its invalidation comes after the join and drops this socket.
      try {
        await loadStanding(app.sql, data.actor, roomId);
      } catch (error) {
        await leaveRoom(socket, roomId);
        throw error;
      }
      return { ok: true };
    },
    async "room:leave"(socket, { roomId }) {
      await leaveRoom(socket, roomId);
      return { ok: true };
    },
    async "thread:read"(socket, { threadId }) {
      const result = await markThreadRead(withActor(app, (socket.data as SocketData).actor, (socket.data as SocketData).ip), threadId);
      return { ok: true, ...result };
    },
    async "engagement:beat"(socket, input) {
      const data = socket.data as SocketData;
      // The standing this socket was admitted to the room with, if it joined it (the browser does,
      // on every room page); the access bus drops it when access changes (below).
      const result = await recordBeat(withActor(app, data.actor, data.ip), input, data.rooms.get(input.roomId));
      return { ok: true, ...result };
    },
  };

  io.on("connection", (socket: Socket) => {
    const data = socket.data as SocketData;
    void socket.join(userChannel(data.actor.userId));
    // Asked again once the socket is registered: a session that ended between the handshake and
    // now was either deleted before this check, or its invalidation finds the socket.
    void (async () => {
      const raw = tokens.get(socket);
      const session = raw ? await validateSessionToken(app.sql, raw) : null;
      if (!session) endSocket(socket);
    })().catch((error: unknown) => app.log.error({ err: error }, "socket session check failed"));

    for (const event of Object.keys(INBOUND) as InboundEvent[]) {
      socket.on(event, async (payload: unknown, ack?: unknown) => {
        // `emit(event, ack)` with no payload puts the callback first.
        if (typeof payload === "function" && ack === undefined) [payload, ack] = [undefined, payload];
        const reply: Ack = typeof ack === "function" ? (ack as Ack) : () => {};
        const parsed = INBOUND[event].safeParse(payload);
        if (!parsed.success) {
          const fields = parsed.error.issues.map((i) => i.path.join(".") || "payload").join(", ");
          return reply(errorReply("invalid_input", `${event} needs ${describeShape(event)}; check ${fields}.`));
        }
        try {
          // The session may have ended since the handshake (logout, password change, revocation,
          // expiry): then nothing is answered but the refusal, and the socket is closed.
          // Heartbeats alone (a reader's sends one every 15 s) use a check at most
          // BEAT_SESSION_RECHECK_MS old: an ended session closes the socket at once anyway (the
          // bus's { sessionIds }, below), and a beat reveals nothing (docs/decisions/025-engagement.md).
          const now = Date.now();
          const recent =
            event === "engagement:beat" && data.sessionCheckedAt !== undefined && now - data.sessionCheckedAt < BEAT_SESSION_RECHECK_MS && now < (data.sessionExpiresAt ?? 0);
          if (!recent) {
            const raw = tokens.get(socket);
            const session = raw ? await validateSessionToken(app.sql, raw) : null;
            if (!session || session.session.id !== data.sessionId) {
              reply(errorReply("unauthenticated", "Your session has ended. Sign in again."));
              return endSocket(socket);
            }
            data.sessionCheckedAt = now;
            data.sessionExpiresAt = session.session.expiresAt.getTime();
          }
          // What the policy refuses here reaches the audit trail as an HTTP refusal does (server/access/refusals.ts).
          const source = { actorId: data.actor.userId, ip: data.ip, method: "socket.io", path: event };
          reply(await recordingRefusals(app, source, () => (handlers[event] as (s: Socket, input: unknown) => Promise<unknown>)(socket, parsed.data)));
        } catch (error) {
          if (!(error instanceof AppError)) app.log.error({ err: error, event }, "socket event failed");
          const e = error instanceof AppError ? error : new AppError(500, "internal", "Something went wrong on our side.");
          reply(errorReply(e.code, e.message));
        }
      });
    }

    socket.onAny((event: string, ...args: unknown[]) => {
      if (event in INBOUND) return;
      const ack = args[args.length - 1];
      if (typeof ack === "function") (ack as Ack)(errorReply("unknown_event", `There is no event called ${String(event).slice(0, 50)}.`));
    });
  });

  const offEvent = app.bus.onEvent((event: RoomEvent) => {
    if (PERSONAL_EVENTS.has(event.type)) {
      const userId = event.payload.userId;
      if (typeof userId === "string") io.to(userChannel(userId)).emit(event.type, event.payload);
      return;
    }
    if (event.audience === "external") {
      io.to(channel(event.roomId, "shared")).except(channel(event.roomId, "internal")).emit(event.type, event.payload);
      return;
    }
    io.to(channel(event.roomId, event.visibility)).emit(event.type, event.payload);
  });

  // A socket whose session ended hears why, then is disconnected; it does not reconnect by itself.
  const endSocket = (socket: Socket) => {
    (socket.data as SocketData).rooms?.clear();
    socket.emit("session:ended", {});
    socket.disconnect(true);
  };

  // Access changed: drop the affected sockets' subscriptions and tell them to ask again.
  const offInvalidate = app.bus.onInvalidate((scope: InvalidationScope) => {
    for (const socket of io.sockets.sockets.values()) {
      const data = socket.data as SocketData;
      if (!data.rooms) continue;
      if ("sessionIds" in scope) {
        if (scope.sessionIds.includes(data.sessionId)) endSocket(socket);
        continue;
      }
      if ("pageIds" in scope) continue;
      if ("userIds" in scope && scope.userIds.includes(data.actor.userId)) data.sessionCheckedAt = undefined;
      for (const roomId of [...data.rooms.keys()]) {
        const hit =
          ("userIds" in scope && scope.userIds.includes(data.actor.userId) && (!scope.roomId || scope.roomId === roomId)) ||
          ("roomId" in scope && !("userIds" in scope) && scope.roomId === roomId);
        if (!hit) continue;
        data.rooms.delete(roomId);
        socket.leave(channel(roomId, "shared"));
        socket.leave(channel(roomId, "internal"));
        socket.emit("room:revoked", { roomId, reason: "reconnect" });
      }
    }
  });

  // Cut off from Redis for a while: invalidations may have been missed. Every socket asks again
  // for its rooms (the join re-decides access); sessions are checked on every event anyway.
  const offResync = app.bus.onResync(() => {
    for (const socket of io.sockets.sockets.values()) {
      const data = socket.data as SocketData;
      data.sessionCheckedAt = undefined;
      for (const roomId of [...(data.rooms?.keys() ?? [])]) {
        data.rooms.delete(roomId);
        socket.leave(channel(roomId, "shared"));
        socket.leave(channel(roomId, "internal"));
        socket.emit("room:revoked", { roomId, reason: "reconnect" });
      }
    }
  });

  return {
    io,
    close: async () => {
      offEvent();
      offInvalidate();
      offResync();
      await io.close();
    },
  };
}

function describeShape(event: InboundEvent): string {
  if (event === "engagement:beat") return "{ roomId, itemType, itemId, seconds }";
  return event === "thread:read" ? "{ threadId }" : "{ roomId }";
}
