import type { APIRequestContext, Page } from "@playwright/test";
import { expect, test, unique, type ApiUser } from "./fixtures.ts";

// The realtime wiki as the seller's and the buyer's teams use it: two browsers on one page,
// the internal pages the buyer never sees, history with diff and restore, read-only readers,
// and the page tree's own actions.

const DEMO_PASSWORD = "dealroom-demo";
const DEMO = {
  seller: { email: "maya.chen@northwind.example", name: "Maya Chen" },
  prospect: { email: "jordan.lee@acme.example", name: "Jordan Lee" },
};
const DEMO_ROOM = "Acme Corp — Platform rollout";

async function call(request: APIRequestContext, method: "GET" | "POST" | "PATCH", path: string, token?: string, data?: unknown) {
  const response = await request.fetch(path, {
    method,
    headers: token ? { authorization: `Bearer ${token}` } : {},
    ...(data === undefined ? {} : { data }),
  });
  const body = await response.json().catch(() => null);
  if (!response.ok()) throw new Error(`${method} ${path} → ${response.status()} ${JSON.stringify(body)}`);
  return body;
}

/** A seeded demo user, signed in through the API (a session token the browser can carry as its cookie). */
async function demoUser(request: APIRequestContext, who: keyof typeof DEMO): Promise<ApiUser> {
  const { email, name } = DEMO[who];
  const body = await call(request, "POST", "/api/v1/login", undefined, { email, password: DEMO_PASSWORD });
  return { id: body.user.id, email, name, password: DEMO_PASSWORD, token: body.token };
}

async function demoRoomId(request: APIRequestContext, seller: ApiUser): Promise<string> {
  const rooms: { items: { id: string; name: string }[] } = await call(request, "GET", "/api/v1/rooms", seller.token);
  const room = rooms.items.find((r) => r.name === DEMO_ROOM);
  if (!room) throw new Error("the demo room is not seeded");
  return room.id;
}

async function createPage(
  request: APIRequestContext,
  user: ApiUser,
  roomId: string,
  page: { title: string; visibility: "shared" | "internal"; markdown?: string; parentId?: string },
): Promise<{ id: string; title: string }> {
  return call(request, "POST", `/api/v1/rooms/${roomId}/pages`, user.token, page);
}

/** Invites a new person into the room and accepts as them. */
async function joinAs(
  request: APIRequestContext,
  owner: ApiUser,
  roomId: string,
  side: "internal" | "external",
  role: "editor" | "commenter" | "viewer",
  name: string,
): Promise<ApiUser> {
  const email = `${role}-${unique()}@acme.test`;
  const invitation = await call(request, "POST", `/api/v1/rooms/${roomId}/invitations`, owner.token, { email, side, role });
  const password = "correct horse battery";
  const accepted = await call(request, "POST", `/api/v1/invitations/${invitation.token}/accept`, undefined, { name, password });
  return { id: accepted.user.id, email, name, password, token: accepted.token };
}

const editorOf = (page: Page) => page.getByTestId("page-editor");
const statusOf = (page: Page) => page.getByTestId("save-status");

/** Connecting (session check, document load, editor bundle) takes longer on a busy machine than an assertion's default wait. */
const CONNECT = { timeout: 30_000 };

/** Waits until the page's live editor has replaced the static copy and the connection is up. */
async function waitLive(page: Page, status: "Saved" | "Live" = "Saved") {
  await expect(editorOf(page)).toBeVisible(CONNECT);
  await expect(statusOf(page)).toHaveText(status, CONNECT);
}

/** Puts the caret at the very end of the page and types a new paragraph. */
async function typeAtEnd(page: Page, text: string) {
  const editor = editorOf(page);
  await editor.click();
  await page.keyboard.press("Control+End");
  await page.keyboard.press("Enter");
  await page.keyboard.type(text);
}

