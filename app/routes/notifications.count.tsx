import type { Route } from "./+types/notifications.count";
import { withActor } from "../../server/context.ts";
import { notificationBadge } from "../../server/notifications/inbox.ts";

/** The bell's number, for the top bar to fetch. Signed out: nothing to count (never a redirect). */
export async function loader({ context }: Route.LoaderArgs) {
  const actor = context.auth.actor;
  if (!actor) return { unreadCount: 0 };
  return { unreadCount: await notificationBadge(withActor(context.app, actor, context.ip)) };
}
