import { expect, test, unique } from "./fixtures.ts";

// What the product refuses, and how it says so.

test("a wrong password is refused without saying which of e-mail or password was wrong", async ({ page, api, consoleGuard }) => {
  const user = await api.signup();
  consoleGuard.allow(/status of 401/);

  await page.goto("/login");
  await page.getByLabel("E-mail", { exact: true }).fill(user.email);
  await page.getByLabel("Password").fill("not the password");
  await page.getByRole("button", { name: "Sign in" }).click();
  const alert = page.getByRole("alert");
  await expect(alert).toHaveText("That e-mail and password do not match an account.");
  await expect(page).toHaveURL(/\/login$/);

  // An unknown e-mail gets the very same answer.
  await page.getByLabel("E-mail", { exact: true }).fill(`nobody-${unique()}@example.test`);
  await page.getByLabel("Password").fill("not the password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(alert).toHaveText("That e-mail and password do not match an account.");

  // The right password gets in.
  await page.getByLabel("E-mail", { exact: true }).fill(user.email);
  await page.getByLabel("Password").fill(user.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/rooms$/);
  await expect(page.getByRole("banner")).toContainText(user.name);
});

test("a revoked invitation is refused with a clear message", async ({ page, context, api, signIn, newPerson }) => {
  const seller = await api.signup();
  const room = await api.createRoom(seller, { name: `Globex renewal ${unique()}` });
  const buyerEmail = `buyer-${unique()}@globex.test`;
  const invitation = await api.invite(seller, room.id, { email: buyerEmail, side: "external", role: "commenter" });

  // The owner withdraws the invitation from the room's overview.
  await signIn(context, seller);
  await page.goto(`/rooms/${room.id}`);
  const row = page.getByRole("region", { name: "Invitations" }).getByRole("listitem").filter({ hasText: buyerEmail });
  await expect(row).toContainText("Pending");
  await row.getByRole("button", { name: `Revoke the invitation for ${buyerEmail}` }).click();
  await expect(row).toContainText("Revoked");
  await expect(row.getByRole("button")).toHaveCount(0);

  // The buyer opening the link is told so, and offered no way in.
  const buyer = await newPerson();
  await buyer.goto(new URL(invitation.url).pathname);
  await expect(buyer.getByRole("heading", { name: "This invitation was withdrawn" })).toBeVisible();
  await expect(buyer.getByRole("main")).not.toContainText(room.name);
  await expect(buyer.getByLabel("Password")).toHaveCount(0);
  await expect(buyer.getByRole("button", { name: /Accept/ })).toHaveCount(0);
});

test("an unknown invitation link says it is not valid", async ({ page, consoleGuard }) => {
  consoleGuard.allow(/status of 404/);
  const response = await page.goto(`/invite/${"a".repeat(32)}`);
  expect(response?.status()).toBe(404);
  await expect(page.getByRole("heading", { name: "This invitation link is not valid" })).toBeVisible();
});

test("a signed-out visitor is sent to sign in and comes back to the page they asked for", async ({ page, api }) => {
  const seller = await api.signup();
  const room = await api.createRoom(seller, { name: `Umbrella pilot ${unique()}` });

  await page.goto(`/rooms/${room.id}`);
  await expect(page).toHaveURL(new RegExp(`/login\\?redirectTo=${encodeURIComponent(`/rooms/${room.id}`)}$`));
  await page.getByLabel("E-mail", { exact: true }).fill(seller.email);
  await page.getByLabel("Password").fill(seller.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(new RegExp(`/rooms/${room.id}$`));
  await expect(page.getByRole("heading", { name: room.name })).toBeVisible();

  // Signing out ends the session: the room is behind the sign-in page again.
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/$/);
  await page.goto(`/rooms/${room.id}`);
  await expect(page).toHaveURL(/\/login\?redirectTo=/);
});

test("redirectTo never leaves the site", async ({ page, api }) => {
  const user = await api.signup();
  await page.goto(`/login?redirectTo=${encodeURIComponent("//evil.example/steal")}`);
  await page.getByLabel("E-mail", { exact: true }).fill(user.email);
  await page.getByLabel("Password").fill(user.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/^http:\/\/127\.0\.0\.1:\d+\/rooms$/);
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("signing in, creating a room and a refused form still work", async ({ page, api, consoleGuard }) => {
    const user = await api.signup();
    consoleGuard.allow(/status of 400/);
    await page.goto("/login");
    await page.getByLabel("E-mail", { exact: true }).fill(user.email);
    await page.getByLabel("Password").fill(user.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page).toHaveURL(/\/rooms$/);

    // A refusal renders the form again with the message next to the field and what was typed.
    await page.locator("summary", { hasText: "New room" }).click();
    await page.getByLabel("Room name").fill("");
    await page.getByLabel("Account").fill("Hooli");
    await page.getByLabel("Amount").fill("12.345");
    await page.getByRole("button", { name: "Create room" }).click();
    await expect(page.getByText("Room name is required")).toBeVisible();
    await expect(page.getByText("Value must have at most 2 decimal places")).toBeVisible();
    await expect(page.getByLabel("Account")).toHaveValue("Hooli");
    await expect(page.getByLabel("Room name")).toHaveAttribute("aria-invalid", "true");

    await page.getByLabel("Room name").fill("Hooli expansion");
    await page.getByLabel("Amount").fill("12.34");
    await page.getByRole("button", { name: "Create room" }).click();
    await expect(page).toHaveURL(/\/rooms\/[0-9a-f-]{36}$/);
    await expect(page.locator(".room-header")).toContainText("$12.34");

    // Inviting shows the single-use link in the page rendered by the server.
    const invite = page.getByRole("region", { name: "Invite someone" });
    await invite.getByLabel("E-mail", { exact: true }).fill(`guest-${unique()}@hooli.test`);
    await invite.getByRole("button", { name: "Create invitation" }).click();
    await expect(page.getByRole("region", { name: "Invite someone" }).getByRole("textbox", { name: /Invitation link for/ })).toHaveValue(
      /\/invite\/[a-z2-7]{32}$/,
    );
  });
});
