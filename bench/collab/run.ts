/**
 * The collab benchmark: the same workloads against four servers, side by side.
 *
 *   npm run bench:collab              # the full run (≈ 15 min on 2 cores)
 *   npm run bench:collab -- --quick   # a smoke run (≈ 3 min)
 *   npm run bench:collab -- --workloads=multi   # only the several-processes rows (ours, 1 and 2 processes on Redis)
 *   BENCH_MULTI_QUICK=1 …                       # the multi rows at a small size (also with --quick)
 *   BENCH_MULTI_HOCUSPOCUS=0 …                  # the multi rows without Hocuspocus + extension-redis
 *   options: --servers=ours,hocuspocus  --workloads=steady,hot,durable,cold,memory,kill,multi  --out=file.json
 *            --report=file.json (print the table of an earlier run again)
 *            --priority (autogroup nice −10 for the servers and the generator, on a busy shared machine)
 *            --pages=N --rates=2,4 --reps=N --seconds=N --kill-trials=N --no-pin --server-flags=--cpu-prof,--cpu-prof-dir=/tmp/p
 *
 * Servers: ours (the product server, persistence on as shipped, and off), hocuspocus (3.4 with its
 * database extension), reference (y-websocket 2.1's server loop with per-update persistence) and
 * relay (a bare websocket relay, the floor). Each gets a fresh PostgreSQL database; the load
 * generator runs in its own process on the other core. See docs/performance.md.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fingerprint } from "./fingerprint.ts";
import { printReport, renderReport } from "./report.ts";
import { ROOT, hasTaskset, startGenerator, startServer, type Generator, type RunningServer } from "./servers.ts";
import { summarize } from "./stats.ts";
import {
  connectDb,
  createComparisonTables,
  createDatabase,
  dropDatabase,
  insertPages,
  seedHistory,
  seedIdlePages,
  type ServerKind,
} from "./stores.ts";
import { generateHistory, generatePage } from "./trace.ts";
import * as Y from "yjs";

// ---------------------------------------------------------------- configuration

const argv = process.argv.slice(2);
const flag = (name: string) => argv.includes(`--${name}`);
const option = (name: string) => argv.find((a) => a.startsWith(`--${name}=`))?.split("=").slice(1).join("=");
const QUICK = flag("quick");

const ALL_SERVERS: ServerKind[] = ["ours", "ours-off", "hocuspocus", "reference", "relay"];
const ALL_WORKLOADS = ["steady", "durable", "hot", "cold", "memory", "kill", "multi"] as const;
type Workload = (typeof ALL_WORKLOADS)[number];
const servers = (option("servers")?.split(",") as ServerKind[] | undefined) ?? ALL_SERVERS;
const workloads = (option("workloads")?.split(",") as Workload[] | undefined) ?? [...ALL_WORKLOADS];
for (const s of servers) if (!ALL_SERVERS.includes(s)) throw new Error(`unknown server ${s} (${ALL_SERVERS.join(", ")})`);
for (const w of workloads) if (!ALL_WORKLOADS.includes(w)) throw new Error(`unknown workload ${w} (${ALL_WORKLOADS.join(", ")})`);

const CONFIG = QUICK
  ? {
      steady: { pages: 100, authors: 5, rates: [2, 8], extend: [] as number[], warmupS: 1, reps: 2, seconds: 2, drainMs: 1500 },
      durable: { rate: 2, seconds: 3, waitMs: 12_000 },
      hot: { authors: 50, rates: [2], warmupS: 1, reps: 2, seconds: 2, drainMs: 1500 },
      cold: { sizes: [1000, 10_000], coldSamples: 2, warmSamples: 3 },
      memory: { counts: [100, 500], cycles: 500, concurrency: 16 },
      kill: { trials: 2, pages: 5, rate: 4 },
      canaries: 2,
    }
  : {
      steady: { pages: 100, authors: 5, rates: [1, 2, 4, 8], extend: [16], warmupS: 1, reps: 3, seconds: 4, drainMs: 1500 },
      durable: { rate: 2, seconds: 10, waitMs: 15_000 },
      hot: { authors: 50, rates: [2], warmupS: 1, reps: 3, seconds: 4, drainMs: 1500 },
      cold: { sizes: [1000, 10_000, 100_000], coldSamples: 5, warmSamples: 5 },
      memory: { counts: [1000, 10_000], cycles: 10_000, concurrency: 32 },
      kill: { trials: 20, pages: 10, rate: 4 },
      canaries: 3,
    };
// Overrides for investigating one thing at a time (the defaults are the published configuration).
if (option("pages")) CONFIG.steady.pages = Number(option("pages"));
if (option("rates")) {
  CONFIG.steady.rates = option("rates")!.split(",").map(Number);
  CONFIG.steady.extend = [];
}
if (option("reps")) CONFIG.steady.reps = CONFIG.hot.reps = Number(option("reps"));
if (option("seconds")) CONFIG.steady.seconds = CONFIG.hot.seconds = Number(option("seconds"));
if (option("kill-trials")) CONFIG.kill.trials = Number(option("kill-trials"));
/**
 * The several-processes rows (issue 15): ours with 1 process (no Redis, as shipped) and with 2
 * processes on one Redis, the editors of each page split across them; SIGKILL trials of one of
 * the two. BENCH_MULTI_QUICK=1 (or --quick) is the small size.
 */
const MULTI_QUICK = QUICK || process.env.BENCH_MULTI_QUICK === "1";
const MULTI = MULTI_QUICK
  ? { pages: 20, authors: 4, rates: [2], warmupS: 1, reps: 2, seconds: 3, drainMs: 2000, durableS: 3, killTrials: Number(option("kill-trials") ?? 20), killTypeS: 2 }
  : { pages: 100, authors: 4, rates: [2, 4], warmupS: 1, reps: 3, seconds: 4, drainMs: 2000, durableS: 10, killTrials: Number(option("kill-trials") ?? 20), killTypeS: 3 };
/** Extra node flags for the servers under test, e.g. --server-flags=--cpu-prof,--cpu-prof-dir=/tmp/prof */
const SERVER_FLAGS = option("server-flags")?.split(",") ?? [];
const PIN = !flag("no-pin");
if (flag("priority")) process.env.BENCH_PRIORITY = "1";

