import type { EngagementPerson } from "../../../server/engagement/report.ts";
import { LocalTime } from "../local-time.tsx";

/** "12 min", "1 h 05 min", "40 s": active time as people read it. */
export function duration(seconds: number): string {
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, "0")} min`;
}

const TYPE_LABELS = { page: "Page", file: "File", thread: "Thread", plan: "Plan" } as const;
export const typeLabel = (type: keyof typeof TYPE_LABELS) => TYPE_LABELS[type];

export function itemHref(roomId: string, item: { type: keyof typeof TYPE_LABELS; id: string }) {
  if (item.type === "plan") return `/rooms/${roomId}/plan`;
  return `/rooms/${roomId}/${item.type}s/${item.id}`;
}

function actionsText(a: EngagementPerson["actions"]): string {
  const parts = [
    a.edited ? `edited ${a.edited}×` : null,
    a.commented ? `commented ${a.commented}×` : null,
    a.completedSteps ? `completed ${a.completedSteps} plan step${a.completedSteps === 1 ? "" : "s"}` : null,
    a.downloaded ? `downloaded ${a.downloaded} file${a.downloaded === 1 ? "" : "s"}` : null,
  ].filter(Boolean);
  return parts.length ? parts.join(", ") : "nothing yet";
}

/** One person's figures: the same block on the Engagement tab and on "What the seller sees about me". */
export function PersonFigures({ person, roomId, headingLevel = 3 }: { person: EngagementPerson; roomId: string; headingLevel?: 3 | 4 }) {
  const Heading = `h${headingLevel}` as "h3" | "h4";
  return (
    <article className="engagement-person" aria-label={person.name}>
      <div className="engagement-person-head">
        <Heading>{person.name}</Heading>
        <span className="engagement-total">{duration(person.activeSeconds)} active</span>
      </div>
      <p className="muted small">
        Last active: {person.lastActiveAt ? <LocalTime iso={person.lastActiveAt} /> : "never"} · Did: {actionsText(person.actions)}
      </p>
      {person.items.length ? (
        <ul className="engagement-items">
          {person.items.map((item) => (
            <li key={`${item.type}:${item.id}`}>
              <span className="engagement-item-type">{typeLabel(item.type)}</span>
              <a href={itemHref(roomId, item)} className="engagement-item-title">
                {item.title}
              </a>
              <span className="engagement-item-time">{duration(item.activeSeconds)}</span>
            </li>
          ))}
        </ul>
      ) : (
        <p className="muted small">No reading recorded.</p>
      )}
    </article>
  );
}
