// Helpers for the files-*.test.ts integration tests: real multipart uploads over real HTTP.
import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { startTestServer, type TestServer } from "../support/server.ts";

export const sha256 = (bytes: Uint8Array | string) => createHash("sha256").update(bytes).digest("hex");

/** A test server whose file store lives in its own temp directory (removed by `close`). */
export async function startFilesServer(env: Record<string, string> = {}): Promise<TestServer & { dataDir: string }> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "dealroom-files-test-"));
  const server = await startTestServer({ env: { DATA_DIR: dataDir, ...env } });
  return {
    ...server,
    dataDir,
    async close() {
      await server.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Files under DATA_DIR/files/<sub> (recursively), relative paths. */
export async function filesUnder(dataDir: string, sub: "tmp" | "blobs"): Promise<string[]> {
  const root = path.join(dataDir, "files", sub);
  // A store that was never written to has no folder: no files. Any other read error is the test's failure.
  const entries = await readdir(root, { recursive: true, withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return [];
    throw error;
  });
  return entries.filter((e) => e.isFile()).map((e) => path.relative(root, path.join(e.parentPath, e.name)));
}

export interface UploadOptions {
  visibility?: "internal" | "shared";
  fileId?: string;
  folderId?: string;
  name?: string;
}

/** Uploads with the platform's own FormData, as an integration partner would. */
export async function upload(server: TestServer, token: string, roomId: string, bytes: Uint8Array | string, options: UploadOptions = {}) {
  const form = new FormData();
  if (options.visibility) form.append("visibility", options.visibility);
  if (options.fileId) form.append("fileId", options.fileId);
  if (options.folderId) form.append("folderId", options.folderId);
  form.append("file", new Blob([typeof bytes === "string" ? bytes : Buffer.from(bytes)]), options.name ?? "file.bin");
  const res = await fetch(`${server.url}/api/v1/rooms/${roomId}/files`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}` },
    body: form,
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as any };
}

/** GETs bytes: the status, headers and the body's bytes. */
export async function fetchBytes(server: TestServer, token: string, urlPath: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${server.url}${urlPath}`, { headers: { authorization: `Bearer ${token}`, ...headers } });
  return { status: res.status, headers: res.headers, bytes: Buffer.from(await res.arrayBuffer()) };
}

/** A hand-built multipart body, for what FormData would refuse or escape (raw file names, part order). */
export function rawMultipart(parts: ({ name: string; value: string } | { name: string; dispositionTail: string; content: Uint8Array | string })[]) {
  const boundary = `----dealroom${randomBytes(8).toString("hex")}`;
  const chunks: Buffer[] = [];
  for (const part of parts) {
    chunks.push(Buffer.from(`--${boundary}\r\n`));
    if ("value" in part) {
      chunks.push(Buffer.from(`Content-Disposition: form-data; name="${part.name}"\r\n\r\n${part.value}\r\n`));
    } else {
      chunks.push(Buffer.from(`Content-Disposition: form-data; name="${part.name}"; ${part.dispositionTail}\r\nContent-Type: application/octet-stream\r\n\r\n`));
      chunks.push(Buffer.from(part.content));
      chunks.push(Buffer.from("\r\n"));
    }
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}

export async function postRaw(server: TestServer, token: string, roomId: string, multipart: { body: Buffer; contentType: string }) {
  const res = await fetch(`${server.url}/api/v1/rooms/${roomId}/files`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": multipart.contentType },
    body: new Uint8Array(multipart.body),
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as any };
}

/**
 * A multipart upload of `size` pseudo-random bytes produced as a stream (never held in
 * memory whole); resolves the SHA-256 of what was sent once the stream is done.
 */
export function streamedMultipart(size: number, fields: Record<string, string>, filename: string) {
  const boundary = `----dealroom${randomBytes(8).toString("hex")}`;
  const hash = createHash("sha256");
  let resolveDigest!: (hex: string) => void;
  const digest = new Promise<string>((resolve) => (resolveDigest = resolve));
  async function* body() {
    for (const [name, value] of Object.entries(fields)) {
      yield Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`);
    }
    yield Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\nContent-Type: application/octet-stream\r\n\r\n`);
    const chunk = 1024 * 1024;
    for (let sent = 0; sent < size; sent += chunk) {
      const bytes = randomBytes(Math.min(chunk, size - sent));
      hash.update(bytes);
      yield bytes;
    }
    resolveDigest(hash.digest("hex"));
    yield Buffer.from(`\r\n--${boundary}--\r\n`);
  }
  return { body: body(), contentType: `multipart/form-data; boundary=${boundary}`, digest };
}

/**
 * POSTs a streamed body with node's http client, honouring backpressure (undici's fetch
 * streams request bodies several times slower, which only makes a big test slow).
 */
export function postStream(url: string, headers: Record<string, string>, body: AsyncIterable<Buffer>) {
  return new Promise<{ status: number; body: any }>((resolve, reject) => {
    const req = http.request(url, { method: "POST", headers }, async (res) => {
      let text = "";
      for await (const chunk of res) text += chunk;
      resolve({ status: res.statusCode!, body: JSON.parse(text) });
    });
    req.on("error", reject);
    (async () => {
      for await (const chunk of body) {
        if (!req.write(chunk)) await new Promise((r) => req.once("drain", r));
      }
      req.end();
    })().catch(reject);
  });
}

/** Streams a download through SHA-256 without keeping it; returns the digest and byte count. */
export async function hashDownload(body: AsyncIterable<Uint8Array>): Promise<{ sha256: string; size: number }> {
  const hash = createHash("sha256");
  let size = 0;
  for await (const chunk of body) {
    hash.update(chunk);
    size += chunk.length;
  }
  return { sha256: hash.digest("hex"), size };
}
