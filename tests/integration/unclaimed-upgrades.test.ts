// An upgrade to a path nobody serves used to be held open forever (issue 13: 500 of 500 still open
// after 70 s, no login needed). Each must be answered and closed promptly, while /collab and
// socket.io keep working on the same port.
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signupUser } from "../support/factories.ts";
import { startTestServer, type TestServer } from "../support/server.ts";
import { insertPage, openClient } from "./collab-support.ts";
import { socketClient } from "./socket-support.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

/** A raw websocket upgrade; resolves with what the server sent and whether it closed within `timeoutMs`. */
function rawUpgrade(path: string, timeoutMs: number): Promise<{ answer: string; closed: boolean }> {
  const { port } = new URL(server.url);
  return new Promise((resolve) => {
    let answer = "";
    const socket = net.connect(Number(port), "127.0.0.1", () => {
      socket.write(
        `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      );
    });
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ answer, closed: false });
    }, timeoutMs);
    socket.on("data", (chunk) => (answer += chunk.toString("latin1")));
    socket.on("error", () => {});
    socket.on("close", () => {
      clearTimeout(timer);
      resolve({ answer, closed: true });
    });
  });
}

describe("upgrades nobody serves", () => {
  it("500 raw upgrades to unknown paths are all answered 404 and closed within 5 s", async () => {
    const paths = Array.from({ length: 500 }, (_, i) => ["/", "/ws", "/api/v1/rooms", `/x${i}`, "/collabo", "/socket.io", "/assets/x.js"][i % 7]!);
    const started = Date.now();
    const results = await Promise.all(paths.map((p) => rawUpgrade(p, 5000)));
    const elapsed = Date.now() - started;
    expect(results).toHaveLength(500);
    expect(results.filter((r) => !r.closed)).toHaveLength(0);
    expect(results.filter((r) => !r.answer.startsWith("HTTP/1.1 404 "))).toHaveLength(0);
    expect(elapsed).toBeLessThan(5000);
  });

  it("/collab and socket.io upgrades are still served on the same port", async () => {
    const { user } = await signupUser(server);
    const room = await server.api("/api/v1/rooms", { token: user.token, body: { name: "Upgrade room", account: "Acme" } });
    const pageId = await insertPage(server.sql, room.body.id);
    const collab = openClient(server.url, pageId, user.token);
    await collab.waitForStatus("saved");
    expect(collab.closes).toEqual([]);
    collab.destroy();
    const io = await socketClient(server.url, user.token);
    expect(await io.emit("room:join", { roomId: room.body.id })).toEqual({ ok: true });
    io.socket.disconnect();
    // A collab upgrade that is refused is answered by collab itself, not by the 404 fallback.
    const refused = await rawUpgrade(`/collab/${pageId}`, 1000);
    expect(refused.answer).toMatch(/^HTTP\/1\.1 101 /);
  });
});
