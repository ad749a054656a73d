import { readFileSync } from "node:fs";
import os from "node:os";
import { monitorEventLoopDelay, performance } from "node:perf_hooks";
import * as Y from "yjs";
import { covers, realClient, sameDocument, ThinSocket, type RealClient, type Target } from "./clients.ts";
import { Samples, distribution, type Distribution } from "./stats.ts";
import { connectDb, readStoredState, type ServerKind, type Sql } from "./stores.ts";
import { generatePage, SEED_CLIENT, type AuthorTrace, type PageTrace } from "./trace.ts";
import { KEY_CLOCK_BITS, forEachAwarenessEntry, insertKey, readSaved, updateKey, updateMessage, type Incoming } from "./wire.ts";

/**
 * The load generator: a separate process (pinned to its own core) holding hundreds of thin protocol
 * clients. The orchestrator (run.ts) drives it over IPC, one command at a time; every command
 * answers with plain JSON figures.
 *
 * Latency is keyed by the update's (client, clock) per page, and measured from the *intended*
 * send time of an open-loop schedule, so a server (or generator) that falls behind shows up as
 * latency instead of silently slowing the load down.
 */

// ---------------------------------------------------------------- records

interface Rep {
  latency: Samples; // fan-out, from the intended send time
  latencyActual: Samples; // fan-out, from the moment the bytes were handed to the socket
  latencyCross: Samples; // fan-out to editors on another process than the sender's (multi workload)
  awareness: Samples;
  lag: Samples; // actual − intended send time
  durable: Samples;
  records: Rec[];
  echoes: number;
  strays: number;
  deliveries: number;
  awarenessDeliveries: number;
}

interface Rec {
  intended: number;
  actual: number;
  expected: number;
  delivered: number;
  durable: number;
  rep: Rep;
  sender: Editor;
  key: number;
  clockAfter: number;
}

interface AwarenessRec {
  intended: number;
  rep: Rep;
  sender: Editor;
}

const newRep = (): Rep => ({
  latency: new Samples(),
  latencyActual: new Samples(),
  latencyCross: new Samples(),
  awareness: new Samples(),
  lag: new Samples(),
  durable: new Samples(),
  records: [],
  echoes: 0,
  strays: 0,
  deliveries: 0,
  awarenessDeliveries: 0,
});

class Page {
  editors: Editor[] = [];
  sent = new Map<number, Rec>();
  awarenessSent = new Map<number, AwarenessRec>();
  /** Records waiting to be seen in the server's store (pollers). */
  pendingDurable: Rec[] = [];
  seedSeen = 0;
  canary: RealClient | null = null;
  constructor(
    readonly doc: string,
    readonly trace: PageTrace,
  ) {}
}

const SEED_KEY = insertKey(SEED_CLIENT, 0);

class Editor {
  readonly socket: ThinSocket;
  next = 0;
  pendingDurable: Rec[] = [];
  trackDurable = false;
  /** Hocuspocus kill trials: an edit counts as acknowledged at its SyncStatus (clients.ts). */
  trackAck = false;
  private pendingAck: { rec: Rec; index: number }[] = [];

  constructor(
    target: Target,
    readonly page: Page,
    readonly author: AuthorTrace,
    /** Which of the target's processes this editor is connected to. */
    readonly proc = 0,
  ) {
    this.socket = new ThinSocket(target, page.doc, (m, data, at) => this.onMessage(m, data, at));
  }

  get live() {
    return !this.socket.closed;
  }