/** A step "sustains" a rate when its median p99 is within this and nothing was dropped. */
const SUSTAIN_P99_MS = 50;
/** The generator is the bottleneck (the step is invalid) past any of these. */
const GENERATOR_LIMITS = { cpu: 0.85, eldP99Ms: 20, sendLagP99Ms: 20 };
const POLL_MS: Partial<Record<ServerKind, number>> = { reference: 2, hocuspocus: 5 };

const SERVER_CORE = 0;
const GENERATOR_CORE = 1;

// ---------------------------------------------------------------- helpers

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (...parts: unknown[]) => console.log(`[${new Date().toISOString().slice(11, 19)}]`, ...parts);
const runId = new Date().toISOString().replace(/[-:T]/g, "").slice(0, 14);

async function adminDatabase(): Promise<{ url: string; embedded: { stop(): Promise<void> } | null }> {
  const url = process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
  const sql = connectDb(url, 1);
  try {
    await Promise.race([sql`select 1`, sleep(3000).then(() => Promise.reject(new Error("timeout")))]);
    return { url, embedded: null };
  } catch {
    log(`no PostgreSQL answers at ${url.replace(/:[^:@/]*@/, ":***@")}; starting the embedded one`);
    const { startEmbeddedPostgres } = await import("../../db/embedded.ts");
    const db = await startEmbeddedPostgres(path.join(os.tmpdir(), "dealroom-bench-pg"));
    return { url: db.url, embedded: db };
  } finally {
    await sql.end({ timeout: 1 }).catch(() => {});
  }
}

