import type { Summary } from "./stats.ts";

/**
 * The benchmark's table, as Markdown (it reads fine in a terminal and goes into
 * docs/performance.md unchanged): absolute figures per server, then ours ÷ theirs.
 */

const OTHERS = ["hocuspocus", "reference", "relay", "ours-off"] as const;
const ORDER = ["ours", "ours-off", "hocuspocus", "reference", "relay"];
const LABEL: Record<string, string> = {
  ours: "ours",
  "ours-off": "ours (persistence off)",
  hocuspocus: "hocuspocus 3.4",
  reference: "y-websocket 2.1 reference",
  relay: "relay floor",
};

const num = (x: number | null | undefined, digits = 1) => (x === null || x === undefined || !Number.isFinite(x) ? "–" : x.toFixed(digits));
const range = (s: Summary | null | undefined, digits = 1) => (s ? `${num(s.median, digits)} [${num(s.min, digits)}–${num(s.max, digits)}]` : "–");
const pct = (s: Summary | null | undefined) => (s ? `${(s.median * 100).toFixed(0)}%` : "–");
const ratio = (a: number | null | undefined, b: number | null | undefined) => (a && b && Number.isFinite(a) && Number.isFinite(b) ? `${(a / b).toFixed(2)}×` : "–");

function table(headers: string[], rows: (string | number)[][]): string {
  return [`| ${headers.join(" | ")} |`, `|${headers.map(() => "---").join("|")}|`, ...rows.map((r) => `| ${r.join(" | ")} |`)].join("\n");
}

