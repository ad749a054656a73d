import { redirect } from "react-router";
import type { Route } from "./+types/settings._index";
import { orErrorPage } from "../lib/actions.server.ts";
import { actorContext } from "../lib/session.server.ts";
import { settingsOrganization } from "../lib/settings.server.ts";

/** /settings opens the members tab, for the same organization; non-admins get the same refusal as there. */
export async function loader({ request, context }: Route.LoaderArgs) {
  const ctx = actorContext(request, context);
  const { organization, explicit } = await orErrorPage(() => settingsOrganization(ctx, request));
  throw redirect(`/settings/members${explicit ? `?org=${organization.id}` : ""}`);
}

// Never shown (the loader always redirects or refuses), but a route with a component is a page:
// a refusal here renders the error page like every other page, not a bare JSON body.
export default function SettingsIndex() {
  return null;
}
