// Uploads and downloads a 1 GB file through the real server (API, busboy, storage, Postgres)
// running in its own process, and prints throughput and that process's peak RSS growth,
// sampled while the bytes stream. A figure, not a pass/fail.
//
//   npm run bench:files                                  (embedded PostgreSQL in a temp dir)
//   BENCH_DATABASE_URL=postgres://… npm run bench:files  (a throwaway database on that server)
//   BENCH_FILE_MB=256 npm run bench:files                (another size)
// DATABASE_URL is deliberately ignored: the bench never writes into a real database.
import { spawn, type ChildProcess } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { chmod, mkdtemp, readFile, rm } from "node:fs/promises";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { connect } from "../db/client.ts";

const MB = 1024 * 1024;
const SIZE = Number(process.env.BENCH_FILE_MB ?? 1024) * MB;
const SAMPLE_MS = 20;

if (process.argv.includes("--serve")) {
  await serve();
} else {
  await drive();
}

/** Child mode: the same server `npm start` builds (without the web UI), on a free port. */
async function serve() {
  const { loadConfig } = await import("../server/config.ts");
  const { createAppContext, openDatabase } = await import("../server/boot.ts");
  const { createHttpServer, listen } = await import("../server/http.ts");
  const { createLogger } = await import("../server/log.ts");
  const config = loadConfig({ ...process.env, PORT: "0", HOST: "127.0.0.1", LOG_LEVEL: "warn", SEED_DEMO: "false" });
  const log = createLogger("warn");
  const db = await openDatabase(config, log);
  const app = createAppContext(db.sql, config, log);
  const { server, close } = await createHttpServer(app, { web: "none" });
  const url = await listen(server, 0, "127.0.0.1");
  process.stdout.write(`${JSON.stringify({ url })}\n`);
  process.on("SIGTERM", async () => {
    await close();
    await db.sql.end({ timeout: 5 });
    await db.embedded?.stop();
    process.exit(0);
  });
}

async function rssOf(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  return Number(status.match(/VmRSS:\s+(\d+) kB/)![1]) * 1024;
}

/** Samples a process's RSS until stopped; returns the peak. */
function sampleRss(pid: number) {
  let peak = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      peak = Math.max(peak, await rssOf(pid).catch(() => 0));
      await new Promise((r) => setTimeout(r, SAMPLE_MS));
    }
  })();
  return async () => {
    running = false;
    await loop;
    return peak;
  };
}

async function startServer(dataDir: string, databaseUrl: string | undefined): Promise<{ child: ChildProcess; url: string }> {
  const self = fileURLToPath(import.meta.url);
  const { DATABASE_URL: _ignored, ...env } = process.env;
  const child = spawn(process.execPath, ["--import", "tsx", self, "--serve"], {
    env: { ...env, ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}), DATA_DIR: dataDir, MAX_UPLOAD_BYTES: String(SIZE + MB), NODE_ENV: "production" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (chunk) => {
      out += chunk;
      const line = out.split("\n").find((l) => l.startsWith("{"));
      if (line) resolve(JSON.parse(line).url);
    });
    child.once("exit", (code) => reject(new Error(`server exited with ${code}`)));
  });
  return { child, url };
}

/** A fresh database on BENCH_DATABASE_URL's server, dropped afterwards; or none (embedded). */
async function throwawayDatabase(): Promise<{ url: string | undefined; drop(): Promise<void> }> {
  const server = process.env.BENCH_DATABASE_URL;
  if (!server) return { url: undefined, drop: async () => {} };
  const name = `dealroom_bench_${process.pid}_${Date.now().toString(36)}`;
  const admin = connect(server, { max: 1 });
  await admin.unsafe(`create database "${name}"`);
  const url = new URL(server);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      await admin.unsafe(`drop database if exists "${name}" with (force)`);
      await admin.end();
    },
  };
}

