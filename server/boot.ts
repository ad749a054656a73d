import path from "node:path";
import { connect, type Sql } from "../db/client.ts";
import { startEmbeddedPostgres, type EmbeddedDatabase } from "../db/embedded.ts";
import { migrate } from "../db/migrate.ts";
import { createRateLimits, type RateLimitSettings } from "./auth/rate-limits.ts";
import { createPageDocuments } from "./collab-hooks.ts";
import type { Config } from "./config.ts";
import type { AppContext } from "./context.ts";
import { createFileStorage } from "./files/storage.ts";
import type { Logger } from "./log.ts";
import { createMailTransport } from "./mail/outbox.ts";
import { createLocalBus } from "./realtime/bus.ts";
import { services } from "./services/index.ts";
import { createMarkdownImporter } from "./wiki/markdown-pool.ts";

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

export interface AppContextOptions {
  /** Limits other than the defaults (tests: a tighter or looser /collab upgrade allowance). */
  rateLimits?: RateLimitSettings;
}

/**
 * The one place the process's shared state is built: the bus, the rate limits, the live page
 * documents (the collab library with Dealroom's hooks, server/collab-hooks.ts), file storage,
 * the mail transport, the Markdown import worker, and the services the page routes call.
 */
export function createAppContext(sql: Sql, config: Config, log: Logger, options: AppContextOptions = {}): AppContext {
  // Live page documents: the collab server and server code (API edits, restore) share them.
  // COLLAB_PERSISTENCE=off exists only for the collab benchmark (bench/collab): edits then stay in memory (never flushed while editing, never acknowledged as saved).
  const documents = createPageDocuments(sql, log, process.env.COLLAB_PERSISTENCE === "off" ? { flushDelayMs: 2 ** 31 - 1, maxPendingBytes: Infinity } : {});
  return {
    sql,
    config,
    log,
    bus: createLocalBus(),
    rateLimits: createRateLimits(options.rateLimits),
    documents,
    storage: createFileStorage(config),
    mail: createMailTransport(config),
    // Its worker thread starts on first use; server/main.ts starts it at once (docs/access.md, "Resource bounds").
    markdown: createMarkdownImporter(),
    services,
    listenAddress: { url: undefined },
  };
}