  private onMessage(m: Incoming, data: Buffer, at: number) {
    if (m.kind === "update") {
      if (m.key === null) return;
      if (m.key === SEED_KEY) {
        this.page.seedSeen++;
        return;
      }
      const rec = this.page.sent.get(m.key);
      if (!rec) {
        if (!m.step2) state.strays++;
        return;
      }
      if (rec.sender === this) {
        rec.rep.echoes++;
        return;
      }
      rec.delivered++;
      rec.rep.deliveries++;
      rec.rep.latency.push(at - rec.intended);
      rec.rep.latencyActual.push(at - rec.actual);
      if (rec.sender.proc !== this.proc) rec.rep.latencyCross.push(at - rec.intended);
    } else if (m.kind === "awareness") {
      forEachAwarenessEntry(data, m.start, (client, clock) => {
        const rec = this.page.awarenessSent.get(insertKey(client, clock));
        if (!rec || rec.sender === this) return;
        rec.rep.awarenessDeliveries++;
        rec.rep.awareness.push(at - rec.intended);
      });
    } else if (m.kind === "sync-status") {
      while (this.pendingAck.length && this.pendingAck[0]!.index <= this.socket.syncAcked) markDurable(this.pendingAck.shift()!.rec, at);
    } else if (m.kind === "saved") {
      if (!this.pendingDurable.length) return;
      const { clocks, deletes } = readSaved(data, m.start);
      const mine = clocks.get(this.author.client) ?? 0;
      this.pendingDurable = this.pendingDurable.filter((rec) => {
        if (!isDurable(rec, (client) => (client === this.author.client ? mine : clocks.get(client) ?? 0), (client, clock) =>
          (deletes.get(client) ?? []).some(([c, l]) => c <= clock && clock < c + l))) return true;
        markDurable(rec, at);
        return false;
      });
    }
  }

  sendEdit(intended: number, rep: Rep): Rec | null {
    const i = this.next;
    if (i >= this.author.edits) throw new Error(`trace exhausted for ${this.author.name} (${this.author.edits} edits)`);
    this.next++;
    const o = this.author.offsets;
    const actual = performance.now();
    let expected = 0;
    for (const e of this.page.editors) if (e !== this && e.live) expected++;
    const rec: Rec = { intended, actual, expected, delivered: 0, durable: -1, rep, sender: this, key: this.author.keys[i]!, clockAfter: this.author.clockAfter[i]! };
    this.page.sent.set(rec.key, rec);
    this.page.awarenessSent.set(insertKey(this.author.client, this.author.awarenessClock[i]!), { intended, rep, sender: this });
    rep.records.push(rec);
    if (this.trackDurable) {
      if (this.socket.target.kind === "ours") this.pendingDurable.push(rec);
      else this.page.pendingDurable.push(rec);
    }
    this.socket.send(this.author.data.subarray(o[4 * i]!, o[4 * i + 1]!));
    if (this.trackAck) this.pendingAck.push({ rec, index: this.socket.syncSent });
    this.socket.send(this.author.data.subarray(o[4 * i + 2]!, o[4 * i + 3]!));
    rep.lag.push(actual - intended);
    return rec;
  }
}

function isDurable(rec: Rec, clockOf: (client: number) => number, deleted: (client: number, clock: number) => boolean): boolean {
  if (rec.key >= 0) return rec.clockAfter <= clockOf(Math.floor(rec.key / KEY_CLOCK_BITS));
  const id = -rec.key - 1;
  return deleted(Math.floor(id / KEY_CLOCK_BITS), id % KEY_CLOCK_BITS);
}

function markDurable(rec: Rec, at: number) {
  if (rec.durable >= 0) return;
  rec.durable = at;
  rec.rep.durable.push(at - rec.intended);
}

// ---------------------------------------------------------------- state

const state = {
  target: null as Target | null,
  pages: [] as Page[],
  editors: [] as Editor[],
  strays: 0,
  serverPid: 0,
  /** Every server process under test (several with the multi workload); CPU is their sum. */
  serverPids: [] as number[],
  /** The Redis server of the multi workload, metered on its own. */
  redisPid: 0,
  db: null as { url: string; name: string } | null,
  sql: null as Sql | null,
  traces: new Map<string, PageTrace[]>(),
  idle: [] as ThinSocket[],
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitUntil(check: () => boolean, timeoutMs: number, stepMs = 5): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (!check()) {
    if (performance.now() > deadline) return false;
    await sleep(stepMs);
  }
  return true;
}

// ---------------------------------------------------------------- process figures

const TICK = 100; // USER_HZ on Linux

function cpuTicks(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return 0;
  }
}

function rssBytes(pid: number): number {
  try {
    const statm = readFileSync(`/proc/${pid}/statm`, "utf8").split(" ");
    return Number(statm[1]) * 4096;
  } catch {
    return 0;
  }
}

