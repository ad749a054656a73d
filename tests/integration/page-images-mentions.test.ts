// Issue 19: images and mentions in pages. Over the real collab websocket: the image node's src,
// width and alt and the mention's id and label are held to the bounds (docs/decisions/013,
// 026); an internal image on a shared page does not render for the buyer's side; a stored
// mention notifies only a participant who may read the page.
import { afterAll, beforeAll, expect, it, vi } from "vitest";
import { CLOSE } from "../../collab/close-codes.ts";
import { roomWithCast } from "../support/factories.ts";
import { startTestServer, type TestServer } from "../support/server.ts";
import { waitFor, type RawSocket } from "./collab-support.ts";
import { craftUpdate, createPage, el, openRaw, sendUpdate, text } from "./bounds-support.ts";
import { upload } from "./files-support.ts";

vi.setConfig({ testTimeout: 60_000 });

let server: TestServer;
let cast: Awaited<ReturnType<typeof roomWithCast>>;
const sockets: RawSocket[] = [];

// A 1×1 PNG.
const PNG = Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==", "base64");

beforeAll(async () => {
  server = await startTestServer();
  cast = await roomWithCast(server);
});
afterAll(async () => {
  for (const s of sockets) s.ws.terminate();
  await server.close();
});

const src = (fileId: string) => `/api/v1/files/${fileId}/download`;
const imageUpdate = (attrs: Record<string, unknown>) => craftUpdate((f) => f.insert(0, [el("image", attrs)]));
const mentionUpdate = (id: unknown, label: unknown = "Someone", extra: Record<string, unknown> = {}) =>
  craftUpdate((f) => {
    const p = el("paragraph");
    f.insert(0, [p]);
    const t = text("Hi ");
    p.insert(0, [t, el("mention", { id, label, ...extra })]);
  });

it("takes an image of a library file with a bounded width and alt text, and refuses every other src or attribute", async () => {
  const file = await upload(server, cast.owner.token, cast.room.id, PNG, { visibility: "shared", name: "diagram.png" });
  expect(file.status, JSON.stringify(file.body)).toBe(201);
  const pageId = await createPage(server, cast.owner.token, cast.room.id);
  const good = await sendUpdate(await openRaw(server, pageId, cast.internalEditor.token, sockets), imageUpdate({ src: src(file.body.id), alt: "The architecture", width: 480, height: 320 }));
  expect(good.close).toBeNull();

  const refused: Record<string, unknown>[] = [
    { src: "javascript:alert(1)" },
    { src: " javascript:alert(1)" },
    { src: "https://evil.example/x.png" },
    { src: "data:image/png;base64,AAAA" },
    { src: `${src(file.body.id)}?x=1` },
    { src: `/api/v1/files/${file.body.id}/download/../../../x` },
    { src: src(file.body.id), width: 3.5 },
    { src: src(file.body.id), width: 1_000_000 },
    { src: src(file.body.id), width: "100%" },
    { src: src(file.body.id), width: 0 },
    { src: src(file.body.id), alt: "x".repeat(501) },
    { src: src(file.body.id), alt: 12 },
    { src: src(file.body.id), title: "t" },
    { src: src(file.body.id), onerror: "alert(1)" },
    { src: src(file.body.id), style: "position:fixed" },
  ];
  for (const attrs of refused) {
    const sent = await sendUpdate(await openRaw(server, pageId, cast.internalEditor.token, sockets), imageUpdate(attrs));
    expect(sent.close?.code, JSON.stringify(attrs)).toBe(CLOSE.OUT_OF_BOUNDS);
  }
  // The page holds the one good image, and its markdown points at the file through the API.
  const page = await server.api(`/api/v1/pages/${pageId}`, { token: cast.owner.token });
  expect(page.body.markdown.trim()).toBe(`![The architecture](${src(file.body.id)})`);
});

it("shows an internal image on a shared page to the seller's side only", async () => {
  const shared = await upload(server, cast.owner.token, cast.room.id, PNG, { visibility: "shared", name: "shared.png" });
  const internal = await upload(server, cast.owner.token, cast.room.id, PNG, { visibility: "internal", name: "internal.png" });
  const pageId = await createPage(server, cast.owner.token, cast.room.id);
  const update = craftUpdate((f) => f.insert(0, [el("image", { src: src(shared.body.id), alt: "shared" }), el("image", { src: src(internal.body.id), alt: "secret" })]));
  expect((await sendUpdate(await openRaw(server, pageId, cast.owner.token, sockets), update)).close).toBeNull();
  const version = await server.api(`/api/v1/pages/${pageId}/versions`, { token: cast.owner.token, body: {} });
  expect(version.status, JSON.stringify(version.body)).toBe(201);
  const n = version.body.number as number;

  const insider = await server.api(`/api/v1/pages/${pageId}/versions/${n}`, { token: cast.internalViewer.token });
  expect(insider.body.html).toContain(`src="${src(shared.body.id)}"`);
  expect(insider.body.html).toContain(`src="${src(internal.body.id)}"`);

  const guest = await server.api(`/api/v1/pages/${pageId}/versions/${n}`, { token: cast.externalViewer.token });
  expect(guest.status).toBe(200);
  expect(guest.body.html).toContain(`src="${src(shared.body.id)}"`);
  expect(guest.body.html).not.toContain(internal.body.id);
  expect(guest.body.html).not.toContain("secret");
  expect(guest.body.html).toContain("Image not available");
  // And the bytes themselves answer the guest like a file that does not exist.
  const bytes = await fetch(`${server.url}${src(internal.body.id)}`, { headers: { authorization: `Bearer ${cast.externalViewer.token}` } });
  expect(bytes.status).toBe(404);
});

