import { mkdir } from "node:fs/promises";
import path from "node:path";
import type { Page } from "@playwright/test";
import { expect, test, unique } from "./fixtures.ts";

// Room templates (decision 020) as a seller meets them: the "New room" form offers a blank
// room, the built-in set and the organization's own templates; a room's pages are saved as a
// template under its page list; Settings → Room templates lists and deletes them; a colleague
// starts a room from one; the buyer's guest reads only the shared pages.
// TEMPLATE_SCREENSHOTS=<dir> also keeps screenshots of the form and the settings page at 390 and 1280 px.

const VIEWPORTS = [
  { width: 390, height: 844 },
  { width: 1280, height: 800 },
];

async function screenshots(page: Page, name: string, prepare: () => Promise<void>) {
  const dir = process.env.TEMPLATE_SCREENSHOTS;
  if (!dir) return;
  await mkdir(dir, { recursive: true });
  const size = page.viewportSize();
  for (const viewport of VIEWPORTS) {
    await page.setViewportSize(viewport);
    await prepare();
    await page.screenshot({ path: path.join(dir, `${name}-${viewport.width}.png`), fullPage: true });
  }
  if (size) await page.setViewportSize(size);
}

const tree = (page: Page) => page.getByTestId("page-tree");

test("a room starts from a template, a room's pages become a template, and Settings lists and deletes it", async ({ page, context, api, signIn, newPerson }) => {
  test.slow(); // several rooms made from templates, two browsers
  const seller = await api.signup(`Maya ${unique()}`, `Northwind ${unique()}`);
  await signIn(context, seller);

  // The form offers Blank, then the built-in set with its pages.
  await page.goto("/rooms");
  const openForm = async () => {
    await page.goto("/rooms");
    await page.locator(".new-room > summary").click();
  };
  await openForm();
  const form = page.getByRole("group", { name: "Start with" });
  await expect(form.getByRole("radio", { name: /Blank/ })).toBeChecked();
  await expect(form.getByRole("radio", { name: /Deal room/ })).toBeVisible();
  await expect(form.getByText("Welcome, Business case, Requirements · internal: Deal strategy, Pricing notes, Hand-off notes")).toBeVisible();

  const first = `Globex rollout ${unique()}`;
  await page.getByLabel("Room name").fill(first);
  await page.getByLabel("Account").fill("Globex");
  await form.getByRole("radio", { name: /Deal room/ }).check();
  await page.getByRole("button", { name: "Create room" }).click();
  await expect(page.getByRole("heading", { level: 1, name: first })).toBeVisible();
  const roomUrl = page.url();
  await page.getByRole("navigation", { name: "Room sections" }).getByRole("link", { name: "Pages" }).click();
  // The Pages tab opens the first page: the welcome page.
  await expect(page.locator("#page-title")).toHaveText("Welcome");
  for (const title of ["Welcome", "Business case", "Requirements", "Hand-off notes"]) await expect(tree(page).getByRole("link", { name: new RegExp(`^${title}`) })).toBeVisible();
  await expect(tree(page).getByRole("link", { name: /^Deal strategy/ })).toContainText("Internal");
  await expect(tree(page).getByRole("link", { name: /^Pricing notes/ })).toContainText("Internal");

  // Under the page list: save these pages as a template of the organization.
  const templateName = `Enterprise rollout ${unique()}`;
  await page.getByText("Save as template", { exact: true }).first().click();
  await page.getByLabel("Template name").fill(templateName);
  await page.getByRole("form", { name: "Save as template" }).getByRole("button", { name: "Save as template" }).click();
  await expect(page.getByRole("status").filter({ hasText: `Saved as “${templateName}”` })).toBeVisible();
  // Settings → Room templates lists it with its pages, after the built-in set.
  await page.getByRole("status").getByRole("link", { name: "Room templates" }).click();
  await expect(page.getByRole("heading", { level: 2, name: "Room templates" })).toBeVisible();
  const item = page.getByRole("listitem").filter({ has: page.getByRole("heading", { level: 3, name: templateName }) });
  await expect(item.getByRole("list", { name: `Pages of ${templateName}` }).getByRole("listitem")).toHaveCount(6);
  await expect(item).toContainText("6 pages, 3 internal");
  await screenshots(page, "settings-templates", async () => {
    await page.reload();
    await expect(page.getByRole("heading", { level: 3, name: templateName })).toBeVisible();
  });

  // The form now offers it too.
  await openForm();
  await expect(form.getByRole("radio", { name: new RegExp(templateName) })).toBeVisible();
  await screenshots(page, "new-room-form", async () => {
    await openForm();
    await expect(form.getByRole("radio", { name: new RegExp(templateName) })).toBeVisible();
  });

  // A colleague (a member, not an admin) starts a room from it; a guest of that room reads the shared pages only.
  const colleague = await api.addParticipant(seller, roomUrl.split("/").pop()!, "internal", "editor", `Sam ${unique()}`);
  const theirs = await newPerson();
  await signIn(theirs.context(), colleague);
  await theirs.goto("/rooms");
  await theirs.locator(".new-room > summary").click();
  const second = `Initech pilot ${unique()}`;
  await theirs.getByLabel("Room name").fill(second);
  await theirs.getByLabel("Account").fill("Initech");
  await theirs.getByRole("group", { name: "Start with" }).getByRole("radio", { name: new RegExp(templateName) }).check();
  await theirs.getByRole("button", { name: "Create room" }).click();
  await expect(theirs.getByRole("heading", { level: 1, name: second })).toBeVisible();
  const secondId = theirs.url().split("/").pop()!;
  await theirs.goto(`/rooms/${secondId}/pages`);
  await expect(tree(theirs).getByRole("link", { name: /^Pricing notes/ })).toContainText("Internal");
  // Members use templates; saving one is for admins.
  await expect(theirs.getByText("Save as template", { exact: true })).toHaveCount(0);

  const guest = await api.addParticipant(colleague, secondId, "external", "viewer", `Gina ${unique()}`);
  const guestPage = await newPerson();
  await signIn(guestPage.context(), guest);
  await guestPage.goto(`/rooms/${secondId}/pages`);
  await expect(tree(guestPage).getByRole("link", { name: /^Business case/ })).toBeVisible();
  await expect(tree(guestPage).getByRole("link")).toHaveCount(3);

  await screenshots(page, "save-as-template", async () => {
    await page.goto(`${roomUrl}/pages`);
    await page.getByText("Save as template", { exact: true }).first().click();
    await expect(page.getByLabel("Template name")).toBeVisible();
  });

  // The admin deletes it in Settings; the form no longer offers it.
  await page.goto("/settings/templates");
  await page.getByRole("button", { name: `Delete the template ${templateName}` }).click();
  await expect(page.getByRole("status").filter({ hasText: `Deleted the template “${templateName}”.` })).toBeVisible();
  await expect(page.getByRole("heading", { level: 3, name: templateName })).toHaveCount(0);
  await openForm();
  await expect(form.getByRole("radio", { name: new RegExp(templateName) })).toHaveCount(0);
});