async function databasePids(): Promise<number[]> {
  if (!state.sql || !state.db) return [];
  const rows = await state.sql<{ pid: number }[]>`
    select pid from pg_stat_activity where datname = ${state.db.name} and application_name <> 'dealroom-bench'`;
  return rows.map((r) => r.pid);
}

/** CPU (fraction of one core) of the server process, its PostgreSQL backends and this generator. */
async function meter() {
  const pids = await databasePids();
  const serverTicks = () => state.serverPids.reduce((s, p) => s + cpuTicks(p), 0);
  const start = {
    wall: performance.now(),
    server: serverTicks(),
    redis: state.redisPid ? cpuTicks(state.redisPid) : 0,
    db: pids.reduce((s, p) => s + cpuTicks(p), 0),
    self: process.cpuUsage(),
  };
  let peakRss = rssBytes(state.serverPid);
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, rssBytes(state.serverPid))), 250);
  const eld = monitorEventLoopDelay({ resolution: 1 });
  eld.enable();
  return {
    async stop() {
      clearInterval(sampler);
      eld.disable();
      const seconds = (performance.now() - start.wall) / 1000;
      const self = process.cpuUsage(start.self);
      const dbNow = (await databasePids()).filter((p) => pids.includes(p));
      return {
        seconds,
        serverCpu: (serverTicks() - start.server) / TICK / seconds,
        redisCpu: state.redisPid ? (cpuTicks(state.redisPid) - start.redis) / TICK / seconds : null,
        dbCpu: (dbNow.reduce((s, p) => s + cpuTicks(p), 0) - start.db) / TICK / seconds,
        serverRssMb: Math.max(peakRss, rssBytes(state.serverPid)) / 2 ** 20,
        generatorCpu: (self.user + self.system) / 1e6 / seconds,
        generatorEldP99Ms: eld.percentile(99) / 1e6,
        generatorEldMaxMs: eld.max / 1e6,
        loadAverage: os.loadavg()[0]!,
      };
    },
  };
}

/**
 * Waits until the server and its database backends are quiet (together under `maxCpu` of a core
 * over `windowMs`, twice in a row): a step that follows an overloaded one (16/s) must not measure
 * the server still digesting that backlog. Returns how long it waited.
 */
async function settle(args: { maxCpu: number; windowMs: number; timeoutMs: number }) {
  const started = performance.now();
  let quiet = 0;
  while (quiet < 2 && performance.now() - started < args.timeoutMs) {
    const pids = await databasePids();
    const before = state.serverPids.reduce((s, p) => s + cpuTicks(p), 0) + pids.reduce((s, p) => s + cpuTicks(p), 0);
    await sleep(args.windowMs);
    const after = state.serverPids.reduce((s, p) => s + cpuTicks(p), 0) + pids.reduce((s, p) => s + cpuTicks(p), 0);
    const cpu = (after - before) / TICK / (args.windowMs / 1000);
    quiet = cpu < args.maxCpu ? quiet + 1 : 0;
  }
  return { waitedMs: performance.now() - started, quiet: quiet >= 2 };
}

// ---------------------------------------------------------------- durability pollers

/**
 * Watches the comparison servers' stores: an update is durable once a committed row covers it.
 * The time recorded is the start of the query that first saw it (an upper bound on the commit).
 */
