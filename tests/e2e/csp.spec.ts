import { expect, test } from "./fixtures.ts";

// The Content-Security-Policy allows inline scripts only with this response's nonce
// (server/security-headers.ts, app/entry.server.tsx): the page still hydrates, and the browser
// reports no violation (the console guard fails the test on any console error).

test("pages hydrate under a nonce-only script policy, without CSP errors", async ({ page }) => {
  const violations: string[] = [];
  page.on("console", (message) => {
    if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
  });
  const response = await page.goto("/login");
  const csp = response!.headers()["content-security-policy"]!;
  const scriptSrc = csp.split(";").map((d) => d.trim()).find((d) => d.startsWith("script-src"))!;
  expect(scriptSrc).toMatch(/'nonce-[A-Za-z0-9+/=]{22,}'/);
  expect(scriptSrc).not.toContain("'unsafe-inline'");

  // Hydrated: React Router's client router is running, and a link navigates on the client.
  await page.waitForFunction(() => (window as unknown as { __reactRouterDataRouter?: unknown }).__reactRouterDataRouter !== undefined);
  await page.evaluate(() => ((window as unknown as { marker: number }).marker = 1));
  await page.getByRole("main").getByRole("link", { name: /create/i }).first().click();
  await expect(page).toHaveURL(/\/signup/);
  // No full reload happened: the marker set on this document survived the navigation.
  expect(await page.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(1);
  expect(violations).toEqual([]);
});