/** Ours: an owner and four internal editors in one room (through the public API). */
async function setupOurs(server: RunningServer, databaseUrl: string) {
  let ip = 0;
  const api = async (pathname: string, body: unknown, token?: string) => {
    ip++;
    const res = await fetch(`${server.http}/api/v1${pathname}`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-forwarded-for": `192.168.${ip >> 8}.${ip & 255}`, ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });
    const json = (await res.json()) as any;
    if (res.status >= 300) throw new Error(`${pathname}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  };
  const password = "bench-password-1234";
  const owner = await api("/signup", { email: `owner-${runId}@bench.test`, password, name: "Bench Owner", organization: "Bench Org" });
  const room = await api("/rooms", { name: "Benchmark deal", account: "Bench Buyer Inc" }, owner.token);
  const tokens: string[] = [owner.token];
  for (let i = 1; i < 5; i++) {
    const invitation = await api(`/rooms/${room.id}/invitations`, { email: `editor${i}-${runId}@bench.test`, side: "internal", role: "editor" }, owner.token);
    const accepted = await api(`/invitations/${invitation.token}/accept`, { name: `Bench Editor ${i}`, password });
    tokens.push(accepted.token);
  }
  const createPages = async (count: number, title: string) => {
    if (server.kind === "ours-off") {
      // With persistence off nothing becomes durable, and page creation waits for its initial
      // content to be durable: these pages go straight into SQL (they start empty instead).
      const sql = connectDb(databaseUrl, 1);
      try {
        return await insertPages(sql, room.id, owner.user.id, count, title);
      } finally {
        await sql.end({ timeout: 2 });
      }
    }
    const ids: string[] = [];
    for (let i = 0; i < count; i++) ids.push((await api(`/rooms/${room.id}/pages`, { title: `${title} ${i + 1}`, visibility: "shared" }, owner.token)).id);
    return ids;
  };
  return { ownerId: owner.user.id as string, roomId: room.id as string, tokens, createPages };
}

type Setup = Awaited<ReturnType<typeof setupOurs>> | null;

const isOurs = (k: ServerKind) => k === "ours" || k === "ours-off";
const names = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}-${i + 1}`);

function validity(rep: { generatorCpu: number; generatorEldP99Ms: number; sendLag: { p99: number } | null }) {
  const reasons: string[] = [];
  if (rep.generatorCpu > GENERATOR_LIMITS.cpu) reasons.push(`generator CPU ${(rep.generatorCpu * 100).toFixed(0)}%`);
  if (rep.generatorEldP99Ms > GENERATOR_LIMITS.eldP99Ms) reasons.push(`generator event-loop delay p99 ${rep.generatorEldP99Ms.toFixed(1)} ms`);
  if ((rep.sendLag?.p99 ?? 0) > GENERATOR_LIMITS.sendLagP99Ms) reasons.push(`send lag p99 ${rep.sendLag!.p99.toFixed(1)} ms`);
  return reasons;
}

/** Median with min–max over the repetitions of one step, and whether the step counts. */
function summarizeStep(step: any) {
  const reps = step.reps as any[];
  const pick = (f: (r: any) => number | undefined) => summarize(reps.map((r) => f(r) ?? NaN));
  const invalidReps = reps.map(validity);
  const invalid = invalidReps.filter((r) => r.length).length > reps.length / 2;
  const dropped = reps.reduce((s, r) => s + r.dropped, 0);
  const p99 = pick((r) => r.latency?.p99);
  return {
    rate: step.rate,
    p50: pick((r) => r.latency?.p50),
    p99,
    p999: pick((r) => r.latency?.p999),
    max: pick((r) => r.latency?.max),
    p99FromActualSend: pick((r) => r.latencyFromActualSend?.p99),
    crossP99: pick((r) => r.latencyCross?.p99),
    redisCpu: pick((r) => r.redisCpu ?? undefined),
    redisCpuUsPerDelivery: pick((r) => (r.deliveriesPerSecond && r.redisCpu !== null && r.redisCpu !== undefined ? (r.redisCpu * 1e6) / r.deliveriesPerSecond : NaN)),
    awarenessP99: pick((r) => r.awarenessLatency?.p99),
    deliveriesPerSecond: pick((r) => r.deliveriesPerSecond),
    // Server CPU per delivered update (the fan-out work, cursor updates included): robust to a busy machine.
    serverCpuUsPerDelivery: pick((r) => (r.deliveriesPerSecond ? (r.serverCpu * 1e6) / r.deliveriesPerSecond : NaN)),
    loadAverage: pick((r) => r.loadAverage),
    serverCpu: pick((r) => r.serverCpu),
    dbCpu: pick((r) => r.dbCpu),
    serverRssMb: pick((r) => r.serverRssMb),
    generatorCpu: pick((r) => r.generatorCpu),
    sendLagP99: pick((r) => r.sendLag?.p99),
    dropped,
    disconnects: step.disconnects,
    invalid,
    invalidReasons: [...new Set(invalidReps.flat())],
    sustained: !invalid && dropped === 0 && step.disconnects === 0 && (p99?.median ?? Infinity) <= SUSTAIN_P99_MS,
  };
}

// ---------------------------------------------------------------- workloads

async function steady(gen: Generator, kind: ServerKind, server: RunningServer, db: { url: string; name: string } | null, setup: Setup) {
  const c = CONFIG.steady;
  const docs = setup ? await setup.createPages(c.pages, "Steady") : names("steady", c.pages);
  const target = { kind, ws: server.ws, token: setup?.tokens[0], tokens: setup?.tokens };
  const connected = await gen.call("connect", { target, serverPid: server.pid, db, docs, traces: steadyTraces(), canaries: CONFIG.canaries });
  log(`  ${connected.editors} editors on ${connected.pages} pages connected in ${(connected.connectMs / 1000).toFixed(1)} s`);
  const steps = [];
  const rates = [...c.rates];
  for (let i = 0; i < rates.length; i++) {
    const rate = rates[i]!;
    const step = await gen.call("rate", { rate, warmupS: c.warmupS, reps: c.reps, seconds: c.seconds, drainMs: c.drainMs });
    const summary = summarizeStep(step);
    steps.push({ ...step, summary });
    log(`  ${rate}/s: p50 ${fmt(summary.p50?.median)} p99 ${fmt(summary.p99?.median)} ms, ${fmt(summary.deliveriesPerSecond?.median, 0)} deliveries/s, server CPU ${pct(summary.serverCpu?.median)}, db CPU ${pct(summary.dbCpu?.median)}, dropped ${summary.dropped}${summary.invalid ? ` INVALID (${summary.invalidReasons.join("; ")})` : ""}`);
    // Past the ladder, keep doubling while the server sustains the rate and the generator keeps up.
    if (i === rates.length - 1 && summary.sustained && c.extend.length) {
      const more = c.extend.find((r) => r > rate);
      if (more) rates.push(more);
    }
  }
  let durable = null;
  if (workloads.includes("durable") && kind !== "ours-off" && kind !== "relay") {
    const d = CONFIG.durable;
    const settled = await gen.call("settle", { maxCpu: 0.1, windowMs: 500, timeoutMs: 60_000 });
    log(`  settled for ${fmt(settled.waitedMs / 1000)} s before measuring time to durable${settled.quiet ? "" : " (still busy after 60 s)"}`);
    const step = await gen.call("rate", { rate: d.rate, warmupS: 0, reps: 1, seconds: d.seconds, drainMs: c.drainMs, durable: { pollMs: POLL_MS[kind] ?? 0, waitMs: d.waitMs } });
    const rep = step.reps[0];
    durable = { settled, rate: d.rate, seconds: d.seconds, sent: rep.sent, notDurable: rep.notDurable, durable: rep.durable, latency: rep.latency, pollMs: POLL_MS[kind] ?? null, method: kind === "ours" ? "saved message (type 100) received by the writer" : `polling the store every ${POLL_MS[kind]} ms` };
    log(`  time to durable: p50 ${fmt(rep.durable?.p50)} p99 ${fmt(rep.durable?.p99)} p99.9 ${fmt(rep.durable?.p999)} max ${fmt(rep.durable?.max)} ms; ${rep.notDurable} of ${rep.sent} not durable after ${d.waitMs / 1000} s`);
  }
  const canaries = await gen.call("canaries", {});
  const { canaryDocs } = await gen.call("disconnect");
  const stored = db && kind !== "ours-off" ? await gen.call("stored", { storeTimeoutMs: 60_000, canaryDocs }) : [];
  const canaryOk = canaries.every((c: any) => c.receivedAll && c.freshEqual !== false) && stored.every((s: any) => s.dbEqual);
  log(`  canaries: ${canaries.map((c: any) => `received all ${c.receivedAll}, fresh client equal ${c.freshEqual}`).join("; ")}; database equal ${stored.map((s: any) => `${s.dbEqual} (${s.afterMs} ms after the last client left)`).join(", ") || "n/a"}`);
  const sustained = steps.filter((s) => s.summary.sustained).map((s) => s.rate);
  return { steps, durable, canaries, stored, canaryOk, highestSustainedRate: sustained.length ? Math.max(...sustained) : 0 };
}

// ---------------------------------------------------------------- several processes (multi)

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** A redis-server of the benchmark's own (no persistence), pinned with the servers, metered on its own. */
async function startRedis(core: number | null) {
  const port = await freePort();
  const args = ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"];
  const child = core === null ? spawn("redis-server", args, { stdio: "ignore", detached: true }) : spawn("taskset", ["-c", String(core), "redis-server", ...args], { stdio: "ignore", detached: true });
  const exited = new Promise((r) => child.once("exit", r));
  const deadline = Date.now() + 10_000;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, "127.0.0.1");
      s.once("error", () => resolve(false));
      s.once("connect", () => s.write("PING\r\n"));
      s.once("data", (d) => {
        s.destroy();
        resolve(d.toString().startsWith("+PONG"));
      });
    });
    if (ok) break;
    if (Date.now() > deadline) throw new Error("redis-server did not start (is it installed?)");
    await sleep(50);
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    pid: child.pid!,
    async stop() {
      child.kill("SIGKILL");
      await exited;
    },
  };
}

function multiTraces() {
  const c = MULTI;
  return { name: "multi", pages: 10, authors: c.authors, edits: editsNeeded(c.rates, c.warmupS, c.reps, c.seconds, 2 * c.durableS + 10), firstClient: 200_000 };
}

