import { expect, test, unique } from "./fixtures.ts";

// Running a room from its overview: what the owner can change, and what others are not offered.

test("the owner edits the details, changes a participant's role and removes a participant", async ({ page, context, api, signIn, consoleGuard }) => {
  // A long walk (edit, refusal, role change, removal, two reloads): allow for a busy machine.
  test.slow();
  const seller = await api.signup("Olivia Owner");
  const room = await api.createRoom(seller, { name: `Stark Industries ${unique()}`, account: "Stark" });
  const engineer = await api.addParticipant(seller, room.id, "internal", "editor", "Sam Engineer");
  const champion = await api.addParticipant(seller, room.id, "external", "viewer", "Pepper Champion");
  await signIn(context, seller);

  // Edit details: the new values show in the header and the overview.
  await page.goto(`/rooms/${room.id}`);
  await page.getByRole("link", { name: "Edit details" }).click();
  await expect(page).toHaveURL(new RegExp(`/rooms/${room.id}/edit$`));
  await page.getByLabel("Room name").fill("Stark — Arc reactor pilot");
  await page.getByLabel("Currency").selectOption("GBP");
  await page.getByLabel("Amount").fill("1250.5");
  await page.getByLabel("Expected close").fill("2031-06-30");
  await page.getByLabel("Description").fill("Pilot in two plants.\nLegal review in May.");
  await page.getByRole("button", { name: "Save changes" }).click();
  await expect(page).toHaveURL(new RegExp(`/rooms/${room.id}$`));
  const header = page.locator(".room-header");
  await expect(header.getByRole("heading", { name: "Stark — Arc reactor pilot" })).toBeVisible();
  await expect(header).toContainText("£1,250.50");
  await expect(header).toContainText("Jun 30, 2031");
  await expect(page.getByRole("region", { name: "About this deal" })).toContainText("Legal review in May.");

  // A bad edit is refused next to the field, and nothing is saved.
  consoleGuard.allow(/status of 400/);
  await page.getByRole("link", { name: "Edit details" }).click();
  await page.getByLabel("Account").fill("   ");
  await page.getByRole("button", { name: "Save changes" }).click();
  await expect(page.getByText("Account is required")).toBeVisible();
  await expect(page.getByLabel("Account")).toHaveAttribute("aria-invalid", "true");
  await page.getByRole("link", { name: "Cancel" }).click();
  await expect(page.locator(".room-header")).toContainText("Stark");

  // Change the guest's role: the change is saved (it survives a reload).
  const participants = page.getByRole("region", { name: "Participants" });
  const championRow = participants.getByRole("listitem").filter({ hasText: champion.name });
  await championRow.getByLabel(`Role of ${champion.name}`).selectOption("commenter");
  await expect(championRow).not.toHaveClass(/is-pending/);
  await page.reload();
  await expect(participants.getByRole("listitem").filter({ hasText: champion.name }).getByLabel(`Role of ${champion.name}`)).toHaveValue("commenter");

  // Remove the engineer (after confirming).
  page.once("dialog", (dialog) => void dialog.accept());
  await participants.getByRole("button", { name: `Remove ${engineer.name}` }).click();
  await expect(participants.getByRole("listitem").filter({ hasText: engineer.name })).toHaveCount(0);
  await page.reload();
  await expect(participants).not.toContainText(engineer.name);
  // The owner's own row offers no role change or removal.
  const ownerRow = participants.getByRole("listitem").filter({ hasText: seller.name });
  await expect(ownerRow).toContainText("Owner");
  await expect(ownerRow.getByRole("button")).toHaveCount(0);
});

test("a guest viewer is offered no way to change the room, and its edit page refuses them", async ({ page, context, api, signIn, consoleGuard }) => {
  const seller = await api.signup();
  const room = await api.createRoom(seller, { name: `Wayne Enterprises ${unique()}`, account: "Wayne" });
  const guest = await api.addParticipant(seller, room.id, "external", "viewer", "Lucius Guest");
  await signIn(context, guest);

  await page.goto(`/rooms/${room.id}`);
  await expect(page.getByRole("heading", { name: room.name })).toBeVisible();
  await expect(page.getByRole("link", { name: "Edit details" })).toHaveCount(0);
  await expect(page.getByRole("region", { name: "Invite someone" })).toHaveCount(0);
  await expect(page.getByRole("region", { name: "Invitations" })).toHaveCount(0);
  await expect(page.getByRole("region", { name: "Participants" }).getByRole("combobox")).toHaveCount(0);
  await expect(page.getByRole("region", { name: "Participants" }).getByRole("button")).toHaveCount(0);
  // Internal participants' e-mail addresses are not shown to guests.
  await expect(page.getByRole("region", { name: "Participants" })).not.toContainText(seller.email);

  consoleGuard.allow(/status of 403/);
  const response = await page.goto(`/rooms/${room.id}/edit`);
  expect(response?.status()).toBe(403);
  await expect(page.getByRole("heading", { name: "Not allowed" })).toBeVisible();
});
