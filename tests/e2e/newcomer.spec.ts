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