/** One row: `processes` servers of ours (with Redis when 2), the steady rates, time to durable. */
async function multiRow(gen: Generator, adminUrl: string, core: number | null, processes: number) {
  const c = MULTI;
  const name = `dealroom_bench_multi${processes}_${runId}`;
  const url = await createDatabase(adminUrl, name);
  const db = { url, name };
  const redis = processes > 1 ? await startRedis(core) : null;
  const env: Record<string, string> = redis ? { REDIS_URL: redis.url } : {};
  const started: RunningServer[] = [];
  try {
    // One at a time: the first applies the migrations.
    for (let i = 0; i < processes; i++) started.push(await startServer("ours", { databaseUrl: url, core, flags: SERVER_FLAGS, env }));
    const setup = await setupOurs(started[0]!, url);
    const docs = await setup.createPages(c.pages, `Multi ${processes}`);
    const target = { kind: "ours" as const, ws: started[0]!.ws, wsList: started.map((s) => s.ws), token: setup.tokens[0], tokens: setup.tokens };
    const connected = await gen.call("connect", { target, serverPid: started[0]!.pid, serverPids: started.map((s) => s.pid), redisPid: redis?.pid ?? 0, db, docs, traces: multiTraces(), canaries: CONFIG.canaries });
    log(`  ${processes} process(es): ${connected.editors} editors on ${connected.pages} pages connected in ${(connected.connectMs / 1000).toFixed(1)} s`);
    const steps = [];
    for (const rate of c.rates) {
      const step = await gen.call("rate", { rate, warmupS: c.warmupS, reps: c.reps, seconds: c.seconds, drainMs: c.drainMs });
      const summary = summarizeStep(step);
      steps.push({ ...step, summary });
      log(`  ${rate}/s: p99 ${fmt(summary.p99?.median)} ms (across processes ${fmt(summary.crossP99?.median)} ms), ${fmt(summary.deliveriesPerSecond?.median, 0)} deliveries/s, server CPU ${pct(summary.serverCpu?.median)} (${fmt(summary.serverCpuUsPerDelivery?.median, 0)} µs/delivery), Redis CPU ${pct(summary.redisCpu?.median)} (${fmt(summary.redisCpuUsPerDelivery?.median, 0)} µs/delivery), dropped ${summary.dropped}${summary.invalid ? ` INVALID (${summary.invalidReasons.join("; ")})` : ""}`);
    }
    const settled = await gen.call("settle", { maxCpu: 0.1, windowMs: 500, timeoutMs: 30_000 });
    const dstep = await gen.call("rate", { rate: 2, warmupS: 0, reps: 1, seconds: c.durableS, drainMs: c.drainMs, durable: { pollMs: 0, waitMs: 15_000 } });
    const rep = dstep.reps[0];
    const durable = { settled, rate: 2, seconds: c.durableS, sent: rep.sent, notDurable: rep.notDurable, durable: rep.durable };
    log(`  time to durable: p50 ${fmt(rep.durable?.p50)} p99 ${fmt(rep.durable?.p99)} max ${fmt(rep.durable?.max)} ms; ${rep.notDurable} of ${rep.sent} not durable`);
    const canaries = await gen.call("canaries", {});
    const { canaryDocs } = await gen.call("disconnect");
    const stored = await gen.call("stored", { storeTimeoutMs: 60_000, canaryDocs });
    const canaryOk = canaries.every((x: any) => x.receivedAll && x.freshEqual !== false) && stored.every((s: any) => s.dbEqual);
    log(`  canaries and database equal: ${canaryOk}`);
    return { processes, redis: !!redis, steps, durable, canaryOk };
  } finally {
    for (const s of started) await s.stop();
    await redis?.stop();
    await dropDatabase(adminUrl, name).catch(() => {});
  }
}

/**
 * SIGKILL of one of two processes at a random moment during typing (editors of each page split
 * across both): every edit acknowledged as saved, on either process, must be in PostgreSQL.
 */
async function multiKillTrials(gen: Generator, adminUrl: string, core: number | null) {
  const c = MULTI;
  const name = `dealroom_bench_multikill_${runId}`;
  const url = await createDatabase(adminUrl, name);
  const redis = await startRedis(core);
  const env = { REDIS_URL: redis.url };
  const trials = [];
  let survivor: RunningServer | null = null;
  let victim: RunningServer | null = null;
  try {
    survivor = await startServer("ours", { databaseUrl: url, core, env });
    const setup = await setupOurs(survivor, url);
    for (let t = 0; t < c.killTrials; t++) {
      victim = await startServer("ours", { databaseUrl: url, core, env });
      const sql = connectDb(url, 1);
      const docs = await insertPages(sql, setup.roomId, setup.ownerId, 4, `Multi kill ${t + 1}`);
      await sql.end({ timeout: 2 });
      const target = { kind: "ours" as const, ws: survivor.ws, wsList: [victim.ws, survivor.ws], token: setup.tokens[0], tokens: setup.tokens };
      await gen.call("connect", { target, serverPid: victim.pid, serverPids: [victim.pid, survivor.pid], redisPid: redis.pid, db: { url, name }, docs, traces: { ...multiTraces(), name: "multikill", pages: 2 }, canaries: 0 });
      const delayMs = 300 + Math.random() * (c.killTypeS * 1000 - 600);
      const typing = gen.call("typeUntilKilled", { rate: 4, maxS: c.killTypeS });
      await sleep(delayMs);
      victim.child.kill("SIGKILL");
      const typed = await typing;
      // The survivor's editors keep their acknowledgements coming until they leave.
      await gen.call("disconnect");
      const check = await gen.call("checkAcked", { kind: "ours", dbUrl: url, acked: typed.acked });
      trials.push({ killAfterMs: Math.round(delayMs), sent: typed.sent, acked: check.acked, missing: check.missing });
      await victim.stop("SIGKILL");
      victim = null;
    }
  } finally {
    await victim?.stop("SIGKILL");
    await survivor?.stop();
    await redis.stop();
    await dropDatabase(adminUrl, name).catch(() => {});
  }
  const missing = trials.reduce((s, t) => s + t.missing, 0);
  log(`  ${trials.length} SIGKILL trials of one of two processes: ${trials.reduce((s, t) => s + t.acked, 0)} acknowledged edits checked, ${missing} missing from PostgreSQL`);
  return { trials, missing, acked: trials.reduce((s, t) => s + t.acked, 0), sent: trials.reduce((s, t) => s + t.sent, 0) };
}

/** Waits until no instance of Hocuspocus has stored a document for `quietMs` (at most `timeoutMs`). */
async function hocuspocusStoresQuiet(url: string, quietMs: number, timeoutMs: number) {
  const sql = connectDb(url, 1);
  try {
    const started = Date.now();
    let last = "";
    let since = Date.now();
    while (Date.now() - started < timeoutMs) {
      const [row] = await sql<{ seq: string | null }[]>`select max(stored_seq)::text as seq from hp_documents`;
      const seq = row?.seq ?? "";
      if (seq !== last) {
        last = seq;
        since = Date.now();
      } else if (Date.now() - since >= quietMs) return { waitedMs: Date.now() - started, quiet: true };
      await sleep(100);
    }
    return { waitedMs: Date.now() - started, quiet: false };
  } finally {
    await sql.end({ timeout: 2 });
  }
}