it("refuses a mention whose id is not a user id or whose label could break out of its markup", async () => {
  const pageId = await createPage(server, cast.owner.token, cast.room.id);
  for (const [id, label, extra] of [
    ["not-a-uuid", "x", {}],
    [cast.externalViewer.id, 'a" onmouseover="x', {}],
    [cast.externalViewer.id, "y".repeat(101), {}],
    [cast.externalViewer.id, "ok", { mentionSuggestionChar: "#" }],
    [cast.externalViewer.id, "ok", { href: "javascript:x" }],
  ] as [unknown, unknown, Record<string, unknown>][]) {
    const sent = await sendUpdate(await openRaw(server, pageId, cast.owner.token, sockets), mentionUpdate(id, label, extra));
    expect(sent.close?.code, JSON.stringify([id, label, extra])).toBe(CLOSE.OUT_OF_BOUNDS);
  }
});

async function pageMentions(token: string, pageId: string) {
  const res = await server.api(`/api/v1/notifications`, { token });
  expect(res.status).toBe(200);
  return (res.body.items as { kind: string; objectType: string; objectId: string; url: string; actor: { id: string } | null }[]).filter(
    (n) => n.kind === "mention" && n.objectType === "page" && n.objectId === pageId,
  );
}

it("notifies a mentioned participant who may read the page, once, with a link to it; never a guest on an internal page or an outsider", async () => {
  const internalPage = (await server.api(`/api/v1/rooms/${cast.room.id}/pages`, { token: cast.owner.token, body: { title: "Pricing", visibility: "internal", markdown: "" } })).body.id as string;
  const sharedPage = await createPage(server, cast.owner.token, cast.room.id, "", "Scope");

  // On the internal page: an insider is notified; a guest named in a hand-written update is not.
  const onInternal = await openRaw(server, internalPage, cast.owner.token, sockets);
  expect((await sendUpdate(onInternal, mentionUpdate(cast.internalViewer.id, "Ivy"))).close).toBeNull();
  expect((await sendUpdate(onInternal, mentionUpdate(cast.externalEditor.id, "Guest"))).close).toBeNull();
  // On the shared page: the guest is notified, an outsider and an org member outside the room are not.
  const onShared = await openRaw(server, sharedPage, cast.internalEditor.token, sockets);
  expect((await sendUpdate(onShared, mentionUpdate(cast.externalViewer.id, "Vera"))).close).toBeNull();
  expect((await sendUpdate(onShared, mentionUpdate(cast.outsider.id, "Out"))).close).toBeNull();
  expect((await sendUpdate(onShared, mentionUpdate(cast.orgMember.id, "Member"))).close).toBeNull();
  // Mentioned again before reading: still one notification.
  expect((await sendUpdate(onShared, mentionUpdate(cast.externalViewer.id, "Vera"))).close).toBeNull();

  await waitFor(async () => (await pageMentions(cast.externalViewer.token, sharedPage)).length > 0, "the guest's mention notification");
  await waitFor(async () => (await pageMentions(cast.internalViewer.token, internalPage)).length > 0, "the insider's mention notification");
  const guest = await pageMentions(cast.externalViewer.token, sharedPage);
  expect(guest).toHaveLength(1);
  expect(guest[0]!.url).toBe(`/rooms/${cast.room.id}/pages/${sharedPage}`);
  expect(guest[0]!.actor?.id).toBe(cast.internalEditor.id);

  // Everything above is stored and handled in order; the refused ones never got a row.
  const rows = await server.sql<{ userId: string; objectId: string }[]>`
    select user_id as "userId", object_id as "objectId" from notifications where kind = 'mention' and object_type = 'page'
      and object_id in (${internalPage}, ${sharedPage})`;
  expect(rows.filter((r) => r.userId === cast.externalEditor.id)).toEqual([]);
  expect(rows.filter((r) => r.userId === cast.outsider.id)).toEqual([]);
  expect(rows.filter((r) => r.userId === cast.orgMember.id)).toEqual([]);
  expect(rows.filter((r) => r.userId === cast.externalViewer.id)).toHaveLength(1);
  // The guest cannot even learn of the internal page through their notifications.
  expect(await pageMentions(cast.externalEditor.token, internalPage)).toEqual([]);
});

it("keeps a mention through the API's markdown and renders it for every reader", async () => {
  const pageId = await createPage(server, cast.owner.token, cast.room.id);
  expect((await sendUpdate(await openRaw(server, pageId, cast.owner.token, sockets), mentionUpdate(cast.externalViewer.id, "Vera Viewer"))).close).toBeNull();
  const page = await server.api(`/api/v1/pages/${pageId}`, { token: cast.externalViewer.token });
  expect(page.body.markdown).toContain(`[@ id="${cast.externalViewer.id}" label="Vera Viewer"]`);
  const version = await server.api(`/api/v1/pages/${pageId}/versions`, { token: cast.owner.token, body: {} });
  const html = (await server.api(`/api/v1/pages/${pageId}/versions/${version.body.number}`, { token: cast.externalViewer.token })).body.html as string;
  expect(html).toContain('data-type="mention"');
  expect(html).toContain("@Vera Viewer");
  // The Markdown export (hand-off record) reads it as "@Name".
  const exported = await fetch(`${server.url}/api/v1/rooms/${cast.room.id}/handoff?format=markdown`, { headers: { authorization: `Bearer ${cast.owner.token}` } });
  expect(exported.status).toBe(200);
  const md = await exported.text();
  expect(md).toContain("@Vera Viewer");
  expect(md).not.toContain('[@ id="');
});
