import { useEffect, useRef, useState } from "react";
import { useRevalidator } from "react-router";
import * as realtime from "../../lib/realtime.client.ts";

// React hooks over the socket.io client. The socket only exists in the browser: everything
// here runs in effects, never during server rendering.

type Handlers = Record<string, (payload: any) => void>;

/** Whether `roomId`'s live events are arriving (false during server rendering and while connecting). */
function useRoomLive(roomId: string | undefined): boolean {
  const [live, setLive] = useState(false);
  useEffect(() => {
    if (!roomId) return;
    setLive(realtime.isJoined(roomId));
    return realtime.onRoomAccess((id, state) => id === roomId && setLive(state === "joined"));
  }, [roomId]);
  return live;
}

/**
 * Calls `handlers[event]` for live events of `roomId` (joined for the component's lifetime).
 * Answers whether events are arriving now.
 */
export function useRoomEvents(roomId: string | undefined, handlers: Handlers): boolean {
  const current = useRef(handlers);
  current.current = handlers;
  const names = Object.keys(handlers).sort().join(",");
  const live = useRoomLive(roomId);
  useEffect(() => {
    if (!roomId) return;
    const stops = [realtime.joinRoom(roomId)];
    for (const name of names.split(",").filter(Boolean)) {
      stops.push(realtime.onEvent(name, (payload) => current.current[name]?.(payload)));
    }
    // Access taken away (removed from the room): reload the data, which now answers 404.
    stops.push(realtime.onRoomAccess((id, state) => state === "refused" && id === roomId && current.current["room:refused"]?.({ roomId })));
    return () => stops.forEach((stop) => stop());
  }, [roomId, names]);
  return live;
}

/** Events meant for the signed-in person alone (notifications, read marks). */
export function usePersonalEvents(handlers: Handlers) {
  const current = useRef(handlers);
  current.current = handlers;
  const names = Object.keys(handlers).sort().join(",");
  useEffect(() => {
    const stops = names.split(",").filter(Boolean).map((name) => realtime.onEvent(name, (payload) => current.current[name]?.(payload)));
    return () => stops.forEach((stop) => stop());
  }, [names]);
}

/** Every live event of `roomId` (for "something changed" notices). Answers whether events are arriving. */
export function useAnyRoomEvent(roomId: string, handler: (event: string, payload: any) => void): boolean {
  const current = useRef(handler);
  current.current = handler;
  const live = useRoomLive(roomId);
  useEffect(() => {
    const stops = [
      realtime.joinRoom(roomId),
      realtime.onAnyEvent((event, payload) => {
        if (payload && typeof payload === "object" && "userId" in payload) return; // personal, not the room's
        if (event.startsWith("room:")) return;
        current.current(event, payload);
      }),
    ];
    return () => stops.forEach((stop) => stop());
  }, [roomId]);
  return live;
}

/** A revalidation that waits for a burst of events to settle. */
export function useDebouncedRevalidate(delayMs = 250) {
  const revalidator = useRevalidator();
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const latest = useRef(revalidator);
  latest.current = revalidator;
  useEffect(() => () => void (timer.current && clearTimeout(timer.current)), []);
  return () => {
    if (timer.current) clearTimeout(timer.current);
    timer.current = setTimeout(() => void latest.current.revalidate(), delayMs);
  };
}

export const markThreadRead = (threadId: string) => realtime.request("thread:read", { threadId }).catch(() => undefined);