/**
 * Hocuspocus 3.4 with @hocuspocus/extension-redis, 2 instances on one Redis, its database
 * extension on (servers/hocuspocus.ts): the same steps as ours' 2-process row, the editors of each
 * page split across the instances. Time to durable is the first committed row covering an edit
 * (the poller, as in the single-server rows).
 */
async function multiHocuspocusRow(gen: Generator, adminUrl: string, core: number | null) {
  const c = MULTI;
  const name = `dealroom_bench_multihp_${runId}`;
  const url = await createDatabase(adminUrl, name);
  const db = { url, name };
  const redis = await startRedis(core);
  const env = { REDIS_URL: redis.url };
  const started: RunningServer[] = [];
  try {
    const sql = connectDb(url, 1);
    await createComparisonTables(sql, "hocuspocus");
    await sql.end({ timeout: 2 });
    for (let i = 0; i < 2; i++) started.push(await startServer("hocuspocus", { databaseUrl: url, core, flags: SERVER_FLAGS, env }));
    const docs = names(`multi-hp-${runId}`, c.pages);
    const target = { kind: "hocuspocus" as const, ws: started[0]!.ws, wsList: started.map((s) => s.ws) };
    const connected = await gen.call("connect", { target, serverPid: started[0]!.pid, serverPids: started.map((s) => s.pid), redisPid: redis.pid, db, docs, traces: multiTraces(), canaries: CONFIG.canaries });
    log(`  hocuspocus, 2 instances: ${connected.editors} editors on ${connected.pages} pages connected in ${(connected.connectMs / 1000).toFixed(1)} s`);
    const steps = [];
    for (const rate of c.rates) {
      const step = await gen.call("rate", { rate, warmupS: c.warmupS, reps: c.reps, seconds: c.seconds, drainMs: c.drainMs });
      const summary = summarizeStep(step);
      steps.push({ ...step, summary });
      log(`  ${rate}/s: p99 ${fmt(summary.p99?.median)} ms (across instances ${fmt(summary.crossP99?.median)} ms), ${fmt(summary.deliveriesPerSecond?.median, 0)} deliveries/s, server CPU ${pct(summary.serverCpu?.median)} (${fmt(summary.serverCpuUsPerDelivery?.median, 0)} µs/delivery), Redis CPU ${pct(summary.redisCpu?.median)} (${fmt(summary.redisCpuUsPerDelivery?.median, 0)} µs/delivery), dropped ${summary.dropped}${summary.invalid ? ` INVALID (${summary.invalidReasons.join("; ")})` : ""}`);
    }
    const settled = await gen.call("settle", { maxCpu: 0.1, windowMs: 500, timeoutMs: 30_000 });
    const dstep = await gen.call("rate", { rate: 2, warmupS: 0, reps: 1, seconds: c.durableS, drainMs: c.drainMs, durable: { pollMs: POLL_MS.hocuspocus, waitMs: 15_000 } });
    const rep = dstep.reps[0];
    const durable = { settled, rate: 2, seconds: c.durableS, sent: rep.sent, notDurable: rep.notDurable, durable: rep.durable };
    log(`  time to durable: p50 ${fmt(rep.durable?.p50)} p99 ${fmt(rep.durable?.p99)} max ${fmt(rep.durable?.max)} ms; ${rep.notDurable} of ${rep.sent} not durable`);
    const canaries = await gen.call("canaries", {});
    const { canaryDocs } = await gen.call("disconnect");
    const stored = await gen.call("stored", { storeTimeoutMs: 60_000, canaryDocs });
    const canaryOk = canaries.every((x: any) => x.receivedAll && x.freshEqual !== false) && stored.every((s: any) => s.dbEqual);
    log(`  canaries and database equal: ${canaryOk}`);
    return { processes: 2, redis: true, steps, durable, canaryOk };
  } finally {
    for (const s of started) await s.stop();
    await redis.stop();
    await dropDatabase(adminUrl, name).catch(() => {});
  }
}

/**
 * SIGKILL of one of two Hocuspocus instances during typing, as multiKillTrials does for ours.
 * Hocuspocus has no "saved" acknowledgement: the comparable one is its SyncStatus, the only
 * answer it gives per update (the instance applied it in memory; its provider counts
 * unsyncedChanges with it). An edit so acknowledged is lost when it is not in PostgreSQL once the
 * surviving instance has stored (its debounce, or the store on its last editor leaving). Every
 * edit sent is checked as well.
 */
async function multiHocuspocusKillTrials(gen: Generator, adminUrl: string, core: number | null) {
  const c = MULTI;
  const name = `dealroom_bench_multihpkill_${runId}`;
  const url = await createDatabase(adminUrl, name);
  const redis = await startRedis(core);
  const env = { REDIS_URL: redis.url };
  const trials: { killAfterMs: number; sent: number; acked: number; missing: number; sentMissing: number; storesQuiet: boolean }[] = [];
  let survivor: RunningServer | null = null;
  let victim: RunningServer | null = null;
  try {
    const sql = connectDb(url, 1);
    await createComparisonTables(sql, "hocuspocus");
    await sql.end({ timeout: 2 });
    survivor = await startServer("hocuspocus", { databaseUrl: url, core, env });
    for (let t = 0; t < c.killTrials; t++) {
      victim = await startServer("hocuspocus", { databaseUrl: url, core, env });
      const docs = names(`multi-hp-kill-${runId}-${t + 1}`, 4);
      const target = { kind: "hocuspocus" as const, ws: survivor.ws, wsList: [victim.ws, survivor.ws] };
      await gen.call("connect", { target, serverPid: victim.pid, serverPids: [victim.pid, survivor.pid], redisPid: redis.pid, db: { url, name }, docs, traces: { ...multiTraces(), name: "multikill", pages: 2 }, canaries: 0 });
      const delayMs = 300 + Math.random() * (c.killTypeS * 1000 - 600);
      const typing = gen.call("typeUntilKilled", { rate: 4, maxS: c.killTypeS, ack: "sync-status" });
      await sleep(delayMs);
      victim.child.kill("SIGKILL");
      const typed = await typing;
      await gen.call("disconnect");
      const quiet = await hocuspocusStoresQuiet(url, 3000, 30_000);
      const check = await gen.call("checkAcked", { kind: "hocuspocus", dbUrl: url, acked: typed.acked });
      const all = await gen.call("checkAcked", { kind: "hocuspocus", dbUrl: url, acked: typed.all });
      trials.push({ killAfterMs: Math.round(delayMs), sent: typed.sent, acked: check.acked, missing: check.missing, sentMissing: all.missing, storesQuiet: quiet.quiet });
      await victim.stop("SIGKILL");
      victim = null;
    }
  } finally {
    await victim?.stop("SIGKILL");
    await survivor?.stop();
    await redis.stop();
    await dropDatabase(adminUrl, name).catch(() => {});
  }
  const sum = (f: (t: (typeof trials)[number]) => number) => trials.reduce((s, t) => s + f(t), 0);
  log(`  ${trials.length} SIGKILL trials of one of two Hocuspocus instances: ${sum((t) => t.acked)} edits acknowledged (SyncStatus) checked, ${sum((t) => t.missing)} missing from PostgreSQL; ${sum((t) => t.sentMissing)} of ${sum((t) => t.sent)} sent missing`);
  return { ack: "sync-status", trials, missing: sum((t) => t.missing), acked: sum((t) => t.acked), sent: sum((t) => t.sent), sentMissing: sum((t) => t.sentMissing) };
}

