import type { APIRequestContext, BrowserContext, Page } from "@playwright/test";
import { expect, test, unique, type ApiUser } from "./fixtures.ts";

// Offline editing (issue 19, docs/decisions/029-offline-editing.md): a page visited before opens
// with no network at all (the service worker's copy of its HTML and assets, the document from
// IndexedDB), what is typed there survives a closed tab and reaches the other side once the
// device is back online; "Saved" only once the server stored it. A guest whose access went away
// meanwhile is told so, and nothing typed offline is applied.

const DEMO_PASSWORD = "dealroom-demo";
const DEMO_ROOM = "Acme Corp — Platform rollout";

async function call(request: APIRequestContext, method: "GET" | "POST" | "PATCH" | "DELETE", path: string, token?: string, data?: unknown) {
  const response = await request.fetch(path, { method, headers: token ? { authorization: `Bearer ${token}` } : {}, ...(data === undefined ? {} : { data }) });
  const body = await response.json().catch(() => null);
  if (!response.ok()) throw new Error(`${method} ${path} → ${response.status()} ${JSON.stringify(body)}`);
  return body;
}

async function demoUser(request: APIRequestContext, email: string, name: string): Promise<ApiUser> {
  const body = await call(request, "POST", "/api/v1/login", undefined, { email, password: DEMO_PASSWORD });
  return { id: body.user.id, email, name, password: DEMO_PASSWORD, token: body.token };
}

async function joinAs(request: APIRequestContext, owner: ApiUser, roomId: string, name: string): Promise<ApiUser> {
  const email = `guest-${unique()}@acme.test`;
  const invitation = await call(request, "POST", `/api/v1/rooms/${roomId}/invitations`, owner.token, { email, side: "external", role: "editor" });
  const password = "correct horse battery";
  const accepted = await call(request, "POST", `/api/v1/invitations/${invitation.token}/accept`, undefined, { name, password });
  return { id: accepted.user.id, email, name, password, token: accepted.token };
}

const editorOf = (page: Page) => page.getByTestId("page-editor");
const statusOf = (page: Page) => page.getByTestId("save-status");
const CONNECT = { timeout: 30_000 };

async function waitLive(page: Page) {
  await expect(editorOf(page)).toBeVisible(CONNECT);
  await expect(statusOf(page)).toHaveText("Saved", CONNECT);
}

async function typeAtEnd(page: Page, text: string) {
  await editorOf(page).click();
  await page.keyboard.press("Control+End");
  await page.keyboard.press("Enter");
  await page.keyboard.type(text);
}

/** The service worker has this page's HTML (it asks for it once the editor shows the page). */
async function waitKeptOffline(page: Page) {
  await expect
    .poll(() => page.evaluate(async () => (await (await caches.open("dealroom-pages")).match(location.pathname)) !== undefined), CONNECT)
    .toBe(true);
}

async function markdownOf(request: APIRequestContext, token: string, pageId: string): Promise<string> {
  return (await call(request, "GET", `/api/v1/pages/${pageId}`, token)).markdown as string;
}

test("text typed offline, with the tab closed and opened again offline, reaches the other browser and is saved", async ({
  page,
  context,
  request,
  newPerson,
  signIn,
}) => {
  test.slow(); // two browsers, a service worker, a reconnect
  const seller = await demoUser(request, "maya.chen@northwind.example", "Maya Chen");
  const prospect = await demoUser(request, "jordan.lee@acme.example", "Jordan Lee");
  const rooms: { items: { id: string; name: string }[] } = await call(request, "GET", "/api/v1/rooms", seller.token);
  const roomId = rooms.items.find((r) => r.name === DEMO_ROOM)!.id;
  const created = await call(request, "POST", `/api/v1/rooms/${roomId}/pages`, seller.token, {
    title: `Rollout questions ${unique()}`,
    visibility: "shared",
    markdown: "Questions from Acme for the pilot.",
  });
  const url = `/rooms/${roomId}/pages/${created.id}`;

  await signIn(context, seller);
  await page.goto(url);
  await waitLive(page);

  const buyer = await newPerson();
  const buyerContext: BrowserContext = buyer.context();
  await signIn(buyerContext, prospect);
  await buyer.goto(url);
  await waitLive(buyer);
  await waitKeptOffline(buyer);

  // The prospect's network goes; what they type stays on their device.
  await buyerContext.setOffline(true);
  await expect(statusOf(buyer)).toHaveText("Offline — changes kept, reconnecting");
  await typeAtEnd(buyer, "Typed on the train: can SSO use Okta?");
  await expect(statusOf(buyer)).toHaveText(/^Offline — \d+ changes? kept on this device$/);
  await buyer.screenshot({ path: test.info().outputPath("offline-typed.png") });
  await expect(editorOf(page)).not.toContainText("Typed on the train");

  // The tab is closed and opened again, still offline: the service worker serves the page, IndexedDB the text.
  await buyer.close();
  const again = await buyerContext.newPage();
  const response = await again.goto(url);
  expect(response?.fromServiceWorker()).toBe(true);
  await expect(editorOf(again)).toContainText("Typed on the train: can SSO use Okta?", CONNECT);
  await expect(statusOf(again)).toHaveText(/^Offline — \d+ changes? kept on this device$/);
  await again.setViewportSize({ width: 390, height: 844 });
  await again.screenshot({ path: test.info().outputPath("offline-reopened-390.png"), fullPage: true });
  await again.setViewportSize({ width: 1280, height: 800 });
  await expect(editorOf(page)).not.toContainText("Typed on the train");
  // The worker had no network either: a page this browser never opened does not open.
  const never = await call(request, "POST", `/api/v1/rooms/${roomId}/pages`, seller.token, { title: `Never opened ${unique()}`, visibility: "shared" });
  const other = await buyerContext.newPage();
  await expect(other.goto(`/rooms/${roomId}/pages/${never.id}`)).rejects.toThrow(/ERR_/);
  await other.close();

  // Back online: the text reaches the seller, and "Saved" once the server has stored it.
  await buyerContext.setOffline(false);
  await expect(editorOf(page)).toContainText("Typed on the train: can SSO use Okta?", CONNECT);
  await expect(statusOf(again)).toHaveText("Saved", CONNECT);
  await expect.poll(() => markdownOf(request, seller.token, created.id), CONNECT).toContain("Typed on the train: can SSO use Okta?");
  await again.screenshot({ path: test.info().outputPath("offline-back-online.png") });
});

