import { expect, test } from "./fixtures.ts";

// The pipeline page (app/routes/pipeline.tsx, decision 021) on the seeded demo organization:
// the seller sees the figures with their arithmetic, the charts and the CSV behind them; the
// prospect, a guest of the demo room, gets the 404 page and no link to it.

const PASSWORD = "dealroom-demo";

async function demoUser(request: import("@playwright/test").APIRequestContext, email: string) {
  const res = await request.post("/api/v1/login", { data: { email, password: PASSWORD } });
  expect(res.ok(), `login ${email}`).toBe(true);
  const body = await res.json();
  return { id: body.user.id, email, name: body.user.name, password: PASSWORD, token: body.token as string };
}

test("a seller sees the pipeline's figures, charts and CSV", async ({ page, context, request, signIn }) => {
  const seller = await demoUser(request, "maya.chen@northwind.example");
  await signIn(context, seller);
  await page.goto("/rooms");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Pipeline" }).click();
  await expect(page).toHaveURL(/\/pipeline$/);
  await expect(page.getByRole("heading", { level: 1, name: "Pipeline" })).toBeVisible();

  // The win rate with its arithmetic: won ÷ decided, by count and per currency by value.
  const winRate = page.getByRole("region", { name: "Win rate", exact: true });
  await expect(winRate).toContainText(/\d+ won ÷ \d+ decided = \d+(\.\d)?%/);
  await expect(winRate).toContainText(/USD: \$[\d,]+ won ÷ \$[\d,]+ decided/);
  await expect(winRate).toContainText(/EUR: €[\d,]+ won ÷ €[\d,]+ decided/);
  // Velocity with its four factors and the sensitivity.
  const velocity = page.getByRole("region", { name: "Sales velocity", exact: true });
  await expect(velocity).toContainText(/opportunities × \$[\d,]+ average × [\d.]+% win\s+rate ÷ [\d.]+ days average cycle/);
  await expect(velocity).toContainText("1.1 × 1.1 × 1.1 ÷ 0.9 ≈ +48%");
  // The charts draw (recharts, after hydration), each described for screen readers.
  await expect(page.getByRole("img", { name: /^Bar chart of open deals per stage: Prospecting \d+/ })).toBeVisible();
  await expect(page.getByRole("img", { name: /^Line chart of the monthly win rate/ })).toBeVisible();
  await expect(page.locator(".chart svg.recharts-surface").first()).toBeVisible();
  // The demo's stalled and overdue deal.
  await expect(page.getByRole("region", { name: "Stalled deals", exact: true }).getByRole("link", { name: "Massive Dynamic — Billing" })).toBeVisible();
  await expect(page.getByRole("region", { name: "Past their expected close", exact: true }).getByRole("link", { name: "Massive Dynamic — Billing" })).toBeVisible();

  // A filter: one currency.
  await page.getByLabel("Currency", { exact: true }).selectOption("EUR");
  await page.getByRole("button", { name: "Apply" }).click();
  await expect(page).toHaveURL(/currency=EUR/);
  await expect(winRate).not.toContainText("USD:");

  // The table behind the stage chart, as CSV.
  const download = page.waitForEvent("download");
  await page.getByRole("region", { name: "By stage", exact: true }).getByRole("link", { name: "Download CSV" }).click();
  const file = await download;
  expect(file.suggestedFilename()).toMatch(/^pipeline-stages-\d{4}-\d{2}-\d{2}\.csv$/);
});

