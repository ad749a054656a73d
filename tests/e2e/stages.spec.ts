import { expect, test, unique, type ApiUser } from "./fixtures.ts";
import type { Page } from "@playwright/test";

// The sales process in the browser: an admin gives a stage a hand-off form, the seller moves
// the room on (refused until the form is filled), closes it as lost, reopens it and wins it;
// the prospect watches the stage bar move live and never reads what the seller wrote down.

const stageBar = (page: Page) => page.getByRole("region", { name: "Sales stage" });

async function expectStage(page: Page, stage: string, status: "open" | "won" | "lost") {
  const bar = stageBar(page);
  await expect(bar).toHaveAttribute("data-stage", stage);
  await expect(bar).toHaveAttribute("data-status", status);
  await expect(bar.locator('[aria-current="step"]')).toContainText(stage);
}

test("a hand-off form is asked for, refused until filled, and the prospect follows the stage live", async ({ page, context, api, signIn, newPerson, consoleGuard }) => {
  // Settings, two refusals, six moves and two browsers: allow for a busy machine.
  test.slow();
  const seller: ApiUser = await api.signup("Maya Seller");
  const room = await api.createRoom(seller, { name: `Initech rollout ${unique()}`, account: "Initech" });
  const prospect = await api.addParticipant(seller, room.id, "external", "editor", "Jordan Prospect");
  await signIn(context, seller);

  // The admin (whoever signed up first) adds two required fields to Prospecting's hand-off form.
  await page.goto("/settings/stages");
  await expect(page.getByRole("link", { name: "Sales cycle" })).toHaveClass(/active/);
  const prospecting = page.locator('.cycle-stage[data-stage="Prospecting"]');
  await prospecting.locator(".form-editor > summary").click();
  await prospecting.getByLabel("New field Label").fill("Decision maker");
  await prospecting.getByLabel("New field Required").check();
  await prospecting.getByRole("button", { name: "Add field" }).click();
  await expect(prospecting.getByRole("status")).toHaveText("Saved.");
  await expect(prospecting.getByLabel("Field 1 of Prospecting: Label")).toHaveValue("Decision maker");
  await prospecting.getByLabel("New field Label").fill("Budget");
  await prospecting.getByLabel("New field Type").selectOption("number");
  await prospecting.getByLabel("New field Required").check();
  await prospecting.getByRole("button", { name: "Add field" }).click();
  await expect(prospecting.getByLabel("Field 2 of Prospecting: Label")).toHaveValue("Budget");
  await expect(prospecting.locator(".form-editor > summary")).toContainText("2 fields");
  // A stage a room is in cannot be removed: the service's answer shows on its row.
  consoleGuard.allow(/status of 409/);
  await prospecting.locator("summary", { hasText: "Remove" }).click();
  await prospecting.getByRole("button", { name: "Yes, remove Prospecting" }).click();
  await expect(prospecting.getByRole("alert")).toContainText("1 room is in Prospecting. Move it to another stage before removing it.");

  // The prospect opens the room in a browser of their own.
  const buyer = await newPerson();
  await signIn(buyer.context(), prospect);
  await buyer.goto(`/rooms/${room.id}`);
  // The prospect reads the buyer-facing label (Prospecting and Qualifying are both "Discovery", decision 018).
  await expectStage(buyer, "Discovery", "open");
  await expect(stageBar(buyer)).toHaveAttribute("data-live", "true");
  await expect(stageBar(buyer).getByRole("button")).toHaveCount(0);
  await expect(stageBar(buyer).getByRole("link", { name: /Move to/ })).toHaveCount(0);

  // The seller moves on: leaving Prospecting opens its form; an incomplete form is refused next to the field, and keeps what was typed.
  await page.goto(`/rooms/${room.id}`);
  await expectStage(page, "Prospecting", "open");
  await stageBar(page).getByRole("link", { name: "Move to Qualifying" }).click();
  await expect(page).toHaveURL(new RegExp(`/rooms/${room.id}/stage\\?`));
  await expect(page.getByRole("heading", { name: "Move to Qualifying" })).toBeVisible();
  await expect(page.getByText("What you fill in is internal")).toBeVisible();
  consoleGuard.allow(/status of 400/);
  await page.getByLabel("Budget").fill("120000");
  await page.locator(".handoff-form").getByRole("button", { name: "Move to Qualifying" }).click();
  await expect(page.getByText("Decision maker is required")).toBeVisible();
  await expect(page.getByLabel("Decision maker")).toHaveAttribute("aria-invalid", "true");
  await expect(page.getByLabel("Budget")).toHaveValue("120000");
  await expectStage(page, "Prospecting", "open");

  await page.getByLabel("Decision maker").fill("Dana Whitfield, CFO");
  await page.locator(".handoff-form").getByRole("button", { name: "Move to Qualifying" }).click();
  await expect(page).toHaveURL(new RegExp(`/rooms/${room.id}$`));
  await expectStage(page, "Qualifying", "open");

  // The prospect's stage bar moved without a reload.
  await expectStage(buyer, "Discovery", "open");

  // Lost needs a reason; the reason is the seller's alone.
  await stageBar(page).locator("summary", { hasText: "Close as lost" }).click();
  const lost = stageBar(page).locator(".stage-popover-card", { hasText: "Close this deal as lost" });
  await lost.getByRole("button", { name: "Close as lost" }).click();
  await expect(lost.getByText("Reason is required when the deal is lost")).toBeVisible();
  await lost.getByLabel("Reason").fill("Chose a competitor on price");
  await lost.getByRole("button", { name: "Close as lost" }).click();
  await expectStage(page, "Qualifying", "lost");
  await expectStage(buyer, "Discovery", "lost");
  await expect(stageBar(buyer)).toContainText("Lost");

  // Reopen, go back to Prospecting, and win there: winning asks for the current stage's form.
  await stageBar(page).getByRole("button", { name: "Reopen" }).click();
  await expectStage(page, "Qualifying", "open");
  await expectStage(buyer, "Discovery", "open");
  await stageBar(page).getByRole("button", { name: "Back to Prospecting", exact: true }).click();
  await expectStage(page, "Prospecting", "open");
  await stageBar(page).getByRole("link", { name: "Close as won" }).click();
  await expect(page.getByRole("heading", { name: "Close as won" })).toBeVisible();
  await page.getByLabel("Decision maker").fill("Dana Whitfield, CFO");
  await page.getByLabel("Budget").fill("125000");
  await page.locator(".handoff-form").getByRole("button", { name: "Close as won" }).click();
  await expect(page).toHaveURL(new RegExp(`/rooms/${room.id}$`));
  await expectStage(page, "Prospecting", "won");
  await expectStage(buyer, "Discovery", "won");

  // The seller's timeline: every change, the reason, and the filled forms (collapsed until opened).
  await page.getByRole("navigation", { name: "Room sections" }).getByRole("link", { name: "Timeline" }).click();
  const moves = page.getByRole("region", { name: "Stage timeline" });
  await expect(moves.locator(".timeline-item")).toHaveCount(6); // five changes and the room's creation
  await expect(moves).toContainText("moved the deal from Prospecting to Qualifying");
  await expect(moves).toContainText("Chose a competitor on price");
  const forms = moves.locator("details.timeline-form");
  await expect(forms).toHaveCount(2);
  await forms.first().locator("summary").click();
  await expect(forms.first()).toContainText("Dana Whitfield, CFO");
  await expect(forms.first()).toContainText("125,000");
  await expect(page.getByRole("region", { name: "Time in each stage" })).toContainText("Prospecting");

  // The prospect's timeline: the changes of their journey (the moves inside "Discovery" are no
  // news to them), no reason, no form, no seller stage name.
  await buyer.getByRole("navigation", { name: "Room sections" }).getByRole("link", { name: "Timeline" }).click();
  const buyerMoves = buyer.getByRole("region", { name: "Stage timeline" });
  await expect(buyerMoves.locator(".timeline-item")).toHaveCount(4);
  await expect(buyerMoves).toContainText("closed the deal as Won");
  await expect(buyerMoves).toContainText("closed the deal as Lost");
  await expect(buyerMoves.locator("details.timeline-form")).toHaveCount(0);
  const buyerText = await buyer.locator("main").innerText();
  for (const secret of ["Chose a competitor", "Dana Whitfield", "Decision maker", "120000", "125,000", "Hand-off form", "Prospecting", "Qualifying"]) {
    expect(buyerText).not.toContain(secret);
  }

  // The move page is the owner's: the prospect is refused.
  consoleGuard.allow(/status of 403/);
  const refused = await buyer.goto(`/rooms/${room.id}/stage`);
  expect(refused?.status()).toBe(403);
});

