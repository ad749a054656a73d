import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { buildSync } from "esbuild";
import type { ServerKind } from "./stores.ts";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const HERE = path.join(ROOT, "bench/collab");

export const hasTaskset = () => spawnSync("taskset", ["-c", "0", "true"]).status === 0;

/** Runs `args` (node and its arguments) pinned to `core` when taskset works. */
export function pinned(core: number | null, args: string[]): [string, string[]] {
  const all = core === null ? args : ["taskset", "-c", String(core), ...args];
  return [all[0]!, all.slice(1)];
}

/**
 * Every benchmark process runs in its own session (`detached`), so Linux' autogroup scheduling
 * gives each the share of any other session on a shared machine instead of one share for all of
 * them. With BENCH_PRIORITY set, its autogroup also gets nice −10 (the servers and the generator
 * then wait less behind other people's work; it is the only nice that counts across sessions).
 */
function prioritize(pid: number) {
  if (!process.env.BENCH_PRIORITY) return;
  try {
    writeFileSync(`/proc/${pid}/autogroup`, "-10");
  } catch {
    // Not Linux, no autogroup, or not allowed: run at normal priority.
  }
}

export interface RunningServer {
  kind: ServerKind;
  child: ChildProcess;
  pid: number;
  http: string;
  ws: string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  memory(gc: boolean): Promise<{ rss: number; heapUsed: number; external: number; arrayBuffers: number }>;
  output(): string;
}

/**
 * The node flags `npm start` gives the product (package.json scripts.start), so ours runs here as
 * shipped: `node --max-semi-space-size=4 build/node/main.js` → ["--max-semi-space-size=4"].
 */
export function shippedNodeFlags(): string[] {
  const start: string = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")).scripts.start;
  const m = /\bnode ((?:--[\w-]+(?:=\S+)? )*)build\/node\/main\.js/.exec(start);
  if (!m) throw new Error(`cannot read the node flags of scripts.start: ${start}`);
  return m[1]!.trim().split(/\s+/).filter(Boolean);
}

/**
 * Every server under test runs as plain JavaScript, as ours ships (docs/decisions/002-tsx-at-runtime.md):
 * a TypeScript loader in the process would add its own thread and memory to the figures. Ours is the
 * build's compiled entry (`npm run build` first); the others, bench/collab/servers/*.ts, are
 * compiled here once per run with esbuild into bench/results/.servers (packages left to node_modules).
 */
const compiledPeers = new Map<string, string>();
function compiledPeer(name: string): string {
  let file = compiledPeers.get(name);
  if (!file) {
    file = path.join(ROOT, "bench/results/.servers", `${name}.mjs`);
    buildSync({ absWorkingDir: ROOT, entryPoints: [path.join(HERE, `servers/${name}.ts`)], outfile: file, bundle: true, packages: "external", platform: "node", format: "esm", target: "node20", logLevel: "warning" });
    compiledPeers.set(name, file);
  }
  return file;
}

function oursEntry(): string {
  const entry = process.env.BENCH_OURS_ENTRY ?? path.join(ROOT, "build/node/main.js");
  if (!existsSync(entry)) throw new Error(`${entry} is missing: run 'npm run build' first (ours runs as npm start runs it)`);
  return entry;
}

