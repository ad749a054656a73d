// What 500 open readers sending engagement heartbeats cost the server (issue 17: "under 2 % of a
// core"; docs/performance.md, docs/decisions/025-engagement.md). `npm run bench:engagement`.
//
// Starts the real server (server/main.ts, as bench/collab does: production mode, its own
// database, migrated at start), makes one room with a shared page and READERS external
// participants, then opens READERS real socket.io clients in a separate process
// (bench/engagement/readers.ts), each sending `engagement:beat` at the browser tracker's cadence
// (a beat every 15 s, spread evenly). After a warm-up it measures, over SECONDS, the CPU time of
// the server process and of its PostgreSQL backends (utime + stime from /proc/<pid>/stat) and
// prints it as a percentage of one core.
//
// Environment: BENCH_READERS (500), BENCH_SECONDS (60), BENCH_WARMUP_SECONDS (20),
// BENCH_DATABASE_URL (postgres://postgres@127.0.0.1:5432/postgres).
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { createSession } from "../server/auth/sessions.ts";
import { ROOT, startServer } from "./collab/servers.ts";
import { connectDb, createDatabase, dropDatabase } from "./collab/stores.ts";

const READERS = Number(process.env.BENCH_READERS ?? 500);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 60);
const WARMUP = Number(process.env.BENCH_WARMUP_SECONDS ?? 20);
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
  const server = await startServer("ours", { databaseUrl: url, core: null });
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
    log(`${last.connected} readers connected; warming up ${WARMUP} s`);
    await sleep(WARMUP * 1000);

    const backends = async () =>
      (await sql<{ pid: number }[]>`select pid from pg_stat_activity where datname = ${DB} and pid <> pg_backend_pid() and application_name <> 'dealroom-bench'`).map((r) => r.pid);
    const pgPids = await backends();
    const before = { server: cpuSeconds(server.pid)!, pg: new Map(pgPids.map((p) => [p, cpuSeconds(p)])), beats: last.beats, at: performance.now() };
    await sleep(SECONDS * 1000);
    const wall = (performance.now() - before.at) / 1000;
    const serverCpu = cpuSeconds(server.pid)! - before.server;
    // The pool opens connections as it needs them: a backend that started during the window counts whole.
    let pgCpu = 0;
    let pgSeen = 0;
    for (const pid of new Set([...before.pg.keys(), ...(await backends())])) {
      const start = before.pg.has(pid) ? before.pg.get(pid)! : 0;
      const end = cpuSeconds(pid);
      if (start !== null && end !== null) {
        pgCpu += end - start;
        pgSeen++;
      }
    }
    const beats = last.beats - before.beats;
    const pct = (s: number) => ((100 * s) / wall).toFixed(2);
    log(`${READERS} readers, ${wall.toFixed(1)} s measured, ${beats} beats (${(beats / wall).toFixed(1)}/s), acked ${last.acked}, errors ${last.errors}${last.lastError ? ` (${last.lastError})` : ""}, credited ${last.credited} s in all`);
    console.log(`server process:        ${pct(serverCpu)} % of a core`);
    console.log(`PostgreSQL backends:   ${pct(pgCpu)} % of a core (${pgSeen} backends of the server's pool)`);
    console.log(`together:              ${pct(serverCpu + pgCpu)} % of a core`);
    console.log(JSON.stringify({ readers: READERS, seconds: Number(wall.toFixed(1)), beats, beatsPerSecond: Number((beats / wall).toFixed(2)), errors: last.errors, serverPercent: Number(pct(serverCpu)), postgresPercent: Number(pct(pgCpu)) }));
    if (process.env.BENCH_NOTE) log(process.env.BENCH_NOTE);
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