test("the seller and the prospect edit one shared page at once and see each other's text and caret", async ({
  page,
  context,
  request,
  newPerson,
  signIn,
}) => {
  test.slow(); // two browsers and two live connections
  const seller = await demoUser(request, "seller");
  const prospect = await demoUser(request, "prospect");
  const roomId = await demoRoomId(request, seller);
  const shared = await createPage(request, seller, roomId, {
    title: `Pilot checklist ${unique()}`,
    visibility: "shared",
    markdown: "# Pilot checklist\n\nWhat both teams need before the EU pilot starts.",
  });
  const url = `/rooms/${roomId}/pages/${shared.id}`;

  await signIn(context, seller);
  await page.goto(url);
  const buyer = await newPerson();
  await signIn(buyer.context(), prospect);
  await buyer.goto(url);

  for (const p of [page, buyer]) {
    await waitLive(p);
    await expect(editorOf(p)).toHaveAttribute("contenteditable", "true");
  }

  await typeAtEnd(page, "Northwind: SSO with Azure AD is configured.");
  await typeAtEnd(buyer, "Acme: test users for the pilot are named.");

  // Each sees the other's words arrive, and the other's named caret.
  await expect(editorOf(buyer)).toContainText("Northwind: SSO with Azure AD is configured.");
  await expect(editorOf(page)).toContainText("Acme: test users for the pilot are named.");
  await expect(page.locator(".collaboration-carets__label", { hasText: DEMO.prospect.name })).toBeVisible();
  await expect(buyer.locator(".collaboration-carets__label", { hasText: DEMO.seller.name })).toBeVisible();
  // Both are listed as on the page now.
  for (const p of [page, buyer]) {
    await expect(p.getByTestId("presence").locator(`[data-name="${DEMO.seller.name}"]`)).toBeVisible();
    await expect(p.getByTestId("presence").locator(`[data-name="${DEMO.prospect.name}"]`)).toBeVisible();
  }

  // "Saved" means in PostgreSQL: a fresh load shows both edits in the server-rendered HTML.
  await expect(statusOf(page)).toHaveText("Saved");
  await expect(statusOf(buyer)).toHaveText("Saved");
  const html = await (await request.get(url, { headers: { cookie: `dealroom_session=${prospect.token}` } })).text();
  expect(html).toContain("Northwind: SSO with Azure AD is configured.");
  expect(html).toContain("Acme: test users for the pilot are named.");
});

test("the prospect's page tree has no internal pages, and an internal page's address is a 404", async ({
  page,
  context,
  request,
  newPerson,
  signIn,
  consoleGuard,
}) => {
  consoleGuard.allow(/status of 404/);
  const seller = await demoUser(request, "seller");
  const prospect = await demoUser(request, "prospect");
  const roomId = await demoRoomId(request, seller);
  const pages: { items: { id: string; title: string }[] } = await call(request, "GET", `/api/v1/rooms/${roomId}/pages`, seller.token);
  const strategy = pages.items.find((p) => p.title === "Deal strategy")!;
  const requirements = pages.items.find((p) => p.title === "Requirements")!;

  await signIn(context, seller);
  await page.goto(`/rooms/${roomId}/pages/${requirements.id}`);
  const sellerTree = page.getByTestId("page-tree");
  await expect(sellerTree.getByRole("link", { name: /Requirements/ })).toBeVisible();
  await expect(sellerTree.getByRole("link", { name: /Deal strategy/ })).toContainText("Internal");

  const buyer = await newPerson();
  await signIn(buyer.context(), prospect);
  await buyer.goto(`/rooms/${roomId}/pages`);
  // The tab opens on the first page the prospect may see.
  await expect(buyer).toHaveURL(/\/pages\/[0-9a-f-]{36}$/);
  const buyerTree = buyer.getByTestId("page-tree");
  await expect(buyerTree.getByRole("link", { name: /Requirements/ })).toBeVisible();
  await expect(buyerTree).not.toContainText("Deal strategy");
  await expect(buyerTree).not.toContainText("Pricing notes");
  await expect(buyerTree).not.toContainText("Internal");
  // Nor does search give internal content away.
  await buyer.getByRole("searchbox", { name: "Search this room" }).fill("incumbent");
  await expect(buyer.getByTestId("search-results")).toContainText("Nothing found for “incumbent”");

  const response = await buyer.goto(`/rooms/${roomId}/pages/${strategy.id}`);
  expect(response?.status()).toBe(404);
  await expect(buyer.getByRole("heading", { name: "Not found" })).toBeVisible();
  await expect(buyer.locator("body")).not.toContainText("Deal strategy");
});

