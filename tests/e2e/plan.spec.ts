import { expect, test, unique } from "./fixtures.ts";

// The mutual action plan between two people at two computers: the seller adds a shared step for
// the prospect and an internal one for the team; the prospect sees only the shared step, marks
// it done, and the seller sees it done.

test("seller and prospect work the mutual action plan; the internal step stays with the seller", async ({ page, newPerson, api, signIn }) => {
  const seller = await api.signup(`Maya ${unique()}`);
  const room = await api.createRoom(seller, { name: `Plan ${unique()}`, expectedCloseDate: "2031-03-31" });
  const prospect = await api.addParticipant(seller, room.id, "external", "editor", `Jordan ${unique()}`);
  const sharedTitle = `Send the security questionnaire ${unique()}`;
  const internalTitle = `Get the discount approved ${unique()}`;

  // The seller adds a shared step owned by the prospect, then an internal step.
  await signIn(page.context(), seller);
  await page.goto(`/rooms/${room.id}/plan`);
  await expect(page.getByRole("heading", { name: "Mutual action plan" })).toBeVisible();
  // Live: the page is hydrated and joined to the room's events.
  await expect(page.getByTitle("Updates appear as they happen")).toBeVisible();
  const add = page.locator("form.plan-add");
  await add.getByLabel("Step").fill(sharedTitle);
  await add.getByLabel("Owner").selectOption({ label: `${prospect.name} (Guest)` });
  await add.getByLabel("Due date").fill("2031-02-15");
  await add.getByRole("button", { name: "Add step" }).click();
  const sharedRow = page.getByRole("listitem", { name: sharedTitle });
  await expect(sharedRow).toBeVisible();
  await expect(sharedRow).toContainText(prospect.name);
  await expect(sharedRow).toContainText("Buyer");
  // The form starts afresh after a step was added.
  await expect(add.getByLabel("Step")).toHaveValue("");

  await add.getByLabel("Step").fill(internalTitle);
  await add.getByLabel("Due date").fill("2031-05-01");
  await add.getByLabel("Internal: only your team").check();
  await add.getByRole("button", { name: "Add step" }).click();
  const internalRow = page.getByRole("listitem", { name: internalTitle });
  await expect(internalRow).toBeVisible();
  await expect(internalRow.getByText("Internal", { exact: true })).toBeVisible();
  // The internal step is the last date the seller sees: projected after expected, flagged.
  await expect(page.getByTestId("projected-close")).toHaveText("May 1, 2031");
  await expect(page.getByText("The plan ends after the expected close date.")).toBeVisible();

  // The prospect, at another computer, sees the shared step and not the internal one.
  const buyer = await newPerson();
  await signIn(buyer.context(), prospect);
  await buyer.goto(`/rooms/${room.id}/plan`);
  const buyerRow = buyer.getByRole("listitem", { name: sharedTitle });
  await expect(buyerRow).toBeVisible();
  await expect(buyer.getByText(internalTitle)).toHaveCount(0);
  await expect(buyer.getByTestId("projected-close")).toHaveText("Feb 15, 2031");
  await expect(buyer.getByRole("link", { name: /Internal planning/ })).toHaveCount(0);
  await expect(buyer.getByTitle("Updates appear as they happen")).toBeVisible();
  await expect(page.getByTitle("Updates appear as they happen")).toBeVisible();

  // The prospect marks it done.
  await buyerRow.getByRole("button", { name: "Done" }).click();
  await expect(buyerRow.getByRole("button", { name: "Done" })).toHaveAttribute("aria-pressed", "true");
  await expect(buyer.getByText("1 of 1 done")).toBeVisible();

  // The seller sees it done, live, without reloading.
  await expect(sharedRow.getByRole("button", { name: "Done" })).toHaveAttribute("aria-pressed", "true");
  await expect(page.getByText("1 of 2 done")).toBeVisible();
  // And after a reload, still done, and the internal step still there.
  await page.reload();
  await expect(page.getByRole("listitem", { name: sharedTitle }).getByRole("button", { name: "Done" })).toHaveAttribute("aria-pressed", "true");
  await expect(page.getByRole("listitem", { name: internalTitle })).toBeVisible();
  await expect(buyer.getByText(internalTitle)).toHaveCount(0);
});
