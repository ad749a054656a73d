import type { APIRequestContext } from "@playwright/test";
import { expect, test, unique, type ApiUser } from "./fixtures.ts";

// What a new user meets (issue 16): searching the whole room, invitations that reach people,
// the buyer's own journey through the stages, an audit trail that tells the truth, templates.

async function call(request: APIRequestContext, method: "GET" | "POST" | "PATCH" | "PUT", path: string, token?: string, data?: unknown) {
  const response = await request.fetch(path, {
    method,
    headers: token ? { authorization: `Bearer ${token}` } : {},
    ...(data === undefined ? {} : { data }),
  });
  const body = await response.json().catch(() => null);
  if (!response.ok()) throw new Error(`${method} ${path} → ${response.status()} ${JSON.stringify(body)}`);
  return body;
}

async function uploadFile(request: APIRequestContext, user: ApiUser, roomId: string, name: string, visibility: "internal" | "shared", text = "hello") {
  const response = await request.fetch(`/api/v1/rooms/${roomId}/files`, {
    method: "POST",
    headers: { authorization: `Bearer ${user.token}` },
    multipart: { visibility, file: { name, mimeType: "text/plain", buffer: Buffer.from(text) } },
  });
  expect(response.status()).toBe(201);
  return (await response.json()) as { id: string; name: string };
}

test("the search box finds pages, messages and files, by prefix, with their type and the Internal badge", async ({ page, context, request, api, signIn, newPerson }) => {
  const seller = await api.signup("Maya Seller");
  const room = await api.createRoom(seller);
  const guest = await api.addParticipant(seller, room.id, "external", "viewer", "Jordan Buyer");
  const tag = `zq${unique()}`.replace(/[^a-z0-9]/g, "");
  await call(request, "POST", `/api/v1/rooms/${room.id}/pages`, seller.token, { title: "Rollout", visibility: "shared", markdown: `The ${tag}floor plan.` });
  await call(request, "POST", `/api/v1/rooms/${room.id}/pages`, seller.token, { title: "Floor price", visibility: "internal", markdown: `Our ${tag}floor discount.` });
  await call(request, "POST", `/api/v1/rooms/${room.id}/threads`, seller.token, { title: "Weekend plan", visibility: "shared", body: `The cut-over weekend for ${tag}.` });
  await call(request, "POST", `/api/v1/rooms/${room.id}/threads`, seller.token, { title: "Margin talk", visibility: "internal", body: `Margin on the cut-over for ${tag}.` });
  await uploadFile(request, seller, room.id, `${tag}floor-architecture.txt`, "shared");
  await uploadFile(request, seller, room.id, `${tag}floor-pricing.txt`, "internal");

  await signIn(context, seller);
  await page.goto(`/rooms/${room.id}/pages`);
  const search = page.getByRole("searchbox", { name: "Search this room" });
  const results = page.getByTestId("search-results");

  // Thread text, which the pages-only box answered with "Nothing found".
  await search.fill("cut-over");
  await expect(results.getByTestId("search-hit").filter({ hasText: "Weekend plan" })).toContainText("Message");
  const margin = results.getByTestId("search-hit").filter({ hasText: "Margin talk" });
  await expect(margin).toContainText("Message");
  await expect(margin).toContainText("Internal");

  // A prefix of a word finds it, in every kind, upper case too.
  await search.fill(tag.toUpperCase());
  const hits = results.getByTestId("search-hit");
  await expect(hits).toHaveCount(6);
  await expect(hits.filter({ hasText: "Rollout" })).toHaveAttribute("data-type", "page");
  await expect(hits.filter({ hasText: "Floor price" })).toContainText("Internal");
  await expect(hits.filter({ hasText: `${tag}floor-architecture.txt` })).toHaveAttribute("data-type", "file");
  await expect(hits.filter({ hasText: `${tag}floor-pricing.txt` })).toContainText("Internal");
  await expect(hits.filter({ hasText: "Rollout" })).not.toContainText("Internal");
  await hits.filter({ hasText: "Weekend plan" }).click();
  await expect(page).toHaveURL(new RegExp(`/rooms/${room.id}/threads/`));
  await expect(page.getByText(`The cut-over weekend for ${tag}.`)).toBeVisible();

  // The buyer finds the shared three and nothing internal.
  const buyer = await newPerson();
  await signIn(buyer.context(), guest);
  await buyer.goto(`/rooms/${room.id}/pages?q=${tag}`);
  const buyerHits = buyer.getByTestId("search-hit");
  await expect(buyerHits).toHaveCount(3);
  await expect(buyer.getByTestId("search-results")).not.toContainText(/Internal|Floor price|Margin talk|pricing/);
});

