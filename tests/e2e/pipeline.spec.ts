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
