import { randomBytes } from "node:crypto";
import type { RequestHandler, Response } from "express";
import type { AppContext } from "./context.ts";

/** The nonce this response's inline scripts carry (app/entry.server.tsx). */
export const cspNonceOf = (res: Response): string | undefined => res.locals.cspNonce as string | undefined;

/**
 * Security headers on every response. The CSP allows our own scripts and, inline, only those
 * carrying this response's nonce (React Router's hydration data and the scroll restoration
 * script; app/entry.server.tsx), our own websockets, and images from data: URLs. Only the
 * development server (Vite's hot reload injects its own inline scripts) allows more.
 */
export function securityHeaders(app: AppContext, dev: boolean): RequestHandler {
  const connect = ["'self'", "ws:", "wss:"].join(" ");
  const policy = (nonce: string) =>
    [
      "default-src 'self'",
      dev ? "script-src 'self' 'unsafe-inline' 'unsafe-eval'" : `script-src 'self' 'nonce-${nonce}'`,
      "style-src 'self' 'unsafe-inline'",
      "img-src 'self' data: blob:",
      "font-src 'self' data:",
      `connect-src ${connect}`,
      "frame-ancestors 'none'",
      "base-uri 'self'",
      "form-action 'self'",
      "object-src 'none'",
    ].join("; ");
  const hsts = app.config.publicUrl?.startsWith("https://");
  return (_req, res, next) => {
    // 128 random bits per response, as CSP Level 3 asks.
    const nonce = randomBytes(16).toString("base64");
    res.locals.cspNonce = dev ? undefined : nonce;
    res.setHeader("Content-Security-Policy", policy(nonce));
    res.setHeader("X-Content-Type-Options", "nosniff");
    res.setHeader("X-Frame-Options", "DENY");
    res.setHeader("Referrer-Policy", "same-origin");
    res.setHeader("Cross-Origin-Opener-Policy", "same-origin");
    res.setHeader("Permissions-Policy", "camera=(), microphone=(), geolocation=()");
    if (hsts) res.setHeader("Strict-Transport-Security", "max-age=31536000; includeSubDomains");
    next();
  };
}
