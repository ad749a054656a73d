import type { Route } from "./+types/notifications.count";
import { actorContext } from "../lib/session.server.ts";

/** The bell's number, for the top bar to fetch. Signed out: nothing to count (never a redirect). */
export async function loader({ request, context }: Route.LoaderArgs) {
  if (!context.auth.actor) return { unreadCount: 0 };
  return { unreadCount: await context.app.services.inbox.notificationBadge(actorContext(request, context)) };
}
