import { execFileSync } from "node:child_process";
import { closeSync, fdatasyncSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { distribution } from "./stats.ts";
import { connectDb } from "./stores.ts";
import { ROOT } from "./servers.ts";

const PACKAGES = [
  "yjs",
  "y-protocols",
  "lib0",
  "ws",
  "y-websocket",
  "y-websocket-2",
  "@hocuspocus/server",
  "@hocuspocus/extension-database",
  "@hocuspocus/extension-redis",
  "@hocuspocus/provider",
  "postgres",
  "tsx",
];

function packageVersion(name: string): string | null {
  try {
    return (JSON.parse(readFileSync(path.join(ROOT, "node_modules", name, "package.json"), "utf8")) as { version: string }).version;
  } catch {
    return null;
  }
}

function git(args: string[]): string | null {
  try {
    return execFileSync("git", args, { cwd: ROOT, encoding: "utf8" }).trim();
  } catch {
    return null;
  }
}

/** fdatasync of an 8 KiB write (what a WAL flush costs) in `dir`, 200 times. */
export function measureFdatasync(dir: string) {
  const tmp = mkdtempSync(path.join(dir, "dealroom-fsync-"));
  const file = path.join(tmp, "probe");
  const fd = openSync(file, "w");
  const block = Buffer.alloc(8192, 7);
  const times: number[] = [];
  try {
    for (let i = 0; i < 200; i++) {
      writeSync(fd, block, 0, block.length, (i % 16) * 8192);
      const t = performance.now();
      fdatasyncSync(fd);
      times.push((performance.now() - t) * 1000);
    }
  } finally {
    closeSync(fd);
    rmSync(tmp, { recursive: true, force: true });
  }
  const d = distribution(times)!;
  return { dir, samples: d.n, medianUs: Math.round(d.p50), p99Us: Math.round(d.p99), maxUs: Math.round(d.max) };
}

export async function fingerprint(adminUrl: string, embedded: boolean) {
  const sql = connectDb(adminUrl, 1);
  let postgres: Record<string, string> = {};
  try {
    const [v] = await sql<{ version: string }[]>`select version()`;
    postgres.version = v!.version;
    for (const name of ["server_version", "fsync", "synchronous_commit", "wal_sync_method", "commit_delay", "shared_buffers", "max_connections", "data_directory"]) {
      const [row] = await sql.unsafe(`show ${name}`);
      postgres[name] = String(Object.values(row as object)[0]);
    }
  } catch (error) {
    postgres = { error: (error as Error).message };
  } finally {
    await sql.end({ timeout: 2 });
  }
  // fdatasync where PostgreSQL keeps its WAL when we can tell it is the same device as tmp; else tmp.
  let fsyncDir = os.tmpdir();
  let sameDevice: boolean | null = null;
  try {
    sameDevice = statSync(postgres.data_directory!).dev === statSync(os.tmpdir()).dev;
  } catch {}
  const cpus = os.cpus();
  const status = git(["status", "--porcelain"]);
  return {
    date: new Date().toISOString(),
    node: process.version,
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    cpu: { model: cpus[0]?.model ?? "unknown", cores: cpus.length, mhz: cpus[0]?.speed ?? 0 },
    memoryGb: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    loadAverage: os.loadavg().map((x) => Math.round(x * 100) / 100),
    postgres: { ...postgres, embedded, url: adminUrl.replace(/:[^:@/]*@/, ":***@") },
    fdatasync: { ...measureFdatasync(fsyncDir), sameDeviceAsPostgres: sameDevice },
    packages: Object.fromEntries(PACKAGES.map((p) => [p, packageVersion(p)])),
    git: { commit: git(["rev-parse", "HEAD"]), branch: git(["rev-parse", "--abbrev-ref", "HEAD"]), uncommittedFiles: status ? status.split("\n").length : 0 },
  };
}
