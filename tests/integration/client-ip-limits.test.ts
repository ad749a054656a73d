// Client-chosen IPs for every limiter (issue 13): `trust proxy` used to cover loopback, link-local
// and unique-local ranges (and /collab mirrored it), so any client on those networks chose its
// address per request with X-Forwarded-For: 55 logins with a new address each never got 429, and
// 150 collab upgrades in 10 s were all accepted. By default no proxy is trusted (TRUST_PROXY).
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../support/server.ts";

let plain: TestServer;
let proxied: TestServer;
beforeAll(async () => {
  plain = await startTestServer();
  // Behind a reverse proxy on this host: only it may name the client.
  proxied = await startTestServer({ env: { TRUST_PROXY: "127.0.0.1" } });
});
afterAll(async () => {
  await Promise.all([plain.close(), proxied.close()]);
});

let n = 0;
const address = () => `198.51.${100 + ((n >> 8) & 3)}.${n++ & 255}`;

async function loginAttempts(server: TestServer, count: number, forwardedFor: () => string): Promise<number[]> {
  const statuses: number[] = [];
  for (let i = 0; i < count; i++) {
    const res = await server.api("/api/v1/login", {
      body: { email: `nobody-${i}-${Math.random().toString(36).slice(2)}@example.test`, password: "wrong password" },
      headers: { "x-forwarded-for": forwardedFor() },
    });
    statuses.push(res.status);
  }
  return statuses;
}

/** A raw upgrade to /collab; resolves with the status line the server answers. */
function collabUpgrade(server: TestServer, forwardedFor: string): Promise<string> {
  const { port } = new URL(server.url);
  return new Promise((resolve) => {
    const socket = net.connect(Number(port), "127.0.0.1", () => {
      socket.write(
        `GET /collab/7d1a3c52-0000-4000-8000-000000000000 HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\n` +
          `Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nX-Forwarded-For: ${forwardedFor}\r\n\r\n`,
      );
    });
    socket.once("data", (chunk) => {
      resolve(chunk.toString("latin1").split("\r\n")[0]!);
      socket.destroy();
    });
    socket.on("error", () => resolve("error"));
  });
}

describe("without TRUST_PROXY, X-Forwarded-For is not believed", () => {
  it("55 failed logins from one peer, each naming a new address, run into the per-IP limit (429)", async () => {
    const statuses = await loginAttempts(plain, 55, address);
    expect(statuses.slice(0, 50).every((s) => s === 401)).toBe(true);
    expect(statuses.slice(50)).toEqual([429, 429, 429, 429, 429]);
  });

  it("150 collab upgrades in 10 s, each naming a new address, are limited after 120", async () => {
    const lines: string[] = [];
    for (let i = 0; i < 150; i++) lines.push(await collabUpgrade(plain, address()));
    expect(lines.filter((l) => l.startsWith("HTTP/1.1 101 "))).toHaveLength(120);
    expect(lines.filter((l) => l.startsWith("HTTP/1.1 429 "))).toHaveLength(30);
  });
});

describe("with TRUST_PROXY naming the proxy, its X-Forwarded-For is the client", () => {
  it("logins are limited per forwarded client: new clients pass, one client repeating is limited", async () => {
    const many = await loginAttempts(proxied, 55, address);
    expect(many).toHaveLength(55);
    expect(many.every((s) => s === 401)).toBe(true);
    const one = address();
    const repeated = await loginAttempts(proxied, 51, () => one);
    expect(repeated.slice(0, 50).every((s) => s === 401)).toBe(true);
    expect(repeated[50]).toBe(429);
  });

  it("collab upgrades count the same forwarded client", async () => {
    const one = address();
    const lines: string[] = [];
    for (let i = 0; i < 121; i++) lines.push(await collabUpgrade(proxied, one));
    expect(lines.slice(0, 120).every((l) => l.startsWith("HTTP/1.1 101 "))).toBe(true);
    expect(lines[120]).toMatch(/^HTTP\/1\.1 429 /);
    // Another client behind the same proxy is not affected.
    expect(await collabUpgrade(proxied, address())).toMatch(/^HTTP\/1\.1 101 /);
  });
});
