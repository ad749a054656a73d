import type { NextFunction, Request, Response } from "express";
import type { Actor } from "../access/index.ts";
import type { AppContext } from "../context.ts";
import { AppError, errorBody } from "../errors.ts";
import { SESSION_COOKIE, readCookie, sessionCookie } from "./cookies.ts";
import { validateSessionToken, type Session } from "./sessions.ts";

/** What the auth middleware leaves on `res.locals` for every later handler. */
export interface RequestAuth {
  actor: Actor | null;
  session: Session | null;
  /** How the caller authenticated; cookie writes need the CSRF check, bearer calls do not. */
  via: "bearer" | "cookie" | null;
}

export function bearerToken(header: string | undefined): string | undefined {
  const match = header?.match(/^Bearer\s+(\S+)$/i);
  return match?.[1];
}

export function isSecureRequest(app: AppContext, req: Request): boolean {
  return req.secure || app.config.publicUrl?.startsWith("https://") === true;
}

/** Resolves the bearer token or session cookie into an actor; slides the cookie's expiry forward. */
export function authenticate(app: AppContext) {
  return async (req: Request, res: Response, next: NextFunction) => {
    const auth: RequestAuth = { actor: null, session: null, via: null };
    res.locals.auth = auth;
    try {
      const bearer = bearerToken(req.headers.authorization);
      const cookie = readCookie(req.headers.cookie, SESSION_COOKIE);
      const token = bearer ?? cookie;
      if (token) {
        const result = await validateSessionToken(app.sql, token);
        if (result) {
          auth.actor = { userId: result.user.id, name: result.user.name, email: result.user.email };
          auth.session = result.session;
          auth.via = bearer ? "bearer" : "cookie";
          if (!bearer && result.renewed) {
            res.append("Set-Cookie", sessionCookie(token, result.session.expiresAt, isSecureRequest(app, req)));
          }
        } else if (bearer) {
          res.status(401).json(errorBody(new AppError(401, "invalid_token", "The bearer token is invalid or has expired.")));
          return;
        }
      }
      next();
    } catch (error) {
      next(error);
    }
  };
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * CSRF protection for cookie-authenticated writes: SameSite=Lax keeps the cookie off
 * cross-site subrequests, and the Origin (or Referer) must be our own origin.
 */
export function csrfGuard(app: AppContext) {
  return (req: Request, res: Response, next: NextFunction) => {
    if (SAFE_METHODS.has(req.method) || bearerToken(req.headers.authorization)) return next();
    if (!readCookie(req.headers.cookie, SESSION_COOKIE)) return next();
    const origin = req.headers.origin ?? refererOrigin(req.headers.referer);
    const allowed = new Set([`${req.protocol}://${req.headers.host}`]);
    if (app.config.publicUrl) allowed.add(new URL(app.config.publicUrl).origin);
    if (origin && allowed.has(origin)) return next();
    res.status(403).json(errorBody(new AppError(403, "csrf", "This request did not come from Dealroom's own pages.")));
  };
}

function refererOrigin(referer: string | undefined): string | undefined {
  if (!referer) return undefined;
  try {
    return new URL(referer).origin;
  } catch {
    return undefined;
  }
}
