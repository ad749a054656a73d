import type http from "node:http";
import type { Config } from "../config.ts";

/**
 * Whether a websocket (or socket.io) handshake may ride the visitor's session cookie. Browsers
 * always send Origin on these; it must be this host or PUBLIC_URL, else a page elsewhere — another
 * port or a subdomain, which SameSite=Lax still sends the cookie from — could act as the visitor
 * (cross-site WebSocket hijacking). Clients without Origin (Node, tools) pass: they carry their
 * own credentials. Used by /collab and socket.io alike (docs/access.md, "Live connections").
 */
export function websocketOriginAllowed(config: Pick<Config, "publicUrl">, req: http.IncomingMessage): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  let parsed: URL;
  try {
    parsed = new URL(origin);
  } catch {
    return false;
  }
  if (req.headers.host && parsed.host === req.headers.host) return true;
  return config.publicUrl !== undefined && parsed.origin === new URL(config.publicUrl).origin;
}
