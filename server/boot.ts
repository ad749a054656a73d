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
import { createPageRelay } from "../collab/relay.ts";
import { createLocalBus, createRedisBus } from "./realtime/bus.ts";
import { Channels, connectRedis, type RedisConnections } from "./redis.ts";
import { services } from "./services/index.ts";
import { createMarkdownImporter } from "./wiki/markdown-pool.ts";
import { notifyPageMentions } from "./wiki/page-mentions.ts";

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
  // REDIS_URL: several processes (docs/architecture.md, "Several processes"). Without it, nothing
  // below touches Redis and the process runs exactly as a single one always did.
  const redis: RedisConnections | null = config.redisUrl ? connectRedis(config.redisUrl, log) : null;
  const channels = redis ? new Channels(redis.subscriber) : null;
  const pubsub = redis && channels
    ? {
        publish: (channel: string, message: string | Buffer) => redis.commands.publish(channel, message),
        subscribe: (channel: string, handler: (message: Buffer) => void) => channels.subscribe(channel, handler),
        unsubscribe: (channel: string) => channels.unsubscribe(channel),
        onReconnect: (listener: () => void) => redis.onReconnect(listener),
      }
    : null;
  const storage = createFileStorage(config);
  if (redis && storage.kind === "local") {
    log.warn(
      { dataDir: config.dataDir },
      "REDIS_URL is set (several processes) but files are stored on the local disk: every process must share DATA_DIR/files (one machine), or set S3_* (several machines)",
    );
  }
  // Live page documents: the collab server and server code (API edits, restore) share them.
  // COLLAB_PERSISTENCE=off exists only for the collab benchmark (bench/collab): edits then stay in memory (never flushed while editing, never acknowledged as saved).
  const relay = pubsub ? createPageRelay(pubsub, (error) => log.warn({ err: error }, "page relay: Redis failed")) : null;
  // COLLAB_ANTI_ENTROPY_MS: how often each live page is compared with PostgreSQL's log (several processes; tests shorten it).
  const antiEntropyMs = Number(process.env.COLLAB_ANTI_ENTROPY_MS) > 0 ? Number(process.env.COLLAB_ANTI_ENTROPY_MS) : undefined;
  const documents = createPageDocuments(sql, log, {
    ...(process.env.COLLAB_PERSISTENCE === "off" ? { flushDelayMs: 2 ** 31 - 1, maxPendingBytes: Infinity } : {}),
    relay,
    ...(antiEntropyMs ? { antiEntropyMs } : {}),
  });
  const app: AppContext = {
    sql,
    config,
    log,
    bus: pubsub ? createRedisBus(pubsub, (error) => log.warn({ err: error }, "invalidation bus: Redis failed")) : createLocalBus(),
    redis,
    rateLimits: createRateLimits(redis?.commands, options.rateLimits),
    documents,
    storage,
    mail: createMailTransport(config),
    // Its worker thread starts on first use; server/main.ts starts it at once (docs/access.md, "Resource bounds").
    markdown: createMarkdownImporter(),
    services,
    listenAddress: { url: undefined },
  };
  // A stored update that adds mentions notifies the people it mentions who may read the page.
  documents.onMentions = (pageId, authorId, userIds) => {
    notifyPageMentions(app, { pageId, authorId, userIds }).catch((error: unknown) => log.error({ err: error, pageId }, "page mention notification failed"));
  };
  return app;
}
