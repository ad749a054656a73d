import { redirect, type AppLoadContext } from "react-router";
import type { Actor } from "../../server/access/index.ts";
import type { Session } from "../../server/auth/sessions.ts";
import type { ActorContext } from "../../server/context.ts";
import type { RequestMeta } from "../../server/services/accounts.ts";
import { loginUrl } from "./redirect.ts";

// The glue between React Router's requests and the services (`context.app.services`,
// docs/architecture.md "How services reach routes"): who is asking, and the session cookie. Every loader and action asks here itself (loaders run in parallel,
// so a check in a parent route protects nothing).

/** Where the current request was going, to come back after signing in. */
function returnPath(request: Request): string {
  const url = new URL(request.url);
  return `${url.pathname}${url.search}`;
}

/** The signed-in actor, or a redirect to /login that comes back here afterwards. */
export function requireActor(request: Request, context: AppLoadContext): Actor {
  const actor = context.auth.actor;
  if (!actor) throw redirect(loginUrl(returnPath(request)));
  return actor;
}

/** What a service call on behalf of the signed-in user needs. */
export function actorContext(request: Request, context: AppLoadContext): ActorContext {
  return { ...context.app, actor: requireActor(request, context), ip: context.ip };
}

export function requestMeta(request: Request, context: AppLoadContext): RequestMeta {
  return { ip: context.ip, userAgent: request.headers.get("user-agent") ?? undefined };
}

/** Same rule as the auth middleware: HTTPS requests, or a deployment whose public URL is HTTPS. */
function isSecure(request: Request, context: AppLoadContext): boolean {
  return new URL(request.url).protocol === "https:" || context.app.config.publicUrl?.startsWith("https://") === true;
}

/** A redirect that starts a cookie session (after signup, login or accepting an invitation). */
export function redirectWithSession(
  to: string,
  created: { token: string; session: Session },
  request: Request,
  context: AppLoadContext,
) {
  return redirect(to, {
    headers: { "Set-Cookie": context.app.services.cookies.sessionCookie(created.token, created.session.expiresAt, isSecure(request, context)) },
  });
}

export function redirectClearingSession(to: string, request: Request, context: AppLoadContext) {
  return redirect(to, { headers: { "Set-Cookie": context.app.services.cookies.clearedSessionCookie(isSecure(request, context)) } });
}
