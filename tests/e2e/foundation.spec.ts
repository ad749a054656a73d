import { expect, test, unique } from "./fixtures.ts";

// The foundation, as a seller and a buyer live it: sign up, create a room, invite the buyer,
// the buyer joins from the link in another browser and sees that room and nothing else.

test("a seller signs up, creates a room and invites a buyer, who joins and sees only that room", async ({
  page,
  context,
  newPerson,
  consoleGuard,
}) => {
  // The longest walk in the suite (two sign-ups, two rooms, two browsers): allow for a busy machine.
  test.slow();
  const id = unique();
  const seller = { name: "Maya Seller", email: `maya-${id}@northwind.test`, password: "correct horse battery" };
  const buyerEmail = `jordan-${id}@acme.test`;
  const roomName = `Acme rollout ${id}`;

  // Sign up from the landing page.
  await page.goto("/");
  await page.getByRole("main").getByRole("link", { name: "Create your workspace" }).click();
  await page.getByLabel("Your name").fill(seller.name);
  await page.getByLabel("Work e-mail").fill(seller.email);
  await page.getByLabel("Password").fill(seller.password);
  await page.getByLabel("Organization").fill(`Northwind ${id}`);
  await page.getByRole("button", { name: "Create workspace" }).click();

  await expect(page).toHaveURL(/\/rooms$/);
  await expect(page.getByRole("banner")).toContainText(seller.name);
  await expect(page.getByRole("heading", { name: "No rooms yet" })).toBeVisible();

  // Create a room.
  await page.locator("summary", { hasText: "New room" }).click();
  await page.getByLabel("Room name").fill(roomName);
  await page.getByLabel("Account").fill("Acme Corp");
  await page.getByLabel("Currency").selectOption("EUR");
  await page.getByLabel("Amount").fill("250,000");
  await page.getByLabel("Expected close").fill("2030-03-31");
  await page.getByLabel("Stage").selectOption("Qualifying");
  await page.getByRole("button", { name: "Create room" }).click();

  await expect(page).toHaveURL(/\/rooms\/[0-9a-f-]{36}$/);
  const roomPath = new URL(page.url()).pathname;
  const header = page.locator(".room-header");
  await expect(header.getByRole("heading", { name: roomName })).toBeVisible();
  await expect(header).toContainText("€250,000");
  await expect(header).toContainText("Qualifying");
  await expect(header).toContainText("Mar 31, 2030");

  // Invite the buyer as a guest editor and copy the single-use link from the page.
  await context.grantPermissions(["clipboard-read", "clipboard-write"]);
  const invite = page.getByRole("region", { name: "Invite someone" });
  await invite.getByLabel("E-mail", { exact: true }).fill(buyerEmail);
  await expect(invite.getByLabel("Guest")).toBeChecked();
  await invite.getByLabel("Role").selectOption("editor");
  await invite.getByRole("button", { name: "Create invitation" }).click();
  const linkField = invite.getByRole("textbox", { name: `Invitation link for ${buyerEmail}` });
  await expect(linkField).toHaveValue(/\/invite\/[a-z2-7]{32}$/);
  await invite.getByRole("button", { name: "Copy" }).click();
  await expect(invite.getByRole("button", { name: "Copied" })).toBeVisible();
  const link = await page.evaluate(() => navigator.clipboard.readText());
  expect(link).toBe(await linkField.inputValue());
  const invitations = page.getByRole("region", { name: "Invitations" });
  await expect(invitations.getByRole("listitem").filter({ hasText: buyerEmail })).toContainText("Pending");

  // A second room of the same seller: the buyer must never see it.
  await page.goto("/rooms");
  await page.locator("summary", { hasText: "New room" }).click();
  await page.getByLabel("Room name").fill(`Internal forecast ${id}`);
  await page.getByLabel("Account").fill("Initech");
  await page.getByRole("button", { name: "Create room" }).click();
  await expect(page).toHaveURL(/\/rooms\/[0-9a-f-]{36}$/);
  const otherRoomPath = new URL(page.url()).pathname;
  expect(otherRoomPath).not.toBe(roomPath);

  // The buyer opens the link in their own browser and sets up an account.
  const buyer = await newPerson();
  await buyer.goto(link);
  await expect(buyer.getByRole("heading", { name: `Join ${roomName}` })).toBeVisible();
  await expect(buyer.getByRole("main")).toContainText(`${seller.name} invited ${buyerEmail}`);
  await expect(buyer.getByRole("main")).toContainText("Guest");
  await buyer.getByLabel("Your name").fill("Jordan Buyer");
  await buyer.getByLabel("Password").fill("buyer password 1");
  await buyer.getByRole("button", { name: "Accept and join room" }).click();

  // They land in the room, as a guest editor, and cannot invite anyone.
  await expect(buyer).toHaveURL(new RegExp(`${roomPath}$`));
  await expect(buyer.getByRole("heading", { name: roomName })).toBeVisible();
  await expect(buyer.getByRole("banner")).toContainText("Jordan Buyer");
  const buyerRow = buyer.getByRole("region", { name: "Participants" }).getByRole("listitem").filter({ hasText: "Jordan Buyer" });
  await expect(buyerRow).toContainText("Guest");
  await expect(buyerRow).toContainText("Editor");
  await expect(buyer.getByRole("region", { name: "Invite someone" })).toHaveCount(0);
  await expect(buyer.getByRole("link", { name: "Edit details" })).toHaveCount(0);

  // Their room list holds exactly this room: not the seller's other room, not the demo room.
  await buyer.goto("/rooms");
  const rows = buyer.locator(".room-table tbody tr");
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText(roomName);
  await expect(buyer.getByRole("main")).not.toContainText("Internal forecast");
  await expect(buyer.getByRole("main")).not.toContainText("Platform rollout");
  await expect(buyer.getByText("New room", { exact: true })).toHaveCount(0);

  // The other room's address is a 404, exactly like a room that does not exist.
  consoleGuard.allow(/status of 404/);
  const response = await buyer.goto(otherRoomPath);
  expect(response?.status()).toBe(404);
  await expect(buyer.getByRole("heading", { name: "Not found" })).toBeVisible();
  await expect(buyer.getByRole("main")).not.toContainText("Internal forecast");

  // The seller sees the buyer in the room and the invitation as used.
  await page.goto(roomPath);
  await expect(page.getByRole("region", { name: "Participants" })).toContainText("Jordan Buyer");
  await expect(page.getByRole("region", { name: "Invitations" }).getByRole("listitem").filter({ hasText: buyerEmail })).toContainText(
    "Accepted",
  );
});
