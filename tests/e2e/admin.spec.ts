import { readFile } from "node:fs/promises";
import { expect, test, unique } from "./fixtures.ts";

// Continuity and accountability: the audit trail shows a refused attempt (and exports it), the
// owner hands the room on, and an admin deactivates a member, whose open page then loses the room.

test("the audit trail shows a guest's refused attempt, the room changes hands, and a deactivated member loses the room", async ({
  page,
  context,
  api,
  signIn,
  newPerson,
  request,
  consoleGuard,
}) => {
  // A long walk through four people's screens: allow for a busy machine.
  test.slow();
  const seller = await api.signup(`Olivia Owner ${unique()}`);
  const room = await api.createRoom(seller, { name: `Initech renewal ${unique()}`, account: "Initech" });
  const engineer = await api.addParticipant(seller, room.id, "internal", "editor", `Sam Engineer ${unique()}`);
  const viewer = await api.addParticipant(seller, room.id, "internal", "viewer", `Vic Viewer ${unique()}`);
  const guest = await api.addParticipant(seller, room.id, "external", "editor", `Pepper Guest ${unique()}`);
  const created = await request.post(`/api/v1/rooms/${room.id}/pages`, {
    headers: { authorization: `Bearer ${seller.token}` },
    data: { title: `Pricing strategy ${unique()}`, visibility: "internal", markdown: "Walk-away price." },
  });
  expect(created.ok()).toBe(true);
  const internalPage = (await created.json()) as { id: string };

  // The guest opens the internal page's address: it does not exist for them.
  consoleGuard.allow(/status of 404/);
  const guestPage = await newPerson();
  await signIn(guestPage.context(), guest);
  const refused = await guestPage.goto(`/rooms/${room.id}/pages/${internalPage.id}`);
  expect(refused?.status()).toBe(404);
  await expect(guestPage.getByRole("heading", { name: "Not found" })).toBeVisible();
  // Guests are not offered the audit trail.
  await guestPage.goto(`/rooms/${room.id}`);
  await expect(guestPage.getByRole("navigation", { name: "Room sections" })).toBeVisible();
  await expect(guestPage.getByRole("link", { name: "Audit" })).toHaveCount(0);

  // The owner opens the Audit tab and finds the refusal, with the guest's name.
  await signIn(context, seller);
  await page.goto(`/rooms/${room.id}`);
  await page.getByRole("navigation", { name: "Room sections" }).getByRole("link", { name: "Audit" }).click();
  await expect(page).toHaveURL(new RegExp(`/rooms/${room.id}/audit$`));
  const trail = page.getByRole("region", { name: "Audit trail" });
  const refusal = trail.getByRole("row").filter({ hasText: guest.name }).filter({ hasText: "was refused" });
  // The refusal is written just after the guest's answer went out: look again until it is there.
  await expect(async () => {
    await page.reload();
    await expect(refusal.first()).toBeVisible({ timeout: 1_000 });
  }).toPass({ timeout: 15_000 });
  await expect(refusal.first()).toContainText("open a page");
  await expect(refusal.first()).toContainText("not visible");
  await expect(refusal.first()).toContainText(`/rooms/${room.id}/pages/${internalPage.id}`);
  // Other entries are there too before filtering (the guest joining, the invitations).
  await expect(trail.getByRole("row").filter({ hasText: "joined the room" }).first()).toBeVisible();

  // Only refusals: a GET form, so the address keeps the filter.
  await trail.getByLabel("What").selectOption({ label: "Access refusals" });
  await trail.getByLabel("Person").selectOption({ label: `${guest.name} (guest)` });
  await trail.getByRole("button", { name: "Filter" }).click();
  await expect(page).toHaveURL(/[?&]type=access(&|$)/);
  await expect(page).toHaveURL(new RegExp(`[?&]actorId=${guest.id}`));
  await expect(refusal.first()).toBeVisible();
  await expect(trail.getByRole("row").filter({ hasText: "joined the room" })).toHaveCount(0);
  const bodyRows = trail.locator("tbody tr");
  const types = await bodyRows.evaluateAll((rows) => rows.map((r) => r.getAttribute("data-audit-type")));
  expect(types.length).toBeGreaterThan(0);
  expect(types.every((t) => t?.startsWith("access."))).toBe(true);

  // The export keeps the filters and downloads a CSV with that row.
  const exportLink = trail.getByRole("link", { name: "Export CSV" });
  await expect(exportLink).toHaveAttribute("href", /format=csv/);
  await expect(exportLink).toHaveAttribute("href", /type=access/);
  const [download] = await Promise.all([page.waitForEvent("download"), exportLink.click()]);
  const csv = await readFile((await download.path())!, "utf8");
  const lines = csv.trim().split(/\r\n/);
  expect(lines[0]).toBe("at,type,actor_id,actor_name,object_type,object_id,visibility,ip,details");
  const row = lines.find((line) => line.includes(guest.name) && line.includes(internalPage.id));
  expect(row, csv).toBeTruthy();
  expect(row).toContain("access.denied");
  expect(lines.slice(1).every((line) => line.includes(",access."))).toBe(true);

  // The owner hands the room to the internal editor, after confirming; they stay on as an editor.
  await page.getByRole("navigation", { name: "Room sections" }).getByRole("link", { name: "Overview" }).click();
  const participants = page.getByRole("region", { name: "Participants" });
  // Rows by user id: once the room changed hands, other rows' hand-over panels name the new owner.
  const rowOf = (userId: string) => participants.locator(`li[data-user-id="${userId}"]`);
  const engineerRow = rowOf(engineer.id);
  // Guests and the owner are offered no hand-over.
  await expect(rowOf(guest.id).getByText("Make owner")).toHaveCount(0);
  await expect(rowOf(seller.id).getByText("Make owner")).toHaveCount(0);
  await engineerRow.getByText("Make owner").click();
  await expect(engineerRow).toContainText("You stay in the room as an editor.");
  await engineerRow.getByLabel(`Yes, hand this room to ${engineer.name}`).check();
  await engineerRow.getByRole("button", { name: `Make ${engineer.name} owner` }).click();
  await expect(engineerRow.locator(".badge-owner")).toHaveText("Owner");
  await page.reload();
  await expect(engineerRow.locator(".badge-owner")).toHaveText("Owner");
  await expect(rowOf(seller.id).locator(".badge-role")).toHaveText("Editor");
  // As an organization admin the seller still reads the trail, which records the hand-over.
  await page.getByRole("navigation", { name: "Room sections" }).getByRole("link", { name: "Audit" }).click();
  await expect(trail.getByRole("row").filter({ hasText: `made ${engineer.name} the owner` }).first()).toBeVisible();

  // The viewer has the room open in their browser.
  const viewerPage = await newPerson();
  await signIn(viewerPage.context(), viewer);
  await viewerPage.goto(`/rooms/${room.id}`);
  await expect(viewerPage.getByRole("heading", { name: room.name })).toBeVisible();
  // Not an admin: no settings.
  await expect(viewerPage.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Settings" })).toHaveCount(0);

  // The admin deactivates the viewer in the organization's settings.
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Settings" }).click();
  await expect(page).toHaveURL(/\/settings\/members$/);
  const members = page.getByRole("region", { name: "Members" });
  const viewerRow = members.getByRole("row").filter({ hasText: viewer.email });
  await expect(viewerRow).toContainText("Active");
  await viewerRow.getByText("Deactivate", { exact: true }).click();
  await expect(viewerRow).toContainText("They leave this organization and all of its rooms at once");
  await expect(viewerRow).toContainText("Rooms they owned pass to you");
  await viewerRow.getByLabel(`Yes, deactivate ${viewer.name}`).check();
  await viewerRow.getByRole("button", { name: `Deactivate ${viewer.name}` }).click();
  await expect(viewerRow).toContainText("Deactivated");
  await expect(viewerRow.getByRole("button", { name: `Reactivate ${viewer.name}` })).toBeVisible();

  // The viewer's next navigation finds the room gone (deactivation takes them out of the
  // organization's rooms; their account stays theirs: docs/decisions/014-*).
  await viewerPage.getByRole("navigation", { name: "Room sections" }).getByRole("link", { name: "Threads" }).click();
  await expect(viewerPage.getByRole("heading", { name: "Not found" })).toBeVisible();
  await expect(viewerPage.getByRole("heading", { name: room.name })).toHaveCount(0);
});