async function multiProcess(gen: Generator, adminUrl: string, core: number | null) {
  const out: Record<string, unknown> = { config: MULTI };
  for (const processes of [1, 2]) {
    log(`== ours, ${processes} process${processes > 1 ? "es on one Redis" : " (no Redis)"}`);
    try {
      out[`ours-${processes}p`] = await multiRow(gen, adminUrl, core, processes);
    } catch (error) {
      out[`ours-${processes}p`] = { error: (error as Error).stack ?? String(error) };
      log(`  failed: ${(error as Error).message}`);
      await gen.call("disconnect").catch(() => {});
    }
  }
  log("== SIGKILL trials, one of two processes");
  try {
    out.kill = await multiKillTrials(gen, adminUrl, core);
  } catch (error) {
    out.kill = { error: (error as Error).stack ?? String(error) };
    log(`  failed: ${(error as Error).message}`);
    await gen.call("disconnect").catch(() => {});
  }
  if (process.env.BENCH_MULTI_HOCUSPOCUS !== "0") {
    log("== Hocuspocus 3.4, 2 instances with @hocuspocus/extension-redis (database extension on)");
    try {
      out["hocuspocus-2p"] = await multiHocuspocusRow(gen, adminUrl, core);
    } catch (error) {
      out["hocuspocus-2p"] = { error: (error as Error).stack ?? String(error) };
      log(`  failed: ${(error as Error).message}`);
      await gen.call("disconnect").catch(() => {});
    }
    log("== SIGKILL trials, one of two Hocuspocus instances");
    try {
      out.hocuspocusKill = await multiHocuspocusKillTrials(gen, adminUrl, core);
    } catch (error) {
      out.hocuspocusKill = { error: (error as Error).stack ?? String(error) };
      log(`  failed: ${(error as Error).message}`);
      await gen.call("disconnect").catch(() => {});
    }
  }
  return out;
}

function editsNeeded(rates: number[], warmupS: number, reps: number, seconds: number, extra = 0) {
  return Math.ceil(rates.reduce((s, r) => s + r * (warmupS + reps * seconds) + 1, 0) * 1.1) + extra + 10;
}

function steadyTraces() {
  const c = CONFIG.steady;
  const d = CONFIG.durable;
  return { name: "steady", pages: 10, authors: c.authors, edits: editsNeeded([...c.rates, ...c.extend], c.warmupS, c.reps, c.seconds, d.rate * d.seconds + 5), firstClient: 1000 };
}

function hotTraces() {
  const c = CONFIG.hot;
  return { name: "hot", pages: 1, authors: c.authors, edits: editsNeeded(c.rates, c.warmupS, c.reps, c.seconds), firstClient: 100_000 };
}

async function hot(gen: Generator, kind: ServerKind, server: RunningServer, db: { url: string; name: string } | null, setup: Setup) {
  const c = CONFIG.hot;
  const docs = setup ? await setup.createPages(1, "Hot") : ["hot-1"];
  const target = { kind, ws: server.ws, token: setup?.tokens[0], tokens: setup?.tokens };
  await gen.call("connect", { target, serverPid: server.pid, db, docs, traces: hotTraces(), canaries: 1 });
  const steps = [];
  for (const rate of c.rates) {
    const step = await gen.call("rate", { rate, warmupS: c.warmupS, reps: c.reps, seconds: c.seconds, drainMs: c.drainMs });
    const summary = summarizeStep(step);
    steps.push({ ...step, summary });
    log(`  hot page, ${c.authors} editors at ${rate}/s: p50 ${fmt(summary.p50?.median)} p99 ${fmt(summary.p99?.median)} ms, ${fmt(summary.deliveriesPerSecond?.median, 0)} deliveries/s, server CPU ${pct(summary.serverCpu?.median)}, dropped ${summary.dropped}${summary.invalid ? ` INVALID (${summary.invalidReasons.join("; ")})` : ""}`);
  }
  const canaries = await gen.call("canaries", {});
  const { canaryDocs } = await gen.call("disconnect");
  const stored = db && kind !== "ours-off" ? await gen.call("stored", { storeTimeoutMs: 60_000, canaryDocs }) : [];
  return { steps, canaries, stored };
}

const histories = new Map<number, ReturnType<typeof generateHistory>>();
function history(updates: number) {
  let h = histories.get(updates);
  if (!h) {
    const started = performance.now();
    h = generateHistory(updates, 3);
    histories.set(updates, h);
    log(`  generated a ${updates}-update history in ${((performance.now() - started) / 1000).toFixed(1)} s (state ${(h.state.length / 1024).toFixed(0)} KiB)`);
  }
  return h;
}

