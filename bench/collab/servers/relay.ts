import { WebSocketServer, type WebSocket } from "ws";

/**
 * The physical floor: a bare websocket relay that forwards every message to the other sockets on
 * the same path. No Yjs, no state, no storage — what remains is the cost of moving bytes.
 */
const rooms = new Map<string, Set<WebSocket>>();
const wss = new WebSocketServer({ host: "127.0.0.1", port: 0, perMessageDeflate: false });
wss.on("connection", (ws, req) => {
  const name = req.url ?? "/";
  let room = rooms.get(name);
  if (!room) rooms.set(name, (room = new Set()));
  const peers = room;
  peers.add(ws);
  ws.on("message", (data, isBinary) => {
    for (const peer of peers) if (peer !== ws && peer.readyState === 1) peer.send(data, { binary: isBinary });
  });
  ws.on("close", () => {
    peers.delete(ws);
    if (!peers.size) rooms.delete(name);
  });
  ws.on("error", () => {});
});
wss.on("listening", () => {
  const address = wss.address();
  console.log(`LISTENING ${typeof address === "string" ? address : address?.port}`);
});
process.on("SIGTERM", () => wss.close(() => process.exit(0)));
