// socket.io clients for the integration tests: real socket.io-client sockets against a real server.
import { io as connect, type ManagerOptions, type Socket, type SocketOptions } from "socket.io-client";

export interface SocketClient {
  socket: Socket;
  events: { name: string; payload: any }[];
  /** Resolves with the disconnect reason once the socket is disconnected. */
  disconnected: Promise<string>;
  emit(event: string, ...args: unknown[]): Promise<any>;
  waitFor(name: string, predicate?: (payload: any) => boolean, timeoutMs?: number): Promise<any>;
}

/** Connects with a bearer token (or with whatever `options` carry: cookie headers, Origin); rejects on connect_error. */
export async function socketClient(url: string, token: string | undefined, options: Partial<ManagerOptions & SocketOptions> = {}): Promise<SocketClient> {
  const socket = connect(url, {
    auth: token ? { token } : {},
    transports: ["websocket"],
    forceNew: true,
    reconnection: false,
    ...options,
  });
  const events: { name: string; payload: any }[] = [];
  socket.onAny((name: string, payload: unknown) => events.push({ name, payload }));
  const disconnected = new Promise<string>((resolve) => socket.once("disconnect", (reason) => resolve(reason)));
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once("connect", () => resolve());
      socket.once("connect_error", reject);
    });
  } catch (error) {
    socket.disconnect();
    throw error;
  }
  return {
    socket,
    events,
    disconnected,
    emit: (event, ...args) => socket.timeout(5000).emitWithAck(event, ...args),
    waitFor(name, predicate = () => true, timeoutMs = 5000) {
      const seen = events.find((e) => e.name === name && predicate(e.payload));
      if (seen) return Promise.resolve(seen.payload);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          socket.offAny(listener);
          reject(new Error(`no ${name} event within ${timeoutMs} ms; got ${events.map((e) => e.name).join(", ") || "nothing"}`));
        }, timeoutMs);
        const listener = (event: string, payload: unknown) => {
          if (event !== name || !predicate(payload)) return;
          clearTimeout(timer);
          socket.offAny(listener);
          resolve(payload);
        };
        socket.onAny(listener);
      });
    },
  };
}

/** Resolves with `value` after `ms`: for racing a promise that must settle quickly. */
export const after = <T>(ms: number, value: T) => new Promise<T>((resolve) => setTimeout(() => resolve(value), ms));
