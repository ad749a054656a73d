import type { Page } from "@playwright/test";
import { expect, test, unique } from "./fixtures.ts";

// Active reading time as the browser counts it (app/lib/engagement.ts) and the server records it
// (docs/decisions/025-engagement.md): a prospect reading a shared page for 20 s with the tab
// visible is credited about 20 s; the same 20 s with the tab hidden are credited about nothing.
// The seller's Engagement tab and the prospect's "What the seller sees about me" agree.

/** Emulates the tab being hidden (Page Visibility API), as switching to another tab does. */
async function hide(page: Page) {
  await page.evaluate(() => {
    Object.defineProperty(document, "visibilityState", { configurable: true, get: () => "hidden" });
    Object.defineProperty(document, "hidden", { configurable: true, get: () => true });
    document.dispatchEvent(new Event("visibilitychange"));
  });
}

/** Reads for `ms`: the pointer moves now and then, as a reader's does. */
async function read(page: Page, ms: number) {
  const end = Date.now() + ms;
  let x = 200;
  while (Date.now() < end) {
    x = x === 200 ? 400 : 200;
    await page.mouse.move(x, 300);
    await page.waitForTimeout(Math.min(2000, Math.max(0, end - Date.now())));
  }
}

test("20 s of visible reading count about 20 s; 20 s in a hidden tab count about nothing", async ({ api, newPerson, signIn, request }) => {
  test.setTimeout(120_000);
  const seller = await api.signup(`Maya ${unique()}`);
  const room = await api.createRoom(seller, { name: `Engagement ${unique()}` });
  const prospect = await api.addParticipant(seller, room.id, "external", "viewer", `Jordan ${unique()}`);
  const created = await request.post(`/api/v1/rooms/${room.id}/pages`, {
    headers: { authorization: `Bearer ${seller.token}` },
    data: { title: "Business case", visibility: "shared", markdown: "Payback in eleven months." },
  });
  expect(created.status()).toBe(201);
  const pageId = (await created.json()).id as string;
  const credited = async () => {
    const res = await request.get(`/api/v1/rooms/${room.id}/engagement/me`, { headers: { authorization: `Bearer ${prospect.token}` } });
    const body = await res.json();
    return (body.participants[0]?.items ?? []).find((i: { id: string }) => i.id === pageId)?.activeSeconds ?? 0;
  };

  const buyer = await newPerson();
  await signIn(buyer.context(), prospect);
  await buyer.goto(`/rooms/${room.id}/pages/${pageId}`);
  await expect(buyer.getByText("Payback in eleven months.")).toBeVisible();
  await expect.poll(() => buyer.evaluate(() => document.hasFocus())).toBe(true);

  // Visible, in focus, in use: 20 s, then the tab is hidden (the tracker reports at once, by beacon).
  await read(buyer, 20_000);
  await hide(buyer);
  await expect.poll(credited, { timeout: 10_000 }).toBeGreaterThanOrEqual(16);
  const afterVisible = await credited();
  expect(afterVisible).toBeLessThanOrEqual(24);

  // Hidden: the pointer still moves (a scripted page could), and nothing more is counted.
  await read(buyer, 20_000);
  await buyer.goto(`/rooms/${room.id}/engagement/me`);
  await expect(buyer.getByRole("heading", { name: "What the seller sees about me" })).toBeVisible();
  expect((await credited()) - afterVisible).toBeLessThanOrEqual(2);

  // The seller's tab shows the same figure as the prospect's own page.
  const sellerPage = await newPerson();
  await signIn(sellerPage.context(), seller);
  await sellerPage.goto(`/rooms/${room.id}/engagement`);
  const figure = await credited();
  const fig = figure < 60 ? `${figure} s` : `${Math.round(figure / 60)} min`;
  await expect(sellerPage.getByRole("article", { name: prospect.name }).getByText(fig).first()).toBeVisible();
  await expect(buyer.getByRole("article", { name: prospect.name }).getByText(fig).first()).toBeVisible();
});

test("the room's switch and the organization's settings: off, both pages say so", async ({ api, newPerson, signIn, consoleGuard }) => {
  test.setTimeout(90_000);
  // The refused threshold below is answered 400, as every refused form is.
  consoleGuard.allow(/settings\/engagement: Failed to load resource: .*status of 400/);
  const seller = await api.signup(`Maya ${unique()}`);
  const room = await api.createRoom(seller, { name: `Switch ${unique()}` });
  const prospect = await api.addParticipant(seller, room.id, "external", "viewer", `Jordan ${unique()}`);

  const sellerPage = await newPerson();
  await signIn(sellerPage.context(), seller);
  await sellerPage.goto(`/rooms/${room.id}/engagement`);
  await sellerPage.getByRole("button", { name: "Turn tracking off for this room" }).click();
  await expect(sellerPage.getByRole("status").filter({ hasText: "Engagement tracking is off for this room: nothing is being recorded." })).toBeVisible();
  await expect(sellerPage.getByRole("button", { name: "Turn tracking on for this room" })).toBeVisible();

  const buyer = await newPerson();
  await signIn(buyer.context(), prospect);
  await buyer.goto(`/rooms/${room.id}/engagement/me`);
  await expect(buyer.getByText("Engagement tracking is off for this room: nothing about your reading is being recorded.")).toBeVisible();

  await sellerPage.getByRole("button", { name: "Turn tracking on for this room" }).click();
  await expect(sellerPage.getByRole("button", { name: "Turn tracking off for this room" })).toBeVisible();
  await expect(sellerPage.getByText("Engagement tracking is off")).toHaveCount(0);

  // The organization's settings, as its admin, at a phone's width.
  await sellerPage.setViewportSize({ width: 390, height: 844 });
  await sellerPage.goto("/settings/engagement");
  const days = sellerPage.getByLabel("Gone quiet after");
  await expect(days).toHaveValue("14");
  await days.fill("0");
  await sellerPage.getByRole("button", { name: "Save engagement settings" }).click();
  await expect(sellerPage.getByText("Gone quiet after must be at least 1")).toBeVisible();
  await days.fill("21");
  await sellerPage.getByLabel("Record engagement in all rooms").uncheck();
  await sellerPage.getByRole("button", { name: "Save engagement settings" }).click();
  await expect(sellerPage.getByText("Saved.")).toBeVisible();
  await expect(sellerPage.getByText("Engagement tracking is off for all rooms: nothing is being recorded.")).toBeVisible();
  await expect(sellerPage.getByLabel("Gone quiet after")).toHaveValue("21");
  if (process.env.ENGAGEMENT_SCREENSHOTS) await sellerPage.screenshot({ path: `${process.env.ENGAGEMENT_SCREENSHOTS}/settings-engagement-390.png`, fullPage: true });

  await buyer.reload();
  await expect(buyer.getByText("Engagement tracking is off for this organization: nothing about your reading is being recorded.")).toBeVisible();
  await sellerPage.setViewportSize({ width: 1280, height: 800 });
  await sellerPage.goto(`/rooms/${room.id}/engagement`);
  await expect(sellerPage.getByText("Engagement tracking is off for your organization: nothing is being recorded.")).toBeVisible();
  await expect(sellerPage.getByText("Your organization has it off for all rooms")).toBeVisible();
  if (process.env.ENGAGEMENT_SCREENSHOTS) await sellerPage.screenshot({ path: `${process.env.ENGAGEMENT_SCREENSHOTS}/engagement-tab-off.png` });
});
