import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { mkdir, utimes, writeFile } from "node:fs/promises";
import http from "node:http";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sweepOrphanedFiles } from "../../server/files/sweep.ts";
import { roomWithCast } from "../support/factories.ts";
import type { TestServer } from "../support/server.ts";
import { filesUnder, sha256, startFilesServer, upload } from "./files-support.ts";

// Size limits, aborted uploads and the orphan sweep, on a server with a 64 KiB upload limit.

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

const BOUNDARY = "----dealroom-limits";
const preamble = (filename: string) =>
  Buffer.from(
    `--${BOUNDARY}\r\nContent-Disposition: form-data; name="visibility"\r\n\r\nshared\r\n` +
      `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\nContent-Type: application/octet-stream\r\n\r\n`,
  );

/** A raw upload request, so a test controls exactly when bytes are sent (and when they stop). */
function openUpload(headers: Record<string, string> = {}) {
  const { hostname, port } = new URL(server.url);
  const req = http.request({
    hostname, port, method: "POST", path: `/api/v1/rooms/${cast.room.id}/files`,
    headers: { authorization: `Bearer ${cast.owner.token}`, "content-type": `multipart/form-data; boundary=${BOUNDARY}`, ...headers },
  });
  const failed = new Promise<Error>((resolve) => req.on("error", resolve));
  const response = new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: any }>((resolve) => {
    req.on("response", async (res) => {
      const chunks: Buffer[] = [];
      for await (const chunk of res) chunks.push(chunk as Buffer);
      resolve({ status: res.statusCode!, headers: res.headers, body: JSON.parse(Buffer.concat(chunks).toString() || "null") });
    });
  });
  return { req, response, failed };
}

/** Polls a condition (the server cleans up asynchronously after a connection drops). */
async function waitFor<T>(probe: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 25));
  }
}

const fileRows = async (name: string) =>
  (await server.sql<{ n: number }[]>`select count(*)::int as n from files where room_id = ${cast.room.id} and name = ${name}`)[0]!.n;

describe("upload size limit (MAX_UPLOAD_BYTES)", () => {
  it("answers 413 from the declared Content-Length alone, before any of the body is sent", async () => {
    const { req, response } = openUpload({ "content-length": String(50 * 1024 * 1024) });
    req.flushHeaders(); // headers only: the server must decide without waiting for the body
    const res = await response;
    req.destroy();
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe("payload_too_large");
    expect(res.headers.connection).toBe("close");
  });

  it("accepts a file of exactly the limit and refuses one byte more while streaming it", async () => {
    const exact = randomBytes(LIMIT);
    const ok = await upload(server, cast.owner.token, cast.room.id, exact, { visibility: "shared", name: "exact.bin" });
    expect(ok.status).toBe(201);
    expect(ok.body).toMatchObject({ size: LIMIT, sha256: sha256(exact) });

    // Content-Length is within the allowance for multipart framing, so this is cut off in the stream.
    const over = await upload(server, cast.owner.token, cast.room.id, randomBytes(LIMIT + 1), { visibility: "shared", name: "over.bin" });
    expect(over.status).toBe(413);
    expect(await fileRows("over.bin")).toBe(0);
    expect(await waitFor(() => filesUnder(server.dataDir, "tmp"), (f) => f.length === 0)).toEqual([]);
  });

  it("cuts off a chunked upload with 413 once it passes the limit, keeping nothing", async () => {
    const blobsBefore = await filesUnder(server.dataDir, "blobs");
    const { req, response, failed } = openUpload(); // no Content-Length: chunked
    req.write(preamble("endless.bin"));
    let sent = 0;
    let answered: Awaited<typeof response> | undefined;
    response.then((r) => (answered = r));
    // Keep sending until the server answers (bounded: 100× the limit).
    while (!answered && sent < 100 * LIMIT) {
      const chunk = randomBytes(8 * 1024);
      sent += chunk.length;
      if (!req.write(chunk)) await Promise.race([once(req, "drain"), response, failed]);
    }
    const res = await Promise.race([response, failed.then(() => response)]);
    req.destroy();
    expect(res.status).toBe(413);
    expect(sent).toBeLessThan(100 * LIMIT);
    expect(await fileRows("endless.bin")).toBe(0);
    expect(await waitFor(() => filesUnder(server.dataDir, "tmp"), (f) => f.length === 0)).toEqual([]);
    expect(await filesUnder(server.dataDir, "blobs")).toEqual(blobsBefore);
  });
});