test("history shows versions and a diff, and restoring brings the old text back to every open editor", async ({
  page,
  context,
  request,
  api,
  newPerson,
  signIn,
}) => {
  test.slow(); // two browsers, versions, a restore through the live document
  const seller = await api.signup("Maya Seller");
  const room = await api.createRoom(seller);
  const buyer = await joinAs(request, seller, room.id, "external", "editor", "Jordan Buyer");
  const created = await createPage(request, seller, room.id, {
    title: "Commercial terms",
    visibility: "shared",
    markdown: "The licence is priced at 100 dollars per seat.\n\nPayment is due in 30 days.",
  });
  const url = `/rooms/${room.id}/pages/${created.id}`;

  await signIn(context, seller);
  await page.goto(`${url}/history`);
  await waitLive(page);
  const history = page.getByTestId("history-panel");
  await history.getByPlaceholder(/Label/).fill("First offer");
  await history.getByRole("button", { name: "Save version" }).click();
  await expect(history.getByRole("status")).toHaveText("Saved as version 1.");
  // The label box is empty again for the next version.
  await expect(history.getByPlaceholder(/Label/)).toHaveValue("");

  // The buyer changes the price; the seller saves that as a version too.
  const other = await newPerson();
  await signIn(other.context(), buyer);
  await other.goto(url);
  await waitLive(other);
  await typeAtEnd(other, "Counter offer: 80 dollars per seat.");
  await expect(statusOf(other)).toHaveText("Saved");
  await expect(editorOf(page)).toContainText("Counter offer: 80 dollars per seat.");
  await history.getByPlaceholder(/Label/).fill("Acme counter");
  await history.getByRole("button", { name: "Save version" }).click();
  await expect(history.getByRole("status")).toHaveText("Saved as version 2.");

  const versions = history.getByTestId("version-list");
  const v2 = versions.locator('[data-version="2"]');
  await expect(v2).toContainText("Acme counter");
  await expect(v2).toContainText("Jordan Buyer");
  await expect(versions.locator('[data-version="1"]')).toContainText("First offer");

  // A readable diff: the added paragraph is marked as inserted.
  await v2.getByRole("link", { name: "Changes" }).click();
  const diff = history.getByTestId("version-diff");
  await expect(diff).toContainText("From version 1 to version 2");
  await expect(diff.locator("ins")).toHaveText("Counter offer: 80 dollars per seat.");
  await expect(diff.locator("del")).toHaveCount(0);

  // Any two versions can be compared; backwards, the paragraph shows as removed.
  await history.getByLabel("Compare from").selectOption("2");
  await history.getByLabel("Compare to").selectOption("1");
  await history.getByRole("button", { name: "Show" }).click();
  await expect(diff).toContainText("From version 2 to version 1");
  await expect(diff.locator("del")).toHaveText("Counter offer: 80 dollars per seat.");

  // Open version 1 read-only, then restore it.
  await history.getByRole("link", { name: "← All versions" }).click();
  await versions.locator('[data-version="1"]').getByRole("link", { name: "View" }).click();
  const reader = history.getByTestId("version-view");
  await expect(reader).toContainText("The licence is priced at 100 dollars per seat.");
  await expect(reader).not.toContainText("Counter offer");
  page.once("dialog", (dialog) => dialog.accept());
  await reader.getByRole("button", { name: "Restore version 1" }).click();
  await expect(history.getByRole("status")).toHaveText(/Version 1 restored\. It is now version 3/);
  await expect(versions.locator('[data-version="3"]')).toContainText("Restored from version 1");

  // The restore is a CRDT change: both open editors lose the counter offer without reloading.
  for (const p of [page, other]) {
    await expect(editorOf(p)).not.toContainText("Counter offer");
    await expect(editorOf(p)).toContainText("The licence is priced at 100 dollars per seat.");
  }
});