/** POSTs a streamed body with node's http client (undici's fetch streams request bodies several times slower). */
function postStream(url: string, headers: Record<string, string>, body: AsyncIterable<Buffer>) {
  return new Promise<{ status: number; json: any }>((resolve, reject) => {
    const req = http.request(url, { method: "POST", headers }, async (res) => {
      let text = "";
      for await (const chunk of res) text += chunk;
      resolve({ status: res.statusCode!, json: JSON.parse(text) });
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

async function drive() {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "dealroom-bench-files-"));
  await chmod(dataDir, 0o755); // the embedded PostgreSQL runs as "postgres" when we are root
  const database = await throwawayDatabase();
  const { child, url } = await startServer(dataDir, database.url);
  try {
    const api = async (p: string, body: unknown, token?: string) => {
      const res = await fetch(`${url}${p}`, {
        method: "POST",
        headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify(body),
      });
      if (!res.ok) throw new Error(`${p}: ${res.status} ${await res.text()}`);
      return (await res.json()) as any;
    };
    const { token } = await api("/api/v1/signup", { email: `bench-${Date.now()}@example.test`, password: "bench password", name: "Bench", organization: "Bench" });
    const room = await api("/api/v1/rooms", { name: "Bench room", account: "Bench" }, token);

    // 1 GB of bytes from a repeated 4 MB random block: the server hashes and stores every byte the same.
    const block = randomBytes(4 * MB);
    const boundary = "----dealroom-bench";
    const sentHash = createHash("sha256");
    async function* body() {
      yield Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="visibility"\r\n\r\nshared\r\n` +
          `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="bench.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`,
      );
      for (let sent = 0; sent < SIZE; sent += block.length) {
        const chunk = block.subarray(0, Math.min(block.length, SIZE - sent));
        sentHash.update(chunk);
        yield chunk;
      }
      yield Buffer.from(`\r\n--${boundary}--\r\n`);
    }

    const baseline = await rssOf(child.pid!);
    let stop = sampleRss(child.pid!);
    let started = performance.now();
    const res = await postStream(
      `${url}/api/v1/rooms/${room.id}/files`,
      { authorization: `Bearer ${token}`, "content-type": `multipart/form-data; boundary=${boundary}` },
      body(),
    );
    const file = res.json;
    const uploadSeconds = (performance.now() - started) / 1000;
    const uploadPeak = await stop();
    if (res.status !== 201) throw new Error(`upload failed: ${res.status} ${JSON.stringify(file)}`);
    if (file.sha256 !== sentHash.digest("hex")) throw new Error("the server stored different bytes");

    const beforeDownload = await rssOf(child.pid!);
    stop = sampleRss(child.pid!);
    started = performance.now();
    const download = await new Promise<http.IncomingMessage>((resolve, reject) =>
      http.get(`${url}/api/v1/files/${file.id}/download`, { headers: { authorization: `Bearer ${token}` } }, resolve).on("error", reject),
    );
    const receivedHash = createHash("sha256");
    let received = 0;
    for await (const chunk of download as AsyncIterable<Buffer>) {
      receivedHash.update(chunk);
      received += chunk.length;
    }
    const downloadSeconds = (performance.now() - started) / 1000;
    const downloadPeak = await stop();
    if (received !== SIZE || receivedHash.digest("hex") !== file.sha256) throw new Error("the download differs from the upload");

    const mb = (bytes: number) => (bytes / MB).toFixed(1);
    console.log(`files bench: ${mb(SIZE)} MB through ${url} (server pid ${child.pid}, local disk, ${os.cpus().length} cores, load ${os.loadavg()[0]!.toFixed(1)})`);
    console.log(`  upload    ${uploadSeconds.toFixed(1)} s   ${(SIZE / MB / uploadSeconds).toFixed(0)} MB/s   server RSS ${mb(baseline)} → peak ${mb(uploadPeak)} MB (growth ${mb(uploadPeak - baseline)} MB)`);
    console.log(`  download  ${downloadSeconds.toFixed(1)} s   ${(SIZE / MB / downloadSeconds).toFixed(0)} MB/s   server RSS ${mb(beforeDownload)} → peak ${mb(downloadPeak)} MB (growth ${mb(downloadPeak - beforeDownload)} MB)`);
    console.log(`  RSS growth as a share of the file: upload ${(((uploadPeak - baseline) / SIZE) * 100).toFixed(2)} %, download ${(((downloadPeak - beforeDownload) / SIZE) * 100).toFixed(2)} %`);
  } finally {
    child.kill("SIGTERM");
    await new Promise((r) => child.once("exit", r));
    await database.drop();
    await rm(dataDir, { recursive: true, force: true });
  }
}