async function cold(gen: Generator, kind: ServerKind, server: RunningServer, db: { url: string; name: string }, setup: Setup) {
  const c = CONFIG.cold;
  const sql = connectDb(db.url, 2);
  const sizes = [];
  try {
    for (const updates of c.sizes) {
      const h = history(updates);
      const count = c.coldSamples + 1;
      const docs = setup ? await insertPages(sql, setup.roomId, setup.ownerId, count, `History ${updates}`) : names(`history-${updates}`, count);
      await seedHistory(sql, kind, docs, h, setup?.ownerId ?? null);
      sizes.push({ updates, docs, stateVector: Buffer.from(h.stateVector).toString("base64") });
    }
  } finally {
    await sql.end({ timeout: 2 });
  }
  const target = { kind, ws: server.ws, token: setup?.tokens[0] };
  const results = await gen.call("coldLoad", { target, serverPid: server.pid, sizes, warmSamples: c.warmSamples });
  const out = results.map((r: any) => ({
    updates: r.updates,
    stateBytes: histories.get(r.updates)!.state.length,
    cold: summarize(r.cold.completeMs),
    warm: summarize(r.warm.completeMs),
    coldSynced: summarize(r.cold.syncedMs),
    raw: r,
  }));
  for (const r of out) log(`  cold load ${r.updates} updates: cold ${fmt(r.cold?.median)} ms [${fmt(r.cold?.min)}–${fmt(r.cold?.max)}], warm ${fmt(r.warm?.median)} ms`);
  return out;
}

/**
 * Servers unload idle documents on their own schedule (ours 5 s after the last connection left,
 * the others at once): forced GC every second until the heap is back within 5% of the baseline
 * twice in a row, or `maxMs` passed. Reports what it found either way.
 */
async function waitForUnload(server: RunningServer, baselineHeap: number, maxMs: number) {
  const started = performance.now();
  let close = 0;
  for (;;) {
    await sleep(1000);
    const now = await server.memory(true);
    close = now.heapUsed <= baselineHeap * 1.05 ? close + 1 : 0;
    if (close >= 2 || performance.now() - started > maxMs) return { ...now, waitedMs: performance.now() - started };
  }
}

/** A stable baseline: forced GC until two readings a second apart agree within 1%. */
async function baselineMemory(server: RunningServer, maxMs: number) {
  const started = performance.now();
  let last = await server.memory(true);
  for (;;) {
    await sleep(1000);
    const now = await server.memory(true);
    if (Math.abs(now.heapUsed - last.heapUsed) < 0.01 * now.heapUsed || performance.now() - started > maxMs) return now;
    last = now;
  }
}

async function memory(gen: Generator, kind: ServerKind, server: RunningServer, db: { url: string; name: string } | null, setup: Setup) {
  const c = CONFIG.memory;
  const total = Math.max(...c.counts);
  let docs: string[];
  if (db && kind !== "relay") {
    const sql = connectDb(db.url, 2);
    try {
      docs = setup ? await insertPages(sql, setup.roomId, setup.ownerId, total, "Idle") : names("idle", total);
      const { trace, doc } = generatePage({ authors: 5, edits: 100, firstClient: 900_000, seed: 42 });
      const state = Y.encodeStateAsUpdate(doc);
      doc.destroy();
      await seedIdlePages(sql, kind, docs, state);
    } finally {
      await sql.end({ timeout: 2 });
    }
  } else docs = names("idle", total);
  const target = { kind, ws: server.ws, token: setup?.tokens[0] };
  // Warm the code paths, let everything unload, then take the baseline.
  await gen.call("cycles", { target, docs: docs.slice(0, 50), count: 100, concurrency: 8 });
  // ours unloads 5 s after the last connection: wait that out before the baseline.
  await sleep(6000);
  const baseline = await baselineMemory(server, 15_000);
  const mb = (b: number) => Math.round((b / 2 ** 20) * 10) / 10;
  const kb = (b: number) => Math.round((b / 1024) * 10) / 10;
  const loaded = [];
  let open = 0;
  for (const count of c.counts) {
    const opened = await gen.call("openIdle", { target, docs: docs.slice(open, count), concurrency: c.concurrency });
    open = count;
    await sleep(1000);
    const m = await server.memory(true);
    loaded.push({
      pages: count,
      failed: opened.failed,
      openMs: Math.round(opened.ms),
      rssMb: mb(m.rss),
      heapMb: mb(m.heapUsed),
      rssPerPageKb: kb((m.rss - baseline.rss) / count),
      heapPerPageKb: kb((m.heapUsed - baseline.heapUsed) / count),
    });
    log(`  ${count} idle pages: RSS ${mb(m.rss)} MB (+${kb((m.rss - baseline.rss) / count)} KiB/page), heap ${mb(m.heapUsed)} MB (+${kb((m.heapUsed - baseline.heapUsed) / count)} KiB/page)`);
  }
  await gen.call("closeIdle");
  const afterIdle = await waitForUnload(server, baseline.heapUsed, 30_000);
  const cycled = await gen.call("cycles", { target, docs, count: c.cycles, concurrency: c.concurrency });
  const afterCycles = await waitForUnload(server, baseline.heapUsed, 30_000);
  const result = {
    baseline: { rssMb: mb(baseline.rss), heapMb: mb(baseline.heapUsed) },
    loaded,
    afterClose: { rssMb: mb(afterIdle.rss), heapMb: mb(afterIdle.heapUsed), waitedMs: Math.round(afterIdle.waitedMs) },
    cycles: { count: c.cycles, failed: cycled.failed, ms: Math.round(cycled.ms) },
    afterCycles: {
      rssMb: mb(afterCycles.rss),
      heapMb: mb(afterCycles.heapUsed),
      waitedMs: Math.round(afterCycles.waitedMs),
      rssVsBaseline: afterCycles.rss / baseline.rss - 1,
      heapVsBaseline: afterCycles.heapUsed / baseline.heapUsed - 1,
    },
  };
  log(`  after ${c.cycles} open/close cycles: RSS ${result.afterCycles.rssMb} MB (${signedPct(result.afterCycles.rssVsBaseline)} vs baseline), heap ${result.afterCycles.heapMb} MB (${signedPct(result.afterCycles.heapVsBaseline)})`);
  return result;
}

