/**
 * `npm run bench:browser` (issue 20): what a person waits for in Chromium, against the production
 * build as `npm start` runs it (build/node/main.js; run `npm run build` first).
 *
 * - **Wiki page → synced, editable editor**: from navigation start to the moment the live editor
 *   is editable (the server's copy of the page is shown before that; docs/architecture.md).
 * - **Room tab → first contentful paint**: the room overview's `first-contentful-paint`.
 *
 * Both are read inside the page (`performance.now()` and the paint timing), so Playwright's own
 * overhead is not in them. Each is measured `BENCH_BROWSER_RUNS` times (default 20) in a warm
 * browser (a returning reader: cached assets, one context) and in a cold one (a new context per
 * run: nothing cached). Prints p50 and p90 of each, and the machine's load, so a run on a busy
 * machine reads as one. A benchmark, not a test: it asserts nothing.
 *
 * Options (environment): BENCH_DATABASE_URL (a PostgreSQL server; default the local one on
 * 127.0.0.1:5432, a fresh database is made and dropped), CHROMIUM_PATH (default /usr/bin/chromium).
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type Browser, type BrowserContext } from "@playwright/test";
import postgres from "postgres";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const RUNS = Number(process.env.BENCH_BROWSER_RUNS ?? 20);
const SERVER_URL = process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const SELLER = { email: "maya.chen@northwind.example", password: "dealroom-demo" };

const log = (line: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`);
const withDatabase = (url: string, name: string) => Object.assign(new URL(url), { pathname: `/${name}` }).toString();

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

async function startServer(databaseUrl: string): Promise<{ url: string; roomId: string; stop(): Promise<void> }> {
  const entry = path.join(ROOT, "build/node/main.js");
  if (!existsSync(entry)) throw new Error("no build: run 'npm run build' first (the benchmark runs the server as npm start does)");
  const child = spawn(process.execPath, ["--max-semi-space-size=4", entry], {
    cwd: ROOT,
    env: { ...process.env, NODE_ENV: "production", DATABASE_URL: databaseUrl, PORT: "0", HOST: "127.0.0.1", LOG_LEVEL: "warn", DATA_DIR: path.join(os.tmpdir(), `dealroom-bench-browser-${process.pid}`) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout.on("data", (c: Buffer) => (out += c));
  child.stderr.on("data", (c: Buffer) => (out += c));
  const started = await new Promise<{ url: string; roomId: string }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the server did not start within 120 s:\n${out}`)), 120_000);
    child.stdout.on("data", () => {
      const m = /Demo room: .* — (http:\/\/[^/\s]+)\/rooms\/([0-9a-f-]{36})/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ url: m[1]!, roomId: m[2]! });
      }
    });
    child.once("exit", (code) => reject(new Error(`the server exited (${code}) during start:\n${out}`)));
  });
  return {
    ...started,
    stop: () =>
      new Promise<void>((resolve) => {
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}

async function signedInContext(browser: Browser, base: string, token: string): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  await context.addCookies([{ name: "dealroom_session", value: token, url: base, httpOnly: true, sameSite: "Lax" }]);
  return context;
}

/** ms from navigation start until the live editor is editable. */
async function openPage(context: BrowserContext, url: string): Promise<number> {
  const page = await context.newPage();
  try {
    await page.goto(url, { waitUntil: "commit" });
    const handle = await page.waitForFunction(
      () => (document.querySelector('.ProseMirror[contenteditable="true"]') ? performance.now() : false),
      undefined,
      { timeout: 30_000, polling: "raf" },
    );
    return (await handle.jsonValue()) as number;
  } finally {
    await page.close();
  }
}

/** The first contentful paint of a room tab, in ms from navigation start. */
async function roomTabPaint(context: BrowserContext, url: string): Promise<number> {
  const page = await context.newPage();
  try {
    await page.goto(url, { waitUntil: "load" });
    const handle = await page.waitForFunction(
      () => performance.getEntriesByName("first-contentful-paint")[0]?.startTime ?? false,
      undefined,
      { timeout: 30_000 },
    );
    return (await handle.jsonValue()) as number;
  } finally {
    await page.close();
  }
}

async function series(label: string, run: () => Promise<number>): Promise<{ label: string; p50: number; p90: number; values: number[] }> {
  await run(); // one run first, not counted: the server's first render of each route
  const values: number[] = [];
  for (let i = 0; i < RUNS; i++) values.push(await run());
  const row = { label, p50: quantile(values, 0.5), p90: quantile(values, 0.9), values };
  log(`${label}: p50 ${row.p50.toFixed(0)} ms, p90 ${row.p90.toFixed(0)} ms (n=${RUNS})`);
  return row;
}

async function main() {
  const database = `dealroom_bench_browser_${Date.now().toString(36)}`;
  const admin = postgres(SERVER_URL, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database "${database}"`);
  const server = await startServer(withDatabase(SERVER_URL, database));
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  try {
    const login = await fetch(`${server.url}/api/v1/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(SELLER) });
    const { token } = (await login.json()) as { token: string };
    const pages = (await (await fetch(`${server.url}/api/v1/rooms/${server.roomId}/pages`, { headers: { authorization: `Bearer ${token}` } })).json()) as { items?: { id: string; title: string }[] } | { id: string; title: string }[];
    const list = Array.isArray(pages) ? pages : (pages.items ?? []);
    const target = list[0];
    if (!target) throw new Error("the demo room has no page");
    const pageUrl = `${server.url}/rooms/${server.roomId}/pages/${target.id}`;
    const roomUrl = `${server.url}/rooms/${server.roomId}`;
    log(`chromium ${browser.version()}, page "${target.title}", load ${os.loadavg().map((l) => l.toFixed(1)).join(" ")}`);

    const warm = await signedInContext(browser, server.url, token);
    const rows = [
      await series("wiki page → editable editor, warm", () => openPage(warm, pageUrl)),
      await series("room tab → first contentful paint, warm", () => roomTabPaint(warm, roomUrl)),
      await series("wiki page → editable editor, cold", async () => {
        const context = await signedInContext(browser, server.url, token);
        try {
          return await openPage(context, pageUrl);
        } finally {
          await context.close();
        }
      }),
      await series("room tab → first contentful paint, cold", async () => {
        const context = await signedInContext(browser, server.url, token);
        try {
          return await roomTabPaint(context, roomUrl);
        } finally {
          await context.close();
        }
      }),
    ];
    await warm.close();
    console.log("\n| measure | p50 | p90 |\n|---|---|---|");
    for (const r of rows) console.log(`| ${r.label} | ${r.p50.toFixed(0)} ms | ${r.p90.toFixed(0)} ms |`);
    console.log(`\nload after: ${os.loadavg().map((l) => l.toFixed(1)).join(" ")} (${os.cpus().length} cores)`);
  } finally {
    await browser.close();
    await server.stop();
    await admin.unsafe(`drop database if exists "${database}" with (force)`);
    await admin.end();
  }
}

await main();
