// The readers of bench/engagement-beats.ts, in their own process (so their CPU is not the
// server's): N real socket.io clients, each a different participant, each sending the heartbeat
// the browser's tracker sends (app/lib/engagement.ts: a zero beat to start, then the seconds it
// counted every BEAT_INTERVAL_MS while active), spread evenly over the interval. Each first joins
// the room, as the browser's socket does on every room page.
// Input (stdin, JSON): { url, roomId, pageId, tokens }. Output: one JSON line a second.
import { io, type Socket } from "socket.io-client";
import { BEAT_INTERVAL_MS } from "../../app/lib/engagement.ts";

interface Input { url: string; roomId: string; pageId: string; tokens: string[] }

const input: Input = JSON.parse(await new Promise<string>((resolve) => {
  let s = "";
  process.stdin.on("data", (c) => (s += c));
  process.stdin.on("end", () => resolve(s));
}));

const stats = { connected: 0, beats: 0, acked: 0, credited: 0, errors: 0, lastError: "" };
const sockets: Socket[] = [];
const timers: NodeJS.Timeout[] = [];
const seconds = BEAT_INTERVAL_MS / 1000;

function beat(socket: Socket, s: number) {
  stats.beats++;
  socket.timeout(10_000).emit("engagement:beat", { roomId: input.roomId, itemType: "page", itemId: input.pageId, seconds: s }, (err: unknown, ack: any) => {
    if (err || !ack?.ok) {
      stats.errors++;
      stats.lastError = err ? String(err) : JSON.stringify(ack);
      return;
    }
    stats.acked++;
    stats.credited += ack.credited ?? 0;
  });
}

let n = 0;
for (const token of input.tokens) {
  n++;
  // Each reader behind its own address (the server trusts X-Forwarded-For from loopback here), as
  // real readers arrive through a proxy; the per-address connection limit is for one address.
  const ip = `10.77.${(n >> 8) & 255}.${n & 255}`;
  const socket = io(input.url, { auth: { token }, transports: ["websocket"], forceNew: true, reconnection: false, extraHeaders: { "x-forwarded-for": ip } });
  sockets.push(socket);
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", () => resolve());
    socket.once("connect_error", reject);
  });
  // As the browser does on every room page (app/lib/realtime.client.ts): join the room's live channel.
  const joined = await socket.timeout(10_000).emitWithAck("room:join", { roomId: input.roomId });
  if (!joined?.ok) throw new Error(`room:join refused: ${JSON.stringify(joined)}`);
  stats.connected++;
}
process.stdout.write(JSON.stringify({ event: "connected", ...stats }) + "\n");

// On SIGUSR1 (the bench first measures the open connections alone): every reader announces
// itself (zero beat), then beats every interval, the readers spread evenly.
process.on("SIGUSR1", () => {
  sockets.forEach((socket, i) => {
    const offset = Math.round((i / sockets.length) * BEAT_INTERVAL_MS);
    timers.push(setTimeout(() => {
      beat(socket, 0);
      timers.push(setInterval(() => beat(socket, seconds), BEAT_INTERVAL_MS));
    }, offset));
  });
});

process.stdin.resume();
const report = setInterval(() => process.stdout.write(JSON.stringify({ event: "stats", ...stats }) + "\n"), 5000);
process.on("SIGTERM", () => {
  clearInterval(report);
  for (const t of timers) clearTimeout(t);
  for (const s of sockets) s.disconnect();
  process.stdout.write(JSON.stringify({ event: "final", ...stats }) + "\n");
  setTimeout(() => process.exit(0), 200);
});