test("a viewer reads the page live but cannot type into it", async ({ page, context, request, api, newPerson, signIn }) => {
  const seller = await api.signup("Maya Seller");
  const room = await api.createRoom(seller);
  const viewer = await joinAs(request, seller, room.id, "external", "viewer", "Vera Viewer");
  const created = await createPage(request, seller, room.id, {
    title: "Implementation plan",
    visibility: "shared",
    markdown: "Kick-off in week 1.",
  });
  const url = `/rooms/${room.id}/pages/${created.id}`;

  const reader = await newPerson();
  await signIn(reader.context(), viewer);
  await reader.goto(url);
  await waitLive(reader, "Live");
  const editor = editorOf(reader);
  await expect(editor).toHaveAttribute("contenteditable", "false");
  await expect(reader.getByRole("toolbar", { name: "Formatting" })).toHaveCount(0);
  await expect(reader.getByRole("button", { name: "Rename page" })).toHaveCount(0);

  await editor.click();
  await reader.keyboard.type("Viewer was here");
  await expect(editor).not.toContainText("Viewer was here");

  // The viewer still sees the seller's edits as they happen.
  await signIn(context, seller);
  await page.goto(url);
  await waitLive(page);
  await typeAtEnd(page, "Training in week 3.");
  await expect(statusOf(page)).toHaveText("Saved");
  await expect(editor).toContainText("Training in week 3.");
  await expect(editorOf(page)).not.toContainText("Viewer was here");

  // Reading sends no write: nothing of it is a refusal in the audit trail (docs/decisions/023-collab-as-library.md),
  // not even on an empty page, where the editor shows a paragraph the document does not hold.
  const empty = await createPage(request, seller, room.id, { title: "Notes", visibility: "shared" });
  await reader.goto(`/rooms/${room.id}/pages/${empty.id}`);
  await waitLive(reader, "Live");
  await reader.goto(url);
  await waitLive(reader, "Live");
  // A real refusal last, as a barrier: once it is in the trail, anything before it is too.
  const internal = await createPage(request, seller, room.id, { title: "Pricing", visibility: "internal" });
  const refused = await request.fetch(`/api/v1/pages/${internal.id}`, { headers: { authorization: `Bearer ${viewer.token}` } });
  expect(refused.status()).toBe(404);
  const refusals = async () =>
    ((await call(request, "GET", `/api/v1/rooms/${room.id}/audit?type=access&actorId=${viewer.id}`, seller.token)).items as { data: { path: string } }[]).map((i) => i.data.path);
  await expect.poll(refusals).toContain(`/api/v1/pages/${internal.id}`);
  expect(await refusals()).toEqual([`/api/v1/pages/${internal.id}`]);
});

