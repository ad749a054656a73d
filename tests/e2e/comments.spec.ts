import AxeBuilder from "@axe-core/playwright";
import type { Page, WebSocket } from "@playwright/test";
import { expect, test, unique } from "./fixtures.ts";

// Issue 19, comments anchored to text (docs/decisions/028-comments-anchored-to-text.md), in two
// browsers at once: a comment on a sentence keeps highlighting that sentence while the other
// person types before it; it resolves; a comment whose text is deleted stays, marked "Text
// removed"; an internal comment on a shared page never reaches the guest, not on the page and not
// in any websocket frame the guest's browser receives (collab and socket.io).

async function waitSaved(page: Page) {
  await expect(page.getByTestId("save-status")).toHaveText("Saved", { timeout: 20_000 });
}

/** Selects `text` inside the page's editor, as a drag with the mouse would. */
async function selectText(page: Page, text: string) {
  await page.getByTestId("page-editor").evaluate((root, text) => {
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const at = node.textContent?.indexOf(text) ?? -1;
      if (at < 0) continue;
      const range = document.createRange();
      range.setStart(node, at);
      range.setEnd(node, at + text.length);
      const selection = window.getSelection()!;
      selection.removeAllRanges();
      selection.addRange(range);
      return;
    }
    throw new Error(`"${text}" is not in the editor`);
  }, text);
}

/** The editor's text without the other people's caret labels (drawn inline as widgets). */
const textOf = (page: Page) =>
  page.getByTestId("page-editor").evaluate((root) => {
    const copy = root.cloneNode(true) as HTMLElement;
    copy.querySelectorAll(".collaboration-carets__caret").forEach((caret) => caret.remove());
    return copy.textContent ?? "";
  });

async function comment(page: Page, text: string, body: string, options: { internal?: boolean } = {}) {
  await selectText(page, text);
  await page.getByTestId("bubble-toolbar").getByRole("button", { name: "Comment" }).click();
  const form = page.getByTestId("new-comment");
  await expect(form).toBeVisible();
  await form.getByLabel("Your comment").fill(body);
  if (options.internal) await form.getByLabel("Internal only (your side)").check();
  await form.getByRole("button", { name: "Comment" }).click();
  await expect(form).toBeHidden();
}

/** Every websocket frame the page receives, as text (binary collab frames decoded as Latin-1, byte for byte). */
function captureFrames(page: Page) {
  const frames: { url: string; payload: string }[] = [];
  page.on("websocket", (ws: WebSocket) => {
    ws.on("framereceived", (frame) => {
      frames.push({ url: ws.url(), payload: typeof frame.payload === "string" ? frame.payload : frame.payload.toString("latin1") });
    });
  });
  return frames;
}

/** As the sweep asks (tests/e2e/sweep.spec.ts): no serious or critical violation, no skipped heading level. */
async function expectAccessible(page: Page) {
  const results = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]).analyze();
  const found = results.violations.map((v) => ({ id: v.id, impact: v.impact, targets: v.nodes.slice(0, 3).map((n) => n.target.join(" ")) }));
  expect(found.filter((v) => v.impact === "serious" || v.impact === "critical" || v.id === "heading-order")).toEqual([]);
}

async function createSharedPage(page: Page, token: string, roomId: string, markdown: string) {
  const created = await page.request.post(`/api/v1/rooms/${roomId}/pages`, {
    headers: { authorization: `Bearer ${token}` },
    data: { title: `Terms ${unique()}`, visibility: "shared", markdown },
  });
  expect(created.status()).toBe(201);
  return (await created.json()).id as string;
}

