import path from "node:path";
import { DocumentRegistry } from "../collab/registry.ts";
import { connect, type Sql } from "../db/client.ts";
import { startEmbeddedPostgres, type EmbeddedDatabase } from "../db/embedded.ts";
import { migrate } from "../db/migrate.ts";
import { createRateLimits } from "./auth/rate-limits.ts";
import type { Config } from "./config.ts";
import type { AppContext } from "./context.ts";
import { createFileStorage } from "./files/storage.ts";
import type { Logger } from "./log.ts";
import { createMailTransport } from "./mail/outbox.ts";
import { createLocalBus } from "./realtime/bus.ts";
import { services } from "./services/index.ts";
import { startMarkdownPool } from "./wiki/markdown-pool.ts";

export interface Database {
  sql: Sql;
  url: string;
  embedded: EmbeddedDatabase | null;
}

/** DATABASE_URL when set; otherwise PostgreSQL embedded under DATA_DIR/postgres. */
export async function openDatabase(config: Config, log: Logger): Promise<Database> {
  let embedded: EmbeddedDatabase | null = null;
  let url = config.databaseUrl;
  if (!url) {
    const dir = path.join(config.dataDir, "postgres");
    log.info({ dir }, "starting embedded PostgreSQL");
    embedded = await startEmbeddedPostgres(dir, { onLog: (line) => line && log.debug({ postgres: line }) });
    url = embedded.url;
  }
  const sql = connect(url);
  const applied = await migrate(sql);
  if (applied.length) log.info({ applied }, "migrations applied");
  return { sql, url, embedded };
}

/**
 * The one place the process's shared state is built: the bus, the rate limits, the live page
 * documents, file storage, the mail transport, and the services the page routes call.
 */
export function createAppContext(sql: Sql, config: Config, log: Logger): AppContext {
  // Live page documents: the collab server and server code (API edits, restore) share them.
  // COLLAB_PERSISTENCE=off exists only for the collab benchmark (bench/collab): edits then stay in memory (never flushed while editing, never acknowledged as saved).
  // The Markdown import's worker thread starts now, not on the first import (docs/access.md, "Resource bounds").
  startMarkdownPool();
  const documents = new DocumentRegistry(sql, log, process.env.COLLAB_PERSISTENCE === "off" ? { flushDelayMs: 2 ** 31 - 1, maxPendingBytes: Infinity } : {});
  return {
    sql,
    config,
    log,
    bus: createLocalBus(),
    rateLimits: createRateLimits(),
    documents,
    storage: createFileStorage(config),
    mail: createMailTransport(config),
    services,
    listenAddress: { url: undefined },
  };
}