function startPoller(kind: ServerKind, intervalMs: number) {
  const sql = connectDb(state.db!.url, 1);
  const byDoc = new Map(state.pages.map((p) => [p.doc, p]));
  let stopped = false;
  let watermark = 0n;
  const seenAhead = new Set<bigint>();
  let gapSince = 0;
  const lastSeq = new Map<string, string>();
  const loop = async () => {
    while (!stopped) {
      const at = performance.now();
      if (kind === "reference") {
        const rows = await sql<{ id: string; doc: string; update: Buffer }[]>`
          select id, doc, update from ref_updates where id > ${watermark.toString()} order by id limit 20000`;
        for (const row of rows) {
          const id = BigInt(row.id);
          if (seenAhead.has(id)) continue;
          seenAhead.add(id);
          const page = byDoc.get(row.doc);
          if (!page) continue;
          const key = keyOfPayload(row.update);
          const rec = key === null ? undefined : page.sent.get(key);
          if (rec) markDurable(rec, at);
        }
        // Advance over contiguous ids; a gap (a later id committed first) is re-read until it fills, at most 2 s.
        while (seenAhead.has(watermark + 1n)) seenAhead.delete(++watermark);
        if (seenAhead.size) {
          if (!gapSince) gapSince = at;
          else if (at - gapSince > 2000) {
            watermark = [...seenAhead].reduce((a, b) => (a > b ? a : b));
            seenAhead.clear();
            gapSince = 0;
          }
        } else gapSince = 0;
      } else if (kind === "hocuspocus") {
        const rows = await sql<{ name: string; seq: string }[]>`select name, stored_seq::text as seq from hp_documents`;
        const changed = rows.filter((r) => lastSeq.get(r.name) !== r.seq && byDoc.has(r.name));
        if (changed.length) {
          const readAt = performance.now();
          const states = await sql<{ name: string; seq: string; data: Buffer }[]>`
            select name, stored_seq::text as seq, data from hp_documents where name in ${sql(changed.map((r) => r.name))}`;
          for (const row of states) {
            lastSeq.set(row.name, row.seq);
            const page = byDoc.get(row.name)!;
            if (!page.pendingDurable.length) continue;
            const sv = Y.decodeStateVector(Y.encodeStateVectorFromUpdate(row.data));
            const ds = Y.decodeUpdate(row.data).ds as unknown as { clients: Map<number, { clock: number; len: number }[]> };
            page.pendingDurable = page.pendingDurable.filter((rec) => {
              if (rec.durable >= 0) return false;
              if (!isDurable(rec, (c) => sv.get(c) ?? 0, (c, clock) => (ds.clients.get(c) ?? []).some((d) => d.clock <= clock && clock < d.clock + d.len))) return true;
              markDurable(rec, readAt);
              return false;
            });
          }
        }
      }
      await sleep(intervalMs);
    }
  };
  const running = loop().catch((error: unknown) => {
    if (!stopped) console.error("durability poller failed", error);
  });
  return {
    async stop() {
      stopped = true;
      await running;
      await sql.end({ timeout: 2 });
    },
  };
}

const keyOfPayload = (update: Uint8Array) => updateKey(update, 0);

// ---------------------------------------------------------------- commands

interface Traces {
  name: string;
  pages: number; // distinct page traces
  authors: number;
  edits: number;
  firstClient: number;
}

function traces(spec: Traces): PageTrace[] {
  let list = state.traces.get(spec.name);
  if (!list) {
    list = [];
    for (let p = 0; p < spec.pages; p++) {
      const { trace, doc } = generatePage({ authors: spec.authors, edits: spec.edits, firstClient: spec.firstClient + p * spec.authors, seed: 1000 + p });
      doc.destroy();
      list.push(trace);
    }
    state.traces.set(spec.name, list);
  }
  return list;
}