test("a comment follows its sentence through the other person's typing, resolves, and says when its text is gone", async ({ page, api, newPerson, signIn }, testInfo) => {
  test.slow();
  const seller = await api.signup(`Maya Seller ${unique()}`);
  const room = await api.createRoom(seller);
  const prospect = await api.addParticipant(seller, room.id, "external", "editor", `Priya Prospect ${unique()}`);
  const pageId = await createSharedPage(page, seller.token, room.id, "Scope comes first. The price is final. We start in May.");
  const pageUrl = `/rooms/${room.id}/pages/${pageId}`;

  await signIn(page.context(), seller);
  await page.goto(pageUrl);
  const editor = page.getByTestId("page-editor");
  await expect(editor).toBeVisible({ timeout: 20_000 });
  await waitSaved(page);
  const buyer = await newPerson();
  await signIn(buyer.context(), prospect);
  await buyer.goto(pageUrl);
  const buyerEditor = buyer.getByTestId("page-editor");
  await expect(buyerEditor).toBeVisible({ timeout: 20_000 });

  // The seller comments on one sentence: both people see it highlighted and in the side panel.
  await comment(page, "The price is final.", "Can we hold this until Q3?");
  await expect(editor.locator(".comment-highlight")).toHaveText("The price is final.");
  await expect(buyerEditor.locator(".comment-highlight")).toHaveText("The price is final.", { timeout: 10_000 });
  await expect(buyer.getByTestId("page-comment")).toContainText("Can we hold this until Q3?");
  await page.screenshot({ path: testInfo.outputPath("comment-desktop.png") });

  // The prospect types before the sentence; the highlight stays on exactly that sentence.
  await buyerEditor.getByText("Scope comes first.").click();
  await buyer.keyboard.press("Home");
  await buyer.keyboard.type("Before anything else: ");
  await expect.poll(() => textOf(page), { timeout: 10_000 }).toContain("Before anything else: Scope comes first.");
  await expect(editor.locator(".comment-highlight")).toHaveText("The price is final.");
  await expect(buyerEditor.locator(".comment-highlight")).toHaveText("The price is final.");
  // And typing at the end of the paragraph, after it, changes nothing either.
  await buyer.keyboard.press("Control+End");
  await buyer.keyboard.type(" Thanks.");
  await expect.poll(() => textOf(page), { timeout: 10_000 }).toContain("We start in May. Thanks.");
  await expect(editor.locator(".comment-highlight")).toHaveText("The price is final.");

  // The prospect (a guest who may comment) answers and starts a comment of their own.
  const sellerComment = buyer.getByTestId("page-comment").filter({ hasText: "Can we hold this until Q3?" });
  await sellerComment.getByLabel("Reply to this comment").fill("Yes, if we sign in May.");
  await sellerComment.getByRole("button", { name: "Reply" }).click();
  await expect(page.getByTestId("page-comment").filter({ hasText: "Yes, if we sign in May." })).toBeVisible({ timeout: 10_000 });
  await comment(buyer, "We start in May.", "Could it be June?");
  await expect(editor.locator(".comment-highlight", { hasText: "We start in May." })).toBeVisible({ timeout: 10_000 });

  // Resolving: the highlight goes for both, the thread folds under "Resolved".
  await page.getByTestId("page-comment").filter({ hasText: "Can we hold this until Q3?" }).getByRole("button", { name: "Resolve" }).click();
  await expect(editor.locator(".comment-highlight", { hasText: "The price is final." })).toHaveCount(0);
  await expect(buyerEditor.locator(".comment-highlight", { hasText: "The price is final." })).toHaveCount(0, { timeout: 10_000 });
  await expect(page.getByText("Resolved (1)")).toBeVisible();

  // The seller deletes the sentence the prospect commented on: the comment stays, "Text removed".
  await selectText(page, "We start in May.");
  await page.keyboard.press("Backspace");
  await expect.poll(() => textOf(buyer), { timeout: 10_000 }).not.toContain("We start in May.");
  const june = (p: Page) => p.getByTestId("page-comment").filter({ hasText: "Could it be June?" });
  await expect(june(page).getByTestId("text-removed")).toBeVisible();
  await expect(june(buyer).getByTestId("text-removed")).toBeVisible({ timeout: 10_000 });
  await expect(editor.locator(".comment-highlight")).toHaveCount(0);
  await page.screenshot({ path: testInfo.outputPath("comment-text-removed.png") });

  // The Threads tab lists the comments as threads, with the words they were made on.
  await page.goto(`/rooms/${room.id}/threads`);
  await page.getByRole("link", { name: /Could it be June|We start in May/ }).first().click();
  await expect(page.getByTestId("thread-anchor")).toContainText("We start in May.");
});

