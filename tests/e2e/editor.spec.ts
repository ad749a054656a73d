import type { Page } from "@playwright/test";
import { expect, test, unique } from "./fixtures.ts";

// Issue 19 in two browsers at once: the seller writes on a shared page with the slash menu
// (a heading, a task list), the bubble toolbar (bold), a pasted image and an @mention of the
// prospect; the prospect, in another browser, sees each change live, the image is a shared file
// of the room's library, and the mention lights up the prospect's bell.

// A 2×2 PNG.
const PNG_BASE64 = "iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAE0lEQVR4nGP4z8DAwAAi/v8HkgAi7AT8NAn1LwAAAABJRU5ErkJggg==";

async function waitSaved(page: Page) {
  await expect(page.getByTestId("save-status")).toHaveText("Saved", { timeout: 20_000 });
}

test("slash menu, bubble toolbar, a pasted image and an @mention reach the prospect", async ({ page, api, newPerson, signIn }, testInfo) => {
  test.slow();
  const seller = await api.signup(`Maya Seller ${unique()}`);
  const room = await api.createRoom(seller);
  const prospect = await api.addParticipant(seller, room.id, "external", "viewer", `Priya Prospect ${unique()}`);
  const created = await page.request.post(`/api/v1/rooms/${room.id}/pages`, {
    headers: { authorization: `Bearer ${seller.token}` },
    data: { title: "Mutual plan", visibility: "shared", markdown: "Intro" },
  });
  expect(created.status()).toBe(201);
  const pageId: string = (await created.json()).id;
  const pageUrl = `/rooms/${room.id}/pages/${pageId}`;

  await signIn(page.context(), seller);
  await page.goto(pageUrl);
  const editor = page.getByTestId("page-editor");
  await expect(editor).toBeVisible({ timeout: 20_000 });
  await waitSaved(page);

  const buyer = await newPerson();
  await signIn(buyer.context(), prospect);
  await buyer.request.post("/api/v1/notifications/read-all", { headers: { authorization: `Bearer ${prospect.token}` } });
  await buyer.goto(pageUrl);
  const buyerEditor = buyer.getByTestId("page-editor");
  await expect(buyerEditor).toBeVisible({ timeout: 20_000 });

  // Slash menu: "/" opens a listbox of blocks; typing filters it; Enter inserts.
  await editor.getByText("Intro").click();
  await page.keyboard.press("End");
  await page.keyboard.press("Enter");
  await page.keyboard.type("/");
  const menu = page.getByRole("listbox", { name: "Insert a block" });
  await expect(menu).toBeVisible();
  for (const title of ["Heading 1", "Bulleted list", "Numbered list", "Task list", "Table", "Quote", "Code block", "Divider", "Image", "File card", "Mention"]) {
    await expect(menu.getByRole("option", { name: new RegExp(`^${title}\\b`) })).toBeVisible();
  }
  await expect(menu.getByRole("option").first()).toHaveAttribute("aria-selected", "true");
  await page.keyboard.press("ArrowDown");
  await expect(menu.getByRole("option", { name: /^Heading 2/ })).toHaveAttribute("aria-selected", "true");
  await page.screenshot({ path: testInfo.outputPath("slash-menu.png") });
  await page.keyboard.type("h1");
  await expect(menu.getByRole("option")).toHaveCount(1);
  await page.keyboard.press("Enter");
  await expect(menu).toBeHidden();
  await page.keyboard.type("Pricing overview");
  await expect(editor.locator("h1", { hasText: "Pricing overview" })).toBeVisible();
  await expect(buyerEditor.locator("h1", { hasText: "Pricing overview" })).toBeVisible({ timeout: 10_000 });

  await page.keyboard.press("Enter");
  await page.keyboard.type("/task");
  await expect(menu.getByRole("option", { name: /^Task list/ })).toHaveAttribute("aria-selected", "true");
  await page.keyboard.press("Enter");
  await page.keyboard.type("Sign the MSA");
  await expect(buyerEditor.locator('ul[data-type="taskList"] li', { hasText: "Sign the MSA" })).toBeVisible({ timeout: 10_000 });

  // Bubble toolbar: select a line's text, then Bold.
  await page.keyboard.press("Enter");
  await page.keyboard.press("Enter"); // out of the task list
  await page.keyboard.type("Important terms");
  await page.keyboard.press("Shift+Home");
  const bubble = page.getByTestId("bubble-toolbar");
  await expect(bubble.getByRole("button", { name: "Bold" })).toBeVisible();
  await expect(bubble.getByRole("button", { name: "Italic" })).toBeVisible();
  await expect(bubble.getByRole("button", { name: "Link" })).toBeVisible();
  await page.screenshot({ path: testInfo.outputPath("bubble-menu.png") });
  await bubble.getByRole("button", { name: "Bold" }).click();
  await expect(bubble.getByRole("button", { name: "Bold" })).toHaveAttribute("aria-pressed", "true");
  await expect(buyerEditor.locator("strong", { hasText: "Important terms" })).toBeVisible({ timeout: 10_000 });

  // A pasted image: uploaded to the library as a shared file (the page's visibility), shown to both.
  await editor.locator("strong", { hasText: "Important terms" }).click();
  await page.keyboard.press("End");
  await expect.poll(() => page.evaluate(() => window.getSelection()?.isCollapsed)).toBe(true);
  await page.keyboard.press("Enter");
  await editor.evaluate((el, b64) => {
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const data = new DataTransfer();
    data.items.add(new File([bytes], "architecture-diagram.png", { type: "image/png" }));
    el.dispatchEvent(new ClipboardEvent("paste", { clipboardData: data, bubbles: true, cancelable: true }));
  }, PNG_BASE64);
  const sellerImage = editor.locator('img.page-image[src^="/api/v1/files/"]');
  await expect(sellerImage).toBeVisible({ timeout: 15_000 });
  await expect(sellerImage).toHaveAttribute("alt", "architecture diagram");
  const src = (await sellerImage.getAttribute("src"))!;
  const fileId = /\/api\/v1\/files\/([0-9a-f-]{36})\/download/.exec(src)![1]!;
  const buyerImage = buyerEditor.locator(`img.page-image[src="${src}"]`);
  await expect(buyerImage).toBeVisible({ timeout: 10_000 });
  await expect.poll(() => buyerImage.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth), { timeout: 10_000 }).toBe(2);
  const files = await (await page.request.get(`/api/v1/rooms/${room.id}/files`, { headers: { authorization: `Bearer ${seller.token}` } })).json();
  const file = (files.items as { id: string; name: string; visibility: string }[]).find((f) => f.id === fileId);
  expect(file?.name).toBe("architecture-diagram.png");
  expect(file?.visibility).toBe("shared");

  // Selecting the image offers width and alt text.
  await sellerImage.click();
  await expect(bubble.getByRole("group", { name: "Image width" })).toBeVisible();
  await bubble.getByRole("button", { name: "Small" }).click();
  await expect(buyerImage).toHaveAttribute("width", "240", { timeout: 10_000 });

  // An @mention of the prospect: offered by name, inserted, and it notifies them. (The new file
  // brought the prospect a content notification: read everything first, so the bell starts empty.)
  const asProspect = { headers: { authorization: `Bearer ${prospect.token}` } };
  await buyer.request.get("/api/v1/notifications", asProspect); // collects content notifications
  await buyer.request.post("/api/v1/notifications/read-all", asProspect);
  await buyer.reload();
  await expect(buyerEditor).toBeVisible({ timeout: 20_000 });
  await expect(buyer.getByRole("link", { name: "Notifications", exact: true })).toBeVisible();
  await editor.locator("strong", { hasText: "Important terms" }).click();
  await page.keyboard.press("End");
  await page.keyboard.type(" for @Priya");
  const people = page.getByRole("listbox", { name: "Mention a participant" });
  await expect(people.getByRole("option", { name: prospect.name })).toBeVisible();
  await page.keyboard.press("Enter");
  await expect(editor.locator('[data-type="mention"]')).toHaveText(`@${prospect.name}`);
  await expect(buyerEditor.locator('[data-type="mention"]')).toHaveText(`@${prospect.name}`, { timeout: 10_000 });
  await waitSaved(page);
  await expect(buyer.getByTestId("notification-count")).toHaveText("1", { timeout: 15_000 });
  await buyer.screenshot({ path: testInfo.outputPath("prospect-bell.png") });
  await buyer.getByRole("link", { name: /Notifications, 1 unread/ }).click();
  await expect(buyer.getByText(`${seller.name} mentioned you in “Mutual plan”`)).toBeVisible();

  // Small screens: the slash menu fits a 390 px phone.
  await page.setViewportSize({ width: 390, height: 800 });
  await editor.locator("h1", { hasText: "Pricing overview" }).click();
  await page.keyboard.press("End");
  await page.keyboard.press("Enter");
  await page.keyboard.type("/");
  await expect(menu).toBeVisible();
  const box = (await page.getByTestId("slash-menu").boundingBox())!;
  expect(box.x).toBeGreaterThanOrEqual(0);
  expect(box.x + box.width).toBeLessThanOrEqual(390);
  await page.screenshot({ path: testInfo.outputPath("slash-menu-390.png") });
  await page.keyboard.press("Escape");
  await expect(menu).toBeHidden();
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
});
