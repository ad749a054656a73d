import type { Route } from "./+types/rooms.$roomId.timeline";
import { LocalTime } from "../components/local-time.tsx";
import { GuestIcon, LockIcon } from "../components/icons.tsx";
import { ArrowRightIcon, CrossIcon, FormIcon, ReopenIcon, TrophyIcon } from "../components/stages/stage-icons.tsx";
import { orErrorPage } from "../lib/actions.server.ts";
import { formatDate } from "../lib/format.ts";
import { actorContext } from "../lib/session.server.ts";
import { formatDays } from "../lib/stages.ts";
import { useRoomEvents, useDebouncedRevalidate } from "../components/threads/live.ts";
import type { TimelineMove } from "../../server/sales/timeline.ts";

export const meta: Route.MetaFunction = () => [{ title: "Timeline · Dealroom" }];

/**
 * The room's way through the sales cycle: how long it spent in each stage and every move,
 * close and reopen with who and when. The service decides what each reader gets: close
 * reasons and internal forms only reach the seller's side.
 */
export async function loader({ request, context, params }: Route.LoaderArgs) {
  const { services } = context.app;
  const ctx = actorContext(request, context);
  return { timeline: await orErrorPage(() => services.timeline.stageTimeline(ctx, params.roomId)) };
}

export default function Timeline({ loaderData }: Route.ComponentProps) {
  const { timeline } = loaderData;
  const revalidate = useDebouncedRevalidate();
  const onEvent = (p: { roomId?: string } | undefined) => p?.roomId === timeline.roomId && revalidate();
  useRoomEvents(timeline.roomId, { "stage.changed": onEvent, "room.closed": onEvent, "room.reopened": onEvent });

  const longest = Math.max(1, ...timeline.timeInStages.map((t) => t.days));
  const currentId = timeline.stages.find((s) => s.current)?.id ?? null;
  const moves = [...timeline.moves].reverse();
  return (
    <div className="timeline-grid">
      <section className="card" aria-labelledby="moves-heading">
        <div className="card-header">
          <h2 id="moves-heading">Stage timeline</h2>
          <span className="muted small">
            {timeline.moves.length === 0
              ? "No changes yet"
              : `${timeline.moves.length === 1 ? "1 change" : `${timeline.moves.length} changes`} in ${formatDays(timeline.ageDays)}`}
          </span>
        </div>
        <ol className="timeline-list">
          {moves.map((move) => (
            <MoveItem key={move.id} move={move} />
          ))}
          <li className="timeline-item is-created">
            <span className="timeline-dot" aria-hidden="true" />
            <div className="timeline-body">
              <p className="timeline-line">
                Room created in <strong>{timeline.moves[0]?.from ?? timeline.stage}</strong>
              </p>
              <p className="timeline-when">
                <LocalTime iso={timeline.createdAt} />
              </p>
            </div>
          </li>
        </ol>
      </section>

      <aside>
        <section className="card" aria-labelledby="days-heading">
          <h2 id="days-heading">Time in each stage</h2>
          <p className="muted small">Since the room was created on {formatDate(timeline.createdAt)}. A stage the deal came back to counts every stay.</p>
          <ul className="days-chart">
            {timeline.timeInStages.map((t) => (
              <li key={t.stageId ?? t.stage} className={t.stageId && t.stageId === currentId ? "is-current" : undefined}>
                <span className="days-chart-name">{t.stage}</span>
                <span className="days-chart-track" aria-hidden="true">
                  <span className="days-chart-bar" style={{ width: `${Math.max(3, (t.days / longest) * 100)}%` }} />
                </span>
                <span className="days-chart-value">{formatDays(t.days)}</span>
              </li>
            ))}
          </ul>
        </section>
      </aside>
    </div>
  );
}

function MoveItem({ move }: { move: TimelineMove }) {
  const who = move.movedBy?.name ?? "Someone no longer here";
  let line: React.ReactNode;
  let icon: React.ReactNode;
  if (move.kind === "move") {
    icon = <ArrowRightIcon size={12} />;
    line = (
      <>
        <strong>{who}</strong> moved the deal from <span className="timeline-stage">{move.from}</span> to <span className="timeline-stage">{move.to}</span>
      </>
    );
  } else if (move.kind === "close") {
    icon = move.status === "won" ? <TrophyIcon size={12} /> : <CrossIcon size={12} />;
    line = (
      <>
        <strong>{who}</strong> closed the deal as <span className={`badge badge-${move.status}`}>{move.status === "won" ? "Won" : "Lost"}</span> in {move.to}
      </>
    );
  } else {
    icon = <ReopenIcon size={12} />;
    line = (
      <>
        <strong>{who}</strong> reopened the deal in {move.to}
      </>
    );
  }
  return (
    <li className={`timeline-item is-${move.kind} is-${move.status}`} data-kind={move.kind}>
      <span className="timeline-dot" aria-hidden="true">
        {icon}
      </span>
      <div className="timeline-body">
        <p className="timeline-line">{line}</p>
        <p className="timeline-when">
          <LocalTime iso={move.movedAt} />
        </p>
        {move.reason ? (
          <blockquote className="timeline-reason">
            <span className="timeline-reason-label">
              <LockIcon size={11} /> Reason (internal)
            </span>
            {move.reason}
          </blockquote>
        ) : null}
        {move.form ? <FilledForm form={move.form} /> : null}
      </div>
    </li>
  );
}

function FilledForm({ form }: { form: NonNullable<TimelineMove["form"]> }) {
  const people = new Map(form.people.map((p) => [p.id, p.name]));
  const answered = form.fields.filter((f) => form.values[f.key] !== undefined).length;
  return (
    <details className="timeline-form">
      <summary>
        <FormIcon size={13} /> Hand-off form · {answered} of {form.fields.length} answered
        <span className={`timeline-form-visibility is-${form.visibility}`}>
          {form.visibility === "internal" ? <LockIcon size={11} /> : <GuestIcon size={11} />}
          {form.visibility === "internal" ? "Internal" : "Shared"}
        </span>
      </summary>
      <dl className="timeline-form-values">
        {form.fields.map((f) => {
          const value = form.values[f.key];
          let shown: string;
          if (value === undefined || value === "") shown = "—";
          else if (f.type === "person") shown = people.get(String(value)) ?? "Someone no longer in the room";
          else if (f.type === "date") shown = formatDate(String(value));
          else if (f.type === "number") shown = Number(value).toLocaleString("en-US");
          else shown = String(value);
          return (
            <div key={f.key} className="timeline-form-row">
              <dt>{f.label}</dt>
              <dd>{shown}</dd>
            </div>
          );
        })}
      </dl>
    </details>
  );
}
