import type { StageTimeline } from "../../server/sales/timeline.ts";
import type { CycleStage } from "./stages.ts";

/** What the stage bar in the room header needs of the stage timeline (the moves stay on the Timeline tab). */
export interface CycleSummary {
  stages: CycleStage[];
  status: StageTimeline["status"];
  /** Fractional days since the room entered its current stage. */
  stayDays: number;
}

export function cycleSummary(timeline: StageTimeline): CycleSummary {
  const lastMove = timeline.moves.findLast((m) => m.kind === "move");
  const since = new Date(lastMove?.movedAt ?? timeline.createdAt).getTime();
  return {
    stages: timeline.stages.map(({ id, name, position, current, hasForm, handoff, formsAsked }) => ({ id, name, position, current, hasForm, handoff, formsAsked })),
    status: timeline.status,
    stayDays: Math.max(0, Date.now() - since) / 86_400_000,
  };
}
