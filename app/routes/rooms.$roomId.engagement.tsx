import { lazy, Suspense, useEffect, useState } from "react";
import { Form, Link, useNavigation } from "react-router";
import type { Route } from "./+types/rooms.$roomId.engagement";
import { duration, itemHref, PersonFigures, typeLabel } from "../components/engagement/figures.tsx";
import { LockIcon } from "../components/icons.tsx";
import { LocalTime } from "../components/local-time.tsx";
import { FormAlert } from "../components/form.tsx";
import { attempt, formFields, orErrorPage } from "../lib/actions.server.ts";
import { actorContext } from "../lib/session.server.ts";
import engagementStyles from "../styles/engagement.css?url";

// The chart (recharts) loads in a chunk of its own, on this tab only and after hydration.
const EngagementChart = lazy(() => import("../components/engagement/chart.tsx"));

export const links: Route.LinksFunction = () => [{ rel: "stylesheet", href: engagementStyles }];
export const meta: Route.MetaFunction = () => [{ title: "Engagement · Dealroom" }];

/**
 * The Engagement tab (docs/decisions/025-engagement.md): who read what and for how long, per
 * person by side and per item, buyer reading per day, and the "gone quiet" flags. The internal
 * team only: for the buyer's side the tab does not exist (the service answers 404).
 */
export async function loader({ request, context, params }: Route.LoaderArgs) {
  const ctx = actorContext(request, context);
  return orErrorPage(async () => ({ roomId: params.roomId, engagement: await context.app.services.engagement.roomEngagement(ctx, params.roomId) }));
}

/** The room's own switch (owner and internal editors; server/engagement/settings.ts decides). */
export async function action({ request, context, params }: Route.ActionArgs) {
  const ctx = actorContext(request, context);
  const fields = await formFields(request);
  return attempt(async () => {
    await context.app.services.engagementSettings.setRoomTracking(ctx, params.roomId, { tracking: fields.tracking === "on" });
    return { ok: true as const };
  });
}

const buyerTime = (item: { readers: { side: string; activeSeconds: number }[] }) =>
  item.readers.filter((r) => r.side === "external").reduce((s, r) => s + r.activeSeconds, 0);

export default function RoomEngagement({ loaderData, actionData }: Route.ComponentProps) {
  const { roomId, engagement } = loaderData;
  const busy = useNavigation().state === "submitting";
  const [hydrated, setHydrated] = useState(false);
  useEffect(() => setHydrated(true), []);
  const buyers = engagement.participants.filter((p) => p.side === "external");
  const team = engagement.participants.filter((p) => p.side === "internal");
  const buyerTotal = buyers.reduce((s, p) => s + p.activeSeconds, 0);
  const activeDays = engagement.days.filter((d) => d.externalActiveSeconds > 0);
  const description = `Buyer-side active reading per day over ${engagement.days.length} days: ${duration(buyerTotal)} in all, on ${activeDays.length} days.`;

  return (
    <section className="card engagement" aria-labelledby="engagement-title">
      <div className="card-header">
        <div>
          <h2 id="engagement-title">
            <LockIcon size={14} /> Engagement
          </h2>
          <p className="muted small">
            Active reading only: the tab visible, the window in focus, and input in the last 30 seconds. Only your team sees this tab;
            each participant sees their own figures under <Link to={`/rooms/${roomId}/engagement/me`}>What the seller sees about me</Link>.
          </p>
        </div>
      </div>

      {!engagement.tracking.enabled ? (
        <p className="alert" role="status">
          Engagement tracking is off {engagement.tracking.organization ? "for this room" : "for your organization"}: nothing is being recorded.
        </p>
      ) : null}

      {actionData && !actionData.ok ? <FormAlert error={actionData.error} /> : null}
      {engagement.abilities.manageTracking ? (
        <Form method="post" className="engagement-switch">
          <input type="hidden" name="tracking" value={engagement.tracking.room ? "off" : "on"} />
          <button type="submit" className="button secondary small" disabled={busy}>
            {engagement.tracking.room ? "Turn tracking off for this room" : "Turn tracking on for this room"}
          </button>
          {!engagement.tracking.organization ? <span className="muted small"> Your organization has it off for all rooms (Settings, Engagement).</span> : null}
        </Form>
      ) : null}

      {engagement.quiet.length ? (
        <ul className="engagement-flags" aria-label="Gone quiet">
          {engagement.quiet.map((flag) => (
            <li key={flag.kind === "champion_unseen" ? `${flag.kind}:${flag.userId}` : flag.kind} className="engagement-flag">
              {flag.kind === "buyer_quiet" ? (
                <>
                  <strong>Gone quiet:</strong> no buyer activity in {flag.days} days (threshold {flag.thresholdDays}).
                </>
              ) : (
                <>
                  <strong>Champion not seen:</strong> {flag.name} has not been active since the stage moved on <LocalTime iso={flag.stageMovedAt} />.
                </>
              )}
            </li>
          ))}
        </ul>
      ) : null}

      <section aria-labelledby="engagement-chart-title">
        <h3 id="engagement-chart-title">Buyer reading per day</h3>
        {hydrated ? (
          <Suspense fallback={<p className="muted">Loading the chart…</p>}>
            <EngagementChart days={engagement.days} description={description} />
          </Suspense>
        ) : (
          <p className="muted">{description}</p>
        )}
      </section>

      <div className="engagement-sides">
        <section aria-labelledby="engagement-buyers">
          <h3 id="engagement-buyers">Buyer side · {duration(buyerTotal)}</h3>
          {buyers.length ? buyers.map((p) => <PersonFigures key={p.userId} person={p} roomId={roomId} headingLevel={4} />) : <p className="muted">No guests in this room yet.</p>}
        </section>
        <section aria-labelledby="engagement-team">
          <h3 id="engagement-team">Your team (not counted as buyer engagement)</h3>
          {team.map((p) => (
            <PersonFigures key={p.userId} person={p} roomId={roomId} headingLevel={4} />
          ))}
        </section>
      </div>

      <section aria-labelledby="engagement-items-title">
        <h3 id="engagement-items-title">Per item</h3>
        {engagement.items.length ? (
          <div className="engagement-table-wrap">
            <table className="engagement-table">
              <thead>
                <tr>
                  <th scope="col">Item</th>
                  <th scope="col">Read by</th>
                  <th scope="col">Buyer time</th>
                </tr>
              </thead>
              <tbody>
                {engagement.items.map((item) => (
                  <tr key={`${item.type}:${item.id}`}>
                    <td>
                      <span className="engagement-item-type">{typeLabel(item.type)}</span> <a href={itemHref(roomId, item)}>{item.title}</a>
                    </td>
                    <td>
                      <ul className="engagement-readers">
                        {item.readers.map((r) => (
                          <li key={r.userId}>
                            {r.name}
                            {r.side === "internal" ? <span className="muted small"> (team)</span> : null}: {duration(r.activeSeconds)}
                          </li>
                        ))}
                      </ul>
                    </td>
                    <td>{buyerTime(item) ? duration(buyerTime(item)) : "none"}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : (
          <p className="muted">Nothing has been read yet.</p>
        )}
      </section>
    </section>
  );
}
