import type { APIRequestContext, BrowserContext, Page } from "@playwright/test";
import { expect, test, unique } from "./fixtures.ts";

// Threads and the activity feed as the demo's seller (Maya) and prospect (Jordan) live them,
// each in their own browser, on the seeded demo room (server/seed.ts).

const PASSWORD = "dealroom-demo";
const SELLER = "maya.chen@northwind.example";
const PROSPECT = "jordan.lee@acme.example";
const DEMO_ROOM = "Acme Corp — Platform rollout";

async function login(request: APIRequestContext, email: string): Promise<string> {
  const res = await request.post("/api/v1/login", { data: { email, password: PASSWORD } });
  expect(res.ok(), `login ${email}`).toBe(true);
  return (await res.json()).token;
}

async function signInAs(context: BrowserContext, baseURL: string, token: string) {
  await context.addCookies([{ name: "dealroom_session", value: token, url: baseURL, httpOnly: true, sameSite: "Lax" }]);
}

async function demoRoomId(request: APIRequestContext, token: string): Promise<string> {
  const res = await request.get("/api/v1/rooms", { headers: { authorization: `Bearer ${token}` } });
  const room = (await res.json()).items.find((r: { name: string }) => r.name === DEMO_ROOM);
  expect(room, "the seeded demo room").toBeTruthy();
  return room.id;
}

/** Waits until the page's socket is in the room, so live events can reach it. */
async function expectLive(page: Page) {
  await expect(page.locator('[data-live="true"]').first()).toBeVisible();
}

/** Marks the page so a full reload (which would clear the mark) is detected. */
async function markNoReload(page: Page) {
  await page.evaluate(() => ((window as unknown as { __stillHere: boolean }).__stillHere = true));
}
async function expectNoReload(page: Page) {
  expect(await page.evaluate(() => (window as unknown as { __stillHere?: boolean }).__stillHere)).toBe(true);
}

test("a message typed in the seller's browser appears in the prospect's without a reload", async ({ page, newPerson, request, baseURL }) => {
  // Two browsers and three sign-ins: allow for a busy machine.
  test.slow();
  const sellerToken = await login(request, SELLER);
  const roomId = await demoRoomId(request, sellerToken);
  await signInAs(page.context(), baseURL!, sellerToken);
  const prospect = await newPerson();
  await signInAs(prospect.context(), baseURL!, await login(request, PROSPECT));
  const title = `Pilot scope ${unique()}`;

  // The prospect has the Threads tab open before the thread exists.
  await prospect.goto(`/rooms/${roomId}/threads`);
  await expect(prospect.getByRole("heading", { name: "Threads" })).toBeVisible();
  await expectLive(prospect);
  await markNoReload(prospect);

  // The seller starts a shared thread from the Threads tab.
  await page.goto(`/rooms/${roomId}/threads`);
  await page.getByLabel("Title").fill(title);
  await page.getByLabel("Everyone in the room, including the buyer's team").check();
  await page.getByLabel("First message").fill("Which regions should the **pilot** cover?");
  await page.getByRole("button", { name: "Start thread" }).click();
  await expect(page.getByRole("heading", { name: title })).toBeVisible();
  await expectLive(page);
  await expect(page.locator(".message-body strong", { hasText: "pilot" })).toBeVisible();

  // It shows up in the prospect's list, live, and opens there.
  const link = prospect.getByRole("navigation", { name: "Threads" }).getByRole("link", { name: new RegExp(title) });
  await expect(link).toBeVisible();
  await expectNoReload(prospect);
  await link.click();
  await expect(prospect.getByRole("heading", { name: title })).toBeVisible();
  await expectLive(prospect);
  await markNoReload(prospect);

  // The seller replies; the prospect sees it without reloading.
  const reply = `EU first, then the US ${unique()}`;
  await page.getByLabel("Reply").fill(reply);
  await page.getByRole("button", { name: "Send" }).click();
  await expect(page.getByLabel("Reply")).toHaveValue("");
  await expect(prospect.getByRole("list", { name: "Messages" }).getByText(reply)).toBeVisible();
  await expectNoReload(prospect);

  // And back the other way, with markdown shown safely.
  const answer = `Agreed — _EU_ in week 12 ${unique()}`;
  await prospect.getByLabel("Reply").fill(`${answer} <img src=x onerror="alert(1)">`);
  await prospect.getByRole("button", { name: "Send" }).click();
  const seen = page.getByRole("list", { name: "Messages" }).locator(".message-body", { hasText: "in week 12" });
  await expect(seen).toBeVisible();
  await expect(seen.locator("em", { hasText: "EU" })).toBeVisible();
  await expect(seen).toContainText('<img src=x onerror="alert(1)">');
  await expect(seen.locator("img")).toHaveCount(0);
});

