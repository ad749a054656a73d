// Two real server processes (server/main.ts, as `npm start` runs it) on one PostgreSQL and one
// Redis, for the multiprocess*.test.ts files. The Redis is a redis-server of the test's own on a
// free port, so stopping it (fault tests) disturbs nobody else's Redis.
import { spawn, type ChildProcess } from "node:child_process";
import net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { waitFor } from "./collab-support.ts";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export interface OwnRedis {
  url: string;
  port: number;
  start(): Promise<void>;
  /** SIGKILL: Redis lost, no goodbye to its clients. */
  kill(): Promise<void>;
}

/** A redis-server of our own (no persistence) on a free loopback port. */
export async function ownRedis(): Promise<OwnRedis> {
  const port = await freePort();
  let child: ChildProcess | null = null;
  const ping = () =>
    new Promise<boolean>((resolve) => {
      const socket = net.connect(port, "127.0.0.1");
      socket.once("error", () => resolve(false));
      socket.once("connect", () => socket.write("PING\r\n"));
      socket.once("data", (d) => {
        socket.destroy();
        resolve(d.toString().startsWith("+PONG"));
      });
    });
  const redis: OwnRedis = {
    url: `redis://127.0.0.1:${port}`,
    port,
    async start() {
      child = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], { stdio: "ignore" });
      await waitFor(ping, `redis-server on ${port}`, 10_000);
    },
    async kill() {
      if (!child) return;
      const c = child;
      child = null;
      const exited = new Promise((r) => c.once("exit", r));
      c.kill("SIGKILL");
      await exited;
    },
  };
  await redis.start();
  return redis;
}

export interface ServerProcess {
  process: ChildProcess;
  url: string;
  exited: Promise<number | null>;
  output(): string;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** One server process; resolves once it listens. */
export async function startServerProcess(env: Record<string, string>): Promise<ServerProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", "server/main.ts"], {
    cwd: ROOT,
    env: { ...process.env, NODE_ENV: "production", SEED_DEMO: "false", PORT: "0", HOST: "127.0.0.1", LOG_LEVEL: "warn", COLLAB_ANTI_ENTROPY_MS: "1500", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (d) => (output += d));
  child.stderr!.on("data", (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  let gone = false;
  void exited.then(() => (gone = true));
  // A process that exits before it listens (no build, bad env) fails at once, not after the wait.
  const url = await waitFor(() => {
    if (gone) throw new Error("the server exited before it listened");
    return output.match(/running at (http:\/\/\S+)/)?.[1];
  }, "the server to start", 90_000).catch((error) => {
    child.kill("SIGKILL");
    throw new Error(`${(error as Error).message}\n${output}`);
  });
  return {
    process: child,
    url,
    exited,
    output: () => output,
    async kill(signal = "SIGKILL") {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill(signal);
      await exited;
    },
  };
}

export interface CuttableProxy {
  url: string;
  /** Connections made through the proxy so far. */
  connections(): number;
  /** A partition: every open connection is cut and new ones are refused, until `restore`. */
  cut(): Promise<void>;
  restore(): Promise<void>;
  close(): Promise<void>;
}

/**
 * A TCP proxy between one process and the Redis at `targetPort`, to partition that process (and
 * only it) from Redis: `cut` resets its connections and refuses new ones, as a lost link would.
 */
export async function cuttableProxy(targetPort: number): Promise<CuttableProxy> {
  const port = await freePort();
  const open = new Set<net.Socket>();
  let made = 0;
  const server = net.createServer((client) => {
    made++;
    const upstream = net.connect(targetPort, "127.0.0.1");
    open.add(client).add(upstream);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
    };
    client.on("error", drop).on("close", drop);
    upstream.on("error", drop).on("close", drop);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  const listen = () => new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  await listen();
  const stop = async () => {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of open) socket.resetAndDestroy();
    open.clear();
    await closed;
  };
  return {
    url: `redis://127.0.0.1:${port}`,
    connections: () => made,
    cut: stop,
    restore: listen,
    close: () => (server.listening ? stop() : Promise.resolve()),
  };
}