export function renderReport(report: { environment: any; results: Record<string, any> }): string {
  const { environment: env, results } = report;
  const servers = ORDER.filter((s) => results[s]);
  const out: string[] = [];
  const c = env.config;

  out.push(`### Environment`, "");
  out.push(
    table(
      ["", ""],
      [
        ["date", env.date],
        ["mode", `${env.mode} (${env.durationS ?? "?"} s)`],
        ["node", env.node],
        ["cpu", `${env.cpu.cores}× ${env.cpu.model}`],
        ["pinning", env.pinning ? `server on core ${env.pinning.server}, generator on core ${env.pinning.generator} (taskset); PostgreSQL unpinned` : "none (no taskset)"],
        ["priority", env.priority ?? "normal"],
        ["load average (start → end)", `${env.loadAverage.join(" ")} → ${(env.loadAverageAtEnd ?? []).join(" ")}`],
        ["PostgreSQL", `${env.postgres.server_version ?? env.postgres.error}${env.postgres.embedded ? " (embedded)" : ""}, fsync=${env.postgres.fsync}, synchronous_commit=${env.postgres.synchronous_commit}, wal_sync_method=${env.postgres.wal_sync_method}`],
        ["fdatasync (8 KiB)", `median ${env.fdatasync.medianUs} µs, p99 ${env.fdatasync.p99Us} µs, max ${env.fdatasync.maxUs} µs${env.fdatasync.sameDeviceAsPostgres ? " (same device as PostgreSQL's data)" : ""}`],
        ["packages", Object.entries(env.packages).map(([k, v]) => `${k} ${v}`).join(", ")],
        ["git", `${env.git.commit?.slice(0, 12) ?? "?"} (${env.git.branch}), ${env.git.uncommittedFiles} uncommitted files`],
      ],
    ),
  );

  // Steady typing.
  const steadyRates = [...new Set(servers.flatMap((s) => (results[s].steady?.steps ?? []).map((st: any) => st.rate)))].sort((a, b) => a - b);
  if (steadyRates.length) {
    out.push("", `### Steady typing — ${c.steady.pages * c.steady.authors} editors on ${c.steady.pages} pages (${c.steady.authors} per page), each edit followed by a cursor update`, "");
    out.push(`Fan-out latency from the intended send time to arrival at each other editor of the page; median of ${c.steady.reps} repetitions of ${c.steady.seconds} s [min–max], after ${c.steady.warmupS} s warm-up.`, "");
    const rows: (string | number)[][] = [];
    for (const rate of steadyRates) {
      for (const s of servers) {
        const step = results[s].steady?.steps?.find((st: any) => st.rate === rate);
        if (!step) continue;
        const m = step.summary;
        rows.push([
          `${rate}/s`,
          LABEL[s]!,
          range(m.p50),
          range(m.p99),
          range(m.p999),
          num(m.deliveriesPerSecond?.median, 0),
          pct(m.serverCpu),
          num(m.serverCpuUsPerDelivery?.median, 0),
          pct(m.dbCpu),
          num(m.serverRssMb?.median, 0),
          m.dropped + (m.disconnects ? ` (${m.disconnects} disconnects)` : ""),
          m.invalid ? `**invalid**: ${m.invalidReasons.join("; ")}` : m.sustained ? "yes" : "no",
        ]);
      }
    }
    out.push(table(["rate / editor", "server", "p50 ms", "p99 ms", "p99.9 ms", "deliveries/s", "server CPU", "CPU µs / delivery", "DB CPU", "RSS MB", "dropped", "sustained"], rows));
    out.push("", "Ours ÷ theirs, fan-out p99 (below 1× is better for ours):", "");
    const rrows: string[][] = [];
    for (const rate of steadyRates) {
      const ours = results.ours?.steady?.steps?.find((st: any) => st.rate === rate)?.summary.p99?.median;
      rrows.push([`${rate}/s`, ...OTHERS.filter((o) => results[o]).map((o) => ratio(ours, results[o].steady?.steps?.find((st: any) => st.rate === rate)?.summary.p99?.median))]);
    }
    out.push(table(["rate", ...OTHERS.filter((o) => results[o]).map((o) => `ours ÷ ${LABEL[o]}`)], rrows));
    out.push("", `Highest rate sustained (p99 ≤ 50 ms, nothing dropped, generator not the bottleneck): ${servers.map((s) => `${LABEL[s]} **${results[s].steady?.highestSustainedRate ?? "–"}/s**`).join(", ")}.`);
    const canary = servers.map((s) => {
      const st = results[s].steady;
      if (!st) return null;
      const ok = st.canaries.every((x: any) => x.receivedAll) ? "all edits received" : "MISSED EDITS";
      const fresh = st.canaries.some((x: any) => x.freshEqual === null) ? "" : st.canaries.every((x: any) => x.freshEqual) ? ", = fresh client" : ", ≠ FRESH CLIENT";
      const db = st.stored.length ? (st.stored.every((x: any) => x.dbEqual) ? ", = database" : ", ≠ DATABASE") : "";
      return `${LABEL[s]}: ${ok}${fresh}${db}`;
    });
    out.push("", `Canaries (real providers): ${canary.filter(Boolean).join("; ")}.`);
  }

  // Hot page.
  if (servers.some((s) => results[s].hot)) {
    out.push("", `### Hot page — ${c.hot.authors} editors on one page`, "");
    const rows: (string | number)[][] = [];
    for (const s of servers) {
      for (const step of results[s].hot?.steps ?? []) {
        const m = step.summary;
        rows.push([`${step.rate}/s`, LABEL[s]!, range(m.p50), range(m.p99), range(m.p999), num(m.deliveriesPerSecond?.median, 0), pct(m.serverCpu), pct(m.dbCpu), m.dropped, m.invalid ? `**invalid**: ${m.invalidReasons.join("; ")}` : m.sustained ? "yes" : "no"]);
      }
    }
    out.push(table(["rate / editor", "server", "p50 ms", "p99 ms", "p99.9 ms", "deliveries/s", "server CPU", "DB CPU", "dropped", "sustained"], rows));
  }

  // Time to durable.
  const durableServers = servers.filter((s) => results[s].steady?.durable);
  if (durableServers.length) {
    const d0 = results[durableServers[0]!].steady.durable;
    out.push("", `### Time to durable — steady typing at ${d0.rate} edits/s per editor for ${d0.seconds} s`, "");
    out.push("From the intended send time until the edit is committed in PostgreSQL (ours: the writer receives the saved message, sent after the commit; the others: the first poll of their store that covers the edit). Measured after the steady-typing ladder, once the server and its database backends had been quiet (under 10% of a core) for a second: the 16/s step overloads every server, and its backlog is not what this measures.", "");
    out.push(
      table(
        ["server", "p50 ms", "p99 ms", "p99.9 ms", "max ms", "edits", "not durable at the end", "settled before", "how measured"],
        durableServers.map((s) => {
          const d = results[s].steady.durable;
          return [LABEL[s]!, num(d.durable?.p50), num(d.durable?.p99), num(d.durable?.p999), num(d.durable?.max), d.sent, d.notDurable, d.settled ? `${num(d.settled.waitedMs / 1000)} s` : "–", d.method];
        }),
      ),
    );
  }

  // Cold load.
  const coldServers = servers.filter((s) => results[s].cold);
  if (coldServers.length) {
    out.push("", `### Load — time from opening the socket to holding the whole page`, "");
    out.push(`Cold: the page is not in the server's memory (first connection; median of ${c.cold.coldSamples} pages [min–max]). Warm: someone else has it open (median of ${c.cold.warmSamples}).`, "");
    const rows: (string | number)[][] = [];
    for (const size of c.cold.sizes as number[]) {
      for (const s of coldServers) {
        const r = results[s].cold.find((x: any) => x.updates === size);
        if (r) rows.push([size.toLocaleString("en-US"), `${(r.stateBytes / 1024).toFixed(0)} KiB`, LABEL[s]!, range(r.cold), range(r.warm)]);
      }
    }
    out.push(table(["history (updates)", "state", "server", "cold ms", "warm ms"], rows));
    out.push("", "Ours ÷ theirs, cold load:", "");
    out.push(
      table(
        ["history", ...coldServers.filter((s) => s !== "ours").map((s) => `ours ÷ ${LABEL[s]}`)],
        (c.cold.sizes as number[]).map((size) => [
          size.toLocaleString("en-US"),
          ...coldServers.filter((s) => s !== "ours").map((s) => ratio(results.ours?.cold?.find((x: any) => x.updates === size)?.cold?.median, results[s].cold.find((x: any) => x.updates === size)?.cold?.median)),
        ]),
      ),
    );
  }

  // Memory.
  const memServers = servers.filter((s) => results[s].memory);
  if (memServers.length) {
    out.push("", "### Memory — idle pages (one idle connection each), then open/close cycles", "");
    const counts = c.memory.counts as number[];
    out.push(
      table(
        ["server", "baseline RSS / heap MB", ...counts.map((n) => `${n.toLocaleString("en-US")} pages: RSS / heap KiB per page`), "all closed: RSS / heap MB", `after ${c.memory.cycles.toLocaleString("en-US")} cycles: RSS / heap MB`, "vs baseline (RSS / heap)"],
        memServers.map((s) => {
          const m = results[s].memory;
          return [
            LABEL[s]!,
            `${m.baseline.rssMb} / ${m.baseline.heapMb}`,
            ...counts.map((n) => {
              const l = m.loaded.find((x: any) => x.pages === n);
              return l ? `${l.rssPerPageKb} / ${l.heapPerPageKb}${l.failed ? ` (${l.failed} failed)` : ""}` : "–";
            }),
            `${m.afterClose.rssMb} / ${m.afterClose.heapMb}`,
            `${m.afterCycles.rssMb} / ${m.afterCycles.heapMb}`,
            `${signed(m.afterCycles.rssVsBaseline)} / ${signed(m.afterCycles.heapVsBaseline)}`,
          ];
        }),
      ),
    );
  }

  if (results.kill && !results.kill.error) {
    const k = results.kill;
    out.push("", "### SIGKILL during steady typing (ours)", "");
    out.push(`${k.trials.length} trials, killed ${Math.min(...k.trials.map((t: any) => t.killAfterMs))}–${Math.max(...k.trials.map((t: any) => t.killAfterMs))} ms into typing: ${k.sent} edits sent, ${k.acked} acknowledged as saved, **${k.missing} of those missing** from PostgreSQL after the kill.`);
  }

  const m = results.multi;
  if (m) {
    out.push("", "### Several processes (ours on Redis; editors of each page split across the processes)", "");
    const rows: (string | number)[][] = [];
    const labels: Record<string, string> = { "ours-1p": "ours, 1 process (no Redis)", "ours-2p": "ours, 2 processes + Redis", "hocuspocus-2p": "Hocuspocus 3.4, 2 instances + extension-redis" };
    for (const key of ["ours-1p", "ours-2p", "hocuspocus-2p"]) {
      const r = m[key];
      if (!r) continue;
      const label = labels[key]!;
      if (r.error) {
        rows.push([label, "failed", "", "", "", "", "", ""]);
        continue;
      }
      for (const st of r.steps) {
        const x = st.summary;
        rows.push([
          label,
          `${st.rate}/s`,
          range(x.p99),
          key === "ours-1p" ? "–" : range(x.crossP99),
          num(r.durable?.durable?.p99),
          range(x.serverCpuUsPerDelivery, 0),
          key === "ours-1p" ? "–" : range(x.redisCpuUsPerDelivery, 0),
          `${num(x.deliveriesPerSecond?.median, 0)}, dropped ${x.dropped}${x.invalid ? " (invalid)" : ""}`,
        ]);
      }
    }
    out.push(table(["server", "rate per editor", "fan-out p99 ms (all)", "fan-out p99 ms (across processes)", "time to durable p99 ms (2/s)", "server CPU µs / delivery (all processes)", "Redis CPU µs / delivery", "deliveries/s"], rows));
    const k = m.kill;
    if (k && !k.error && k.trials.length) {
      out.push("", `SIGKILL of one of two processes, ${k.trials.length} trials, killed ${Math.min(...k.trials.map((t: any) => t.killAfterMs))}–${Math.max(...k.trials.map((t: any) => t.killAfterMs))} ms into typing: ${k.sent} edits sent, ${k.acked} acknowledged as saved, **${k.missing} of those missing** from PostgreSQL.`);
    } else if (k?.error) out.push("", `SIGKILL trials failed: ${String(k.error).split("\n")[0]}`);
    const h = m.hocuspocusKill;
    if (h && !h.error && h.trials.length) {
      out.push("", `SIGKILL of one of two Hocuspocus instances, ${h.trials.length} trials, killed ${Math.min(...h.trials.map((t: any) => t.killAfterMs))}–${Math.max(...h.trials.map((t: any) => t.killAfterMs))} ms into typing: ${h.sent} edits sent, ${h.acked} acknowledged by a SyncStatus (applied in memory; Hocuspocus has no "saved"), **${h.missing} of those missing** from PostgreSQL after the survivor stored; ${h.sentMissing} of all ${h.sent} sent missing.`);
    } else if (h?.error) out.push("", `Hocuspocus SIGKILL trials failed: ${String(h.error).split("\n")[0]}`);
  }

  // Targets.
  const o = results.ours;
  if (o) {
    out.push("", "### Targets for ours (persistence on)", "");
    const at2 = (s: string) => results[s]?.steady?.steps?.find((st: any) => st.rate === 2)?.summary.p99?.median;
    const lines: string[][] = [];
    if (at2("ours") !== undefined) {
      if (at2("reference") !== undefined) lines.push(["fan-out p99 at 2/s ≤ reference ÷ 2", `${num(at2("ours"))} ms vs ${num(at2("reference")! / 2)} ms`, at2("ours")! <= at2("reference")! / 2 ? "met" : "**missed**"]);
      if (at2("hocuspocus") !== undefined) lines.push(["fan-out p99 at 2/s ≤ hocuspocus", `${num(at2("ours"))} ms vs ${num(at2("hocuspocus"))} ms`, at2("ours")! <= at2("hocuspocus")! ? "met" : "**missed**"]);
    }
    if (o.steady && results.hocuspocus?.steady) lines.push(["sustainable rate ≥ hocuspocus", `${o.steady.highestSustainedRate}/s vs ${results.hocuspocus.steady.highestSustainedRate}/s`, o.steady.highestSustainedRate >= results.hocuspocus.steady.highestSustainedRate ? "met" : "**missed**"]);
    const d = o.steady?.durable?.durable;
    if (d) {
      lines.push(["time to durable p99 ≤ 10 ms", `${num(d.p99)} ms`, d.p99 <= 10 ? "met" : "**missed**"]);
      lines.push(["time to durable max ≤ 50 ms", `${num(d.max)} ms`, d.max <= 50 ? "met" : "**missed**"]);
    }
    const c10 = o.cold?.find((x: any) => x.updates === 10_000)?.cold?.median;
    if (c10 !== undefined) lines.push(["cold load of a 10k-update page ≤ 20 ms", `${num(c10)} ms`, c10 <= 20 ? "met" : "**missed**"]);
    if (o.memory) {
      const unloaded = o.memory.afterClose.heapMb / o.memory.baseline.heapMb - 1;
      lines.push(["idle pages unload: heap back within 10% once every connection closed", `${signed(unloaded)} after ${(o.memory.afterClose.waitedMs / 1000).toFixed(0)} s`, unloaded <= 0.1 ? "met" : "**missed**"]);
      const back = Math.max(o.memory.afterCycles.heapVsBaseline, o.memory.afterCycles.rssVsBaseline);
      lines.push(["memory back within 10% of baseline after cycles (RSS and heap)", `${signed(o.memory.afterCycles.rssVsBaseline)} / ${signed(o.memory.afterCycles.heapVsBaseline)}`, back <= 0.1 ? "met" : "**missed**"]);
    }
    out.push(table(["target", "measured", ""], lines));
  }
  return out.join("\n");
}

const signed = (x: number) => `${x >= 0 ? "+" : ""}${(x * 100).toFixed(1)}%`;

export function printReport(report: { environment: any; results: Record<string, any> }) {
  console.log(`\n${renderReport(report)}\n`);
}
