import type http from "node:http";
import type { Duplex } from "node:stream";
import { WebSocketServer } from "ws";
import type { AppContext } from "../server/context.ts";
import { CLOSE } from "./close-codes.ts";

/**
 * The /collab/<pageId> websocket endpoint. It claims only its own path and never touches
 * other upgrades (Vite HMR and socket.io share the HTTP server).
 */
export function attachCollab(_app: AppContext, server: http.Server) {
  const wss = new WebSocketServer({ noServer: true, maxPayload: 1024 * 1024 });
  const onUpgrade = (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    if (!req.url?.startsWith("/collab/")) return;
    wss.handleUpgrade(req, socket, head, (ws) => {
      ws.close(CLOSE.UNAVAILABLE, "Live editing is not available yet");
    });
  };
  server.on("upgrade", onUpgrade);
  return {
    close: async () => {
      server.off("upgrade", onUpgrade);
      for (const client of wss.clients) client.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
