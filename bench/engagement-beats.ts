// What 500 open readers sending engagement heartbeats cost the server (issue 17: "under 2 % of a
// core"; docs/performance.md, docs/decisions/025-engagement.md). `npm run bench:engagement`.
//
// Starts the real server (server/main.ts, as bench/collab does: production mode, its own
// database, migrated at start), makes one room with a shared page and READERS external
// participants, then opens READERS real socket.io clients in a separate process
// (bench/engagement/readers.ts), each sending `engagement:beat` at the browser tracker's cadence
// (a beat every 15 s, spread evenly). It measures the CPU time of the server process and of its
// PostgreSQL backends (utime + stime from /proc/<pid>/stat) as a percentage of one core: first
// with the readers connected and in the room but silent (what open connections cost alone), then,
// after a warm-up, over BENCH_REPEAT windows of BENCH_SECONDS while they beat (the median).
//
// Environment: BENCH_READERS (500), BENCH_SECONDS (60), BENCH_REPEAT (3), BENCH_IDLE_SECONDS (30),
// BENCH_WARMUP_SECONDS (20), BENCH_DATABASE_URL (postgres://postgres@127.0.0.1:5432/postgres),
// BENCH_SERVER_FLAGS (node flags for the server, comma-separated, e.g. --cpu-prof,--cpu-prof-dir=/tmp/prof).
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { createSession } from "../server/auth/sessions.ts";
import { ROOT, startServer } from "./collab/servers.ts";
import { connectDb, createDatabase, dropDatabase } from "./collab/stores.ts";

const READERS = Number(process.env.BENCH_READERS ?? 500);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 60);
const WARMUP = Number(process.env.BENCH_WARMUP_SECONDS ?? 20);
const REPEAT = Number(process.env.BENCH_REPEAT ?? 3);
const IDLE = Number(process.env.BENCH_IDLE_SECONDS ?? 30);
const IDLE_WARMUP = 10;
const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const DB = `dealroom_bench_engagement_${process.pid}`;
const TICKS = 100; // USER_HZ: /proc/<pid>/stat counts in 1/100 s on Linux.

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (...parts: unknown[]) => console.log(`[${new Date().toISOString().slice(11, 19)}]`, ...parts);

/** CPU seconds (user + system) a process has used, or null once it is gone. */
function cpuSeconds(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / TICKS; // utime, stime (fields 14 and 15)
  } catch {
    return null;
  }
}

