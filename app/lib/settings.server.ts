import type { ActorContext } from "../../server/context.ts";
import type { OrganizationSummary } from "../../server/services/accounts.ts";

/**
 * The organization the settings pages are about: `?org=<id>`, or else the first one the user
 * administers. The access policy decides (`org.manageSettings`): 404 for an organization the
 * user is not in, 403 for one they are a member but not an admin of, 403 for someone in none.
 */
export async function settingsOrganization(ctx: ActorContext, request: Request) {
  const asked = new URL(request.url).searchParams.get("org");
  const { organization, allowed } = await ctx.services.accounts.organizationFor(ctx, "org.manageSettings", asked);
  return { organization, administered: allowed, explicit: asked !== null };
}
