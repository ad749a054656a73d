// Display helpers for the sales process, shared by server rendering and the browser.
import type { TimelineStage } from "../../server/sales/timeline.ts";

/** Fractional days → "under a day", "1 day", "3.5 days", "12 days". */
export function formatDays(days: number): string {
  if (!Number.isFinite(days) || days < 1) return "under a day";
  const rounded = days < 10 ? Math.round(days * 2) / 2 : Math.round(days);
  return `${rounded} ${rounded === 1 ? "day" : "days"}`;
}

export const FIELD_TYPE_LABELS = {
  text: "Text",
  number: "Number",
  date: "Date",
  choice: "Choice",
  person: "Person in the room",
} as const;
export type FieldTypeName = keyof typeof FIELD_TYPE_LABELS;

/** A field key from its label: "Go-live date" → "goLiveDate"; unique among `taken`. */
export function fieldKey(label: string, taken: Iterable<string>): string {
  const words = label
    .normalize("NFKD")
    .replace(/[^a-zA-Z0-9]+/g, " ")
    .trim()
    .split(" ")
    .filter(Boolean);
  let key = words.map((w, i) => (i === 0 ? w.toLowerCase() : w[0]!.toUpperCase() + w.slice(1).toLowerCase())).join("");
  if (!/^[a-zA-Z]/.test(key)) key = `field${key}`;
  key = key.slice(0, 36);
  const used = new Set(taken);
  let candidate = key;
  for (let n = 2; used.has(candidate); n++) candidate = `${key}${n}`;
  return candidate;
}

/** A stage of the room's cycle as the stage bar shows it (the timeline's, without the days). */
export type CycleStage = Omit<TimelineStage, "days">;

/**
 * Whether moving to `stage` passes a stage with a hand-off form, so the move is offered through
 * the form page rather than as one click. The server answers it (the timeline's `formsAsked`,
 * from the move service's rule); the UI never re-derives it.
 */
export function moveAsksForForm(stage: Pick<CycleStage, "formsAsked"> | undefined): boolean {
  return (stage?.formsAsked.length ?? 0) > 0;
}
