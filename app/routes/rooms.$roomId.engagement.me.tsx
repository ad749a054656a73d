import { Link } from "react-router";
import type { Route } from "./+types/rooms.$roomId.engagement.me";
import { duration, PersonFigures } from "../components/engagement/figures.tsx";
import { orErrorPage } from "../lib/actions.server.ts";
import { actorContext } from "../lib/session.server.ts";
import engagementStyles from "../styles/engagement.css?url";

export const links: Route.LinksFunction = () => [{ rel: "stylesheet", href: engagementStyles }];
export const meta: Route.MetaFunction = () => [{ title: "What the seller sees about me · Dealroom" }];

/**
 * "What the seller sees about me": exactly the figures recorded about the reader, from the same
 * data as the internal Engagement tab (docs/decisions/025-engagement.md). Everyone in the room.
 */
export async function loader({ request, context, params }: Route.LoaderArgs) {
  const ctx = actorContext(request, context);
  return orErrorPage(async () => ({ roomId: params.roomId, mine: await context.app.services.engagement.myEngagement(ctx, params.roomId) }));
}

export default function MyEngagement({ loaderData }: Route.ComponentProps) {
  const { roomId, mine } = loaderData;
  const me = mine.participants[0];
  const days = mine.days.filter((d) => d.externalActiveSeconds + d.internalActiveSeconds > 0).reverse();
  return (
    <section className="card engagement" aria-labelledby="me-title">
      <div className="card-header">
        <div>
          <h2 id="me-title">What the seller sees about me</h2>
          <p className="muted small">
            These are exactly the figures recorded about you in this room, the same ones the room's internal team sees. Time counts only while this
            tab is visible, the window is in focus and you used it in the last 30 seconds; a hidden tab or an idle screen counts nothing.
          </p>
        </div>
      </div>
      {!mine.tracking.enabled ? (
        <p className="alert" role="status">
          Engagement tracking is off {mine.tracking.organization ? "for this room" : "for this organization"}: nothing about your reading is being recorded.
        </p>
      ) : null}
      {me ? <PersonFigures person={me} roomId={roomId} /> : <p className="muted">Nothing is recorded about you in this room.</p>}
      <section aria-labelledby="me-days">
        <h3 id="me-days">Per day</h3>
        {days.length ? (
          <ul className="engagement-readers">
            {days.map((d) => (
              <li key={d.date}>
                {d.date}: {duration(d.externalActiveSeconds + d.internalActiveSeconds)}
              </li>
            ))}
          </ul>
        ) : (
          <p className="muted">No days with reading yet.</p>
        )}
      </section>
      <p className="small">
        <Link to={`/rooms/${roomId}`}>Back to the room</Link>
      </p>
    </section>
  );
}
