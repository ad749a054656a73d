import { useEffect, useRef } from "react";
import { Link, NavLink, Outlet, useLocation } from "react-router";
import type { Route } from "./+types/rooms.$roomId";
import { StageBadge, StatusBadge } from "../components/deal.tsx";
import { ErrorPage } from "../components/error-page.tsx";
import { CalendarIcon, GuestIcon, LockIcon, PencilIcon } from "../components/icons.tsx";
import { AvatarStack } from "../components/people.tsx";
import { StageBar } from "../components/stages/stage-bar.tsx";
import { ThreadsTab } from "../components/threads/threads-tab.tsx";
import { orErrorPage } from "../lib/actions.server.ts";
import { formatDate } from "../lib/format.ts";
import { formatMoney } from "../lib/money.ts";
import { actorContext } from "../lib/session.server.ts";
import { cycleSummary } from "../lib/stages.server.ts";
import stageStyles from "../styles/stages.css?url";

export const links: Route.LinksFunction = () => [{ rel: "stylesheet", href: stageStyles }];

export const meta: Route.MetaFunction = ({ loaderData }) => [
  { title: loaderData ? `${loaderData.room.name} · Dealroom` : "Room not found · Dealroom" },
];

/** The room and who is in it: the header of every tab. A room the reader may not see is a 404. */
export async function loader({ request, context, params }: Route.LoaderArgs) {
  const { services } = context.app;
  const ctx = actorContext(request, context);
  const [room, participants, timeline, unread] = await orErrorPage(() =>
    Promise.all([
      services.rooms.getRoom(ctx, params.roomId),
      services.participants.listParticipants(ctx, params.roomId),
      services.timeline.stageTimeline(ctx, params.roomId),
      services.unread.roomUnread(ctx, params.roomId),
    ]),
  );
  return { room, participants, stages: timeline.stages.map((s) => s.name), cycle: cycleSummary(timeline), unread: unread.unread };
}

export default function RoomLayout({ loaderData }: Route.ComponentProps) {
  const { room, participants, cycle, unread } = loaderData;
  const team = participants.filter((p) => p.side === "internal");
  const guests = participants.filter((p) => p.side === "external");
  const base = `/rooms/${room.id}`;
  const { pathname } = useLocation();
  const tabs = useRef<HTMLElement>(null);
  // On a phone the tabs scroll sideways (app.css): bring the active one into view.
  useEffect(() => {
    const nav = tabs.current;
    const active = nav?.querySelector<HTMLElement>("a.active");
    if (!nav || !active) return;
    const box = nav.getBoundingClientRect();
    const tab = active.getBoundingClientRect();
    if (tab.left < box.left || tab.right > box.right) nav.scrollLeft += tab.left - box.left - 16;
  }, [pathname]);
  return (
    <main className="page room-page">
      <nav className="breadcrumbs" aria-label="Breadcrumb">
        <Link to="/rooms">Rooms</Link>
        <span aria-hidden="true">/</span>
        <span aria-current="page">{room.account}</span>
      </nav>

      <header className="card room-header">
        <div className="room-header-main">
          <p className="room-account-label">{room.account}</p>
          <h1>{room.name}</h1>
          <div className="room-meta">
            <span className="room-value">{formatMoney(room.value)}</span>
            <StageBadge stage={room.stage} />
            <StatusBadge status={room.status} />
            <span className="meta-item">
              <CalendarIcon /> {room.expectedCloseDate ? `Expected close ${formatDate(room.expectedCloseDate)}` : "No close date"}
            </span>
          </div>
        </div>
        <div className="room-header-side">
          <div className="people-groups">
            <div className="people-group">
              <span className="people-group-label">
                <LockIcon size={12} /> Internal team
              </span>
              {team.length ? <AvatarStack people={team} label="Internal team" /> : <span className="muted small">Nobody yet</span>}
            </div>
            <div className="people-group">
              <span className="people-group-label">
                <GuestIcon size={12} /> Guests
              </span>
              {guests.length ? <AvatarStack people={guests} label="Guests" /> : <span className="muted small">No guests yet</span>}
            </div>
          </div>
          {room.abilities["room.update"] ? (
            <Link to={`${base}/edit`} className="button secondary small">
              <PencilIcon /> Edit details
            </Link>
          ) : null}
        </div>
        <StageBar roomId={room.id} cycle={cycle} canMove={room.abilities["room.moveStage"]} />
      </header>

      <nav className="tabs" aria-label="Room sections" ref={tabs}>
        {/* Editing the details is part of the overview. */}
        <NavLink to={base} end className={({ isActive }) => (isActive || pathname === `${base}/edit` ? "active" : undefined)}>
          Overview
        </NavLink>
        <NavLink to={`${base}/plan`}>Plan</NavLink>
        <NavLink to={`${base}/pages`}>Pages</NavLink>
        <ThreadsTab roomId={room.id} to={`${base}/threads`} initial={unread} />
        <NavLink to={`${base}/files`}>Files</NavLink>
        <NavLink to={`${base}/activity`}>Activity</NavLink>
        <NavLink to={`${base}/timeline`}>Timeline</NavLink>
        {room.abilities["handoff.read"] ? <NavLink to={`${base}/handoff`}>Hand-off</NavLink> : null}
        {room.abilities["stakeholder.read"] ? (
          <NavLink to={`${base}/planning`} className={({ isActive }) => `tab-internal${isActive ? " active" : ""}`}>
            <LockIcon size={12} /> Internal planning
          </NavLink>
        ) : null}
        {room.abilities["engagement.read"] ? (
          <NavLink to={`${base}/engagement`} end className={({ isActive }) => `tab-internal${isActive ? " active" : ""}`}>
            <LockIcon size={12} /> Engagement
          </NavLink>
        ) : (
          <NavLink to={`${base}/engagement/me`}>What the seller sees about me</NavLink>
        )}
        {room.abilities["room.readAudit"] ? <NavLink to={`${base}/audit`}>Audit</NavLink> : null}
      </nav>

      <Outlet />
    </main>
  );
}

export function ErrorBoundary({ error }: Route.ErrorBoundaryProps) {
  return <ErrorPage error={error} />;
}
