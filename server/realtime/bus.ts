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
  invalidate(scope: InvalidationScope): void;
  onInvalidate(listener: (scope: InvalidationScope) => void): () => void;
  publish(event: RoomEvent): void;
  onEvent(listener: (event: RoomEvent) => void): () => void;
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
  };
}
