import type { Stage } from "./stages.ts";

/**
 * The buyer's journey (docs/decisions/018-newcomer.md): external participants never see the
 * seller's stage names. Each stage has a buyer-facing label or none (hidden); stages that share
 * a label are one step of the journey. A room in a hidden stage shows the nearest visible label
 * before it, else the nearest after it, else none ("").
 */

/** The default cycle's labels (server/sales/stages.ts DEFAULT_STAGES), as migration 0013 sets them. */
export const DEFAULT_BUYER_LABELS: Record<string, string> = {
  Prospecting: "Discovery",
  Qualifying: "Discovery",
  Pricing: "Evaluation",
  Proposing: "Proposal",
  Negotiating: "Contract",
  Closing: "Contract",
  Delivering: "Onboarding",
  Servicing: "Live",
};

type LabelledStage = Pick<Stage, "id" | "name" | "position" | "buyerLabel">;

/** The label a buyer sees for the room's stage (by name, as rooms store it). */
export function buyerLabelFor(cycle: readonly LabelledStage[], stageName: string): string {
  const ordered = [...cycle].sort((a, b) => a.position - b.position);
  const at = ordered.findIndex((s) => s.name === stageName);
  if (at < 0) return "";
  for (let i = at; i >= 0; i--) if (ordered[i]!.buyerLabel) return ordered[i]!.buyerLabel!;
  for (let i = at + 1; i < ordered.length; i++) if (ordered[i]!.buyerLabel) return ordered[i]!.buyerLabel!;
  return "";
}

/** The journey's steps in order: each distinct visible label once, with the stages it covers. */
export function buyerJourney(cycle: readonly LabelledStage[]): { label: string; stageIds: string[] }[] {
  const steps: { label: string; stageIds: string[] }[] = [];
  for (const s of [...cycle].sort((a, b) => a.position - b.position)) {
    if (!s.buyerLabel) continue;
    const step = steps.find((x) => x.label === s.buyerLabel);
    if (step) step.stageIds.push(s.id);
    else steps.push({ label: s.buyerLabel, stageIds: [s.id] });
  }
  return steps;
}
