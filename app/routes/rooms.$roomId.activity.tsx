import { Fragment, useState } from "react";
import { Link, useRevalidator } from "react-router";
import type { Route } from "./+types/rooms.$roomId.activity";
import { activityEntryText, activityLink } from "../components/threads/activity-text.ts";
import { useAnyRoomEvent } from "../components/threads/live.ts";
import { LiveStatus } from "../components/threads/live-status.tsx";
import { Avatar } from "../components/people.tsx";
import { formatDateTime } from "../components/wiki/time.ts";
import { orErrorPage } from "../lib/actions.server.ts";
import { actorContext } from "../lib/session.server.ts";
import threadStyles from "../styles/threads.css?url";

export const links: Route.LinksFunction = () => [{ rel: "stylesheet", href: threadStyles }];

/** The room's activity, newest first, as far as the reader may see it; opening it counts as a visit. */
export async function loader({ request, context, params }: Route.LoaderArgs) {
  const { services } = context.app;
  const ctx = actorContext(request, context);
  return { roomId: params.roomId, ...(await orErrorPage(() => services.feed.activityPage(ctx, params.roomId))) };
}

export default function RoomActivity({ loaderData }: Route.ComponentProps) {
  const { roomId, items, lastVisitAt, summaryText } = loaderData;
  // Live events only say that more happened: loading the feed again counts as a new visit and
  // moves the "new" marks, so the reader decides when.
  const [arrived, setArrived] = useState(0);
  const revalidator = useRevalidator();
  const live = useAnyRoomEvent(roomId, () => setArrived((n) => n + 1));
  const firstEarlier = items.findIndex((item) => !item.sinceLastVisit);
  const sinceCount = firstEarlier === -1 ? items.length : firstEarlier;

  return (
    <section className="card activity" aria-labelledby="activity-title">
      <div className="card-header">
        <h2 id="activity-title">Activity</h2>
        <LiveStatus live={live} />
        {arrived > 0 ? (
          <button
            type="button"
            className="button secondary small"
            onClick={() => {
              setArrived(0);
              revalidator.revalidate();
            }}
          >
            {arrived} new {arrived === 1 ? "update" : "updates"} — show
          </button>
        ) : null}
      </div>
      {lastVisitAt ? (
        <p className="activity-summary" role="status">
          {summaryText ? summaryText : `Nothing new since your last visit (${formatDateTime(lastVisitAt)}).`}
        </p>
      ) : (
        <p className="activity-summary muted">Your first visit: everything that happened in this room so far.</p>
      )}
      {items.length === 0 ? <p className="muted">Nothing has happened here yet.</p> : null}
      <ol className="activity-list">
        {items.map((item, index) => {
          const text = activityEntryText(item);
          return (
          <Fragment key={item.id}>
            {index === 0 && sinceCount > 0 ? (
              <li className="activity-divider is-new" aria-hidden="true">
                New since your last visit
              </li>
            ) : null}
            {index === sinceCount && sinceCount > 0 ? (
              <li className="activity-divider" aria-hidden="true">
                Earlier
              </li>
            ) : null}
            <li className={`activity-item${item.isNew ? " is-new" : ""}`} data-activity-type={item.type} data-count={item.count}>
              {text.person ? <Avatar person={{ userId: text.person.id, name: text.person.name }} size="sm" /> : <span className="avatar avatar-sm" aria-hidden="true" />}
              <div className="activity-text">
                <span>
                  <strong>{text.who}</strong> {text.label}{" "}
                  {item.title ? <ActivityObject roomId={roomId} item={item} /> : null}
                  {text.suffix}
                </span>
                <span className="muted small">
                  {/* Folded autosaves: from the first to the last. */}
                  {item.count > 1 && item.firstAt !== item.at ? (
                    <>
                      <time dateTime={item.firstAt}>{formatDateTime(item.firstAt)}</time> – <time dateTime={item.at}>{formatDateTime(item.at)}</time>
                    </>
                  ) : (
                    <time dateTime={item.at}>{formatDateTime(item.at)}</time>
                  )}
                </span>
              </div>
              {item.isNew ? <span className="badge badge-new">New</span> : null}
            </li>
          </Fragment>
          );
        })}
      </ol>
    </section>
  );
}

function ActivityObject({ roomId, item }: { roomId: string; item: { objectType: string | null; objectId: string | null; title: string | null; type: string; threadId?: string } }) {
  const to = activityLink(roomId, item);
  return to ? <Link to={to}>{item.title}</Link> : <span>“{item.title}”</span>;
}