async function connectEditors(args: { target: Target; serverPid: number; serverPids?: number[]; redisPid?: number; db: { url: string; name: string } | null; docs: string[]; traces: Traces; canaries: number }) {
  await disconnect();
  state.target = args.target;
  state.serverPid = args.serverPid;
  state.serverPids = args.serverPids ?? [args.serverPid];
  state.redisPid = args.redisPid ?? 0;
  state.db = args.db;
  await state.sql?.end({ timeout: 2 });
  state.sql = args.db ? connectDb(args.db.url, 1) : null;
  const list = traces(args.traces);
  const started = performance.now();
  state.pages = args.docs.map((doc, i) => new Page(doc, list[i % list.length]!));
  // Connect in waves, as a crowd arriving over a second or two rather than all in one instant.
  const all: Editor[] = [];
  for (const page of state.pages) {
    page.trace.authors.forEach((author, n) => {
      const tokens = args.target.tokens;
      let target = tokens?.length ? { ...args.target, token: tokens[n % tokens.length] } : args.target;
      // Several processes: the editors of each page are split across them.
      const list = args.target.wsList;
      const proc = list?.length ? n % list.length : 0;
      if (list?.length) target = { ...target, ws: list[proc]! };
      all.push(new Editor(target, page, author, proc));
    });
  }
  for (const e of all) e.page.editors.push(e);
  const wave = 50;
  for (let i = 0; i < all.length; i += wave) await Promise.all(all.slice(i, i + wave).map((e) => e.socket.whenSynced()));
  state.editors = all;
  const connectMs = performance.now() - started;

  // Real providers on the first pages, connected before the seed so they see every update.
  for (const page of state.pages.slice(0, args.canaries)) {
    page.canary = realClient(args.target, page.doc);
    await page.canary.whenSynced(15_000);
  }
  // Editor 0 of each page writes the starting content; everyone waits until the others have it.
  for (const page of state.pages) page.editors[0]!.socket.send(updateMessage(page.trace.seed));
  const seeded = await waitUntil(() => state.pages.every((p) => p.seedSeen >= p.editors.length - 1), 30_000);
  if (!seeded) throw new Error("the seed did not reach every editor");
  // Every editor says where its cursor is.
  for (const e of state.editors) e.socket.send(e.author.hello);
  await sleep(200);
  return { editors: all.length, pages: state.pages.length, connectMs };
}

/** Sends each editor's next edits at `rate` per second for `seconds`, staggered, open loop. */
function schedule(rate: number, seconds: number, rep: Rep): Promise<void> {
  const editors = state.editors;
  const n = editors.length;
  const period = 1000 / rate;
  // Golden-ratio phases spread the editors evenly over one period; the order within a period is fixed.
  const phase = editors.map((_, i) => ((i * 0.6180339887498949) % 1) * period);
  const order = editors.map((_, i) => i).sort((a, b) => phase[a]! - phase[b]!);
  const count = Math.max(1, Math.round(rate * seconds));
  const t0 = performance.now() + 5;
  let k = 0;
  let j = 0;
  return new Promise((resolve, reject) => {
    const tick = () => {
      try {
        const now = performance.now();
        while (k < count) {
          const i = order[j]!;
          const t = t0 + phase[i]! + k * period;
          if (t > now) break;
          const editor = editors[i]!;
          if (editor.live) editor.sendEdit(t, rep);
          if (++j === n) {
            j = 0;
            k++;
          }
        }
        if (k >= count) return resolve();
        const next = t0 + phase[order[j]!]! + k * period;
        setTimeout(tick, Math.max(0, next - performance.now()));
      } catch (error) {
        reject(error as Error);
      }
    };
    setTimeout(tick, 5);
  });
}

function repFigures(rep: Rep, seconds: number) {
  let expected = 0;
  let delivered = 0;
  let notDurable = 0;
  for (const r of rep.records) {
    expected += r.expected;
    delivered += Math.min(r.delivered, r.expected);
    if (r.durable < 0) notDurable++;
  }
  const d = (s: Samples) => distribution(s.values());
  return {
    sent: rep.records.length,
    expectedDeliveries: expected,
    delivered,
    dropped: expected - delivered,
    deliveriesPerSecond: rep.deliveries / seconds,
    awarenessDeliveriesPerSecond: rep.awarenessDeliveries / seconds,
    echoes: rep.echoes,
    latency: d(rep.latency),
    latencyFromActualSend: d(rep.latencyActual),
    latencyCross: d(rep.latencyCross),
    awarenessLatency: d(rep.awareness),
    sendLag: d(rep.lag),
    durable: d(rep.durable),
    notDurable,
  };
}

/** Forgets the records of finished repetitions (keeps memory flat over a long run). */
function forget(rep: Rep) {
  for (const r of rep.records) {
    const page = r.sender.page;
    if (page.sent.get(r.key) === r) page.sent.delete(r.key);
  }
  for (const page of state.pages) {
    for (const [key, a] of page.awarenessSent) if (a.rep === rep) page.awarenessSent.delete(key);
    page.pendingDurable = page.pendingDurable.filter((r) => r.rep !== rep);
  }
  for (const e of state.editors) e.pendingDurable = e.pendingDurable.filter((r) => r.rep !== rep);
}

