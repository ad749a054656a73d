import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { chromium, type Browser, type BrowserContext, type Page } from "@playwright/test";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadStoredState } from "../../collab/documents.ts";
import { DEMO_PASSWORD } from "../../server/seed.ts";
import { createTestDatabase } from "../support/db.ts";
import { storedText, waitFor } from "./collab-support.ts";
import { ownRedis, startServerProcess, type OwnRedis, type ServerProcess } from "./multiprocess-support.ts";

// Issue 15, "the demo works in two browsers connected to different processes": two real server
// processes (the production build, as `npm start` runs it) on one PostgreSQL and one Redis, the
// demo room seeded by the first, the seller's browser on process A and the prospect's on process
// B. No sticky sessions and no proxy: each browser talks to its own process only, so everything
// one sees of the other crossed Redis (docs/architecture.md, "Several processes"). A vitest file
// rather than a Playwright spec because the integration harness already gives each file its own
// migrated database and these helpers start the processes and the Redis.

const SELLER = { email: "maya.chen@northwind.example", name: "Maya Chen" };
const PROSPECT = { email: "jordan.lee@acme.example", name: "Jordan Lee" };
const DEMO_ROOM = "Acme Corp — Platform rollout";
const SHARED_PAGE = "Mutual action plan";
const SCREENSHOTS = path.resolve(process.env.E2E_OUTPUT_DIR ?? "test-results", "multiprocess-browsers");

