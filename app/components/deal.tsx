import { statusLabel } from "../lib/format.ts";

export function StageBadge({ stage }: { stage: string }) {
  return <span className="badge badge-stage">{stage}</span>;
}

export function StatusBadge({ status }: { status: string }) {
  return <span className={`badge badge-status badge-${status}`}>{statusLabel(status)}</span>;
}

/** The sales cycle as a row of segments, the room's stage and those before it filled in. */
export function StageProgress({ stages, current }: { stages: readonly string[]; current: string }) {
  const index = stages.indexOf(current);
  return (
    <div className="stage-progress">
      <ol className="stage-track" aria-label="Sales stages">
        {stages.map((stage, i) => (
          <li
            key={stage}
            className={i < index ? "done" : i === index ? "current" : undefined}
            aria-current={i === index ? "step" : undefined}
            title={stage}
          >
            <span className="visually-hidden">{stage}</span>
          </li>
        ))}
      </ol>
      <span className="stage-caption">
        {index >= 0 ? `Stage ${index + 1} of ${stages.length}` : "Custom stage"} · <strong>{current}</strong>
      </span>
    </div>
  );
}
