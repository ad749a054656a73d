import type { PageDocuments } from "../collab/documents.ts";
import type { Sql, Tx } from "../db/client.ts";
import type { Actor } from "./access/index.ts";
import type { RateLimits } from "./auth/rate-limits.ts";
import type { Config } from "./config.ts";
import type { ListenAddress } from "./links.ts";
import type { BlobStorage } from "./files/storage.ts";
import type { Logger } from "./log.ts";
import type { MailTransport } from "./mail/outbox.ts";
import type { MarkdownImporter } from "./wiki/markdown-pool.ts";
import type { Bus } from "./realtime/bus.ts";
import type { RedisConnections } from "./redis.ts";
import type { Services } from "./services/index.ts";

/**
 * What the process builds once at start (server/boot.ts) and hands to every service, route
 * and connection. Everything that outlives a request lives here, not in module variables:
 * to share it between processes (Redis, next), change where boot.ts builds it.
 */
export interface AppContext {
  sql: Sql;
  config: Config;
  log: Logger;
  bus: Bus;
  /** Set when REDIS_URL is (several processes): the bus, the rate limits, socket.io and live pages go through it. */
  redis: RedisConnections | null;
  /** Every rate limit of the process: logins, sign-up, messages, threads, refusal records. */
  rateLimits: RateLimits;
  /** Server-side reads and CRDT changes of page documents (live when the collab server runs). */
  documents: PageDocuments;
  /** The address the server listens at, for links when PUBLIC_URL is not set (server/links.ts). */
  listenAddress: ListenAddress;
  /** Where file bytes are kept: DATA_DIR/files or the S3 bucket. */
  storage: BlobStorage;
  /** The SMTP transport (a connection pool), opened on first use. */
  mail: MailTransport;
  /** The Markdown import's worker thread and its queue (server/wiki/markdown-pool.ts). */
  markdown: MarkdownImporter;
  /** The domain's service modules, which page routes call through `context.app.services`. */
  services: Services;
  /**
   * How webhook host names are resolved (server/webhooks/webhooks.ts); unset: the system's
   * resolver. Tests set one to answer differently from one lookup to the next (DNS rebinding).
   */
  webhookResolve?: (host: string) => Promise<{ address: string; family: 4 | 6 }[]>;
}

/** A service call made on behalf of a signed-in user. `sql` may be a transaction's. */
export interface ActorContext extends Omit<AppContext, "sql"> {
  sql: Tx;
  actor: Actor;
  /** Where the request came from, for the audit trail. */
  ip?: string | undefined;
}

export const withActor = (app: AppContext, actor: Actor, ip?: string): ActorContext => ({ ...app, actor, ip });
