import { randomUUID } from "node:crypto";
import { EventEmitter } from "node:events";
import type { Visibility } from "../access/policy.ts";

/**
 * Which live connections must have their access decided afresh. Published by services
 * after their transaction commits. Never empty: an empty scope would match nothing and
 * hide a bug, so it is refused.
 */
export type InvalidationScope =
  | { userIds: string[]; roomId?: string }
  | { roomId: string }
  | { pageIds: string[] }
  /** These sessions ended (logout, password change, revocation): their connections close for good. */
  | { sessionIds: string[] };

/** A room event for live clients; `visibility` decides who may receive it. */
export interface RoomEvent {
  roomId: string;
  type: string;
  visibility: Visibility;
  payload: Record<string, unknown>;
  /**
   * "external": only sockets that cannot see internal items (an item just made internal
   * disappears for them, while internal readers keep it).
   */
  audience?: "external";
}

export interface Bus {
  /** Delivered to this process's listeners at once and, with Redis, to every other process's. */
  invalidate(scope: InvalidationScope): void;
  onInvalidate(listener: (scope: InvalidationScope) => void): () => void;
  /**
   * Delivered to this process's listeners (server/realtime/socket.ts); with Redis, socket.io's
   * Redis adapter carries the resulting broadcast to the sockets of every process.
   */
  publish(event: RoomEvent): void;
  onEvent(listener: (event: RoomEvent) => void): () => void;
  /**
   * Multi-process only: this process was cut off from Redis and may have missed invalidations.
   * Listeners re-decide every live connection (docs/architecture.md, "Several processes").
   */
  onResync(listener: () => void): () => void;
}

export class EmptyScopeError extends Error {}

function assertNotEmpty(scope: InvalidationScope): void {
  if ("userIds" in scope && scope.userIds.length === 0) throw new EmptyScopeError("Invalidation scope lists no users");
  if ("pageIds" in scope && scope.pageIds.length === 0) throw new EmptyScopeError("Invalidation scope lists no pages");
  if ("sessionIds" in scope && scope.sessionIds.length === 0) throw new EmptyScopeError("Invalidation scope lists no sessions");
  if ("roomId" in scope && !("userIds" in scope) && !scope.roomId) throw new EmptyScopeError("Invalidation scope names no room");
}

/** One process: an EventEmitter. Several processes: the same interface over Redis pub/sub. */
export function createLocalBus(): Bus {
  const emitter = new EventEmitter();
  emitter.setMaxListeners(0);
  return {
    invalidate(scope) {
      assertNotEmpty(scope);
      emitter.emit("invalidate", scope);
    },
    onInvalidate(listener) {
      emitter.on("invalidate", listener);
      return () => emitter.off("invalidate", listener);
    },
    publish(event) {
      emitter.emit("event", event);
    },
    onEvent(listener) {
      emitter.on("event", listener);
      return () => emitter.off("event", listener);
    },
    onResync(listener) {
      emitter.on("resync", listener);
      return () => emitter.off("resync", listener);
    },
  };
}

/** Invalidations published while Redis was away, kept for when it is back (oldest dropped past this). */
const MAX_UNSENT = 10_000;

/**
 * Several processes: invalidations go to this process's listeners at once and to the others over
 * the Redis channel `dealroom:invalidate`. One that could not be published (Redis away) is sent
 * again once Redis is back; a process whose subscriber lost Redis re-decides all its connections
 * (onResync), since it may have missed some. Room events stay in the process: socket.io's Redis
 * adapter broadcasts them (server/realtime/socket.ts).
 */
export function createRedisBus(redis: {
  publish(channel: string, message: string): Promise<unknown>;
  subscribe(channel: string, handler: (message: Buffer) => void): Promise<void>;
  onReconnect(listener: () => void): () => void;
}, onError: (error: unknown) => void): Bus {
  const local = createLocalBus();
  const emitter = new EventEmitter();
  emitter.setMaxListeners(0);
  const self = randomUUID();
  const CHANNEL = "dealroom:invalidate";
  let unsent: string[] = [];
  const send = (message: string) =>
    redis.publish(CHANNEL, message).catch(() => {
      unsent.push(message);
      if (unsent.length > MAX_UNSENT) unsent.shift();
    });
  void redis
    .subscribe(CHANNEL, (message) => {
      try {
        const { from, scope } = JSON.parse(message.toString()) as { from: string; scope: InvalidationScope };
        if (from !== self) emitter.emit("invalidate", scope);
      } catch (error) {
        onError(error);
      }
    })
    .catch(onError);
  redis.onReconnect(() => {
    const again = unsent;
    unsent = [];
    for (const message of again) void send(message);
    emitter.emit("resync");
  });
  return {
    invalidate(scope) {
      local.invalidate(scope);
      void send(JSON.stringify({ from: self, scope }));
    },
    onInvalidate(listener) {
      const offLocal = local.onInvalidate(listener);
      emitter.on("invalidate", listener);
      return () => {
        offLocal();
        emitter.off("invalidate", listener);
      };
    },
    publish: local.publish,
    onEvent: local.onEvent,
    onResync(listener) {
      emitter.on("resync", listener);
      return () => emitter.off("resync", listener);
    },
  };
}
