import type http from "node:http";
import type { Duplex } from "node:stream";

/** Who answers an upgrade request: one of the three websocket users of the port, or nobody. */
export type UpgradeOwner = "socket.io" | "collab" | "vite" | null;

/**
 * Decides ownership by the same tests the owners apply: engine.io claims URLs that start with
 * `/socket.io/` (its `check`), collab claims `/collab` and `/collab/*` (collab/server.ts), and in
 * development Vite's HMR claims upgrades offering its `vite-hmr` / `vite-ping` subprotocol (Vite
 * then checks the path and token itself, so every such upgrade is left to it).
 */
export function upgradeOwner(req: http.IncomingMessage, development: boolean): UpgradeOwner {
  const url = req.url ?? "";
  if (url.startsWith("/socket.io/")) return "socket.io";
  if (/^\/collab(?:[/?]|$)/.test(url)) return "collab";
  if (development) {
    const protocols = String(req.headers["sec-websocket-protocol"] ?? "").split(",").map((p) => p.trim());
    if (protocols.includes("vite-hmr") || protocols.includes("vite-ping")) return "vite";
  }
  return null;
}

/**
 * Answers every upgrade nobody owns with 404 and closes it (an unanswered upgrade would be held
 * open forever: issue 13). Upgrades someone owns are never touched (docs/architecture.md, "One
 * port, three websocket users").
 */
export function refuseUnclaimedUpgrades(server: http.Server, development: boolean): () => void {
  const listener = (req: http.IncomingMessage, socket: Duplex) => {
    if (upgradeOwner(req, development)) return;
    socket.on("error", () => {});
    if (!socket.writable) return void socket.destroy();
    socket.once("finish", () => socket.destroy());
    socket.end("HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: 9\r\n\r\nNot Found");
  };
  server.on("upgrade", listener);
  return () => void server.off("upgrade", listener);
}