/** The Chromium playwright.config.ts uses: CHROMIUM_PATH, else Debian's, else Playwright's own. */
function chromiumPath(): string | undefined {
  if (process.env.CHROMIUM_PATH) return process.env.CHROMIUM_PATH;
  return existsSync("/usr/bin/chromium") ? "/usr/bin/chromium" : undefined;
}

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let redis: OwnRedis;
let dataDir: string;
let a: ServerProcess;
let b: ServerProcess;
let browser: Browser;
const contexts: BrowserContext[] = [];
const opened: { label: string; page: Page }[] = [];
const errors: string[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  redis = await ownRedis();
  // One machine, one disk: both processes keep file bytes in the same DATA_DIR.
  dataDir = await mkdtemp(path.join(os.tmpdir(), "dealroom-multi-browsers-"));
  const env = { DATABASE_URL: db.url, REDIS_URL: redis.url, DATA_DIR: dataDir };
  // A seeds the demo room before it listens; B starts after, on the seeded database.
  a = await startServerProcess({ ...env, SEED_DEMO: "true" });
  b = await startServerProcess({ ...env, SEED_DEMO: "false" });
  browser = await chromium.launch({ executablePath: chromiumPath(), args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"] });
  await mkdir(SCREENSHOTS, { recursive: true });
}, 240_000);

afterAll(async () => {
  // What each browser showed last (after a failure, the state it failed in).
  for (const { label, page } of opened) await page.screenshot({ path: path.join(SCREENSHOTS, `last-${label.replace(/\W+/g, "-")}.png`) }).catch(() => {});
  for (const context of contexts) await context.close().catch(() => {});
  await browser?.close();
  await Promise.all([a?.kill(), b?.kill()]);
  await redis?.kill();
  await db?.drop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

async function login(server: ServerProcess, email: string): Promise<string> {
  const res = await fetch(`${server.url}/api/v1/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ email, password: DEMO_PASSWORD }) });
  expect(res.status, `login ${email} on ${server.url}`).toBe(200);
  return ((await res.json()) as { token: string }).token;
}

/** A browser context signed in as `email` on `server`, its page errors collected. */
async function person(server: ServerProcess, email: string, label: string): Promise<Page> {
  const token = await login(server, email);
  const context = await browser.newContext({ baseURL: server.url, viewport: { width: 1280, height: 800 } });
  contexts.push(context);
  await context.addCookies([{ name: "dealroom_session", value: token, url: server.url, httpOnly: true, sameSite: "Lax" }]);
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  opened.push({ label, page });
  page.on("pageerror", (error) => errors.push(`${label}: ${error.message}`));
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(`${label} console: ${message.text()}`);
  });
  return page;
}

const visible = (page: Page, selector: string, timeout = 20_000) => page.locator(selector).first().waitFor({ state: "visible", timeout });
const editorHas = (page: Page, text: string, timeout = 15_000) =>
  page.getByTestId("page-editor").getByText(text).first().waitFor({ state: "visible", timeout });
const saved = (page: Page) => page.getByTestId("save-status").getByText("Saved", { exact: true }).waitFor({ state: "visible", timeout: 20_000 });

describe("the demo in two browsers on two processes", () => {
  it("a keystroke, carets and presence on a shared page, and a thread message, cross from A to B and back", { timeout: 180_000 }, async () => {
    const [room] = await db.sql<{ id: string }[]>`select id from rooms where name = ${DEMO_ROOM}`;
    expect(room, "the seeded demo room").toBeTruthy();
    const [page] = await db.sql<{ id: string }[]>`select id from pages where room_id = ${room!.id} and title = ${SHARED_PAGE} and visibility = 'shared'`;
    const [thread] = await db.sql<{ id: string; title: string }[]>`
      select id, title from threads where room_id = ${room!.id} and visibility = 'shared' order by created_at limit 1`;
    expect(page && thread, "a shared page and a shared thread in the demo room").toBeTruthy();
    const pageUrl = `/rooms/${room!.id}/pages/${page!.id}`;

    const seller = await person(a, SELLER.email, "seller on A");
    const prospect = await person(b, PROSPECT.email, "prospect on B");
    await seller.goto(pageUrl);
    await prospect.goto(pageUrl);
    for (const p of [seller, prospect]) {
      await visible(p, '[data-testid="page-editor"]');
      await saved(p);
    }

    // Presence: each header lists the other, whose awareness came over Redis.
    await visible(seller, `[data-testid="presence"] [data-name="${PROSPECT.name}"]`);
    await visible(prospect, `[data-testid="presence"] [data-name="${SELLER.name}"]`);

    // A keystroke on A reaches B.
    const fromSeller = `Signed off on process A ${Date.now().toString(36)}`;
    await seller.getByTestId("page-editor").locator(":scope > p").first().click();
    await seller.keyboard.press("End");
    await seller.keyboard.type(` ${fromSeller}`);
    await editorHas(prospect, fromSeller);
    // The seller's caret, with her name, in the prospect's editor.
    await prospect.locator(".collaboration-carets__label", { hasText: SELLER.name }).first().waitFor({ state: "visible", timeout: 15_000 });

    // And back: the prospect types on B, the seller sees it and the prospect's caret on A.
    const fromProspect = `Countersigned on process B ${Date.now().toString(36)}`;
    await prospect.getByTestId("page-editor").locator(":scope > p").last().click();
    await prospect.keyboard.press("End");
    await prospect.keyboard.type(` ${fromProspect}`);
    await editorHas(seller, fromProspect);
    await seller.locator(".collaboration-carets__label", { hasText: PROSPECT.name }).first().waitFor({ state: "visible", timeout: 15_000 });

    // "Saved" on each side means both edits are committed to the one PostgreSQL.
    await saved(seller);
    await saved(prospect);
    const text = storedText(await loadStoredState(db.sql, page!.id));
    expect(text).toContain(fromSeller);
    expect(text).toContain(fromProspect);
    for (const p of [seller, prospect]) await p.evaluate(() => window.scrollTo(0, 0));
    await seller.screenshot({ path: path.join(SCREENSHOTS, "seller-on-a-page.png"), fullPage: true });
    await prospect.screenshot({ path: path.join(SCREENSHOTS, "prospect-on-b-page.png"), fullPage: true });

    // A thread message posted on A appears in the prospect's open thread on B without a reload.
    const threadUrl = `/rooms/${room!.id}/threads/${thread!.id}`;
    await seller.goto(threadUrl);
    await prospect.goto(threadUrl);
    for (const p of [seller, prospect]) {
      await p.getByRole("heading", { name: thread!.title }).waitFor({ state: "visible" });
      await visible(p, '[data-live="true"]');
    }
    await prospect.evaluate(() => ((window as unknown as { __stillHere: boolean }).__stillHere = true));
    const message = `Legal approved the MSA (from process A, ${Date.now().toString(36)})`;
    await seller.getByLabel("Reply").fill(message);
    await seller.getByRole("button", { name: "Send" }).click();
    await prospect.getByRole("list", { name: "Messages" }).getByText(message).waitFor({ state: "visible", timeout: 15_000 });
    expect(await prospect.evaluate(() => (window as unknown as { __stillHere?: boolean }).__stillHere)).toBe(true);
    // And a reply from B reaches A.
    const answer = `Thanks, we will sign this week (from process B, ${Date.now().toString(36)})`;
    await prospect.getByLabel("Reply").fill(answer);
    await prospect.getByRole("button", { name: "Send" }).click();
    await seller.getByRole("list", { name: "Messages" }).getByText(answer).waitFor({ state: "visible", timeout: 15_000 });
    await seller.screenshot({ path: path.join(SCREENSHOTS, "seller-on-a-thread.png") });
    await prospect.screenshot({ path: path.join(SCREENSHOTS, "prospect-on-b-thread.png") });

    // Neither process answered for the other: each browser's socket is on its own process.
    expect(new URL(seller.url()).port).toBe(new URL(a.url).port);
    expect(new URL(prospect.url()).port).toBe(new URL(b.url).port);
    expect(a.url).not.toBe(b.url);
    expect(errors).toEqual([]);
  });
});