test("the activity feed marks what is new since the last visit", async ({ page, request, baseURL }) => {
  const sellerToken = await login(request, SELLER);
  const prospectToken = await login(request, PROSPECT);
  const roomId = await demoRoomId(request, sellerToken);
  await signInAs(page.context(), baseURL!, prospectToken);
  const call = (path: string, data: unknown) =>
    request.post(`/api/v1${path}`, { headers: { authorization: `Bearer ${sellerToken}` }, data });

  // Earlier activity, then the prospect's visit.
  const earlier = await (await call(`/rooms/${roomId}/threads`, { title: `Earlier ${unique()}`, visibility: "shared", body: "before the visit" })).json();
  await page.goto(`/rooms/${roomId}/activity`);
  await expect(page.getByRole("heading", { name: "Activity" })).toBeVisible();
  await expect(page.locator(".activity-item", { hasText: earlier.title })).toBeVisible();
  await expectLive(page);

  // While the prospect reads, the seller writes: one shared message, and an internal thread.
  const secret = `Internal margin ${unique()}`;
  expect((await call(`/threads/${earlier.id}/messages`, { body: "after the visit" })).status()).toBe(201);
  expect((await call(`/rooms/${roomId}/threads`, { title: secret, visibility: "internal", body: "not for the buyer" })).status()).toBe(201);
  const later = await (await call(`/rooms/${roomId}/threads`, { title: `Later ${unique()}`, visibility: "shared", body: "also new" })).json();

  // The page says more happened; showing it marks what is new since the visit.
  const show = page.getByRole("button", { name: /new updates? — show/ });
  await expect(show).toBeVisible();
  await show.click();
  await expect(page.getByRole("status")).toContainText(/1 new thread, 1 new message since/);
  const newItems = page.locator(".activity-item.is-new");
  await expect(newItems).toHaveCount(2);
  await expect(newItems.nth(0)).toContainText(`started the thread ${later.title}`);
  await expect(newItems.nth(1)).toContainText(`replied in ${earlier.title}`);
  await expect(page.getByText("New since your last visit")).toBeVisible();
  const earlierItem = page.locator(".activity-item", { hasText: `started the thread ${earlier.title}` });
  await expect(earlierItem).toBeVisible();
  await expect(earlierItem).not.toHaveClass(/is-new/);
  await expect(page.locator("main")).not.toContainText(secret);
});

test("the Threads tab counts what each reader has not read, live, and a guest never counts an internal thread", async ({ page, newPerson, api, signIn, request }) => {
  test.slow(); // two browsers, live events
  const seller = await api.signup(`Maya ${unique()}`);
  const room = await api.createRoom(seller);
  const guest = await api.addParticipant(seller, room.id, "external", "editor", `Jordan ${unique()}`);
  const post = async (who: { token: string }, path: string, data: unknown) => {
    const res = await request.post(path, { headers: { authorization: `Bearer ${who.token}` }, data });
    expect(res.ok(), `POST ${path}`).toBe(true);
    return res.json();
  };
  const shared = await post(seller, `/api/v1/rooms/${room.id}/threads`, { title: "Pilot scope", visibility: "shared", body: "Which sites first?" });
  const internal = await post(seller, `/api/v1/rooms/${room.id}/threads`, { title: "Discount floor", visibility: "internal", body: "18% at most." });
  await post(seller, `/api/v1/threads/${internal.id}/messages`, { body: "Agreed." });

  // The guest: one unread message, the shared thread's; the internal thread's two never count.
  await signIn(page.context(), guest);
  await page.goto(`/rooms/${room.id}`);
  const tabs = page.getByRole("navigation", { name: "Room sections" });
  await expect(tabs.getByRole("link", { name: "Threads, 1 unread" })).toBeVisible();
  await expect(page.locator('[data-testid="threads-tab"][data-live="true"]')).toBeVisible();

  // A new shared message arrives while the guest is on the overview; a new internal one does not count.
  await post(seller, `/api/v1/threads/${shared.id}/messages`, { body: "Lisbon and Porto." });
  await expect(tabs.getByRole("link", { name: "Threads, 2 unread" })).toBeVisible();
  await post(seller, `/api/v1/threads/${internal.id}/messages`, { body: "Not below 15%." });
  await post(seller, `/api/v1/threads/${shared.id}/messages`, { body: "And Madrid later." });
  await expect(tabs.getByRole("link", { name: "Threads, 3 unread" })).toBeVisible();

  // Reading the thread clears the count, without a reload.
  await tabs.getByRole("link", { name: "Threads, 3 unread" }).click();
  await page.getByRole("link", { name: /Pilot scope/ }).first().click();
  await expect(page.getByText("And Madrid later.")).toBeVisible();
  await expect(tabs.getByRole("link", { name: "Threads", exact: true })).toBeVisible();

  // The seller counts the guest's reply, and everything internal was their own.
  const sellerPage = await newPerson();
  await signIn(sellerPage.context(), seller);
  await sellerPage.goto(`/rooms/${room.id}/plan`);
  const sellerTabs = sellerPage.getByRole("navigation", { name: "Room sections" });
  await expect(sellerTabs.getByRole("link", { name: "Threads", exact: true })).toBeVisible();
  await expect(sellerPage.locator('[data-testid="threads-tab"][data-live="true"]')).toBeVisible();
  await post(guest, `/api/v1/threads/${shared.id}/messages`, { body: "Porto first, please." });
  await expect(sellerTabs.getByRole("link", { name: "Threads, 1 unread" })).toBeVisible();
});