test("a guest gets the 404 page and no Pipeline link", async ({ page, context, request, signIn, consoleGuard }) => {
  consoleGuard.allow(/pipeline: Failed to load resource: .*status of 404/);
  const prospect = await demoUser(request, "jordan.lee@acme.example");
  await signIn(context, prospect);
  await page.goto("/rooms");
  await expect(page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Rooms" })).toBeVisible();
  await expect(page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Pipeline" })).toHaveCount(0);
  const res = await page.goto("/pipeline");
  expect(res?.status()).toBe(404);
  await expect(page.getByRole("heading", { level: 1 })).toContainText(/not/i);
  const api = await request.get("/api/v1/pipeline", { headers: { authorization: `Bearer ${prospect.token}` } });
  expect(api.status()).toBe(404);
});

// Team selling and the targets editor (decision 021), and a buying status tied to a plan step
// (decision 027), on a phone-sized screen. Everything it changes it puts back, so the other
// specs see the demo as seeded.
test("an admin sets targets and team credit, a deal team and a plan-step tie, at 390 px", async ({ page, context, request, signIn, consoleGuard }) => {
  // The refused amount below answers 400, as a refused form does.
  consoleGuard.allow(/settings\/targets: Failed to load resource: .*status of 400/);
  await page.setViewportSize({ width: 390, height: 844 });
  const seller = await demoUser(request, "maya.chen@northwind.example");
  await signIn(context, seller);

  // Settings → Targets: team credit on, a role target for the engineer, its amount changed, then removed.
  await page.goto("/settings/targets");
  await expect(page.getByRole("heading", { level: 2, name: "Targets", exact: true })).toBeVisible();
  const credit = page.getByLabel("Credit won rooms to their deal team too");
  await credit.check();
  await page.getByRole("region", { name: "Team selling" }).getByRole("button", { name: "Save" }).click();
  await expect(credit).toBeChecked();
  const form = page.getByRole("region", { name: "Set a target" });
  await form.getByLabel("Member").selectOption({ label: "Sam Okafor" });
  await form.getByLabel("Kind").selectOption("wins");
  await form.getByLabel("Amount (major units, or wins)").fill("3");
  await form.getByLabel("For a deal-team role").selectOption("design_consultant");
  await form.getByRole("button", { name: "Set target" }).click();
  const row = page.locator(".target-row", { hasText: "as Design consultant" });
  await expect(row).toContainText("Sam Okafor");
  await expect(row).toContainText("3 wins");
  await row.getByLabel(/New number of wins for Sam Okafor/).fill("4");
  await row.getByRole("button", { name: "Change" }).click();
  await expect(page.locator(".target-row", { hasText: "as Design consultant" })).toContainText("4 wins");
  // A bad amount is refused on its field, nothing changes.
  await form.getByLabel("Kind").selectOption("value");
  await form.getByLabel("Amount (major units, or wins)").fill("12.345");
  await form.getByRole("button", { name: "Set target" }).click();
  await expect(page.getByRole("region", { name: "Set a target" })).toContainText("must have at most 2 decimal places");
  await page.screenshot({ path: test.info().outputPath("settings-targets-390.png"), fullPage: true });
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);

  // The room: the engineer designs the solution; the first buying status is completed by a done plan step.
  await page.goto("/rooms");
  await page.getByRole("link", { name: "Acme Corp — Platform rollout" }).first().click();
  const team = page.getByRole("region", { name: "Deal team" });
  await team.getByLabel("Deal-team role of Sam Okafor").selectOption("design_consultant");
  await team.locator("li", { hasText: "Sam Okafor" }).getByRole("button", { name: "Set" }).click();
  await expect(team).toContainText("credits a won deal to its owner and to every member with a role here");
  await page.reload();
  await expect(page.getByRole("region", { name: "Deal team" }).getByLabel("Deal-team role of Sam Okafor")).toHaveValue("design_consultant");

  const forecast = page.getByRole("region", { name: "Forecast" });
  const tie = forecast.getByLabel(/^Plan step that completes “Need acknowledged”/);
  await tie.selectOption({ label: "Discovery workshop with Operations, Finance and IT (done)" });
  await forecast.getByRole("button", { name: "Save statuses" }).click();
  const need = forecast.getByRole("checkbox", { name: /Need acknowledged/ });
  await expect(need).toBeChecked();
  await expect(need).toBeDisabled();
  await expect(forecast.getByLabel(/^Plan step that completes “Need acknowledged”/)).toHaveValue(/[0-9a-f-]{36}/);
  await page.screenshot({ path: test.info().outputPath("room-deal-team-forecast-390.png"), fullPage: true });
  await forecast.screenshot({ path: test.info().outputPath("room-forecast-card-390.png") });
  await page.getByRole("region", { name: "Deal team" }).screenshot({ path: test.info().outputPath("room-deal-team-card-390.png") });
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);

  // The pipeline says how wins are credited.
  await page.goto("/pipeline");
  await expect(page.getByRole("region", { name: "Targets", exact: true })).toContainText(/credited in full to its owner and to every member of its deal team/);
  const targets = page.getByRole("region", { name: "Targets", exact: true });
  await targets.scrollIntoViewIfNeeded();
  // Each target says which won rooms it counts, and how each was credited.
  await targets.locator("summary", { hasText: /\d+ rooms? as owner/ }).first().click();
  await expect(targets.locator(".credit-list li").first()).toContainText(/: (owner|Sales person|Design consultant|Financial expert|Sales manager|Sales enabler)/);
  await page.getByRole("region", { name: "Targets", exact: true }).screenshot({ path: test.info().outputPath("pipeline-targets-390.png") });

  // Put the demo back: untie, no role, team credit off, the target gone.
  await page.goBack();
  await page.goto("/rooms");
  await page.getByRole("link", { name: "Acme Corp — Platform rollout" }).first().click();
  await page.getByRole("region", { name: "Forecast" }).getByLabel(/^Plan step that completes “Need acknowledged”/).selectOption("");
  await page.getByRole("region", { name: "Forecast" }).getByRole("button", { name: "Save statuses" }).click();
  await expect(page.getByRole("region", { name: "Forecast" }).getByLabel(/^Plan step that completes “Need acknowledged”/)).toHaveValue("");
  const again = page.getByRole("region", { name: "Deal team" });
  await again.getByLabel("Deal-team role of Sam Okafor").selectOption("");
  await again.locator("li", { hasText: "Sam Okafor" }).getByRole("button", { name: "Set" }).click();
  await page.goto("/settings/targets");
  await page.getByRole("button", { name: /Delete Sam Okafor's target of 4 wins as Design consultant/ }).click();
  await expect(page.locator(".target-row", { hasText: "as Design consultant" })).toHaveCount(0);
  await page.getByLabel("Credit won rooms to their deal team too").uncheck();
  await page.getByRole("region", { name: "Team selling" }).getByRole("button", { name: "Save" }).click();
  await expect(page.getByLabel("Credit won rooms to their deal team too")).not.toBeChecked();
});

test("a guest of the room sees neither the deal team nor the plan-step ties", async ({ page, context, request, signIn }) => {
  const prospect = await demoUser(request, "jordan.lee@acme.example");
  await signIn(context, prospect);
  await page.goto("/rooms");
  await page.getByRole("link", { name: "Acme Corp — Platform rollout" }).first().click();
  await expect(page.getByRole("heading", { name: "Participants" })).toBeVisible();
  await expect(page.getByRole("heading", { name: "Deal team" })).toHaveCount(0);
  await expect(page.getByRole("heading", { name: "Forecast" })).toHaveCount(0);
  await expect(page.getByText("Completed by plan step")).toHaveCount(0);
  const rooms = await request.get("/api/v1/rooms", { headers: { authorization: `Bearer ${prospect.token}` } });
  const roomId = ((await rooms.json()).items as { id: string; name: string }[]).find((r) => r.name === "Acme Corp — Platform rollout")!.id;
  const api = await request.get(`/api/v1/rooms/${roomId}/deal-team`, { headers: { authorization: `Bearer ${prospect.token}` } });
  expect(api.status()).toBe(404);
});
