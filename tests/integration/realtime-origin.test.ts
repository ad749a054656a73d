// Cross-site WebSocket hijacking of socket.io (issue 13): SameSite=Lax sends the session cookie from
// another port or a subdomain of the same site, so a page there could open the victim's socket and
// read internal messages and her notifications. The handshake's Origin must be ours, as on /collab.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { SESSION_COOKIE } from "../../server/auth/cookies.ts";
import { roomWithCast } from "../support/factories.ts";
import { startTestServer, type TestServer } from "../support/server.ts";
import { socketClient, type SocketClient } from "./socket-support.ts";

let server: TestServer;
let cast: Awaited<ReturnType<typeof roomWithCast>>;
const sockets: SocketClient[] = [];

beforeAll(async () => {
  server = await startTestServer();
  cast = await roomWithCast(server);
});
afterEach(() => {
  for (const s of sockets.splice(0)) s.socket.disconnect();
});
afterAll(async () => {
  await server.close();
});

const port = () => Number(new URL(server.url).port);
/** The victim's browser: her session cookie, sent from a page at `origin`. */
const asBrowser = (origin: string, transports: ("websocket" | "polling")[]) => ({
  transports,
  extraHeaders: { cookie: `${SESSION_COOKIE}=${cast.owner.token}`, origin },
});

describe("socket.io checks the Origin of browser handshakes", () => {
  for (const transports of [["websocket"], ["polling"]] as ("websocket" | "polling")[][]) {
    it(`refuses the victim's cookie from a page on another port or a subdomain (${transports[0]})`, async () => {
      for (const origin of [`http://127.0.0.1:${port() + 1}`, `http://evil.localhost:${port()}`, "null"]) {
        await expect(socketClient(server.url, undefined, asBrowser(origin, transports)), origin).rejects.toThrow();
      }
    });

    it(`accepts the cookie from our own origin (${transports[0]}) and the socket works`, async () => {
      const own = await socketClient(server.url, undefined, asBrowser(server.url, transports));
      sockets.push(own);
      expect(await own.emit("room:join", { roomId: cast.room.id })).toEqual({ ok: true });
      const thread = await server.api(`/api/v1/rooms/${cast.room.id}/threads`, {
        token: cast.internalEditor.token, body: { title: "Walk-away price", visibility: "internal", body: "12%" },
      });
      expect(thread.status).toBe(201);
      await own.waitFor("thread.created", (t) => t.id === thread.body.id);
    });
  }

  it("a client without Origin (a script with a bearer token) still connects", async () => {
    const script = await socketClient(server.url, cast.owner.token);
    sockets.push(script);
    expect(await script.emit("room:join", { roomId: cast.room.id })).toEqual({ ok: true });
  });
});