async function runRate(args: { rate: number; warmupS: number; reps: number; seconds: number; drainMs: number; durable?: { pollMs: number; waitMs: number } }) {
  const closedBefore = state.editors.filter((e) => !e.live).length;
  const trackDurable = !!args.durable && (state.target!.kind === "ours" || state.target!.kind === "hocuspocus" || state.target!.kind === "reference");
  for (const e of state.editors) e.trackDurable = trackDurable;
  if (args.warmupS > 0) {
    const warm = newRep();
    await schedule(args.rate, args.warmupS, warm);
    await waitUntil(() => warm.records.every((r) => r.delivered >= r.expected), args.drainMs);
    forget(warm);
  }
  const poller = trackDurable && state.target!.kind !== "ours" ? startPoller(state.target!.kind, args.durable!.pollMs) : null;
  const reps = [];
  for (let r = 0; r < args.reps; r++) {
    const rep = newRep();
    const m = await meter();
    await schedule(args.rate, args.seconds, rep);
    const during = await m.stop();
    const drainStart = performance.now();
    await waitUntil(() => rep.records.every((x) => x.delivered >= x.expected), args.drainMs);
    if (trackDurable) await waitUntil(() => rep.records.every((x) => x.durable >= 0), args.durable!.waitMs, 20);
    const drainMs = performance.now() - drainStart;
    reps.push({ ...repFigures(rep, during.seconds), ...during, drainMs });
    forget(rep);
  }
  await poller?.stop();
  for (const e of state.editors) e.trackDurable = false;
  const closedAfter = state.editors.filter((e) => !e.live);
  return {
    rate: args.rate,
    reps,
    disconnects: closedAfter.length - closedBefore,
    closeCodes: [...new Set(closedAfter.map((e) => e.socket.closeCode))],
    strays: state.strays,
  };
}

/** Canary pages: the real provider, a fresh real client and the database must hold the same document. */
async function verifyCanaries(args: { storeTimeoutMs: number }) {
  const target = state.target!;
  const results = [];
  for (const page of state.pages.filter((p) => p.canary)) {
    const canary = page.canary!;
    // Every edit sent on this page must have reached the canary.
    const expected = new Map<number, number>();
    for (const e of page.editors) if (e.next > 0) expected.set(e.author.client, e.author.clockAfter[e.next - 1]!);
    const receivedAll = await waitUntil(() => covers(canary.doc, expected), 10_000, 20);
    let freshEqual: boolean | null = null;
    if (target.kind !== "relay") {
      const fresh = realClient(target, page.doc);
      try {
        await fresh.whenSynced(15_000);
        // The reference server answers sync before its store has loaded; wait for the content itself.
        freshEqual = await waitUntil(() => sameDocument(fresh.doc, canary.doc), 5000, 20);
      } catch {
        freshEqual = false;
      } finally {
        fresh.destroy();
      }
    }
    results.push({ doc: page.doc, receivedAll, freshEqual, chars: canary.doc.getXmlFragment("default").toString().length });
  }
  return results;
}

async function verifyStored(args: { storeTimeoutMs: number; canaryDocs: { doc: string; update: string }[] }) {
  const target = state.target!;
  if (!state.db) return [];
  const sql = connectDb(state.db.url, 1);
  try {
    const out = [];
    for (const c of args.canaryDocs) {
      const canary = new Y.Doc();
      Y.applyUpdate(canary, Buffer.from(c.update, "base64"));
      let equal = false;
      const started = performance.now();
      const deadline = started + args.storeTimeoutMs;
      while (!equal && performance.now() < deadline) {
        const stored = await readStoredState(sql, target.kind, c.doc);
        if (stored) {
          const doc = new Y.Doc();
          Y.applyUpdate(doc, stored);
          equal = sameDocument(doc, canary);
          doc.destroy();
        }
        if (!equal) await sleep(200);
      }
      out.push({ doc: c.doc, dbEqual: equal, afterMs: Math.round(performance.now() - started) });
      canary.destroy();
    }
    return out;
  } finally {
    await sql.end({ timeout: 2 });
  }
}

