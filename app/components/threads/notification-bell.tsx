import { useEffect, useState } from "react";
import { Link, useFetcher, useLocation } from "react-router";
import { usePersonalEvents } from "./live.ts";

const BellIcon = () => (
  <svg width="18" height="18" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round" aria-hidden="true">
    <path d="M6 8a6 6 0 0 1 12 0c0 7 3 9 3 9H3s3-2 3-9" />
    <path d="M10.3 21a1.94 1.94 0 0 0 3.4 0" />
  </svg>
);

/**
 * The top bar's bell: the unread count, fetched on every navigation and kept current by this
 * person's live events (a mention elsewhere, notifications read in another tab).
 */
export function NotificationBell() {
  const fetcher = useFetcher<{ unreadCount: number | null }>();
  const { pathname } = useLocation();
  const [live, setLive] = useState<number | null>(null);
  useEffect(() => {
    setLive(null);
    // Offline (a page opened from this device's copy) there is no count to fetch: the last one
    // stays until the network is back.
    const load = () => fetcher.load("/notifications/count");
    window.addEventListener("online", load);
    if (navigator.onLine !== false) void load();
    return () => window.removeEventListener("online", load);
    // eslint-disable-next-line react-hooks/exhaustive-deps -- once per page the reader opens
  }, [pathname]);
  usePersonalEvents({
    "notification.created": (p: { unreadCount?: number }) => typeof p?.unreadCount === "number" && setLive(p.unreadCount),
    "notifications.changed": (p: { unreadCount?: number }) => typeof p?.unreadCount === "number" && setLive(p.unreadCount),
  });
  // Offline, the count is not known (null): the last one stays.
  const [known, setKnown] = useState(0);
  const fetched = fetcher.data?.unreadCount;
  useEffect(() => {
    if (typeof fetched === "number") setKnown(fetched);
  }, [fetched]);
  const count = live ?? (typeof fetched === "number" ? fetched : known);
  return (
    <Link to="/notifications" className="button ghost small notification-bell" aria-label={count ? `Notifications, ${count} unread` : "Notifications"}>
      <BellIcon />
      {count > 0 ? (
        <span className="badge badge-stage" data-testid="notification-count" style={{ height: 18, padding: "0 6px" }}>
          {count > 99 ? "99+" : count}
        </span>
      ) : null}
    </Link>
  );
}
