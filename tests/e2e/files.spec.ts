import type { APIRequestContext, BrowserContext, Page } from "@playwright/test";
import { expect, test, unique } from "./fixtures.ts";

// The file library in a real Chromium, on the seeded demo room (server/seed.ts): the seller
// drags files in, watches them upload, previews a PDF and adds a version; the prospect sees
// only what is shared.

const PASSWORD = "dealroom-demo";
const SELLER = "maya.chen@northwind.example";
const PROSPECT = "jordan.lee@acme.example";
const DEMO_ROOM = "Acme Corp — Platform rollout";

async function login(request: APIRequestContext, email: string): Promise<string> {
  const res = await request.post("/api/v1/login", { data: { email, password: PASSWORD } });
  expect(res.ok(), `login ${email}`).toBe(true);
  return (await res.json()).token;
}

async function signInAs(context: BrowserContext, baseURL: string, token: string) {
  await context.addCookies([{ name: "dealroom_session", value: token, url: baseURL, httpOnly: true, sameSite: "Lax" }]);
}

async function demoRoomId(request: APIRequestContext, token: string): Promise<string> {
  const res = await request.get("/api/v1/rooms", { headers: { authorization: `Bearer ${token}` } });
  const room = (await res.json()).items.find((r: { name: string }) => r.name === DEMO_ROOM);
  expect(room, "the seeded demo room").toBeTruthy();
  return room.id;
}

