import { useEffect } from "react";
import { ActivityTracker, type Beat } from "../lib/engagement.ts";
import * as realtime from "../lib/realtime.client.ts";

type ItemType = "page" | "file" | "thread" | "plan";

const INPUT_EVENTS = ["keydown", "pointerdown", "pointermove", "wheel", "touchstart", "input"] as const;

/**
 * Counts the reader's active time on one item and reports it (app/lib/engagement.ts,
 * docs/decisions/025-engagement.md): over the app's socket.io connection while the page is
 * there, with navigator.sendBeacon when it is being hidden or left. Browser only (an effect).
 */
export function useEngagement(roomId: string, itemType: ItemType, itemId: string | null | undefined) {
  useEffect(() => {
    if (!itemId) return;
    const send = (beat: Beat) => {
      const body = { roomId, itemType, itemId, seconds: beat.seconds };
      if (beat.leaving && typeof navigator.sendBeacon === "function") {
        if (navigator.sendBeacon("/api/v1/engagement/beats", new Blob([JSON.stringify(body)], { type: "application/json" }))) return;
      }
      // A refused beat (rate limit, access taken away) changes nothing here: the server decided.
      realtime.request("engagement:beat", body).catch(() => {});
    };
    const tracker = new ActivityTracker({
      now: () => Date.now(),
      visible: () => document.visibilityState === "visible",
      focused: () => document.hasFocus(),
      send,
      setInterval: (fn, ms) => window.setInterval(fn, ms),
      clearInterval: (h) => window.clearInterval(h as number),
    });
    let lastMove = 0;
    const onInput = (event: Event) => {
      // Pointer moves come in floods: one a second is plenty to know someone is there.
      if (event.type === "pointermove") {
        if (event.timeStamp - lastMove < 1000) return;
        lastMove = event.timeStamp;
      }
      tracker.input();
    };
    const onScroll = () => tracker.input();
    const onVisibility = () => tracker.visibility(document.visibilityState === "visible");
    const onFocus = () => tracker.focus(true);
    const onBlur = () => tracker.focus(false);
    const onHide = () => tracker.stop(true);
    for (const name of INPUT_EVENTS) window.addEventListener(name, onInput, { passive: true, capture: true });
    // Scrolling inside any scrollable part of the page, too.
    document.addEventListener("scroll", onScroll, { passive: true, capture: true });
    document.addEventListener("visibilitychange", onVisibility);
    window.addEventListener("focus", onFocus);
    window.addEventListener("blur", onBlur);
    window.addEventListener("pagehide", onHide);
    return () => {
      tracker.stop();
      for (const name of INPUT_EVENTS) window.removeEventListener(name, onInput, { capture: true });
      document.removeEventListener("scroll", onScroll, { capture: true });
      document.removeEventListener("visibilitychange", onVisibility);
      window.removeEventListener("focus", onFocus);
      window.removeEventListener("blur", onBlur);
      window.removeEventListener("pagehide", onHide);
    };
  }, [roomId, itemType, itemId]);
}
