import AxeBuilder from "@axe-core/playwright";
import type { APIRequestContext, Page } from "@playwright/test";
import { expect, test, unique, type ApiUser } from "./fixtures.ts";

// The hand-off record: a seller takes a room through Closing (filling the hand-off form) and
// closes it as won; a member of the delivery team opens the Hand-off tab and, once the seller
// has edited a page in the editor, sees "What changed since hand-off" with the new text.
// The stage moves and the close go through the API (the stage bar is not under test here);
// the page edit and everything the delivery engineer reads go through the browser.

async function call(request: APIRequestContext, method: string, path: string, token: string, data?: unknown) {
  const response = await request.fetch(path, { method, headers: { authorization: `Bearer ${token}` }, ...(data === undefined ? {} : { data }) });
  const body = await response.json().catch(() => null);
  if (!response.ok()) throw new Error(`${method} ${path} → ${response.status()} ${JSON.stringify(body)}`);
  return body;
}

const CLOSING_FORM = [
  { key: "goLive", label: "Go-live date", type: "date", required: true },
  { key: "scope", label: "Delivery scope", type: "text", required: true },
];

const editorOf = (page: Page) => page.getByTestId("page-editor");
const CONNECT = { timeout: 30_000 };

test("a delivery engineer reads the hand-off record and sees what changed since hand-off", async ({ page, api, request, signIn, newPerson }) => {
  test.slow(); // two browsers, a live editor and several server renders
  const seller = await api.signup(`Maya ${unique()}`);
  const me = await call(request, "GET", "/api/v1/me", seller.token);
  const orgId = me.organizations[0].id as string;
  const room = await api.createRoom(seller, { name: `Globex rollout ${unique()}`, account: "Globex" });
  const elsewhere = await api.createRoom(seller);
  const delivery: ApiUser = await api.addParticipant(seller, elsewhere.id, "internal", "viewer", `Priya ${unique()}`);
  await call(request, "PUT", `/api/v1/organizations/${orgId}/delivery-team/${delivery.id}`, seller.token);
  const stages = (await call(request, "GET", `/api/v1/organizations/${orgId}/stages`, seller.token)).items as { id: string; name: string }[];
  await call(request, "PATCH", `/api/v1/organizations/${orgId}/stages/${stages.find((s) => s.name === "Closing")!.id}`, seller.token, { form: CLOSING_FORM });

  const pageTitle = `Implementation scope ${unique()}`;
  const created = await call(request, "POST", `/api/v1/rooms/${room.id}/pages`, seller.token, {
    title: pageTitle, visibility: "shared", markdown: "# Scope\n\nPhase one covers the EU warehouses.",
  });

  // Through the cycle, the form filled on leaving Closing, then won.
  await call(request, "POST", `/api/v1/rooms/${room.id}/stage`, seller.token, { stage: "Negotiating" });
  await call(request, "POST", `/api/v1/rooms/${room.id}/stage`, seller.token, { stage: "Closing" });
  const scope = `Three EU sites and the SAP bridge ${unique()}`;
  await call(request, "POST", `/api/v1/rooms/${room.id}/close`, seller.token, { outcome: "won", form: { goLive: "2031-03-01", scope } });

  // The delivery engineer opens the room and its Hand-off tab.
  await signIn(page.context(), delivery);
  await page.goto(`/rooms/${room.id}`);
  await page.getByRole("navigation", { name: "Room sections" }).getByRole("link", { name: "Hand-off" }).click();
  await expect(page).toHaveURL(new RegExp(`/rooms/${room.id}/handoff$`));
  await expect(page.getByTestId("handoff-line")).toContainText(/Handed off on .+ by Maya/);
  await expect(page.getByTestId("handoff-line")).toContainText("closed as won");
  await expect(page.getByRole("heading", { name: "Deal at a glance" })).toBeVisible();
  // The record opens with its summary: the filled hand-off form first.
  const summary = page.getByTestId("handoff-summary");
  await expect(summary.getByTestId("handoff-summary-form").getByText(scope)).toBeVisible();
  await expect(summary.getByRole("heading", { name: "Key dates" })).toBeVisible();
  await expect(summary.getByRole("heading", { name: "People to contact" })).toBeVisible();
  // A table of contents leads to each page, and each page is collapsed to its summary.
  const toc = page.getByTestId("handoff-toc");
  await toc.getByRole("link", { name: pageTitle }).click();
  await expect(page).toHaveURL(new RegExp(`#page-${created.id}$`));
  const section = page.getByTestId("handoff-page").filter({ hasText: pageTitle });
  await expect(section.getByTestId("handoff-page-summary")).toContainText("Phase one covers the EU warehouses.");
  await expect(section.locator(".handoff-page-content")).toBeHidden();
  await section.getByTestId("handoff-page-full").locator("summary").click();
  await expect(section.locator(".handoff-page-content")).toBeVisible();
  await expect(section).toContainText("Phase one covers the EU warehouses.");
  await expect(section).toContainText("unchanged since");
  await expect(section.getByTestId("handoff-diff")).toHaveCount(0);
  await expect(page.getByRole("link", { name: "PDF" })).toHaveAttribute("href", `/api/v1/rooms/${room.id}/handoff?format=pdf`);

  // The seller edits the page in the editor, after the hand-off.
  const sellerPage = await newPerson();
  await signIn(sellerPage.context(), seller);
  await sellerPage.goto(`/rooms/${room.id}/pages/${created.id}`);
  await expect(editorOf(sellerPage)).toBeVisible(CONNECT);
  await expect(sellerPage.getByTestId("save-status")).toHaveText("Saved", CONNECT);
  const added = `Phase two adds the Lisbon site ${unique()}`;
  await editorOf(sellerPage).click();
  await sellerPage.keyboard.press("Control+End");
  await sellerPage.keyboard.press("Enter");
  await sellerPage.keyboard.type(added);
  await expect(sellerPage.getByTestId("save-status")).toHaveText("Saved", CONNECT);

  // The delivery engineer reloads the record: the hand-off version, and the change since.
  await expect(async () => {
    await page.reload();
    await expect(section.getByTestId("handoff-diff")).toBeVisible({ timeout: 2_000 });
  }).toPass({ timeout: 30_000 });
  await expect(section).toContainText("changed since hand-off");
  const diff = section.getByTestId("handoff-diff");
  await expect(diff.getByRole("heading", { name: "What changed since hand-off" })).toBeVisible();
  await expect(diff.locator("ins")).toContainText(added);
  // The frozen version above the diff still reads as it was handed off.
  await expect(section.locator(".handoff-page-content")).not.toContainText(added);

  // Opened, the page's own headings sit below its title: the outline skips no level.
  await section.getByTestId("handoff-page-full").locator("summary").click();
  await expect(section.locator(".handoff-page-content")).toBeVisible();
  const outline = await new AxeBuilder({ page }).withRules(["heading-order"]).analyze();
  expect(outline.violations.map((v) => ({ id: v.id, targets: v.nodes.map((n) => n.target.join(" ")) }))).toEqual([]);
  await expect(section.locator(".handoff-page-content").getByRole("heading", { name: "Scope", level: 5 })).toBeVisible();
});
