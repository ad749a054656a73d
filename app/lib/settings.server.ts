import type { ActorContext } from "../../server/context.ts";
import type { OrganizationSummary } from "../../server/services/accounts.ts";

/**
 * The organization the settings pages are about: `?org=<id>`, or else the first one the user
 * administers. The members service decides: 404 for an organization the user is not in, 403
 * for one they are a member but not an admin of. Someone who administers none is refused.
 */
export async function settingsOrganization(ctx: ActorContext, request: Request) {
  const { accounts, errors, members } = ctx.services;
  const organizations = await accounts.organizationsOf(ctx.sql, ctx.actor.userId);
  const administered = organizations.filter((o) => o.role === "admin");
  const asked = new URL(request.url).searchParams.get("org");
  // Without ?org, a member who administers nothing is asked about their own organization (403).
  const id = asked ?? administered[0]?.id ?? organizations[0]?.id;
  if (!id) throw errors.forbidden("Only organization admins can change organization settings.");
  await members.requireOrgAdmin(ctx, id);
  const organization = organizations.find((o) => o.id === id) as OrganizationSummary;
  return { organization, administered, explicit: asked !== null };
}
