import { Link, Outlet, useRouteLoaderData } from "react-router";
import type { Route } from "./+types/rooms.$roomId.threads";
import type { loader as roomLoader } from "./rooms.$roomId.tsx";
import { PlusIcon } from "../components/icons.tsx";
import { useDebouncedRevalidate, usePersonalEvents, useRoomEvents } from "../components/threads/live.ts";
import { LiveStatus } from "../components/threads/live-status.tsx";
import { ThreadList } from "../components/threads/thread-list.tsx";
import { orErrorPage } from "../lib/actions.server.ts";
import { actorContext } from "../lib/session.server.ts";
import threadStyles from "../styles/threads.css?url";

export const links: Route.LinksFunction = () => [{ rel: "stylesheet", href: threadStyles }];

/** The Threads tab: every thread the reader may see, with unread counts. */
export async function loader({ request, context, params }: Route.LoaderArgs) {
  const { services } = context.app;
  const ctx = actorContext(request, context);
  const threads = await orErrorPage(() => services.threads.listThreads(ctx, params.roomId));
  return { roomId: params.roomId, threads };
}

const LIVE_EVENTS = ["thread.created", "thread.updated", "thread.resolved", "thread.reopened", "message.created", "message.updated", "message.deleted"];

export default function RoomThreads({ loaderData }: Route.ComponentProps) {
  const { roomId, threads } = loaderData;
  const room = useRouteLoaderData<typeof roomLoader>("routes/rooms.$roomId")?.room;
  const refresh = useDebouncedRevalidate();
  // New threads, messages and read marks (from this person's other tabs too) refresh the list.
  const live = useRoomEvents(roomId, { ...Object.fromEntries(LIVE_EVENTS.map((name) => [name, refresh])), "room:refused": refresh });
  usePersonalEvents({ "thread.read": refresh });

  return (
    <div className="threads-layout">
      <aside className="threads-sidebar" aria-label="Thread list">
        <div className="threads-sidebar-head">
          <h2>Threads</h2>
          <LiveStatus live={live} />
          {room?.abilities["thread.create"] ? (
            <Link to={`/rooms/${roomId}/threads`} className="button primary small">
              <PlusIcon /> New thread
            </Link>
          ) : null}
        </div>
        <ThreadList roomId={roomId} threads={threads} />
      </aside>
      <div className="threads-main">
        <Outlet />
      </div>
    </div>
  );
}
