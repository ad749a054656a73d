import type { PageDocuments } from "../collab/documents.ts";
import type { Sql, Tx } from "../db/client.ts";
import type { Actor } from "./access/index.ts";
import type { RateLimits } from "./auth/rate-limits.ts";
import type { Config } from "./config.ts";
import type { ListenAddress } from "./links.ts";
import type { Logger } from "./log.ts";
import type { Bus } from "./realtime/bus.ts";

/** What the process builds once at start and hands to every service, route and connection. */
export interface AppContext {
  sql: Sql;
  config: Config;
  log: Logger;
  bus: Bus;
  rateLimits: RateLimits;
  /** Server-side reads and CRDT changes of page documents (live when the collab server runs). */
  documents: PageDocuments;
  /** The address the server listens at, for links when PUBLIC_URL is not set (server/links.ts). */
  listenAddress: ListenAddress;
}

/** A service call made on behalf of a signed-in user. `sql` may be a transaction's. */
export interface ActorContext extends Omit<AppContext, "sql"> {
  sql: Tx;
  actor: Actor;
  /** Where the request came from, for the audit trail. */
  ip?: string | undefined;
}

export const withActor = (app: AppContext, actor: Actor, ip?: string): ActorContext => ({ ...app, actor, ip });
