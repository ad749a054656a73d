import { randomBytes } from "node:crypto";
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { roomWithCast } from "../support/factories.ts";
import type { TestServer } from "../support/server.ts";
import { filesUnder, startFilesServer, upload } from "./files-support.ts";

// One request must never stop the server (docs/access.md "Resource bounds"). An upload that a
// browser cancels, or a client that dies, can stop at any byte: in the headers, in a field, in
// the file, after the body, before or after the server has answered 413. A seeded series of
// uploads cut at random points, some over the limit, some declared and some chunked, leaves the
// server answering, with no temp file left and uploads working afterwards.

const LIMIT = 64 * 1024;
let server: TestServer & { dataDir: string };
let cast: Awaited<ReturnType<typeof roomWithCast>>;
beforeAll(async () => {
  server = await startFilesServer({ MAX_UPLOAD_BYTES: String(LIMIT) });
  cast = await roomWithCast(server);
});
afterAll(async () => {
  await server.close();
});

/** mulberry32: the same cut points on every run, so a failure can be replayed. */
function seeded(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function rawUpload(fileBytes: number, chunked: boolean): Buffer {
  const boundary = "----dealroom-cut";
  const body = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="visibility"\r\n\r\nshared\r\n`),
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="cut.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`),
    randomBytes(fileBytes),
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  const { port } = new URL(server.url);
  const head =
    `POST /api/v1/rooms/${cast.room.id}/files HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n` +
    `Authorization: Bearer ${cast.owner.token}\r\nContent-Type: multipart/form-data; boundary=${boundary}\r\n` +
    (chunked ? "Transfer-Encoding: chunked\r\n\r\n" : `Content-Length: ${body.length}\r\n\r\n`);
  if (!chunked) return Buffer.concat([Buffer.from(head), body]);
  return Buffer.concat([Buffer.from(head), Buffer.from(`${body.length.toString(16)}\r\n`), body, Buffer.from("\r\n0\r\n\r\n")]);
}

/** Sends `bytes` up to `cut`, waits `pauseMs`, then drops the connection (destroy or half-close). */
async function sendAndCut(bytes: Buffer, cut: number, pauseMs: number, how: "destroy" | "end"): Promise<void> {
  const { port } = new URL(server.url);
  const socket = net.connect(Number(port), "127.0.0.1");
  socket.on("error", () => {}); // the server may answer 413 and close first: that is fine
  await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
  socket.write(bytes.subarray(0, cut));
  await new Promise((r) => setTimeout(r, pauseMs));
  if (how === "destroy") socket.destroy();
  else socket.end();
  await new Promise<void>((resolve) => {
    if (socket.destroyed) return resolve();
    socket.once("close", () => resolve());
    // A half-closed upload over the limit is drained for a while (server/early-answers.ts): do not wait it out.
    setTimeout(() => {
      socket.destroy();
      resolve();
    }, 300);
  });
}

describe("uploads cut off at any byte", () => {
  it("120 uploads cut at seeded random points never stop the server or leave a temp file", async () => {
    const random = seeded(20261203);
    const healthTimes: number[] = [];
    for (let i = 0; i < 120; i++) {
      const fileBytes = random() < 0.3 ? LIMIT * 2 : Math.floor(random() * LIMIT);
      const bytes = rawUpload(fileBytes, random() < 0.3);
      const cut = Math.floor(random() * (bytes.length + 1));
      await sendAndCut(bytes, cut, Math.floor(random() * 30), random() < 0.5 ? "destroy" : "end");
      if (i % 10 === 9) {
        const started = performance.now();
        const health = await fetch(`${server.url}/healthz`);
        healthTimes.push(performance.now() - started);
        expect(health.status, `healthz after cut upload ${i}`).toBe(200);
      }
    }
    expect(healthTimes).toHaveLength(12);

    // Temp files go as each cut connection is cleaned up.
    const deadline = Date.now() + 15_000;
    let left = await filesUnder(server.dataDir, "tmp");
    while (left.length > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      left = await filesUnder(server.dataDir, "tmp");
    }
    expect(left).toEqual([]);

    const after = await upload(server, cast.owner.token, cast.room.id, "still works", { visibility: "shared", name: "after-cuts.txt" });
    expect(after.status).toBe(201);
  }, 180_000);
});
