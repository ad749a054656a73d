import { io, type Socket } from "socket.io-client";

// The browser's one socket.io connection (cookie-authenticated, same origin). Rooms are joined
// by asking the server (`room:join`); it alone decides which channels the socket is in. After a
// reconnect, or when the server revokes a room ("room:revoked"), wanted rooms are asked for
// again, and whoever cares hears whether the policy still says yes.
// Client-only module: call these from effects, never while rendering.

type Handler = (payload: any) => void;
type RoomState = "joined" | "refused" | "offline";
type AccessListener = (roomId: string, state: RoomState) => void;

let socket: Socket | null = null;
const wantedRooms = new Map<string, number>();
const joinedRooms = new Set<string>();
const accessListeners = new Set<AccessListener>();

function announce(roomId: string, state: RoomState) {
  if (state === "joined") joinedRooms.add(roomId);
  else joinedRooms.delete(roomId);
  for (const listener of accessListeners) listener(roomId, state);
}

function ask(roomId: string) {
  socket?.timeout(10_000).emit("room:join", { roomId }, (error: Error | null, ack: { ok?: true; error?: unknown } | undefined) => {
    if (error) return; // timed out: the next reconnect asks again
    announce(roomId, ack?.ok ? "joined" : "refused");
  });
}

function connection(): Socket {
  if (socket) return socket;
  // A device without network does not try (each failed attempt is an error in the console); it
  // connects when the network is back (docs/decisions/029-offline-editing.md).
  socket = io({ transports: ["websocket"], withCredentials: true, autoConnect: navigator.onLine !== false });
  window.addEventListener("offline", () => socket?.disconnect());
  window.addEventListener("online", () => socket?.connect());
  socket.on("connect", () => {
    for (const roomId of wantedRooms.keys()) ask(roomId);
  });
  socket.on("disconnect", (reason) => {
    for (const roomId of [...joinedRooms]) announce(roomId, "offline");
    // The server ends a socket whose session ended (sign-out, password change). If this browser
    // has signed in again since, one new handshake with the new cookie picks up from here; with no
    // session the handshake is refused and nothing retries.
    if (reason === "io server disconnect") setTimeout(() => socket?.connect(), 2000);
  });
  socket.on("room:revoked", (payload: { roomId?: string }) => {
    if (!payload?.roomId) return;
    announce(payload.roomId, "offline");
    if (wantedRooms.has(payload.roomId)) ask(payload.roomId);
  });
  return socket;
}

/** Subscribes to a room's live events for as long as the returned function is not called. */
export function joinRoom(roomId: string): () => void {
  const s = connection();
  const count = wantedRooms.get(roomId) ?? 0;
  wantedRooms.set(roomId, count + 1);
  if (count === 0 && s.connected) ask(roomId);
  return () => {
    const left = (wantedRooms.get(roomId) ?? 1) - 1;
    if (left > 0) return void wantedRooms.set(roomId, left);
    wantedRooms.delete(roomId);
    joinedRooms.delete(roomId);
    s.emit("room:leave", { roomId });
  };
}

/** Listens to one event (room events of joined rooms, and events for this person). */
export function onEvent(event: string, handler: Handler): () => void {
  const s = connection();
  s.on(event, handler);
  return () => void s.off(event, handler);
}

/** Listens to every event the server sends. */
export function onAnyEvent(handler: (event: string, payload: any) => void): () => void {
  const s = connection();
  s.onAny(handler);
  return () => void s.offAny(handler);
}

/** Whether live events of the room are arriving now. */
export const isJoined = (roomId: string) => joinedRooms.has(roomId);

/** Hears whether (re)joining a room was allowed ("refused": access was taken away), and losses of the connection. */
export function onRoomAccess(listener: AccessListener): () => void {
  accessListeners.add(listener);
  return () => void accessListeners.delete(listener);
}

/** Sends an event and waits for the server's acknowledgement. */
export async function request<T = unknown>(event: string, payload: unknown): Promise<T> {
  return connection().timeout(10_000).emitWithAck(event, payload) as Promise<T>;
}