test("a guest whose access ends while offline is told so, and what they typed offline is not applied", async ({
  page,
  context,
  request,
  api,
  newPerson,
  signIn,
}) => {
  test.slow();
  const seller = await api.signup("Maya Seller");
  const room = await api.createRoom(seller);
  const guest = await joinAs(request, seller, room.id, "Jordan Buyer");
  const created = await call(request, "POST", `/api/v1/rooms/${room.id}/pages`, seller.token, { title: "Pricing", visibility: "shared", markdown: "List price applies." });
  const url = `/rooms/${room.id}/pages/${created.id}`;

  await signIn(context, seller);
  await page.goto(url);
  await waitLive(page);

  const buyer = await newPerson();
  const buyerContext = buyer.context();
  await signIn(buyerContext, guest);
  await buyer.goto(url);
  await waitLive(buyer);
  await waitKeptOffline(buyer);

  await buyerContext.setOffline(true);
  await expect(statusOf(buyer)).toHaveText("Offline — changes kept, reconnecting");
  await typeAtEnd(buyer, "We expect a 40 percent discount");
  await expect(statusOf(buyer)).toHaveText(/kept on this device$/);

  // Meanwhile the seller makes the page internal: the guest may no longer read it.
  buyer.once("dialog", () => undefined);
  page.once("dialog", (dialog) => dialog.accept());
  await page.getByRole("button", { name: "Make internal" }).click();
  await expect(page.locator(".wiki-page-meta")).toContainText("Internal");

  await buyerContext.setOffline(false);
  await expect(buyer.getByTestId("page-ended")).toHaveText("You no longer have access to this page; the changes you made offline were not sent.", CONNECT);
  await expect(editorOf(buyer)).toHaveCount(0);
  await buyer.setViewportSize({ width: 390, height: 844 });
  await buyer.screenshot({ path: test.info().outputPath("offline-refused-390.png"), fullPage: true });

  // Nothing of it reached the seller's page or the stored document, and the device forgot the page.
  await page.waitForTimeout(1000);
  await expect(editorOf(page)).not.toContainText("40 percent");
  expect(await markdownOf(request, seller.token, created.id)).not.toContain("40 percent");
  await expect
    .poll(() => buyer.evaluate(async () => (await indexedDB.databases()).map((d) => d.name ?? "").filter((n) => n.startsWith("dealroom-page:"))))
    .toEqual([]);
});

test("signing out deletes the person's offline copies: the page's document and the cached page", async ({ page, context, request, api, signIn }) => {
  const seller = await api.signup("Maya Seller");
  const room = await api.createRoom(seller);
  const created = await call(request, "POST", `/api/v1/rooms/${room.id}/pages`, seller.token, { title: "Notes", visibility: "shared", markdown: "Kick-off on Monday." });
  await signIn(context, seller);
  await page.goto(`/rooms/${room.id}/pages/${created.id}`);
  await waitLive(page);
  await waitKeptOffline(page);
  const stores = () => page.evaluate(async () => (await indexedDB.databases()).map((d) => d.name ?? "").filter((n) => n.startsWith("dealroom-page:")));
  expect(await stores()).toEqual([`dealroom-page:${seller.id}:${created.id}`]);

  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page.getByRole("banner").getByRole("link", { name: "Sign in" })).toBeVisible();
  expect(await stores()).toEqual([]);
  expect(await page.evaluate(async () => (await caches.keys()).includes("dealroom-pages") && (await (await caches.open("dealroom-pages")).keys()).length > 0)).toBe(false);
});
