import { redirect } from "react-router";
import type { Route } from "./+types/logout";
import { redirectClearingSession } from "../lib/session.server.ts";

// Signing out is a POST (a link or prefetch must never sign anyone out).
export function loader() {
  return redirect("/");
}

export async function action({ request, context }: Route.ActionArgs) {
  const { services } = context.app;
  const { session, via } = context.auth;
  if (session && via === "cookie") {
    await services.sessions.invalidateSession(context.app.sql, session.id);
    // The session's live sockets (threads, presence, collab) close with it.
    context.app.bus.invalidate({ sessionIds: [session.id] });
  }
  return redirectClearingSession("/", request, context);
}
