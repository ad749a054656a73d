// Clients that record every frame the server sends them, byte for byte, for the wire-level
// leak check (tests/integration/leak-check.test.ts).
import { NodeWebSocket } from "engine.io-client";
import { io, type Socket } from "socket.io-client";
import WebSocket from "ws";
import * as Y from "yjs";
import { connectPage, type PageConnection } from "../../collab/client.ts";

export interface Frame {
  /** When it arrived (Date.now()). */
  at: number;
  /** Which connection: "collab <pageId>" or "socket.io". */
  channel: string;
  bytes: Buffer;
}

export class FrameLog {
  readonly frames: Frame[] = [];

  record(channel: string, data: WebSocket.RawData | string) {
    const bytes =
      typeof data === "string"
        ? Buffer.from(data, "utf8")
        : Array.isArray(data)
          ? Buffer.concat(data)
          : data instanceof ArrayBuffer
            ? Buffer.from(new Uint8Array(data))
            : Buffer.from(data);
    this.frames.push({ at: Date.now(), channel, bytes });
  }

  /**
   * The frames that contain `needle`, searched in the raw bytes and in the bytes decoded as
   * UTF-8 (binary Yjs frames carry strings as UTF-8 between binary lengths), optionally only
   * those that arrived before `before`.
   */
  containing(needle: string, before = Infinity): Frame[] {
    const raw = Buffer.from(needle, "utf8");
    return this.frames.filter((f) => f.at < before && (f.bytes.includes(raw) || f.bytes.toString("utf8").includes(needle)));
  }

  count(channel: string) {
    return this.frames.filter((f) => f.channel === channel).length;
  }
}

/** The `ws` WebSocket, but every message it receives goes to `log` first. For y-websocket's WebSocketPolyfill. */
export function recordingWebSocket(log: FrameLog, channel: string) {
  return class RecordingWebSocket extends WebSocket {
    constructor(address: string | URL, protocols?: string | string[], options?: WebSocket.ClientOptions) {
      super(address, protocols, options);
      this.on("message", (data: WebSocket.RawData) => log.record(channel, data));
    }
  };
}

/** A y-websocket client of a page whose every received frame is recorded. */
export function recordedPage(serverUrl: string, pageId: string, token: string, log: FrameLog): { doc: Y.Doc; connection: PageConnection; closes: number[] } {
  const doc = new Y.Doc();
  const connection = connectPage({ url: serverUrl, pageId, doc, token, WebSocketPolyfill: recordingWebSocket(log, `collab ${pageId}`) });
  const closes: number[] = [];
  connection.provider.on("connection-close", (event) => {
    if (event) closes.push(event.code);
  });
  return { doc, connection, closes };
}

/**
 * A socket.io client over the websocket transport whose raw frames are recorded: the transport
 * creates its `ws` socket through our subclass, so nothing reaches the client unrecorded.
 */
export function recordedSocket(serverUrl: string, token: string, log: FrameLog): { socket: Socket; events: { at: number; name: string; payload: unknown }[] } {
  class RecordingTransport extends NodeWebSocket {
    override createSocket(uri: string, protocols: string | string[] | undefined, opts: Record<string, unknown>) {
      const ws = super.createSocket(uri, protocols, opts) as WebSocket;
      ws.on("message", (data: WebSocket.RawData) => log.record("socket.io", data));
      return ws;
    }
  }
  const socket = io(serverUrl, { auth: { token }, transports: [RecordingTransport], forceNew: true, reconnection: false });
  const events: { at: number; name: string; payload: unknown }[] = [];
  socket.onAny((name: string, payload: unknown) => events.push({ at: Date.now(), name, payload }));
  return { socket, events };
}