async function disconnect() {
  const canaryDocs = [];
  for (const page of state.pages) {
    if (page.canary) {
      canaryDocs.push({ doc: page.doc, update: Buffer.from(Y.encodeStateAsUpdate(page.canary.doc)).toString("base64") });
      page.canary.destroy();
      page.canary = null;
    }
  }
  for (const e of state.editors) e.socket.close();
  await waitUntil(() => state.editors.every((e) => !e.live), 5000);
  for (const e of state.editors) if (e.live) e.socket.terminate();
  state.editors = [];
  state.pages = [];
  return { canaryDocs };
}

/** Time from opening a socket to holding the page's whole stored document. */
function loadOnce(target: Target, doc: string, expected: Map<number, number>, timeoutMs: number): Promise<{ syncedMs: number; completeMs: number; socket: ThinSocket }> {
  const ydoc = new Y.Doc();
  const started = performance.now();
  return new Promise((resolve, reject) => {
    let syncedAt = 0;
    const timer = setTimeout(() => {
      socket.terminate();
      ydoc.destroy();
      reject(new Error(`${target.kind}: ${doc} not loaded after ${timeoutMs} ms`));
    }, timeoutMs);
    const socket = new ThinSocket(target, doc, (m, data, at) => {
      if (m.kind !== "update") return;
      if (m.step2 && !syncedAt) syncedAt = at;
      // Applying happens after the arrival time was taken: the client's own work is not counted.
      Y.applyUpdate(ydoc, data.subarray(m.start, m.end));
      if (covers(ydoc, expected)) {
        clearTimeout(timer);
        ydoc.destroy();
        resolve({ syncedMs: (syncedAt || at) - started, completeMs: at - started, socket });
      }
    });
  });
}

async function coldLoad(args: { target: Target; serverPid: number; sizes: { updates: number; docs: string[]; stateVector: string }[]; warmSamples: number }) {
  const out = [];
  for (const size of args.sizes) {
    const expected = Y.decodeStateVector(Buffer.from(size.stateVector, "base64"));
    const cold = [];
    for (const doc of size.docs.slice(1)) {
      const r = await loadOnce(args.target, doc, expected, 60_000);
      r.socket.close();
      cold.push(r);
      await sleep(50);
    }
    // Warm: the page is open in the server (someone is on it); a newcomer joins.
    const holder = await loadOnce(args.target, size.docs[0]!, expected, 60_000);
    const warm = [];
    for (let i = 0; i < args.warmSamples; i++) {
      const r = await loadOnce(args.target, size.docs[0]!, expected, 60_000);
      r.socket.close();
      warm.push(r);
      await sleep(20);
    }
    holder.socket.close();
    out.push({
      updates: size.updates,
      cold: { completeMs: cold.map((r) => r.completeMs), syncedMs: cold.map((r) => r.syncedMs) },
      warm: { completeMs: warm.map((r) => r.completeMs), syncedMs: warm.map((r) => r.syncedMs) },
      firstColdMs: holder.completeMs,
    });
  }
  return out;
}

async function openIdle(args: { target: Target; docs: string[]; concurrency: number }) {
  const started = performance.now();
  let failed = 0;
  let next = 0;
  const worker = async () => {
    while (next < args.docs.length) {
      const doc = args.docs[next++]!;
      const socket = new ThinSocket(args.target, doc, () => {});
      try {
        await socket.whenSynced();
        state.idle.push(socket);
      } catch {
        failed++;
      }
    }
  };
  await Promise.all(Array.from({ length: args.concurrency }, worker));
  return { open: state.idle.filter((s) => !s.closed).length, failed, ms: performance.now() - started };
}

async function closeIdle() {
  const sockets = state.idle;
  state.idle = [];
  for (const s of sockets) s.close();
  await waitUntil(() => sockets.every((s) => s.closed), 10_000);
  return { closed: sockets.length };
}

