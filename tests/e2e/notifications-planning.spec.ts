import type { Page } from "@playwright/test";
import { expect, test, unique } from "./fixtures.ts";

// The two pages that broke when route modules pulled server code into the browser (issue 14:
// "$.AsyncLocalStorage is not a constructor" from a client chunk). Each test watches the
// browser itself as well as through the shared fixture: any uncaught error, console error or
// failed script load fails it.

function watchBrowser(page: Page) {
  const problems: string[] = [];
  page.on("pageerror", (error) => problems.push(`uncaught: ${error.message}`));
  page.on("console", (message) => message.type() === "error" && problems.push(`console.error: ${message.text()}`));
  page.on("requestfailed", (request) => /\.(js|css)$/.test(new URL(request.url()).pathname) && problems.push(`failed to load ${request.url()}`));
  return problems;
}

const bellCount = (page: Page) => page.getByTestId("notification-count");

test("notification preferences save with JavaScript on, and the bell keeps its count", async ({ page, api, signIn }) => {
  const problems = watchBrowser(page);
  const seller = await api.signup(`Maya ${unique()}`);
  const room = await api.createRoom(seller, { name: `Prefs ${unique()}` });
  const buyer = await api.addParticipant(seller, room.id, "external", "editor", `Jordan ${unique()}`);
  // Something for the seller's bell: the buyer starts a thread that mentions her.
  const thread = await page.request.post(`/api/v1/rooms/${room.id}/threads`, {
    headers: { authorization: `Bearer ${buyer.token}` },
    data: { title: `Question ${unique()}`, visibility: "shared", body: `@${seller.name} can we see the contract?` },
  });
  expect(thread.status()).toBe(201);

  await signIn(page.context(), seller);
  await page.goto(`/rooms/${room.id}`);
  await expect(bellCount(page)).toHaveText(/^[1-9]\d*$/);
  const count = await bellCount(page).textContent();

  // Arrive from inside the app (a client-side navigation loads the route's own chunk).
  await page.getByRole("link", { name: /^Notifications/ }).click();
  await expect(page).toHaveURL(/\/notifications$/);
  await expect(page.getByRole("heading", { name: "Notifications", level: 1 })).toBeVisible();
  await expect(bellCount(page)).toHaveText(count!);

  // The daily digest: saved on change, no Save button needed.
  const digest = page.getByLabel(/daily e-mail digest/);
  const initially = await digest.isChecked();
  await digest.setChecked(!initially);
  await expect(page.getByRole("form", { name: "Daily digest" }).getByRole("status")).toHaveText("Saved");

  // The room's level: saved on change as well.
  const level = page.getByRole("combobox", { name: `Notifications for ${room.name}`, exact: true });
  await level.selectOption("mentions");
  await expect(page.getByRole("form", { name: `Notifications for ${room.name}` }).getByRole("status")).toHaveText("Saved");
  await expect(bellCount(page)).toHaveText(count!);

  // Both are what the server now holds.
  await page.reload();
  await expect(page.getByLabel(/daily e-mail digest/)).toBeChecked({ checked: !initially });
  await expect(page.getByRole("combobox", { name: `Notifications for ${room.name}`, exact: true })).toHaveValue("mentions");
  await expect(bellCount(page)).toHaveText(count!);

  expect(problems).toEqual([]);
});

test("internal planning goes live and shows a teammate's change without a reload", async ({ page, newPerson, api, signIn }) => {
  const problems = watchBrowser(page);
  const seller = await api.signup(`Maya ${unique()}`);
  const room = await api.createRoom(seller, { name: `Planning ${unique()}` });
  const engineer = await api.addParticipant(seller, room.id, "internal", "editor", `Sam ${unique()}`);

  await signIn(page.context(), seller);
  await page.goto(`/rooms/${room.id}`);
  // Arrive from inside the app, as a person does: the tab's own chunk loads in the browser.
  await page.getByRole("link", { name: "Internal planning" }).click();
  await expect(page).toHaveURL(new RegExp(`/rooms/${room.id}/planning$`));
  await expect(page.getByRole("heading", { name: "Stakeholder map" })).toBeVisible();
  await expect(page.getByTitle("Updates appear as they happen")).toBeVisible();

  const teammate = await newPerson();
  const teammateProblems = watchBrowser(teammate);
  await signIn(teammate.context(), engineer);
  await teammate.goto(`/rooms/${room.id}/planning`);
  await expect(teammate.getByTitle("Updates appear as they happen")).toBeVisible();
  const name = `Dana ${unique()}`;
  const form = teammate.locator("form.stakeholder-form");
  await form.getByLabel("Name").fill(name);
  await form.getByLabel("Title").fill("CFO");
  await form.getByLabel("Role in the decision").selectOption("economic_buyer");
  await form.getByRole("button", { name: "Add to the map" }).click();
  await expect(teammate.getByText(name)).toBeVisible();

  // The seller's page, untouched, shows it.
  await expect(page.getByText(name)).toBeVisible();
  expect(problems).toEqual([]);
  expect(teammateProblems).toEqual([]);
});
