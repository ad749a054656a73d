/**
 * The roles a member plays in a room's deal team (team selling, docs/decisions/021-pipeline.md):
 * the sales person, the design consultant who works out the solution, the financial expert who
 * estimates the cost, the sales manager who sets the strategy, and the sales enabler who supports
 * another member's sale. Shared by the server (validation, db/migrations/0021_deal_team_credit.sql
 * holds the same list) and the pages that show them.
 */
export const DEAL_ROLES = ["sales_person", "design_consultant", "financial_expert", "sales_manager", "sales_enabler"] as const;
export type DealRole = (typeof DEAL_ROLES)[number];

export const DEAL_ROLE_LABELS: Record<DealRole, string> = {
  sales_person: "Sales person",
  design_consultant: "Design consultant",
  financial_expert: "Financial expert",
  sales_manager: "Sales manager",
  sales_enabler: "Sales enabler",
};

export const dealRoleLabel = (role: string | null | undefined) => (role && role in DEAL_ROLE_LABELS ? DEAL_ROLE_LABELS[role as DealRole] : null);
