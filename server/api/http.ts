import express, { type NextFunction, type Request, type RequestHandler, type Response } from "express";
import type { Actor } from "../access/index.ts";
import type { RequestAuth } from "../auth/middleware.ts";
import { withActor, type ActorContext, type AppContext } from "../context.ts";
import { AppError, errorBody, notFound, unauthenticated } from "../errors.ts";

export const JSON_BODY_LIMIT = "256kb";

export const authOf = (res: Response): RequestAuth => res.locals.auth as RequestAuth;
export const clientIp = (req: Request) => req.ip ?? req.socket.remoteAddress;
export const requestMeta = (req: Request) => ({ ip: clientIp(req), userAgent: req.headers["user-agent"] });

export function requireActor(res: Response): Actor {
  const actor = authOf(res).actor;
  if (!actor) throw unauthenticated("Send a bearer token or sign in.");
  return actor;
}

export const actorContext = (app: AppContext, req: Request, res: Response): ActorContext =>
  withActor(app, requireActor(res), clientIp(req));

/** A route parameter as a plain string (Express types allow arrays for wildcards). */
export function param(req: Request, name: string): string | undefined {
  const value = req.params[name];
  return typeof value === "string" ? value : undefined;
}

/** Wraps an async handler so a thrown AppError (or anything else) reaches the error handler. */
export function route(handler: (req: Request, res: Response) => Promise<unknown>): RequestHandler {
  return (req, res, next) => {
    handler(req, res).catch(next);
  };
}

/** Every API error leaves as `{ error: { code, message, fields? } }`. */
export function apiErrorHandler(app: AppContext) {
  return (error: unknown, req: Request, res: Response, _next: NextFunction) => {
    const appError = toAppError(error);
    if (appError.status >= 500) app.log.error({ err: error, path: req.path }, "API request failed");
    if (appError.retryAfterSeconds) res.setHeader("Retry-After", String(appError.retryAfterSeconds));
    res.status(appError.status).json(errorBody(appError));
  };
}

export function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  // Express fails to decode a path such as /rooms/%ZZ before any handler runs: no such thing exists.
  if (error instanceof URIError) return notFound();
  const e = error as { type?: string; status?: number };
  if (e?.type === "entity.too.large") return new AppError(413, "payload_too_large", `The request body is larger than ${JSON_BODY_LIMIT}.`);
  if (e?.type === "entity.parse.failed") return new AppError(400, "invalid_json", "The request body is not valid JSON.");
  if (e?.type === "encoding.unsupported" || e?.type === "charset.unsupported") {
    return new AppError(415, "unsupported_encoding", "Send the body as UTF-8 JSON.");
  }
  return new AppError(500, "internal", "Something went wrong on our side. Nothing you sent was lost; try again.");
}

export const jsonBody = express.json({ limit: JSON_BODY_LIMIT, strict: false });
