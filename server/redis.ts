import { Redis } from "ioredis";
import type { Logger } from "./log.ts";

/**
 * The process's connections to Redis when REDIS_URL is set (multi-process mode,
 * docs/architecture.md "Several processes"). Redis is the fast path between processes, never
 * the only path: PostgreSQL stays the system of record, so every command here fails fast while
 * Redis is away (no offline queue) and its callers carry on without it.
 *
 * - `commands`: PUBLISH and the rate limits' scripts.
 * - `subscriber`: one subscriber connection for the bus and the page channels (ioredis
 *   subscribes it again to every channel after a reconnect).
 * - `adapterPub` / `adapterSub`: socket.io's Redis adapter's own pair.
 */
export interface RedisConnections {
  commands: Redis;
  subscriber: Redis;
  adapterPub: Redis;
  adapterSub: Redis;
  /** Called each time the subscriber is (re)connected and subscribed again, after the first time. */
  onReconnect(listener: () => void): () => void;
  close(): Promise<void>;
}

export function connectRedis(url: string, log: Logger): RedisConnections {
  const options = {
    // Fail fast while Redis is down; callers fall back (rate limits: memory) or rely on PostgreSQL.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    // Reconnect forever, at most every 2 s.
    retryStrategy: (times: number) => Math.min(50 * 2 ** times, 2000),
    connectionName: `dealroom:${process.pid}`,
  };
  const commands = new Redis(url, options);
  const subscriber = new Redis(url, { ...options, enableOfflineQueue: true, maxRetriesPerRequest: null });
  const adapterPub = new Redis(url, options);
  const adapterSub = new Redis(url, { ...options, enableOfflineQueue: true, maxRetriesPerRequest: null });
  // socket.io's adapter publishes without catching: an event broadcast while Redis is away is
  // delivered on this process only (and clients reload what they missed when they reconnect).
  const publish = adapterPub.publish.bind(adapterPub) as (channel: string, message: string | Buffer) => Promise<number>;
  (adapterPub as unknown as { publish: typeof publish }).publish = (channel, message) => publish(channel, message).catch(() => 0);

  const listeners = new Set<() => void>();
  let wasReady = false;
  let down = false;
  for (const [name, client] of Object.entries({ commands, subscriber, adapterPub, adapterSub })) {
    client.on("error", (error: Error) => {
      if (!down) log.warn({ err: error, redis: name }, "Redis connection error; retrying (PostgreSQL stays the system of record)");
      if (name === "subscriber") down = true;
    });
  }
  subscriber.on("ready", () => {
    if (down) log.info("Redis is back");
    down = false;
    if (wasReady) for (const listener of listeners) listener();
    wasReady = true;
  });
  subscriber.on("end", () => (down = true));
  subscriber.on("close", () => (down = true));

  return {
    commands,
    subscriber,
    adapterPub,
    adapterSub,
    onReconnect(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    async close() {
      await Promise.all([commands, subscriber, adapterPub, adapterSub].map((c) => c.quit().catch(() => c.disconnect())));
    },
  };
}

/**
 * A single `messageBuffer` listener on the shared subscriber, dispatching by channel. ioredis
 * keeps the subscriptions across reconnects.
 */
export class Channels {
  private handlers = new Map<string, (message: Buffer) => void>();

  constructor(private readonly subscriber: Redis) {
    subscriber.on("messageBuffer", (channel: Buffer, message: Buffer) => this.handlers.get(channel.toString())?.(message));
  }

  async subscribe(channel: string, handler: (message: Buffer) => void): Promise<void> {
    this.handlers.set(channel, handler);
    await this.subscriber.subscribe(channel);
  }

  async unsubscribe(channel: string): Promise<void> {
    this.handlers.delete(channel);
    await this.subscriber.unsubscribe(channel).catch(() => {});
  }
}