test("an internal comment on a shared page never reaches the guest: not on the page, not in a websocket frame", async ({ page, api, newPerson, signIn }, testInfo) => {
  test.slow();
  const seller = await api.signup(`Maya Seller ${unique()}`);
  const room = await api.createRoom(seller);
  const guest = await api.addParticipant(seller, room.id, "external", "commenter", `Gita Guest ${unique()}`);
  const pageId = await createSharedPage(page, seller.token, room.id, "Our list price is 50k. Support is included.");
  const pageUrl = `/rooms/${room.id}/pages/${pageId}`;

  // The guest's browser: every frame of every websocket from the first one on.
  const guestPage = await newPerson();
  const frames = captureFrames(guestPage);
  await signIn(guestPage.context(), guest);
  await guestPage.goto(pageUrl);
  const guestEditor = guestPage.getByTestId("page-editor");
  await expect(guestEditor).toBeVisible({ timeout: 20_000 });

  await signIn(page.context(), seller);
  await page.goto(pageUrl);
  const editor = page.getByTestId("page-editor");
  await expect(editor).toBeVisible({ timeout: 20_000 });
  await waitSaved(page);

  const secret = `Walk-away floor is 40k ${unique()}`;
  await comment(page, "Our list price is 50k.", secret, { internal: true });
  await expect(editor.locator(".comment-highlight.is-internal")).toHaveText("Our list price is 50k.");
  await expect(page.getByTestId("page-comment").filter({ hasText: secret }).getByText("Internal")).toBeVisible();
  const listed = await page.request.get(`/api/v1/pages/${pageId}/comments`);
  const internal = (await listed.json()).items.find((c: { visibility: string }) => c.visibility === "internal");
  expect(internal).toBeTruthy();

  // The guest (a commenter, read-only editor) comments too: their live events do arrive.
  await comment(guestPage, "Support is included.", "Which hours?");
  await expect(editor.locator(".comment-highlight", { hasText: "Support is included." })).toBeVisible({ timeout: 10_000 });
  await expect(page.getByTestId("page-comment").filter({ hasText: "Which hours?" })).toBeVisible();
  // A shared event after the internal one reached the guest's socket.io: the capture is live.
  await page.getByTestId("page-comment").filter({ hasText: "Which hours?" }).getByLabel("Reply to this comment").fill("Nine to five.");
  await page.getByTestId("page-comment").filter({ hasText: "Which hours?" }).getByRole("button", { name: "Reply" }).click();
  await expect(guestPage.getByTestId("page-comment").filter({ hasText: "Nine to five." })).toBeVisible({ timeout: 10_000 });
  await guestPage.screenshot({ path: testInfo.outputPath("guest-view.png") });
  await page.screenshot({ path: testInfo.outputPath("seller-view-internal.png") });
  await expectAccessible(guestPage);
  await expectAccessible(page);

  // On the guest's page: one comment (their own), no internal highlight, not a word of the secret.
  await expect(guestPage.getByTestId("page-comment")).toHaveCount(1);
  await expect(guestEditor.locator(".comment-highlight")).toHaveCount(1);
  await expect(guestEditor.locator(".comment-highlight")).toHaveText("Support is included.");
  await expect(guestPage.locator("body")).not.toContainText(secret);

  // On the wire: frames of both sockets arrived, and none carries the comment, its id or its anchor.
  expect(frames.some((f) => f.url.includes("/collab/"))).toBe(true);
  expect(frames.some((f) => f.url.includes("/socket.io/") && f.payload.includes("Nine to five."))).toBe(true);
  const anchorBytes = [internal.anchor.from, internal.anchor.to].map((b64: string) => Buffer.from(b64, "base64").toString("latin1"));
  for (const trace of [secret, internal.id, internal.anchor.from, internal.anchor.to, ...anchorBytes]) {
    expect(frames.filter((f) => f.payload.includes(trace)).map((f) => f.url), `a frame holds ${trace}`).toEqual([]);
  }
  // By id, the internal comment does not exist for the guest.
  const byId = await guestPage.request.get(`/api/v1/threads/${internal.id}`);
  expect(byId.status()).toBe(404);
});

test("comments at 390 px: the panel sits below the page", async ({ page, api, signIn }, testInfo) => {
  await page.setViewportSize({ width: 390, height: 844 });
  const seller = await api.signup(`Maya Seller ${unique()}`);
  const room = await api.createRoom(seller);
  const pageId = await createSharedPage(page, seller.token, room.id, "A short sentence to discuss. Another one after it.");
  await signIn(page.context(), seller);
  await page.goto(`/rooms/${room.id}/pages/${pageId}`);
  const editor = page.getByTestId("page-editor");
  await expect(editor).toBeVisible({ timeout: 20_000 });
  await waitSaved(page);
  await comment(page, "A short sentence to discuss.", "Looks good to me.");
  await expect(editor.locator(".comment-highlight")).toHaveText("A short sentence to discuss.");
  const panel = page.getByTestId("page-comments");
  await expect(panel).toBeVisible();
  const [article, aside] = [await page.locator("article.wiki-page").boundingBox(), await panel.boundingBox()];
  expect(aside!.y).toBeGreaterThanOrEqual(article!.y + article!.height - 1);
  expect(aside!.x + aside!.width).toBeLessThanOrEqual(390);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth);
  expect(overflow).toBeLessThanOrEqual(390);
  await panel.scrollIntoViewIfNeeded();
  await page.screenshot({ path: testInfo.outputPath("comment-390.png"), fullPage: true });
  await expectAccessible(page);
});