/** SIGKILL at a random moment during steady typing: every edit acknowledged as saved must be in PostgreSQL. */
async function killTrials(gen: Generator, adminUrl: string, core: number | null) {
  const c = CONFIG.kill;
  const name = `dealroom_bench_kill_${runId}`;
  const url = await createDatabase(adminUrl, name);
  const trials = [];
  let setup: Setup = null;
  try {
    for (let t = 0; t < c.trials; t++) {
      const server = await startServer("ours", { databaseUrl: url, core });
      try {
        setup ??= await setupOurs(server, url);
        // Pages straight in SQL: the API helper is bound to the first trial's (now dead) server.
        const sql = connectDb(url, 1);
        const docs = await insertPages(sql, setup.roomId, setup.ownerId, c.pages, `Kill ${t + 1}`);
        await sql.end({ timeout: 2 });
        const target = { kind: "ours" as const, ws: server.ws, token: setup.tokens[0], tokens: setup.tokens };
        await gen.call("connect", { target, serverPid: server.pid, db: { url, name }, docs, traces: { ...steadyTraces(), name: "kill", pages: 2 }, canaries: 0 });
        const delayMs = 300 + Math.random() * 2200;
        const typing = gen.call("typeUntilKilled", { rate: c.rate, maxS: 8 });
        await sleep(delayMs);
        server.child.kill("SIGKILL");
        const typed = await typing;
        await gen.call("disconnect");
        const check = await gen.call("checkAcked", { kind: "ours", dbUrl: url, acked: typed.acked });
        trials.push({ killAfterMs: Math.round(delayMs), sent: typed.sent, acked: check.acked, missing: check.missing });
      } finally {
        await server.stop("SIGKILL");
      }
    }
  } finally {
    await dropDatabase(adminUrl, name).catch(() => {});
  }
  const missing = trials.reduce((s, t) => s + t.missing, 0);
  log(`  ${trials.length} SIGKILL trials: ${trials.reduce((s, t) => s + t.acked, 0)} acknowledged edits checked, ${missing} missing from PostgreSQL`);
  return { trials, missing, acked: trials.reduce((s, t) => s + t.acked, 0), sent: trials.reduce((s, t) => s + t.sent, 0) };
}

// ---------------------------------------------------------------- main

const fmt = (x: number | undefined | null, digits = 1) => (x === undefined || x === null || !Number.isFinite(x) ? "–" : x.toFixed(digits));
const pct = (x: number | undefined | null) => (x === undefined || x === null || !Number.isFinite(x) ? "–" : `${(x * 100).toFixed(0)}%`);
const signedPct = (x: number) => `${x >= 0 ? "+" : ""}${(x * 100).toFixed(1)}%`;

async function main() {
  const again = option("report");
  if (again) return printReport(JSON.parse(readFileSync(again, "utf8")));
  const started = performance.now();
  const admin = await adminDatabase();
  const taskset = PIN && hasTaskset();
  const serverCore = taskset ? SERVER_CORE : null;
  const generatorCore = taskset ? GENERATOR_CORE : null;
  const env = {
    ...(await fingerprint(admin.url, admin.embedded !== null)),
    pinning: taskset ? { server: SERVER_CORE, generator: GENERATOR_CORE } : null,
    priority: process.env.BENCH_PRIORITY ? "autogroup nice -10 (servers and generator, each in its own session)" : "normal (servers and generator each in their own session)",
    mode: QUICK ? "quick" : MULTI_QUICK ? "full (multi rows: BENCH_MULTI_QUICK small size)" : "full",
    multi: MULTI,
    config: CONFIG,
  };
  log(`collab benchmark (${env.mode}): node ${env.node}, ${env.cpu.cores}× ${env.cpu.model}, PostgreSQL ${(env.postgres as Record<string, unknown>).server_version ?? "?"}, fdatasync ${env.fdatasync.medianUs} µs median, load ${env.loadAverage.join(" ")}`);
  const gen = await startGenerator(generatorCore);
  const results: Record<string, any> = {};
  try {
    const prepared = await gen.call("prepare", { traces: [steadyTraces(), hotTraces()] });
    log(`traces generated in ${(prepared.ms / 1000).toFixed(1)} s`);
    // --workloads=multi (and kill) alone start no per-server rows.
    const perServer = workloads.some((w) => w !== "multi" && w !== "kill");
    for (const kind of perServer ? servers : []) {
      log(`== ${kind}`);
      const dbName = `dealroom_bench_${kind.replace("-", "_")}_${runId}`;
      const needsDb = kind !== "relay";
      const url = needsDb ? await createDatabase(admin.url, dbName) : null;
      const db = url ? { url, name: dbName } : null;
      if (url && !isOurs(kind)) {
        const sql = connectDb(url, 1);
        await createComparisonTables(sql, kind);
        await sql.end({ timeout: 2 });
      }
      const server = await startServer(kind, { databaseUrl: url, core: serverCore, flags: SERVER_FLAGS });
      const r: Record<string, unknown> = {};
      results[kind] = r;
      try {
        const setup = isOurs(kind) ? await setupOurs(server, url!) : null;
        if (workloads.includes("steady") || workloads.includes("durable")) r.steady = await steady(gen, kind, server, db, setup);
        if (workloads.includes("hot")) r.hot = await hot(gen, kind, server, db, setup);
        if (workloads.includes("cold") && db && kind !== "ours-off") r.cold = await cold(gen, kind, server, db, setup);
        if (workloads.includes("memory") && kind !== "ours-off") r.memory = await memory(gen, kind, server, db, setup);
      } catch (error) {
        r.error = (error as Error).stack ?? String(error);
        log(`  ${kind} failed: ${(error as Error).message}\n${server.output().slice(-3000)}`);
        await gen.call("disconnect").catch(() => {});
      } finally {
        await server.stop();
        if (url) await dropDatabase(admin.url, dbName).catch(() => {});
      }
    }
    if (workloads.includes("multi")) results.multi = await multiProcess(gen, admin.url, serverCore);
    if (workloads.includes("kill") && servers.includes("ours")) {
      log("== SIGKILL trials (ours)");
      try {
        results.kill = await killTrials(gen, admin.url, serverCore);
      } catch (error) {
        results.kill = { error: (error as Error).stack ?? String(error) };
        log(`  kill trials failed: ${(error as Error).message}`);
      }
    }
  } finally {
    await gen.stop();
    await admin.embedded?.stop();
  }
  const report = { environment: { ...env, loadAverageAtEnd: os.loadavg().map((x) => Math.round(x * 100) / 100), durationS: Math.round((performance.now() - started) / 1000) }, results };
  const dir = path.join(ROOT, "bench/results");
  if (!existsSync(dir)) mkdirSync(dir, { recursive: true });
  const out = option("out") ?? path.join(dir, `collab-${runId}${QUICK ? "-quick" : ""}.json`);
  writeFileSync(out, JSON.stringify(report, null, 2));
  writeFileSync(out.replace(/\.json$/, ".md"), `${renderReport(report)}\n`);
  printReport(report);
  log(`results: ${path.relative(ROOT, out)} (${report.environment.durationS} s)`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
