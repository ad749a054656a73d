import type http from "node:http";
import { Server, type Socket } from "socket.io";
import { isInternal, loadStanding, type Actor, type Standing } from "../access/index.ts";
import { SESSION_COOKIE, readCookie } from "../auth/cookies.ts";
import { validateSessionToken } from "../auth/sessions.ts";
import type { AppContext } from "../context.ts";
import { AppError } from "../errors.ts";
import type { InvalidationScope, RoomEvent } from "./bus.ts";

interface SocketData {
  actor: Actor;
  /** Rooms this socket was admitted to, with the standing that admitted it. */
  rooms: Map<string, Standing>;
}

/** socket.io channel names are the server's; a client never names one. */
const channel = (roomId: string, scope: "shared" | "internal") => `room:${roomId}:${scope}`;

/**
 * Live events over socket.io. A client asks `room:join`; the access policy answers; the
 * server alone puts the socket in the room's shared channel, and internal sockets also in
 * the internal one.
 */
export function attachRealtime(app: AppContext, server: http.Server) {
  const io = new Server(server, {
    serveClient: false,
    // Other upgrade handlers share this server (the /collab endpoint); never kill their upgrades.
    destroyUpgrade: false,
    maxHttpBufferSize: 64 * 1024,
  });

  io.use(async (socket, next) => {
    try {
      const token = (socket.handshake.auth as { token?: unknown })?.token;
      const raw = typeof token === "string" ? token : readCookie(socket.handshake.headers.cookie, SESSION_COOKIE);
      const result = raw ? await validateSessionToken(app.sql, raw) : null;
      if (!result) return next(new Error("unauthenticated"));
      (socket.data as SocketData).actor = { userId: result.user.id, name: result.user.name, email: result.user.email };
      (socket.data as SocketData).rooms = new Map();
      next();
    } catch (error) {
      next(error as Error);
    }
  });

  io.on("connection", (socket: Socket) => {
    const data = socket.data as SocketData;
    socket.on("room:join", async (payload: unknown, ack?: unknown) => {
      const reply = typeof ack === "function" ? (ack as (value: unknown) => void) : () => {};
      const roomId = (payload as { roomId?: unknown } | null)?.roomId;
      if (typeof roomId !== "string") {
        return reply({ error: { code: "invalid_input", message: "room:join needs { roomId }." } });
      }
      try {
        const standing = await loadStanding(app.sql, data.actor, roomId);
        data.rooms.set(roomId, standing);
        await socket.join(channel(roomId, "shared"));
        if (isInternal(standing)) await socket.join(channel(roomId, "internal"));
        reply({ ok: true });
      } catch (error) {
        const e = error instanceof AppError ? error : new AppError(500, "internal", "Could not join the room.");
        reply({ error: { code: e.code, message: e.message } });
      }
    });
    socket.on("room:leave", async (payload: unknown) => {
      const roomId = (payload as { roomId?: unknown } | null)?.roomId;
      if (typeof roomId !== "string") return;
      data.rooms.delete(roomId);
      await socket.leave(channel(roomId, "shared"));
      await socket.leave(channel(roomId, "internal"));
    });
  });

  const offEvent = app.bus.onEvent((event: RoomEvent) => {
    io.to(channel(event.roomId, event.visibility)).emit(event.type, event.payload);
  });

  // Access changed: drop the affected sockets' subscriptions and tell them to ask again.
  const offInvalidate = app.bus.onInvalidate((scope: InvalidationScope) => {
    for (const socket of io.sockets.sockets.values()) {
      const data = socket.data as SocketData;
      if (!data.rooms) continue;
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

  return {
    io,
    close: async () => {
      offEvent();
      offInvalidate();
      await io.close();
    },
  };
}
