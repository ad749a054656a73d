import type { Route } from "./+types/notifications.count";
import { actorContext } from "../lib/session.server.ts";

/** The bell's number, for the top bar to fetch. Signed out: nothing to count (never a redirect). */
export async function loader({ request, context }: Route.LoaderArgs) {
  if (!context.auth.actor) return { unreadCount: 0 };
  return { unreadCount: await context.app.services.inbox.notificationBadge(actorContext(request, context)) };
}

/**
 * In the browser: a device without network (a page opened offline, docs/decisions/029-offline-editing.md)
 * keeps the last number instead of failing the page it sits on; any other failure is thrown as before.
 */
export async function clientLoader({ serverLoader }: Route.ClientLoaderArgs) {
  try {
    return await serverLoader();
  } catch (error) {
    if (navigator.onLine === false || error instanceof TypeError) return { unreadCount: null };
    throw error;
  }
}
