import { test as base, expect, type APIRequestContext, type BrowserContext, type BrowserContextOptions, type Page } from "@playwright/test";

// Shared fixtures for the end-to-end specs:
// - every page of every context is watched: a console error, uncaught exception, failed script
//   or stylesheet load, or hydration mismatch fails the test unless the test declared it
//   expected (`consoleGuard.allow(/…/)`);
// - `newPerson()` opens another browser context: a second person at another computer;
// - `api` creates users, rooms and invitations directly through the JSON API, and
//   `signIn(context, user)` hands a browser that user's session, so specs only click
//   through the screens they are about.

let counter = 0;
/** Unique per run and per call, so specs also work against a reused database. */
export const unique = () => `${Date.now().toString(36)}${(counter++).toString(36)}${Math.random().toString(36).slice(2, 6)}`;

export interface ApiUser {
  id: string;
  email: string;
  name: string;
  password: string;
  token: string;
}

/**
 * Watches every page a test opens and fails the test on any browser error it did not declare
 * (`consoleGuard.allow(/…/)`): an uncaught exception, a console error, a script or stylesheet
 * that fails to load or answers 4xx/5xx, and a React hydration mismatch (which React 19 reports
 * as a recoverable error, or as a console message mentioning hydration).
 */
let setupClients = 0;
const setupClientAddress = () => {
  setupClients++;
  return `10.${(setupClients >> 16) & 255}.${(setupClients >> 8) & 255}.${setupClients & 255}`;
};

class ConsoleGuard {
  private readonly problems: string[] = [];
  private readonly allowed: RegExp[] = [];
  private readonly watched = new WeakSet<Page>();

  /** `scripts: false` for a context without JavaScript, where the browser refuses every script load itself. */
  watch(page: Page, { scripts = true }: { scripts?: boolean } = {}) {
    if (this.watched.has(page)) return;
    this.watched.add(page);
    page.on("console", (message) => {
      const where = page.url();
      if (message.type() === "error") this.record(`console.error on ${where}: ${message.text()}`);
      else if (/hydrat/i.test(message.text())) this.record(`hydration (${message.type()}) on ${where}: ${message.text()}`);
    });
    page.on("pageerror", (error) => this.record(`uncaught on ${page.url()}: ${error.message}`));
    page.on("requestfailed", (request) => {
      if (!isCode(request.resourceType()) || (!scripts && request.resourceType() === "script")) return;
      const reason = request.failure()?.errorText ?? "failed";
      // A navigation away aborts the requests still in flight: that is the browser, not us.
      if (reason === "net::ERR_ABORTED") return;
      this.record(`${request.resourceType()} failed to load: ${request.url()} (${reason})`);
    });
    page.on("response", (response) => {
      const request = response.request();
      if (isCode(request.resourceType()) && response.status() >= 400) {
        this.record(`${request.resourceType()} answered ${response.status()}: ${response.url()}`);
      }
    });
  }

  /** Watches every page of a browser context, including those it opens later. */
  watchContext(context: BrowserContext, options: { scripts?: boolean } = {}) {
    for (const page of context.pages()) this.watch(page, options);
    context.on("page", (page) => this.watch(page, options));
  }

  /** Declares an error this test provokes on purpose (e.g. the browser logging a 404 response). */
  allow(pattern: RegExp) {
    this.allowed.push(pattern);
  }

  /** Forgets a declaration made by `allow` (for a sweep that expects an error on one page only). */
  disallow(pattern: RegExp) {
    const index = this.allowed.indexOf(pattern);
    if (index >= 0) this.allowed.splice(index, 1);
  }

  /** What was recorded so far and not allowed. */
  get recorded(): readonly string[] {
    return this.problems;
  }

  private record(text: string) {
    if (!this.allowed.some((pattern) => pattern.test(text))) this.problems.push(text);
  }

  assertClean() {
    expect(this.problems, "unexpected browser errors").toEqual([]);
  }
}

const isCode = (resourceType: string) => resourceType === "script" || resourceType === "stylesheet";

class Api {
  constructor(private readonly request: APIRequestContext) {}

