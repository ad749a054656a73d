import { useEffect, useRef, useState } from "react";
import { NavLink } from "react-router";
import { usePersonalEvents, useRoomEvents } from "./live.ts";

/**
 * The room's Threads tab with what the reader has not read yet: messages by others after their
 * read marks, in threads they may see (server/threads/unread.ts; an external participant never
 * counts an internal thread). The count comes with the page (`initial`) and is kept current by
 * the room's live events: a new or deleted message asks the server again
 * (`GET /api/v1/rooms/:roomId/unread`), and the reader's own `thread.read` says the new total.
 * The accessible name carries it: "Threads, 3 unread".
 */
export function ThreadsTab({ roomId, to, initial }: { roomId: string; to: string; initial: number }) {
  const [count, setCount] = useState(initial);
  useEffect(() => setCount(initial), [initial]);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const asked = useRef(0);
  useEffect(() => () => void (timer.current && clearTimeout(timer.current)), []);

  // Several events in a burst make one request; an answer older than the latest question is dropped.
  const refresh = () => {
    if (timer.current) clearTimeout(timer.current);
    timer.current = setTimeout(async () => {
      const mine = ++asked.current;
      try {
        const res = await fetch(`/api/v1/rooms/${roomId}/unread`, { headers: { accept: "application/json" } });
        if (!res.ok) return;
        const body = (await res.json()) as { unread?: unknown };
        if (mine === asked.current && typeof body.unread === "number") setCount(body.unread);
      } catch {
        // Offline: the count stays as it was until the next event or page load.
      }
    }, 200);
  };
  const live = useRoomEvents(roomId, { "message.created": refresh, "message.deleted": refresh });
  usePersonalEvents({
    "thread.read": (p: { roomId?: string; roomUnread?: unknown }) => {
      if (p?.roomId !== roomId) return;
      if (typeof p.roomUnread === "number") setCount(p.roomUnread);
      refresh();
    },
  });

  const shown = count > 99 ? "99+" : String(count);
  return (
    // The name holds the visible text, "Threads 3", as it reads (WCAG 2.5.3): "Threads, 3 unread".
    <NavLink to={to} data-testid="threads-tab" data-live={live} aria-label={count > 0 ? `Threads, ${shown} unread` : undefined}>
      Threads
      {count > 0 ? (
        <>
          {" "}
          <span className="tab-count" aria-hidden="true">
            {shown}
          </span>
        </>
      ) : null}
    </NavLink>
  );
}
