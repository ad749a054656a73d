import type { APIRequestContext, Page } from "@playwright/test";
import { expect, test, unique } from "./fixtures.ts";

// File cards in a real Chromium, on the seeded demo room: the seller uploads a shared file,
// puts it into a shared page with the editor's "Insert file" picker, and the prospect, in a
// second browser, sees the card by name and opens the preview from it. A card of an internal
// file on the same page reads "File not available" for the prospect, and nothing more.

const PASSWORD = "dealroom-demo";
const SELLER = "maya.chen@northwind.example";
const PROSPECT = "jordan.lee@acme.example";
const DEMO_ROOM = "Acme Corp — Platform rollout";

async function login(request: APIRequestContext, email: string): Promise<string> {
  const res = await request.post("/api/v1/login", { data: { email, password: PASSWORD } });
  expect(res.ok(), `login ${email}`).toBe(true);
  return (await res.json()).token;
}

async function uploadAs(request: APIRequestContext, token: string, roomId: string, name: string, text: string, visibility: "internal" | "shared") {
  const res = await request.post(`/api/v1/rooms/${roomId}/files`, {
    headers: { authorization: `Bearer ${token}` },
    multipart: { visibility, file: { name, mimeType: "text/plain", buffer: Buffer.from(text) } },
  });
  expect(res.status(), `upload ${name}`).toBe(201);
  return (await res.json()) as { id: string; name: string };
}

async function waitSaved(page: Page) {
  await expect(page.getByTestId("save-status")).toHaveText("Saved", { timeout: 20_000 });
}

test("the seller puts a shared file into a shared page; the prospect sees the card and opens its preview", async ({ page, request, baseURL, newPerson, signIn }) => {
  test.slow();
  const sellerToken = await login(request, SELLER);
  const prospectToken = await login(request, PROSPECT);
  const rooms = await (await request.get("/api/v1/rooms", { headers: { authorization: `Bearer ${sellerToken}` } })).json();
  const roomId: string = rooms.items.find((r: { name: string }) => r.name === DEMO_ROOM).id;

  const tag = unique();
  const shared = await uploadAs(request, sellerToken, roomId, `security-overview-${tag}.txt`, `Security overview ${tag}\n`, "shared");
  const internal = await uploadAs(request, sellerToken, roomId, `discount-ladder-${tag}.txt`, "Floor: 18%\n", "internal");
  // A shared page that already holds a card of the internal file (written through the API).
  const created = await request.post(`/api/v1/rooms/${roomId}/pages`, {
    headers: { authorization: `Bearer ${sellerToken}` },
    data: { title: `Documents ${tag}`, visibility: "shared", markdown: `Here are the documents for review.\n\n[[file:${internal.id}]]` },
  });
  expect(created.status()).toBe(201);
  const pageId: string = (await created.json()).id;
  const pageUrl = `/rooms/${roomId}/pages/${pageId}`;

  // The seller inserts the shared file with the picker.
  await page.context().addCookies([{ name: "dealroom_session", value: sellerToken, url: baseURL!, httpOnly: true, sameSite: "Lax" }]);
  await page.goto(pageUrl);
  const editor = page.getByTestId("page-editor");
  await expect(editor).toBeVisible({ timeout: 20_000 });
  await waitSaved(page);
  // The seller sees the internal file's card for what it is, marked internal.
  await expect(editor.locator(".file-card-internal .file-card-name")).toHaveText(internal.name);
  await editor.getByText("Here are the documents for review.").click();
  await page.keyboard.press("End");

  await page.getByRole("button", { name: "Insert file" }).click();
  const picker = page.getByRole("dialog", { name: "Insert a file" });
  await expect(picker).toContainText("only shared files are offered");
  await picker.getByRole("searchbox", { name: "Find a file" }).fill(tag);
  const choices = picker.getByRole("list", { name: "Files" }).getByRole("button");
  // Only the shared one: the internal file is not offered on a shared page.
  await expect(choices).toHaveCount(1);
  await expect(choices).toContainText(shared.name);
  await choices.click();
  await expect(picker).toBeHidden();

  const card = editor.locator(`.file-card[data-file-id="${shared.id}"]`);
  await expect(card.locator(".file-card-name")).toHaveText(shared.name);
  await expect(card.locator(".file-card-meta")).toHaveText(/^Text · \d+ B · version 1$/);
  await waitSaved(page);
  // Stored as the id only.
  const markdown = (await (await request.get(`/api/v1/pages/${pageId}`, { headers: { authorization: `Bearer ${sellerToken}` } })).json()).markdown;
  expect(markdown).toContain(`[[file:${shared.id}]]`);
  expect(markdown).not.toContain(shared.name);

  // The prospect, at another computer.
  const buyer = await newPerson();
  await signIn(buyer.context(), { id: "", email: PROSPECT, name: "Jordan Lee", password: PASSWORD, token: prospectToken });
  await buyer.goto(pageUrl);
  const buyerCard = buyer.locator(`.wiki-page-body .file-card[data-file-id="${shared.id}"]:visible`);
  await expect(buyerCard.locator(".file-card-name")).toHaveText(shared.name, { timeout: 20_000 });
  // The internal file's card tells the prospect nothing: no name, no id.
  const unavailable = buyer.locator(".wiki-page-body .file-card-unavailable:visible");
  await expect(unavailable).toHaveCount(1);
  await expect(unavailable).toContainText("File not available");
  const body = await buyer.locator(".wiki-page-body").innerHTML();
  expect(body).not.toContain(internal.name);
  expect(body).not.toContain("discount-ladder");

  // Opening the card shows the file's preview.
  await buyerCard.locator(".file-card-name").click();
  await expect(buyer).toHaveURL(new RegExp(`/rooms/${roomId}/files/${shared.id}$`));
  await expect(buyer.getByRole("heading", { name: shared.name })).toBeVisible();
  await expect(buyer.getByTestId("text-preview")).toHaveText(`Security overview ${tag}\n`);
});
