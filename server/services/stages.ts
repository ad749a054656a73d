/** The default sales cycle from the field research (field-notes/000). */
export const DEFAULT_STAGES = [
  "Prospecting",
  "Qualifying",
  "Pricing",
  "Proposing",
  "Negotiating",
  "Closing",
  "Delivering",
  "Servicing",
] as const;

export async function stagesOf(_organizationId: string): Promise<readonly string[]> {
  return DEFAULT_STAGES;
}
