import { existsSync } from "node:fs";
import { defineConfig, devices } from "@playwright/test";

function chromiumPath(): string | undefined {
  if (process.env.CHROMIUM_PATH) return process.env.CHROMIUM_PATH;
  return existsSync("/usr/bin/chromium") ? "/usr/bin/chromium" : undefined;
}

// End-to-end tests drive the production build (`npm run build` first) in a real Chromium.
// The server gets a fresh data directory per run (tests/e2e/start-server.sh).
const port = Number(process.env.E2E_PORT ?? 4173);
const baseURL = `http://127.0.0.1:${port}`;

export default defineConfig({
  testDir: "tests/e2e",
  workers: 1,
  fullyParallel: false,
  forbidOnly: true,
  // One retry on CI only, so a timing hiccup on a loaded machine does not sink a run; a test
  // that passes only on retry is still reported (tests/run-all.sh prints it as flaky).
  retries: process.env.CI ? 1 : 0,
  // Generous: these machines are shared, and a loaded CPU slows argon2 and server rendering.
  timeout: 60_000,
  expect: { timeout: 15_000 },
  // Several people may run the suite at once in one tree: E2E_OUTPUT_DIR keeps their artifacts apart.
  outputDir: process.env.E2E_OUTPUT_DIR ?? "test-results",
  reporter: process.env.CI ? [["list"], ["html", { open: "never" }]] : "list",
  use: {
    baseURL,
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
  },
  projects: [
    {
      name: "chromium",
      use: {
        ...devices["Desktop Chrome"],
        viewport: { width: 1280, height: 800 },
        launchOptions: {
          // CHROMIUM_PATH, else Debian's Chromium, else Playwright's own browser (tests/run-all.sh
          // finds or installs one of them).
          executablePath: chromiumPath(),
          args: [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
          ],
        },
      },
    },
  ],
  webServer: {
    command: "bash tests/e2e/start-server.sh",
    url: `${baseURL}/healthz`,
    env: { PORT: String(port) },
    reuseExistingServer: false,
    timeout: 90_000,
    stdout: "ignore",
    stderr: "pipe",
    // SIGTERM lets the server stop its embedded PostgreSQL and the script remove the data directory.
    gracefulShutdown: { signal: "SIGTERM", timeout: 15_000 },
  },
});