test("the delivery team: an admin adds a member and removes them", async ({ page, context, api, signIn }) => {
  const seller = await api.signup("Maya Admin");
  const room = await api.createRoom(seller);
  const engineer = await api.addParticipant(seller, room.id, "internal", "editor", `Priya Delivery ${unique()}`);
  await signIn(context, seller);

  await page.goto("/settings/delivery-team");
  await expect(page.getByText("read access to every room once it is handed off")).toBeVisible();
  await page.getByLabel("Add a member").selectOption({ label: `${engineer.name} (${engineer.email})` });
  await page.getByRole("button", { name: "Add to delivery team" }).click();
  const member = page.locator(".delivery-member", { hasText: engineer.name });
  await expect(member).toBeVisible();
  await page.reload();
  await expect(member).toBeVisible();
  await member.getByRole("button", { name: `Remove ${engineer.name} from the delivery team` }).click();
  await expect(page.locator(".delivery-member", { hasText: engineer.name })).toHaveCount(0);
});

test("without JavaScript: the hand-off form is refused with its errors, filled, and the deal closed as lost", async ({ browser, baseURL, api, request }) => {
  const seller = await api.signup("Nadia NoScript");
  const room = (await api.createRoom(seller, { account: "Hooli" })) as unknown as { id: string; organizationId: string };
  const auth = { authorization: `Bearer ${seller.token}` };
  const stages = (await (await request.get(`/api/v1/organizations/${room.organizationId}/stages`, { headers: auth })).json()).items as { id: string; name: string }[];
  const prospecting = stages.find((s) => s.name === "Prospecting")!;
  const patched = await request.patch(`/api/v1/organizations/${room.organizationId}/stages/${prospecting.id}`, {
    headers: auth,
    data: { form: [{ key: "tier", label: "Support tier", type: "choice", required: true, options: ["Standard", "Premium"] }] },
  });
  expect(patched.ok()).toBe(true);

  const context = await browser.newContext({ baseURL, javaScriptEnabled: false });
  await context.addCookies([{ name: "dealroom_session", value: seller.token, url: baseURL!, httpOnly: true, sameSite: "Lax" }]);
  const page = await context.newPage();
  await page.goto(`/rooms/${room.id}`);
  await stageBar(page).getByRole("link", { name: "Move to Qualifying" }).click();
  await page.locator(".handoff-form").getByRole("button", { name: "Move to Qualifying" }).click();
  await expect(page.getByText("Support tier is required")).toBeVisible();
  await page.getByLabel("Support tier").selectOption("Premium");
  await page.locator(".handoff-form").getByRole("button", { name: "Move to Qualifying" }).click();
  await expect(page).toHaveURL(new RegExp(`/rooms/${room.id}$`));
  await expect(stageBar(page)).toHaveAttribute("data-stage", "Qualifying");

  // Close as lost from the header's panel; without a reason the move page asks again, keeping the panel's place.
  await stageBar(page).locator("summary", { hasText: "Close as lost" }).click();
  await stageBar(page).locator(".stage-popover-card").getByRole("button", { name: "Close as lost" }).click();
  await expect(page.getByRole("heading", { name: "Close as lost" })).toBeVisible();
  await expect(page.getByText("Reason is required when the deal is lost")).toBeVisible();
  await page.locator(".handoff-form").getByLabel("Reason").fill("Budget frozen");
  await page.locator(".handoff-form").getByRole("button", { name: "Close as lost" }).click();
  await expect(page).toHaveURL(new RegExp(`/rooms/${room.id}$`));
  await expect(stageBar(page)).toHaveAttribute("data-status", "lost");
  await context.close();
});
