import http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRoom, signupUser, type TestUser } from "../support/factories.ts";
import type { TestServer } from "../support/server.ts";
import { filesUnder, hashDownload, postStream, startFilesServer, streamedMultipart } from "./files-support.ts";

// A file far larger than any buffer: generated as a stream, uploaded chunked, downloaded
// as a stream, compared by SHA-256. Neither side ever holds it in memory.

const SIZE = 300 * 1024 * 1024;
let server: TestServer & { dataDir: string };
let owner: TestUser;
let roomId: string;
beforeAll(async () => {
  server = await startFilesServer({ MAX_UPLOAD_BYTES: String(512 * 1024 * 1024) });
  owner = (await signupUser(server)).user;
  roomId = (await createRoom(server, owner)).id;
});
afterAll(async () => {
  await server.close();
});

describe("a 300 MB file", () => {
  it("round-trips byte for byte through a streamed upload and download", { timeout: 180_000 }, async () => {
    const multipart = streamedMultipart(SIZE, { visibility: "shared" }, "dataroom-export.bin");
    const res = await postStream(
      `${server.url}/api/v1/rooms/${roomId}/files`,
      { authorization: `Bearer ${owner.token}`, "content-type": multipart.contentType },
      multipart.body,
    );
    const body = res.body;
    expect(res.status).toBe(201);
    const sent = await multipart.digest;
    expect(body).toMatchObject({ name: "dataroom-export.bin", size: SIZE, sha256: sent, version: 1 });
    expect(await filesUnder(server.dataDir, "tmp")).toEqual([]);

    const download = await new Promise<http.IncomingMessage>((resolve, reject) =>
      http.get(`${server.url}/api/v1/files/${body.id}/download`, { headers: { authorization: `Bearer ${owner.token}` } }, resolve).on("error", reject),
    );
    expect(download.statusCode).toBe(200);
    expect(download.headers["content-length"]).toBe(String(SIZE));
    expect(await hashDownload(download)).toEqual({ sha256: sent, size: SIZE });

    // The last bytes by Range, far into the file.
    const tail = await fetch(`${server.url}/api/v1/files/${body.id}/download`, {
      headers: { authorization: `Bearer ${owner.token}`, range: `bytes=${SIZE - 1024}-` },
    });
    expect(tail.status).toBe(206);
    expect(tail.headers.get("content-range")).toBe(`bytes ${SIZE - 1024}-${SIZE - 1}/${SIZE}`);
    expect((await tail.arrayBuffer()).byteLength).toBe(1024);
  });
});