describe("aborted uploads and the sweep", () => {
  it("an upload destroyed midway leaves no file row, no blob and no temp file", async () => {
    const blobRowCount = async () => (await server.sql<{ n: number }[]>`select count(*)::int as n from blobs`)[0]!.n;
    const blobRowsBefore = await blobRowCount();
    const blobsBefore = await filesUnder(server.dataDir, "blobs");
    const { req, failed } = openUpload();
    req.write(preamble("interrupted.bin"));
    req.write(randomBytes(LIMIT / 2));
    // Wait until the server is really streaming this upload into a temp file, then drop the connection.
    expect(await waitFor(() => filesUnder(server.dataDir, "tmp"), (f) => f.length === 1)).toHaveLength(1);
    req.destroy();
    await failed;

    expect(await waitFor(() => filesUnder(server.dataDir, "tmp"), (f) => f.length === 0)).toEqual([]);
    await sweepOrphanedFiles(server.app, 0);
    expect(await fileRows("interrupted.bin")).toBe(0);
    expect(await blobRowCount()).toBe(blobRowsBefore);
    expect(await filesUnder(server.dataDir, "blobs")).toEqual(blobsBefore);
    const [activity] = await server.sql`select 1 from activities where room_id = ${cast.room.id} and data->>'name' = 'interrupted.bin'`;
    expect(activity).toBeUndefined();

    // The server is fine afterwards.
    expect((await upload(server, cast.owner.token, cast.room.id, "after", { visibility: "shared", name: "after.txt" })).status).toBe(201);
  });

  it("the sweep removes what crashed uploads left and keeps everything referenced", async () => {
    const kept = await upload(server, cast.owner.token, cast.room.id, "keep me", { visibility: "shared", name: "kept.txt" });
    const filesDir = path.join(server.dataDir, "files");
    const old = new Date(Date.now() - 2 * 60 * 60 * 1000);
    // A temp file from a crash, stored bytes whose row was never written, and a row nothing refers to.
    await mkdir(path.join(filesDir, "tmp"), { recursive: true });
    await writeFile(path.join(filesDir, "tmp", "crashed.part"), "partial");
    await utimes(path.join(filesDir, "tmp", "crashed.part"), old, old);
    const strayBytes = "stray bytes";
    const strayPath = path.join(filesDir, "blobs", sha256(strayBytes).slice(0, 2), sha256(strayBytes));
    await mkdir(path.dirname(strayPath), { recursive: true });
    await writeFile(strayPath, strayBytes);
    await utimes(strayPath, old, old);
    const unreferenced = sha256("unreferenced");
    await server.sql`insert into blobs (sha256, size, created_at) values (${unreferenced}, 12, now() - interval '2 hours')`;
    const fresh = path.join(filesDir, "tmp", "in-progress.part");
    await writeFile(fresh, "still uploading");

    const result = await sweepOrphanedFiles(server.app); // default grace: an hour
    expect(result).toEqual({ tempFiles: 1, blobRows: 1, blobBytes: 1 });
    expect(await filesUnder(server.dataDir, "tmp")).toEqual(["in-progress.part"]);
    const blobs = await filesUnder(server.dataDir, "blobs");
    expect(blobs).toContain(`${kept.body.sha256.slice(0, 2)}/${kept.body.sha256}`);
    expect(blobs.some((b) => b.endsWith(sha256(strayBytes)))).toBe(false);
    expect(await server.sql`select 1 from blobs where sha256 = ${unreferenced}`).toHaveLength(0);
    const down = await fetch(`${server.url}/api/v1/files/${kept.body.id}/download`, { headers: { authorization: `Bearer ${cast.owner.token}` } });
    expect(await down.text()).toBe("keep me");
  });
});