/** Starts one server under test on port 0, pinned to `core`, with the memory probe loaded. */
export async function startServer(kind: ServerKind, options: { databaseUrl: string | null; core: number | null; flags?: string[]; env?: Record<string, string> }): Promise<RunningServer> {
  const probe = pathToFileURL(path.join(HERE, "servers/probe.mjs")).href;
  const entry = kind === "ours" || kind === "ours-off" ? oursEntry() : compiledPeer(kind === "relay" ? "relay" : kind);
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: "production" };
  if (options.databaseUrl) env.DATABASE_URL = options.databaseUrl;
  if (kind === "ours" || kind === "ours-off") {
    // TRUST_PROXY: the thin clients name a client address each (X-Forwarded-For), see clients.ts.
    Object.assign(env, { SEED_DEMO: "false", PORT: "0", HOST: "127.0.0.1", LOG_LEVEL: "warn", TRUST_PROXY: "loopback", DATA_DIR: path.join(os.tmpdir(), "dealroom-bench-data") });
    if (kind === "ours-off") env.COLLAB_PERSISTENCE = "off";
    else delete env.COLLAB_PERSISTENCE;
    delete env.REDIS_URL;
  }
  Object.assign(env, options.env ?? {});
  const shipped = kind === "ours" || kind === "ours-off" ? shippedNodeFlags() : [];
  const [cmd, args] = pinned(options.core, [process.execPath, "--expose-gc", ...shipped, ...(options.flags ?? []), "--import", probe, entry]);
  const child = spawn(cmd, args, { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe", "ipc"], detached: true });
  prioritize(child.pid!);
  let out = "";
  const keep = (chunk: Buffer) => {
    out += chunk.toString();
    if (out.length > 200_000) out = out.slice(-100_000);
  };
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code, signal) => resolve(code ?? (signal ? -1 : null))));

  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${kind} did not start within 60 s:\n${out}`)), 60_000);
    const look = () => {
      const m = /LISTENING (\d+)/.exec(out) ?? /running at http:\/\/[^:]+:(\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    };
    child.stdout!.on("data", look);
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`${kind} exited during start:\n${out}`));
    });
  });

  let probeId = 0;
  return {
    kind,
    child,
    pid: child.pid!,
    http: `http://127.0.0.1:${port}`,
    ws: `ws://127.0.0.1:${port}`,
    output: () => out,
    async stop(signal = "SIGTERM") {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill(signal);
      const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
    memory(gc) {
      const id = ++probeId;
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${kind}: no memory answer`)), 20_000);
        const onMessage = (m: { probe?: string; id?: number; rss: number; heapUsed: number; external: number; arrayBuffers: number }) => {
          if (m?.probe !== "memory" || m.id !== id) return;
          clearTimeout(timer);
          child.off("message", onMessage);
          resolve({ rss: m.rss, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers });
        };
        child.on("message", onMessage);
        child.send({ probe: "memory", id, gc });
      });
    },
  };
}

/** The load generator process, pinned to its own core, driven over IPC. */
export interface Generator {
  pid: number;
  call<T = any>(cmd: string, args?: unknown): Promise<T>;
  stop(): Promise<void>;
}

export async function startGenerator(core: number | null): Promise<Generator> {
  const [cmd, args] = pinned(core, [process.execPath, "--max-old-space-size=4096", ...(process.env.BENCH_GENERATOR_FLAGS?.split(",").filter(Boolean) ?? []), "--import", "tsx", path.join(HERE, "generator.ts")]);
  const child = spawn(cmd, args, { cwd: ROOT, stdio: ["ignore", "inherit", "inherit", "ipc"], detached: true });
  prioritize(child.pid!);
  await new Promise<void>((resolve, reject) => {
    child.once("message", () => resolve());
    child.once("exit", (code) => reject(new Error(`generator exited (${code})`)));
  });
  let nextId = 0;
  const waiting = new Map<number, { resolve: (v: any) => void; reject: (e: Error) => void; cmd: string }>();
  child.on("message", (m: { id: number; ok: boolean; result?: unknown; error?: string }) => {
    const w = waiting.get(m.id);
    if (!w) return;
    waiting.delete(m.id);
    if (m.ok) w.resolve(m.result);
    else w.reject(new Error(`generator ${w.cmd}: ${m.error}`));
  });
  child.on("exit", (code) => {
    for (const w of waiting.values()) w.reject(new Error(`generator exited (${code}) during ${w.cmd}`));
    waiting.clear();
  });
  return {
    pid: child.pid!,
    call(cmdName, callArgs) {
      const id = ++nextId;
      return new Promise((resolve, reject) => {
        waiting.set(id, { resolve, reject, cmd: cmdName });
        child.send({ id, cmd: cmdName, args: callArgs ?? {} });
      });
    },
    async stop() {
      if (child.exitCode !== null) return;
      child.kill("SIGTERM");
      await new Promise((r) => child.once("exit", r));
    },
  };
}