  private async call(method: "GET" | "POST", path: string, token: string | undefined, data?: unknown) {
    // Each API call made to set a test up comes "through the proxy" from a client of its own, so
    // the suite's many sign-ups do not meet the per-address limit (the e2e server trusts loopback
    // as its proxy: tests/e2e/start-server.sh).
    const response = await this.request.fetch(path, {
      method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), "x-forwarded-for": setupClientAddress() },
      ...(data === undefined ? {} : { data }),
    });
    const body = await response.json().catch(() => null);
    if (!response.ok()) throw new Error(`${method} ${path} → ${response.status()} ${JSON.stringify(body)}`);
    return body;
  }

  async signup(name = `Seller ${unique()}`, organization = `Org ${unique()}`): Promise<ApiUser> {
    const email = `seller-${unique()}@example.test`;
    const password = "correct horse battery";
    const body = await this.call("POST", "/api/v1/signup", undefined, { email, password, name, organization });
    return { id: body.user.id, email, name, password, token: body.token };
  }

  async createRoom(owner: ApiUser, room: Record<string, unknown> = {}): Promise<{ id: string; name: string }> {
    return this.call("POST", "/api/v1/rooms", owner.token, { name: `Room ${unique()}`, account: "Globex", ...room });
  }

  async invite(owner: ApiUser, roomId: string, invitation: { email: string; side: "internal" | "external"; role: "editor" | "commenter" | "viewer" }) {
    return this.call("POST", `/api/v1/rooms/${roomId}/invitations`, owner.token, invitation) as Promise<{ id: string; url: string; token: string }>;
  }

  /** Invites a new person and accepts as them: a participant with their own session. */
  async addParticipant(owner: ApiUser, roomId: string, side: "internal" | "external", role: "editor" | "commenter" | "viewer", name = `Person ${unique()}`): Promise<ApiUser> {
    const email = `${side}-${role}-${unique()}@example.test`;
    const invitation = await this.invite(owner, roomId, { email, side, role });
    const password = "correct horse battery";
    const body = await this.call("POST", `/api/v1/invitations/${invitation.token}/accept`, undefined, { name, password });
    return { id: body.user.id, email, name, password, token: body.token };
  }
}

interface Fixtures {
  consoleGuard: ConsoleGuard;
  /** A fresh browser context and page: another person, with their own cookies (options as for `browser.newContext`). */
  newPerson: (options?: BrowserContextOptions) => Promise<Page>;
  api: Api;
  /** Gives a browser context the session of a user created through the API. */
  signIn: (context: BrowserContext, user: ApiUser) => Promise<void>;
}

export const test = base.extend<Fixtures>({
  consoleGuard: [
    async ({}, use) => {
      const guard = new ConsoleGuard();
      await use(guard);
      guard.assertClean();
    },
    { auto: true },
  ],
  // A spec that turns JavaScript off (test.use) gets the browser refusing every script itself.
  context: async ({ context, consoleGuard, javaScriptEnabled }, use) => {
    consoleGuard.watchContext(context, { scripts: javaScriptEnabled !== false });
    await use(context);
  },
  page: async ({ page, consoleGuard, javaScriptEnabled }, use) => {
    consoleGuard.watch(page, { scripts: javaScriptEnabled !== false });
    await use(page);
  },
  newPerson: async ({ browser, consoleGuard, baseURL }, use) => {
    const contexts: BrowserContext[] = [];
    await use(async (options = {}) => {
      const context = await browser.newContext({ baseURL, viewport: { width: 1280, height: 800 }, ...options });
      contexts.push(context);
      consoleGuard.watchContext(context, { scripts: options.javaScriptEnabled !== false });
      return await context.newPage();
    });
    for (const context of contexts) await context.close();
  },
  api: async ({ request }, use) => {
    await use(new Api(request));
  },
  signIn: async ({ baseURL }, use) => {
    await use(async (context, user) => {
      await context.addCookies([{ name: "dealroom_session", value: user.token, url: baseURL!, httpOnly: true, sameSite: "Lax" }]);
    });
  },
});

export { expect };