test("an invitation is e-mailed, its link can be shown again and re-sent after a reload, and the guest joins with a name only", async ({ page, context, api, signIn, newPerson }) => {
  const seller = await api.signup("Maya Seller");
  const room = await api.createRoom(seller, { name: `Rollout ${unique()}` });
  const buyerEmail = `buyer-${unique()}@example.test`;
  await signIn(context, seller);
  await page.goto(`/rooms/${room.id}`);

  const invite = page.getByRole("region", { name: "Invite someone" });
  await invite.getByLabel("E-mail", { exact: true }).fill(buyerEmail);
  await invite.getByRole("button", { name: "Create invitation" }).click();
  await expect(invite.locator(".invite-result")).toContainText(`Invitation e-mailed to ${buyerEmail}`);
  const link = await invite.getByRole("textbox", { name: `Invitation link for ${buyerEmail}` }).inputValue();
  expect(link).toMatch(/\/invite\/[a-z2-7]{32}$/);

  // Inviting the same address again renews the one invitation instead of making a second.
  await invite.getByLabel("E-mail", { exact: true }).fill(buyerEmail);
  await invite.getByLabel("Role").selectOption("viewer");
  await invite.getByRole("button", { name: "Create invitation" }).click();
  await expect(invite.locator(".invite-result")).toContainText(`Invitation renewed and e-mailed again to ${buyerEmail}`);
  await expect(invite.getByRole("textbox", { name: `Invitation link for ${buyerEmail}` })).toHaveValue(link);

  // After a reload the link is still there, under the pending invitation, and it can be re-sent.
  await page.reload();
  const row = page.getByRole("region", { name: "Invitations" }).getByRole("listitem").filter({ hasText: buyerEmail });
  await expect(row).toHaveCount(1);
  await expect(row).toContainText("Pending");
  await expect(row).toContainText("e-mailed 2 times");
  await row.getByText("Show link").click();
  await expect(row.getByRole("textbox", { name: `Invitation link for ${buyerEmail}` })).toHaveValue(link);
  await row.getByRole("button", { name: `Send the invitation for ${buyerEmail} again` }).click();
  await expect(row.getByRole("button", { name: `Send the invitation for ${buyerEmail} again` })).toHaveText("Sent again");
  await expect(row).toContainText("e-mailed 3 times");

  // The guest follows the link, gives a name, no password, and reads at once.
  const buyer = await newPerson();
  await buyer.goto(link);
  await buyer.getByLabel("Your name").fill("Jordan Buyer");
  await buyer.getByRole("button", { name: "Accept and join room" }).click();
  await expect(buyer).toHaveURL(new RegExp(`/rooms/${room.id}$`));
  await expect(buyer.getByRole("heading", { name: room.name })).toBeVisible();
  await expect(buyer.getByRole("banner")).toContainText("Jordan Buyer");

  await page.reload();
  await expect(row).toContainText("Accepted");
  await expect(row.getByText("Show link")).toHaveCount(0);
});

test("the buyer sees the buyer's journey, set in Settings → stages, never the seller's stage names", async ({ page, context, request, api, signIn, newPerson }) => {
  const seller = await api.signup("Maya Seller");
  const room = await api.createRoom(seller);
  const guest = await api.addParticipant(seller, room.id, "external", "editor", "Jordan Buyer");
  await call(request, "POST", `/api/v1/rooms/${room.id}/stage`, seller.token, { stage: "Pricing" });

  // The seller renames what buyers see of Pricing in the settings.
  await signIn(context, seller);
  await page.goto("/settings/stages");
  await page.getByRole("textbox", { name: "What buyers see for Pricing" }).fill("Technical review");
  await page.getByRole("button", { name: "Save what buyers see for Pricing" }).click();
  await expect(page.getByRole("textbox", { name: "What buyers see for Pricing" })).toHaveValue("Technical review");
  await page.goto(`/rooms/${room.id}`);
  await expect(page.getByRole("banner").or(page.locator("header")).first()).toBeVisible();
  await expect(page.locator("body")).toContainText("Pricing");

  const buyer = await newPerson();
  await signIn(buyer.context(), guest);
  for (const path of [`/rooms/${room.id}`, `/rooms/${room.id}/timeline`, `/rooms/${room.id}/handoff`, "/rooms"]) {
    await buyer.goto(path);
    const body = buyer.locator("body");
    await expect(body).toContainText("Technical review");
    const text = (await body.innerText()).toLowerCase();
    for (const name of ["Prospecting", "Qualifying", "Pricing", "Proposing", "Negotiating", "Closing", "Delivering", "Servicing"]) {
      expect(text, `${path} shows ${name}`).not.toContain(name.toLowerCase());
    }
  }
});