async function main() {
  const url = await createDatabase(ADMIN_URL, DB);
  const server = await startServer("ours", { databaseUrl: url, core: null, flags: process.env.BENCH_SERVER_FLAGS?.split(",").filter(Boolean) ?? [] });
  const sql = connectDb(url, 2);
  let readers: ReturnType<typeof spawn> | null = null;
  try {
    log(`server pid ${server.pid} at ${server.http}; setting up ${READERS} readers`);
    const signup = await fetch(`${server.http}/api/v1/signup`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: `owner-${process.pid}@bench.test`, password: "bench-password-1234", name: "Bench Owner", organization: "Bench Org" }),
    });
    const owner = (await signup.json()) as any;
    const post = async (p: string, body: unknown) => {
      const res = await fetch(`${server.http}/api/v1${p}`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${owner.token}` }, body: JSON.stringify(body) });
      if (res.status >= 300) throw new Error(`${p}: ${res.status} ${await res.text()}`);
      return (await res.json()) as any;
    };
    const room = await post("/rooms", { name: "Engagement bench", account: "Bench Buyer Inc" });
    const page = await post(`/rooms/${room.id}/pages`, { title: "Business case", visibility: "shared" });
    // The readers: external viewers of the room, each with a session (straight into SQL: the
    // sign-up path is not what is measured; the server checks these tokens like any other).
    const tokens: string[] = [];
    for (let i = 0; i < READERS; i++) {
      const [user] = await sql<{ id: string }[]>`insert into users (email, name) values (${`reader${i}-${process.pid}@buyer.test`}, ${`Reader ${i + 1}`}) returning id`;
      await sql`insert into participants (room_id, user_id, side, role) values (${room.id}, ${user!.id}, 'external', 'viewer')`;
      tokens.push((await createSession(sql as any, user!.id, "bearer")).token);
    }

    readers = spawn(process.execPath, ["--import", "tsx", path.join(ROOT, "bench/engagement/readers.ts")], { cwd: ROOT, stdio: ["pipe", "pipe", "inherit"] });
    let last: any = null;
    let connected!: () => void;
    const ready = new Promise<void>((r) => (connected = r));
    let buffer = "";
    readers.stdout!.on("data", (chunk: Buffer) => {
      buffer += chunk.toString();
      for (let nl = buffer.indexOf("\n"); nl >= 0; nl = buffer.indexOf("\n")) {
        const line = JSON.parse(buffer.slice(0, nl));
        buffer = buffer.slice(nl + 1);
        last = line;
        if (line.event === "connected") connected();
      }
    });
    readers.stdin!.end(JSON.stringify({ url: server.http, roomId: room.id, pageId: page.id, tokens }));
    await ready;
    log(`${last.connected} readers connected and in the room`);

    const backends = async () =>
      (await sql<{ pid: number }[]>`select pid from pg_stat_activity where datname = ${DB} and pid <> pg_backend_pid() and application_name <> 'dealroom-bench'`).map((r) => r.pid);
    /** One measurement window: CPU of the server and of its PostgreSQL backends, and the beats sent. */
    const measure = async (seconds: number) => {
      const pg = new Map((await backends()).map((p) => [p, cpuSeconds(p)]));
      const start = { server: cpuSeconds(server.pid)!, beats: last.beats, errors: last.errors, at: performance.now() };
      await sleep(seconds * 1000);
      const wall = (performance.now() - start.at) / 1000;
      // The pool opens connections as it needs them: a backend that started during the window counts whole.
      let pgCpu = 0;
      for (const pid of new Set([...pg.keys(), ...(await backends())])) {
        const from = pg.has(pid) ? pg.get(pid)! : 0;
        const to = cpuSeconds(pid);
        if (from !== null && to !== null) pgCpu += to - from;
      }
      const r = { seconds: wall, server: (100 * (cpuSeconds(server.pid)! - start.server)) / wall, postgres: (100 * pgCpu) / wall, beatsPerSecond: (last.beats - start.beats) / wall, errors: last.errors - start.errors };
      log(`${wall.toFixed(1)} s: server ${r.server.toFixed(2)} %, PostgreSQL ${r.postgres.toFixed(2)} %, ${r.beatsPerSecond.toFixed(1)} beats/s, ${r.errors} errors`);
      return r;
    };

    log(`open connections alone: settling ${IDLE_WARMUP} s, then ${IDLE} s`);
    await sleep(IDLE_WARMUP * 1000);
    const idle = await measure(IDLE);
    readers.kill("SIGUSR1");
    log(`beating; warming up ${WARMUP} s, then ${REPEAT} windows of ${SECONDS} s`);
    await sleep(WARMUP * 1000);
    const windows: Awaited<ReturnType<typeof measure>>[] = [];
    for (let i = 0; i < REPEAT; i++) windows.push(await measure(SECONDS));
    const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
    const m = { server: median(windows.map((w) => w.server)), postgres: median(windows.map((w) => w.postgres)), total: median(windows.map((w) => w.server + w.postgres)) };
    const pct = (x: number) => `${x.toFixed(2)} %`.padStart(8);
    console.log(`\n${READERS} readers, % of one core (median of ${REPEAT} windows of ${SECONDS} s; min–max)`);
    console.log(`                         server    PostgreSQL   together`);
    console.log(`open, no beats         ${pct(idle.server)}    ${pct(idle.postgres)}   ${pct(idle.server + idle.postgres)}`);
    const range = (f: (w: Awaited<ReturnType<typeof measure>>) => number) => `${Math.min(...windows.map(f)).toFixed(2)}–${Math.max(...windows.map(f)).toFixed(2)}`;
    console.log(`beating (${median(windows.map((w) => w.beatsPerSecond)).toFixed(1)} beats/s)  ${pct(m.server)}    ${pct(m.postgres)}   ${pct(m.total)}   (together ${range((w) => w.server + w.postgres)})`);
    console.log(`what the beats add     ${pct(m.server - idle.server)}    ${pct(m.postgres - idle.postgres)}   ${pct(m.total - idle.server - idle.postgres)}`);
    console.log(`errors: ${windows.reduce((s, w) => s + w.errors, 0)}; credited ${last.credited} s in all`);
    console.log(JSON.stringify({ readers: READERS, idle, windows, median: m }));
  } finally {
    if (readers) {
      readers.kill("SIGTERM");
      await new Promise((r) => readers!.once("exit", r));
    }
    await sql.end({ timeout: 2 });
    await server.stop();
    await dropDatabase(ADMIN_URL, DB).catch(() => {});
  }
}

await main();