/** A tiny but valid one-page PDF (offsets in the xref table computed, not guessed). */
function tinyPdf(text: string): Buffer {
  const content = `BT /F1 24 Tf 30 70 Td (${text}) Tj ET`;
  const objects = [
    "<< /Type /Catalog /Pages 2 0 R >>",
    "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 320 160] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
    `<< /Length ${content.length} >>\nstream\n${content}\nendstream`,
    "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
  ];
  let pdf = "%PDF-1.4\n";
  const offsets: number[] = [];
  objects.forEach((body, i) => {
    offsets.push(pdf.length);
    pdf += `${i + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xref = pdf.length;
  pdf += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, "0")} 00000 n \n`).join("")}`;
  pdf += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(pdf, "latin1");
}

/** Drops files onto the upload zone the way a browser does: dragenter, dragover, drop with a DataTransfer. */
async function dropFiles(page: Page, files: { name: string; type: string; bytes: number[] | { size: number } }[]) {
  const dataTransfer = await page.evaluateHandle((list) => {
    const transfer = new DataTransfer();
    for (const f of list) {
      const bytes = Array.isArray(f.bytes) ? new Uint8Array(f.bytes) : new Uint8Array(f.bytes.size).fill(42);
      transfer.items.add(new File([bytes], f.name, { type: f.type }));
    }
    return transfer;
  }, files);
  const zone = page.getByTestId("drop-zone");
  for (const type of ["dragenter", "dragover", "drop"]) await zone.dispatchEvent(type, { dataTransfer });
}

/** Slows the browser's uploads (Chromium's network emulation), so progress and Cancel can be watched. */
async function throttleUploads(page: Page, bytesPerSecond: number) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Network.enable");
  await cdp.send("Network.emulateNetworkConditions", { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: bytesPerSecond });
  return () => cdp.send("Network.emulateNetworkConditions", { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
}

test("drag files in, watch the progress, preview a PDF and upload a second version", async ({ page, request, baseURL }) => {
  test.slow();
  const token = await login(request, SELLER);
  const roomId = await demoRoomId(request, token);
  await signInAs(page.context(), baseURL!, token);
  await page.goto(`/rooms/${roomId}`);
  await page.getByRole("link", { name: "Files", exact: true }).click();
  await expect(page).toHaveURL(new RegExp(`/rooms/${roomId}/files$`));
  await expect(page.locator('.live-status[data-live="true"]')).toBeVisible();

  // Two files at once: a PDF and a larger file, uploaded slowly enough to watch.
  const pdfName = `Mutual action plan ${unique()}.pdf`;
  const bigName = `Security questionnaire ${unique()}.bin`;
  const unthrottle = await throttleUploads(page, 512 * 1024);
  await dropFiles(page, [
    { name: pdfName, type: "application/pdf", bytes: [...tinyPdf("Mutual action plan")] },
    { name: bigName, type: "application/octet-stream", bytes: { size: 3 * 1024 * 1024 } },
  ]);
  const bigProgress = page.getByRole("progressbar", { name: `Upload of ${bigName}` });
  await expect(bigProgress).toBeVisible();
  // The bar moves: part of the way, not done yet.
  await expect.poll(async () => Number(await bigProgress.getAttribute("value")), { timeout: 20_000 }).toBeGreaterThan(0);
  expect(Number(await bigProgress.getAttribute("value"))).toBeLessThan(100);
  await unthrottle();
  for (const name of [pdfName, bigName]) {
    await expect(page.locator(".upload-item", { hasText: name })).toHaveAttribute("data-state", "done", { timeout: 30_000 });
    await expect(page.getByRole("progressbar", { name: `Upload of ${name}` })).toHaveAttribute("value", "100");
    await expect(page.getByRole("link", { name })).toBeVisible();
  }

  // The PDF previews inline in a frame of the preview URL.
  const preview = page.waitForResponse((res) => res.url().includes("/preview?version=1"));
  await page.getByRole("link", { name: pdfName }).click();
  await expect(page.getByRole("heading", { name: pdfName })).toBeVisible();
  const previewResponse = await preview;
  expect(previewResponse.status()).toBe(200);
  expect(previewResponse.headers()["content-type"]).toBe("application/pdf");
  expect(previewResponse.headers()["content-disposition"]).toMatch(/^inline;/);
  expect(previewResponse.headers()["x-content-type-options"]).toBe("nosniff");
  await expect(page.locator("iframe.file-preview-pdf")).toHaveAttribute("src", /\/preview\?version=1$/);

  // A second version, chosen with the file picker: it becomes current, the first stays downloadable.
  await page.getByLabel("Choose the new version").setInputFiles({ name: "plan-v2.pdf", mimeType: "application/pdf", buffer: tinyPdf("Version two") });
  await expect(page.locator('.version-item[data-version="2"]')).toContainText("Current");
  await expect(page.locator(".version-item")).toHaveCount(2);
  await expect(page.locator("iframe.file-preview-pdf")).toHaveAttribute("src", /\/preview\?version=2$/);
  const first = await page.request.get(await page.getByRole("link", { name: "Download version 1" }).getAttribute("href") as string);
  expect(first.status()).toBe(200);
  expect(Buffer.from(await first.body()).equals(tinyPdf("Mutual action plan"))).toBe(true);
  // The seller (internal) sees who opened it: their own preview.
  await page.reload();
  await expect(page.locator(".access-list")).toContainText("Maya Chen");
});

test("Cancel stops an upload and nothing is kept", async ({ page, request, baseURL }) => {
  test.slow();
  const token = await login(request, SELLER);
  const roomId = await demoRoomId(request, token);
  await signInAs(page.context(), baseURL!, token);
  await page.goto(`/rooms/${roomId}/files`);
  const name = `Too slow ${unique()}.bin`;
  await throttleUploads(page, 64 * 1024);
  await dropFiles(page, [{ name, type: "application/octet-stream", bytes: { size: 2 * 1024 * 1024 } }]);
  const item = page.locator(".upload-item", { hasText: name });
  await expect(item).toHaveAttribute("data-state", "uploading");
  await item.getByRole("button", { name: "Cancel" }).click();
  await expect(item).toHaveAttribute("data-state", "cancelled");
  const files = await request.get(`/api/v1/rooms/${roomId}/files`, { headers: { authorization: `Bearer ${token}` } });
  expect((await files.json()).items.map((f: { name: string }) => f.name)).not.toContain(name);
});

test("the prospect sees shared files only, and cannot make a file internal", async ({ page, request, baseURL, consoleGuard }) => {
  const sellerToken = await login(request, SELLER);
  const roomId = await demoRoomId(request, sellerToken);
  const upload = async (name: string, visibility: "internal" | "shared") => {
    const res = await request.post(`/api/v1/rooms/${roomId}/files`, {
      headers: { authorization: `Bearer ${sellerToken}` },
      multipart: { visibility, file: { name, mimeType: "text/plain", buffer: Buffer.from(`${name}\n`) } },
    });
    expect(res.status()).toBe(201);
    return (await res.json()) as { id: string };
  };
  const sharedName = `Pilot scope ${unique()}.txt`;
  const internalName = `Discount floor ${unique()}.txt`;
  const shared = await upload(sharedName, "shared");
  const hidden = await upload(internalName, "internal");

  await signInAs(page.context(), baseURL!, await login(request, PROSPECT));
  await page.goto(`/rooms/${roomId}/files`);
  await expect(page.getByRole("link", { name: sharedName })).toBeVisible();
  await expect(page.getByText(internalName)).toHaveCount(0);
  await expect(page.getByText("Internal: only your team")).toHaveCount(0);

  await page.goto(`/rooms/${roomId}/files/${shared.id}`);
  await expect(page.getByTestId("text-preview")).toHaveText(`${sharedName}\n`);
  await expect(page.getByRole("button", { name: "Make internal" })).toHaveCount(0);
  await expect(page.getByRole("heading", { name: /Opened and downloaded/ })).toHaveCount(0);

  consoleGuard.allow(/404/);
  const response = await page.goto(`/rooms/${roomId}/files/${hidden.id}`);
  expect(response?.status()).toBe(404);
  await expect(page.getByRole("heading", { name: "Not found" })).toBeVisible();
});