async function cycles(args: { target: Target; docs: string[]; count: number; concurrency: number }) {
  const started = performance.now();
  let failed = 0;
  let next = 0;
  const worker = async () => {
    while (next < args.count) {
      const doc = args.docs[next++ % args.docs.length]!;
      const socket = new ThinSocket(args.target, doc, () => {});
      try {
        await socket.whenSynced();
      } catch {
        failed++;
      }
      socket.close();
      await new Promise<void>((resolve) => (socket.closed ? resolve() : socket.ws.once("close", () => resolve())));
    }
  };
  await Promise.all(Array.from({ length: args.concurrency }, worker));
  return { cycles: args.count, failed, ms: performance.now() - started };
}

/**
 * SIGKILL trial, generator side: type until the server dies (or `maxS`), remembering what each
 * connection was told is saved. Afterwards `checkAcked` compares that with the database.
 */
async function typeUntilKilled(args: { rate: number; maxS: number; ack?: "saved" | "sync-status" }) {
  const syncStatus = args.ack === "sync-status";
  for (const e of state.editors) {
    e.trackDurable = !syncStatus;
    e.trackAck = syncStatus;
  }
  const rep = newRep();
  const started = performance.now();
  const stopWhenDead = waitUntil(() => state.editors.every((e) => !e.live), args.maxS * 1000, 2);
  const typing = schedule(args.rate, args.maxS, rep).catch(() => {});
  await Promise.race([stopWhenDead, typing]);
  await stopWhenDead;
  const acked = rep.records.filter((r) => r.durable >= 0);
  return {
    typedMs: performance.now() - started,
    sent: rep.records.length,
    acked: acked.map((r) => ({ doc: r.sender.page.doc, key: r.key, clockAfter: r.clockAfter })),
    all: rep.records.map((r) => ({ doc: r.sender.page.doc, key: r.key, clockAfter: r.clockAfter })),
  };
}

async function checkAcked(args: { kind: ServerKind; dbUrl: string; acked: { doc: string; key: number; clockAfter: number }[] }) {
  const sql = connectDb(args.dbUrl, 1);
  try {
    const byDoc = new Map<string, { key: number; clockAfter: number }[]>();
    for (const a of args.acked) byDoc.set(a.doc, [...(byDoc.get(a.doc) ?? []), a]);
    let missing = 0;
    for (const [doc, list] of byDoc) {
      const stored = await readStoredState(sql, args.kind, doc);
      const ydoc = new Y.Doc();
      if (stored) Y.applyUpdate(ydoc, stored);
      const ds = Y.createDeleteSetFromStructStore(ydoc.store) as unknown as { clients: Map<number, { clock: number; len: number }[]> };
      for (const a of list) {
        const rec = { key: a.key, clockAfter: a.clockAfter } as Rec;
        if (!isDurable(rec, (c) => Y.getState(ydoc.store, c), (c, clock) => (ds.clients.get(c) ?? []).some((d) => d.clock <= clock && clock < d.clock + d.len))) missing++;
      }
      ydoc.destroy();
    }
    return { acked: args.acked.length, missing };
  } finally {
    await sql.end({ timeout: 2 });
  }
}

const commands: Record<string, (args: any) => Promise<unknown>> = {
  prepare: async (args: { traces: Traces[] }) => {
    const started = performance.now();
    for (const t of args.traces) traces(t);
    return { ms: performance.now() - started };
  },
  connect: connectEditors,
  rate: runRate,
  settle,
  canaries: verifyCanaries,
  disconnect,
  stored: verifyStored,
  coldLoad,
  openIdle,
  closeIdle,
  cycles,
  typeUntilKilled,
  checkAcked,
};

process.on("message", (message: { id: number; cmd: string; args: unknown }) => {
  const run = commands[message.cmd];
  const reply = (body: object) => process.send!({ id: message.id, ...body });
  if (!run) return reply({ ok: false, error: `unknown command ${message.cmd}` });
  run(message.args).then(
    (result) => reply({ ok: true, result }),
    (error: unknown) => reply({ ok: false, error: (error as Error).stack ?? String(error) }),
  );
});
process.send?.({ ready: true });
// Exit normally on SIGTERM (so --cpu-prof can write its profile) and when the orchestrator is gone.
process.on("SIGTERM", () => process.exit(0));
process.on("disconnect", () => process.exit(0));