test("Settings saves a room of the organization as a template, and says what was wrong when it cannot", async ({ page, context, api, signIn, request, consoleGuard }) => {
  // The refused save answers 409, which the browser logs for the form's request.
  consoleGuard.allow(/settings\/templates.*status of 409/);
  const seller = await api.signup(`Maya ${unique()}`);
  const room = await api.createRoom(seller, { name: `Acme pilot ${unique()}` });
  await signIn(context, seller);
  await page.goto("/settings/templates");
  // A room without pages cannot be a template.
  await page.getByLabel("Room", { exact: true }).selectOption({ label: room.name });
  await page.getByLabel("Template name").fill("Pilot");
  await page.getByRole("button", { name: "Save as template" }).click();
  await expect(page.getByRole("alert")).toContainText("This room has no pages to save as a template.");

  const res = await request.post(`/api/v1/rooms/${room.id}/pages`, {
    headers: { authorization: `Bearer ${seller.token}` },
    data: { title: "Pilot scope", visibility: "shared", markdown: "# Scope" },
  });
  expect(res.ok()).toBe(true);
  await page.getByLabel("Room", { exact: true }).selectOption({ label: room.name });
  await page.getByLabel("Template name").fill("Pilot");
  await page.getByRole("button", { name: "Save as template" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Saved the template “Pilot”." })).toBeVisible();
  await expect(page.getByRole("heading", { level: 3, name: "Pilot" })).toBeVisible();
});