test("pages are created, nested, renamed and archived from the Pages tab", async ({ page, context, api, signIn, consoleGuard }) => {
  consoleGuard.allow(/status of 400/); // the refused rename below answers 400
  const seller = await api.signup("Maya Seller");
  const room = await api.createRoom(seller);
  await signIn(context, seller);

  await page.goto(`/rooms/${room.id}/pages`);
  await expect(page.getByRole("heading", { name: "No pages yet" })).toBeVisible();

  // An internal page, then a shared page inside it.
  await page.locator("summary", { hasText: "New page" }).click();
  const form = page.getByRole("form", { name: "New page" });
  await form.getByLabel("Title").fill("Win plan");
  await form.getByLabel(/Internal/).check();
  await form.getByRole("button", { name: "Create page" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Win plan" })).toBeVisible();
  await expect(page.getByTestId("page-tree").getByRole("link", { name: /Win plan/ })).toContainText("Internal");

  await page.locator("summary", { hasText: "New page" }).click();
  await form.getByLabel("Title").fill("Pilot scope");
  await form.getByLabel("Inside").selectOption({ label: "Win plan (internal)" });
  await form.getByRole("button", { name: "Create page" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Pilot scope" })).toBeVisible();
  await expect(page.getByText("Shared with buyer")).toBeVisible();
  const tree = page.getByRole("navigation", { name: "Page tree" });
  const winPlan = tree.getByRole("listitem").filter({ has: page.getByRole("link", { name: /^Win plan/ }) });
  await expect(winPlan.getByRole("list")).toContainText("Pilot scope");

  // A blank title is refused with the service's reason next to the field; nothing changes.
  await page.getByRole("button", { name: "Rename page" }).click();
  await page.getByLabel("Page title").fill("   ");
  await page.getByRole("button", { name: "Save", exact: true }).click();
  await expect(page.getByRole("alert")).toHaveText("Title is required");
  await expect(tree.getByRole("link", { name: "Pilot scope" })).toBeVisible();
  await page.getByLabel("Page title").fill("Pilot scope (EU)");
  await page.getByRole("button", { name: "Save", exact: true }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Pilot scope (EU)" })).toBeVisible();
  await expect(tree.getByRole("link", { name: "Pilot scope (EU)" })).toBeVisible();

  // Move it to the top level.
  await page.getByLabel("More page actions").click();
  await page.getByLabel("Move inside").selectOption({ label: "Top level" });
  await page.getByRole("button", { name: "Move page" }).click();
  await expect(winPlan.getByRole("list")).toHaveCount(0);
  await expect(tree.getByRole("link", { name: "Pilot scope (EU)" })).toBeVisible();

  // Archive: out of the tree, into the folded "Archived" list, and back.
  page.once("dialog", (dialog) => dialog.accept());
  await page.getByLabel("More page actions").click();
  await page.getByRole("button", { name: "Archive page" }).click();
  await expect(page.getByText("This page is archived")).toBeVisible();
  await expect(page.getByTestId("archived-pages")).toContainText("Archived (1)");
  await expect(tree.getByRole("link", { name: "Pilot scope (EU)" })).toHaveCount(0);
  await page.getByRole("button", { name: "Restore page" }).click();
  await expect(page.getByText("This page is archived")).toHaveCount(0);
  await expect(tree.getByRole("link", { name: "Pilot scope (EU)" })).toBeVisible();
});

test("a guest creates only shared pages and finds pages by their text", async ({ page, context, request, api, signIn }) => {
  const seller = await api.signup("Maya Seller");
  const room = await api.createRoom(seller);
  const guest = await joinAs(request, seller, room.id, "external", "editor", "Jordan Buyer");
  const plan = await createPage(request, seller, room.id, { title: "Win plan", visibility: "internal", markdown: "Our floor price is confidential." });
  await createPage(request, seller, room.id, {
    title: "Pilot scope",
    visibility: "shared",
    parentId: plan.id,
    markdown: "Ninety days in Frankfurt with two hundred users.",
  });

  await signIn(context, guest);
  await page.goto(`/rooms/${room.id}/pages`);
  // The shared page shows at the top level (its parent is internal); the internal one not at all.
  const tree = page.getByTestId("page-tree");
  await expect(tree.getByRole("link", { name: "Pilot scope" })).toBeVisible();
  await expect(tree).not.toContainText("Win plan");

  // No visibility choice: a guest's page is shared.
  await page.locator("summary", { hasText: "New page" }).click();
  const form = page.getByRole("form", { name: "New page" });
  await expect(form.getByLabel(/Internal/)).toHaveCount(0);
  await expect(form.getByLabel("Inside")).not.toContainText("Win plan");
  await form.getByLabel("Title").fill("Questions from Acme IT");
  await form.getByRole("button", { name: "Create page" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Questions from Acme IT" })).toBeVisible();
  await expect(page.getByText("Shared with buyer")).toBeVisible();
  await expect(page.getByRole("button", { name: "Make internal" })).toHaveCount(0);

  // Search finds the shared page by its text, with the match marked; the internal page's text is not found.
  const search = page.getByRole("searchbox", { name: "Search this room" });
  await search.fill("Frankfurt");
  const results = page.getByTestId("search-results");
  await expect(results.locator("mark")).toHaveText("Frankfurt");
  await search.fill("confidential");
  await expect(results).toContainText("Nothing found for “confidential”");
  await search.fill("Frankfurt");
  await results.getByRole("link", { name: /Pilot scope/ }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Pilot scope" })).toBeVisible();
  await expect(editorOf(page)).toContainText("Ninety days in Frankfurt", CONNECT);
});

test("without a live connection the page still reads, says it is offline, and goes live when the connection returns", async ({
  page,
  context,
  request,
  api,
  signIn,
}) => {
  const seller = await api.signup("Maya Seller");
  const room = await api.createRoom(seller);
  const created = await createPage(request, seller, room.id, { title: "Security answers", visibility: "shared", markdown: "Data stays in the EU region." });
  let serverReachable = false;
  // Stand between the browser and /collab: refuse while "down", pass through once it is back.
  await page.routeWebSocket(/\/collab\//, (ws) => {
    if (serverReachable) ws.connectToServer();
    else ws.close({ code: 4503, reason: "Live editing is not available right now" });
  });

  await signIn(context, seller);
  await page.goto(`/rooms/${room.id}/pages/${created.id}`);
  await expect(page.getByTestId("page-static")).toContainText("Data stays in the EU region.");
  await expect(statusOf(page)).toHaveText("Offline — changes kept, reconnecting");
  await expect(editorOf(page)).toBeHidden();

  serverReachable = true;
  await waitLive(page);
  await expect(editorOf(page)).toContainText("Data stays in the EU region.");
  await expect(page.getByTestId("page-static")).toHaveCount(0);
});

test("a page made internal closes at once for the guest who has it open", async ({ page, context, request, api, newPerson, signIn }) => {
  test.slow(); // two browsers and a revocation through the live connection
  const seller = await api.signup("Maya Seller");
  const room = await api.createRoom(seller);
  const guest = await joinAs(request, seller, room.id, "external", "editor", "Jordan Buyer");
  const created = await createPage(request, seller, room.id, { title: "Discount approval", visibility: "shared", markdown: "Ten percent for a three-year term." });
  const url = `/rooms/${room.id}/pages/${created.id}`;

  const buyer = await newPerson();
  await signIn(buyer.context(), guest);
  await buyer.goto(url);
  await waitLive(buyer);
  const tree = buyer.getByRole("complementary", { name: "Pages" });
  await expect(tree.getByRole("link", { name: "Discount approval" })).toHaveCount(1);

  await signIn(context, seller);
  await page.goto(url);
  page.once("dialog", (dialog) => dialog.accept());
  await page.getByRole("button", { name: "Make internal" }).click();
  await expect(page.locator(".wiki-page-meta")).toContainText("Internal");

  await expect(buyer.getByTestId("page-ended")).toHaveText("This page is no longer shared with you.");
  await expect(editorOf(buyer)).toHaveCount(0);
  await expect(buyer.getByTestId("page-static")).toHaveCount(0);
  // Not "offline, reconnecting": the save state is gone, and the tree no longer lists the page.
  await expect(buyer.getByTestId("save-status")).toHaveCount(0);
  await expect(buyer.getByText(/reconnecting/i)).toHaveCount(0);
  await expect(tree.getByRole("link", { name: "Discount approval" })).toHaveCount(0);
});

test("a rename by someone else shows in the open page's header and the tree at once", async ({ page, context, request, api, newPerson, signIn }) => {
  const seller = await api.signup("Maya Seller");
  const room = await api.createRoom(seller);
  const guest = await joinAs(request, seller, room.id, "external", "editor", "Jordan Buyer");
  const created = await createPage(request, seller, room.id, { title: "Pricing notes", visibility: "shared", markdown: "Draft." });
  const buyer = await newPerson();
  await signIn(buyer.context(), guest);
  await buyer.goto(`/rooms/${room.id}/pages/${created.id}`);
  await waitLive(buyer);

  await call(request, "PATCH", `/api/v1/pages/${created.id}`, seller.token, { title: "Pricing, agreed" });
  await expect(buyer.locator("#page-title")).toHaveText("Pricing, agreed");
  await expect(buyer.getByRole("complementary", { name: "Pages" }).getByRole("link", { name: "Pricing, agreed" })).toHaveCount(1);
});

test("a full stop typed right after a link stays outside the link, whether the link was made in the toolbar or typed", async ({ page, context, request, api, signIn }) => {
  const seller = await api.signup("Maya Seller");
  const room = await api.createRoom(seller);
  const created = await createPage(request, seller, room.id, { title: `Links ${unique()}`, visibility: "shared", markdown: "Notes." });
  await signIn(context, seller);
  await page.goto(`/rooms/${room.id}/pages/${created.id}`);
  await waitLive(page);
  const editor = editorOf(page);

  // A link made from the toolbar over a selected word, then "." right after it.
  await typeAtEnd(page, "Read the guide");
  for (let i = 0; i < "guide".length; i++) await page.keyboard.press("Shift+ArrowLeft");
  await page.getByRole("toolbar", { name: "Formatting" }).getByRole("button", { name: "Link" }).click();
  await page.getByLabel("Link address").fill("https://example.com/guide");
  await page.getByLabel("Link address").press("Enter");
  await expect(editor.locator('a[href="https://example.com/guide"]')).toHaveText("guide");
  await page.keyboard.press("End");
  await page.keyboard.type(". Then more");
  await expect(editor.locator("p", { hasText: "Read the guide" })).toHaveText("Read the guide. Then more");
  await expect(editor.locator('a[href="https://example.com/guide"]')).toHaveText("guide");

  // A typed address becomes a link at the space after it; back to its end, "." stays outside.
  await typeAtEnd(page, "Docs at https://example.com/docs ");
  await expect(editor.locator('a[href="https://example.com/docs"]')).toHaveText("https://example.com/docs");
  await page.keyboard.press("Backspace");
  await page.keyboard.type(".");
  await expect(editor.locator("p", { hasText: "Docs at" })).toHaveText("Docs at https://example.com/docs.");
  await expect(editor.locator('a[href="https://example.com/docs"]')).toHaveText("https://example.com/docs");
  await expect(page.getByTestId("save-status")).toHaveText("Saved", CONNECT);
});
