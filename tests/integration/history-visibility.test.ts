// History across visibility changes (docs/access.md "History across visibility changes",
// docs/decisions/012-history-visibility.md): what was written while an item was internal stays
// internal after it is shared. The buyer attacks over the real API: every history surface of a
// page and a file that were internal before they were shared, asked by number, by diff, by
// restore, through the exports, the archive, the hand-off record, search and the feed.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PageDocuments } from "../../collab/documents.ts";
import { makeVersion } from "../../server/wiki/versions.ts";
import { roomWithCast, type TestUser } from "../support/factories.ts";
import { pdfText, squash, unzip } from "../support/exports.ts";
import { must, relaxPerIpLimits, uniqueLabel, uploadFile } from "../support/matrix-fixtures.ts";
import { startTestServer, type TestServer } from "../support/server.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
  relaxPerIpLimits(server);
});
afterAll(async () => {
  await server.close();
});

const api = (who: TestUser, path: string, body?: unknown, method?: string) =>
  server.api(`/api/v1${path}`, { token: who.token, body, method: method ?? (body === undefined ? "GET" : "POST") });

async function raw(who: TestUser, path: string) {
  const res = await fetch(`${server.url}/api/v1${path}`, { headers: { authorization: `Bearer ${who.token}` } });
  return { status: res.status, headers: res.headers, bytes: Buffer.from(await res.arrayBuffer()) };
}

const patch = (who: TestUser, path: string, body: unknown) => must(server, who, path, { method: "PATCH", body }, 200);
const numbers = (items: { number: number }[]) => items.map((v) => v.number);

/** Fails naming every secret found in `text`. */
function expectNone(text: string, secrets: string[], where: string) {
  expect(secrets.length, "no secrets to look for").toBeGreaterThan(0);
  expect(secrets.filter((s) => text.includes(s)), `${where} holds internal-era text`).toEqual([]);
}

/** The answer for a version number that never existed: a hidden version must read exactly like it. */
async function missingVersion(who: TestUser, pageId: string) {
  const res = await api(who, `/pages/${pageId}/versions/999`);
  expect(res.status).toBe(404);
  return res.body;
}

/**
 * A page written while internal (versions 1 and 2, an internal title, a label), then renamed,
 * rewritten and shared; version 3 is made while shared.
 */
async function pageSharedAfterInternalWork(owner: TestUser, editor: TestUser, roomId: string) {
  const secret = {
    title: uniqueLabel("HIST-INTERNAL-TITLE"),
    draft: uniqueLabel("HIST-INTERNAL-DRAFT"),
    revision: uniqueLabel("HIST-INTERNAL-REVISION"),
    label: uniqueLabel("HIST-INTERNAL-LABEL"),
  };
  const page = await must(server, owner, `/rooms/${roomId}/pages`, { body: { title: secret.title, visibility: "internal", markdown: `Floor price: ${secret.draft}` } }, 201);
  await must(server, owner, `/pages/${page.id}/versions`, { body: { label: secret.label } }, 201);
  await patch(editor, `/pages/${page.id}`, { markdown: `Floor price: ${secret.revision}` });
  await must(server, owner, `/pages/${page.id}/versions`, {}, 201);
  const title = uniqueLabel("Proposal");
  await patch(owner, `/pages/${page.id}`, { title, markdown: "Our proposal, as agreed." });
  await patch(owner, `/pages/${page.id}`, { visibility: "shared" });
  await must(server, owner, `/pages/${page.id}/versions`, { body: { label: "Sent" } }, 201);
  return { pageId: page.id as string, title, secret, secrets: Object.values(secret) };
}

describe("a page written while internal, then shared", () => {
  it("its internal-era versions are 404 for the buyer: list, version, diff, restore; later versions read as usual", async () => {
    const { owner, internalEditor, externalEditor: buyer, externalViewer, room } = await roomWithCast(server);
    const { pageId, secret, secrets } = await pageSharedAfterInternalWork(owner, internalEditor, room.id);

    for (const reader of [buyer, externalViewer]) {
      const list = await api(reader, `/pages/${pageId}/versions`);
      expect(list.status).toBe(200);
      expect(numbers(list.body.items)).toEqual([3]);
      expectNone(JSON.stringify(list.body), secrets, "the buyer's version list");

      const missing = await missingVersion(reader, pageId);
      for (const n of [1, 2]) {
        const version = await api(reader, `/pages/${pageId}/versions/${n}`);
        expect(version.status, `version ${n}`).toBe(404);
        expect(version.body).toEqual(missing);
      }
      expect((await api(reader, `/pages/${pageId}/versions/3`)).status).toBe(200);

      for (const [from, to] of [[1, 2], [1, 3], [2, 3], [3, 1], [3, 2]]) {
        const diff = await api(reader, `/pages/${pageId}/versions/${from}/diff/${to}`);
        expect(diff.status, `diff ${from} → ${to}`).toBe(404);
        expect(diff.body).toEqual(missing);
      }
      expect((await api(reader, `/pages/${pageId}/versions/3/diff/3`)).status).toBe(200);
    }

    // The external editor may restore shared versions, never an internal-era one.
    const restore = await api(buyer, `/pages/${pageId}/versions/1/restore`, {});
    expect(restore.status).toBe(404);
    expect(restore.body).toEqual(await missingVersion(buyer, pageId));
    expect((await api(owner, `/pages/${pageId}`)).body.markdown).not.toContain(secret.draft);

    // The seller's team still has the whole history.
    const ownerList = await api(owner, `/pages/${pageId}/versions`);
    expect(numbers(ownerList.body.items)).toEqual([3, 2, 1]);
    expect((await api(owner, `/pages/${pageId}/versions/1`)).body.markdown).toContain(secret.draft);
    expect((await api(internalEditor, `/pages/${pageId}/versions/1/diff/2`)).status).toBe(200);
  });

  it("an internal editor may still restore an internal-era version; the restore is shared, its source stays hidden", async () => {
    const { owner, internalEditor, externalEditor: buyer, room } = await roomWithCast(server);
    const { pageId, secret } = await pageSharedAfterInternalWork(owner, internalEditor, room.id);

    const restored = await api(internalEditor, `/pages/${pageId}/versions/1/restore`, {});
    expect(restored.status).toBe(201);
    expect(restored.body).toMatchObject({ number: 4, reason: "restore", restoredFrom: 1 });

    // Restoring publishes the old content as the page's current content (a deliberate act), nothing more.
    expect((await api(buyer, `/pages/${pageId}`)).body.markdown).toContain(secret.draft);
    const list = await api(buyer, `/pages/${pageId}/versions`);
    expect(numbers(list.body.items)).toEqual([4, 3]);
    // Which hidden version it came from is not the buyer's to know.
    expect(list.body.items[0]).toMatchObject({ number: 4, reason: "restore", restoredFrom: null });
    expect((await api(buyer, `/pages/${pageId}/versions/4`)).body).toMatchObject({ restoredFrom: null });
    expect((await api(buyer, `/pages/${pageId}/versions/1`)).status).toBe(404);
    expect((await api(owner, `/pages/${pageId}/versions/4`)).body).toMatchObject({ restoredFrom: 1 });
    expectNone(JSON.stringify(list.body), [secret.title, secret.label], "the buyer's version list after the restore");
  });

  it("the hand-off record, its Markdown and PDF exports and the room archive hold no internal-era version", async () => {
    const { owner, internalEditor, externalEditor: buyer, room } = await roomWithCast(server);
    const { pageId, title, secrets } = await pageSharedAfterInternalWork(owner, internalEditor, room.id);

    const record = await api(buyer, `/rooms/${room.id}/handoff`);
    expect(record.status).toBe(200);
    expect(record.body.pages.map((p: { id: string }) => p.id)).toContain(pageId);
    expectNone(JSON.stringify(record.body), secrets, "the buyer's hand-off record");
    const markdown = await raw(buyer, `/rooms/${room.id}/handoff?format=markdown`);
    expect(markdown.bytes.toString("utf8")).toContain(title);
    expectNone(markdown.bytes.toString("utf8"), secrets, "the buyer's Markdown export");
    const pdf = squash(pdfText((await raw(buyer, `/rooms/${room.id}/handoff?format=pdf`)).bytes));
    expect(pdf).toContain(squash(title));
    expectNone(pdf, secrets.map(squash), "the buyer's PDF export");

    const zip = await raw(buyer, `/rooms/${room.id}/export`);
    expect(zip.status).toBe(200);
    const entries = unzip(zip.bytes);
    const versionEntries = [...entries.keys()].filter((name) => /^pages\/[^/]+\/versions\/\d+\.md$/.test(name));
    expect(versionEntries.map((name) => name.replace(/^pages\/[^/]+\//, ""))).toEqual(["versions/3.md"]);
    expectNone(zip.bytes.toString("utf8"), secrets, "the buyer's room archive");

    // The seller's archive has every version.
    const ownerEntries = [...unzip((await raw(owner, `/rooms/${room.id}/export`)).bytes).keys()];
    expect(ownerEntries.filter((name) => /\/versions\/\d+\.md$/.test(name)).length).toBe(3);
  });

  it("the feed and search show the buyer nothing of the internal period", async () => {
    const { owner, internalEditor, externalEditor: buyer, room } = await roomWithCast(server);
    const { pageId, secrets } = await pageSharedAfterInternalWork(owner, internalEditor, room.id);

    const feed = await api(buyer, `/rooms/${room.id}/activity?limit=200`);
    const aboutPage = (feed.body.items as { type: string; objectId: string }[]).filter((a) => a.objectId === pageId).map((a) => a.type);
    // Shared, then version 3: the versions, edits and creation of the internal period are not there.
    expect(aboutPage).toEqual(["page.version.created", "page.visibility_changed"]);
    const ownerFeed = await api(owner, `/rooms/${room.id}/activity?limit=200`);
    expect((ownerFeed.body.items as { type: string; objectId: string }[]).filter((a) => a.objectId === pageId && a.type === "page.version.created")).toHaveLength(3);

    for (const s of secrets) {
      const search = await api(buyer, `/rooms/${room.id}/search?q=${encodeURIComponent(s)}`);
      expect(search.status).toBe(200);
      expect(search.body.items, `search for ${s}`).toEqual([]);
    }
  });
});

describe("a page shared, made internal, worked on and shared again", () => {
  it("the versions of the internal period are 404; those of the shared periods read as usual", async () => {
    const { owner, internalEditor, externalViewer: buyer, room } = await roomWithCast(server);
    const page = await must(server, owner, `/rooms/${room.id}/pages`, { body: { title: "Kickoff", visibility: "shared", markdown: "Agenda." } }, 201);
    await must(server, owner, `/pages/${page.id}/versions`, {}, 201); // 1, shared
    await patch(internalEditor, `/pages/${page.id}`, { visibility: "internal" });
    const secret = { text: uniqueLabel("HIST-MEANWHILE-TEXT"), title: uniqueLabel("HIST-MEANWHILE-TITLE") };
    await patch(internalEditor, `/pages/${page.id}`, { markdown: `Agenda.\n\nWalk-away point: ${secret.text}` });
    await must(server, owner, `/pages/${page.id}/versions`, {}, 201); // 2, internal
    await patch(internalEditor, `/pages/${page.id}`, { title: secret.title });
    await must(server, owner, `/pages/${page.id}/versions`, {}, 201); // 3, internal
    await patch(internalEditor, `/pages/${page.id}`, { title: "Kickoff", markdown: "Agenda, final." });
    await patch(internalEditor, `/pages/${page.id}`, { visibility: "shared" });
    await must(server, owner, `/pages/${page.id}/versions`, {}, 201); // 4, shared

    const list = await api(buyer, `/pages/${page.id}/versions`);
    expect(numbers(list.body.items)).toEqual([4, 1]);
    expectNone(JSON.stringify(list.body), Object.values(secret), "the buyer's version list");
    for (const n of [2, 3]) expect((await api(buyer, `/pages/${page.id}/versions/${n}`)).status, `version ${n}`).toBe(404);
    for (const n of [1, 4]) expect((await api(buyer, `/pages/${page.id}/versions/${n}`)).status, `version ${n}`).toBe(200);
    expect((await api(buyer, `/pages/${page.id}/versions/1/diff/4`)).status).toBe(200);
    for (const [from, to] of [[1, 2], [2, 4], [3, 4], [1, 3]]) {
      expect((await api(buyer, `/pages/${page.id}/versions/${from}/diff/${to}`)).status, `diff ${from} → ${to}`).toBe(404);
    }
    const zip = await raw(buyer, `/rooms/${room.id}/export`);
    const versionEntries = [...unzip(zip.bytes).keys()].filter((name) => /\/versions\/\d+\.md$/.test(name)).map((name) => name.replace(/^.*\//, "")).sort();
    expect(versionEntries).toEqual(["1.md", "4.md"]);
    expectNone(zip.bytes.toString("utf8"), Object.values(secret), "the buyer's room archive");
    expect(numbers((await api(owner, `/pages/${page.id}/versions`)).body.items)).toEqual([4, 3, 2, 1]);
  });
});

describe("a page that was internal at the hand-off, shared since", () => {
  it("the buyer's record has no hand-off version of it: it reads as added since, compared with an empty page", async () => {
    const { owner, internalEditor, externalEditor: buyer, room } = await roomWithCast(server);
    const secret = uniqueLabel("HIST-HANDOFF-INTERNAL");
    const internalTitle = uniqueLabel("HIST-HANDOFF-TITLE");
    const page = await must(server, owner, `/rooms/${room.id}/pages`, { body: { title: internalTitle, visibility: "internal", markdown: `Margin: ${secret}` } }, 201);
    const control = await must(server, owner, `/rooms/${room.id}/pages`, { body: { title: "Scope", visibility: "shared", markdown: "Shared scope." } }, 201);
    expect((await api(owner, `/rooms/${room.id}/close`, { outcome: "won" })).status).toBe(200);
    await patch(internalEditor, `/pages/${page.id}`, { title: "Delivery notes", markdown: "Delivery notes for both teams." });
    await patch(internalEditor, `/pages/${page.id}`, { visibility: "shared" });

    const record = await api(buyer, `/rooms/${room.id}/handoff`);
    expect(record.status).toBe(200);
    expect(record.body.handoff).not.toBeNull();
    const shown = record.body.pages.find((p: { id: string }) => p.id === page.id);
    expect(shown).toMatchObject({ handoffVersion: null, addedSinceHandoff: true, changedSinceHandoff: true, diff: { from: null, to: "current" } });
    // The control: a page shared at the hand-off keeps its hand-off version.
    expect(record.body.pages.find((p: { id: string }) => p.id === control.id).handoffVersion).toMatchObject({ number: expect.any(Number), markdown: expect.stringContaining("Shared scope.") });
    const secrets = [secret, internalTitle];
    expectNone(JSON.stringify(record.body), secrets, "the buyer's hand-off record");
    expectNone((await raw(buyer, `/rooms/${room.id}/handoff?format=markdown`)).bytes.toString("utf8"), secrets, "the buyer's Markdown export");
    expectNone(squash(pdfText((await raw(buyer, `/rooms/${room.id}/handoff?format=pdf`)).bytes)), secrets.map(squash), "the buyer's PDF export");
    expectNone((await raw(buyer, `/rooms/${room.id}/export`)).bytes.toString("utf8"), secrets, "the buyer's room archive");

    // The seller's record keeps the hand-off version and what changed since.
    const ownerRecord = await api(owner, `/rooms/${room.id}/handoff`);
    const ownerPage = ownerRecord.body.pages.find((p: { id: string }) => p.id === page.id);
    expect(ownerPage.handoffVersion.markdown).toContain(secret);
    expect(ownerPage).toMatchObject({ addedSinceHandoff: false, changedSinceHandoff: true });
  });
});

/** A file uploaded while internal (v1, then v2 under another name), renamed and shared; v3 is uploaded while shared. */
async function fileSharedAfterInternalWork(owner: TestUser, roomId: string) {
  const secret = {
    firstName: uniqueLabel("HIST-INTERNAL-FILE-NAME"),
    firstBytes: uniqueLabel("HIST-INTERNAL-FILE-BYTES"),
    secondName: uniqueLabel("HIST-INTERNAL-SECOND-NAME"),
  };
  const first = await uploadFile(server, owner.token, roomId, `${secret.firstName}.txt`, `Discount floor ${secret.firstBytes}`, { visibility: "internal" });
  expect(first.status, JSON.stringify(first.body)).toBe(201);
  const fileId = first.body.id as string;
  const second = await uploadFile(server, owner.token, roomId, `${secret.secondName}.txt`, "Price list, second draft.", { fileId });
  expect(second.status).toBe(201);
  const name = `${uniqueLabel("price-list")}.txt`;
  await patch(owner, `/files/${fileId}`, { name });
  await patch(owner, `/files/${fileId}`, { visibility: "shared" });
  const third = await uploadFile(server, owner.token, roomId, "price-list-final.txt", "Price list, final.", { fileId });
  expect(third.status).toBe(201);
  return { fileId, name, secret, secrets: Object.values(secret) };
}

describe("a file uploaded while internal, then shared", () => {
  it("the buyer cannot list, download or preview its internal-era versions, nor learn their names", async () => {
    const { owner, externalEditor: buyer, externalViewer, room } = await roomWithCast(server);
    const { fileId, name, secrets } = await fileSharedAfterInternalWork(owner, room.id);

    for (const reader of [buyer, externalViewer]) {
      const file = await api(reader, `/files/${fileId}`);
      expect(file.status).toBe(200);
      // Version 2 was the file's content when it was shared: that is what was shared. Version 1 was not.
      expect(numbers(file.body.versions)).toEqual([3, 2]);
      expect(file.body.versions.map((v: { originalName: string }) => v.originalName)).toEqual(["price-list-final.txt", name]);
      expectNone(JSON.stringify(file.body), secrets, "the buyer's file detail");
      const versions = await api(reader, `/files/${fileId}/versions`);
      expect(numbers(versions.body.items)).toEqual([3, 2]);
      expectNone(JSON.stringify(versions.body), secrets, "the buyer's version list");

      for (const surface of ["download", "preview"]) {
        const missing = await raw(reader, `/files/${fileId}/${surface}?version=99`);
        expect(missing.status).toBe(404);
        const old = await raw(reader, `/files/${fileId}/${surface}?version=1`);
        expect(old.status, `${surface} of version 1`).toBe(404);
        expect(old.bytes.toString("utf8")).toBe(missing.bytes.toString("utf8"));
      }
      const published = await raw(reader, `/files/${fileId}/download?version=2`);
      expect(published.status).toBe(200);
      expect(published.bytes.toString("utf8")).toBe("Price list, second draft.");
      expectNone(decodeURIComponent(published.headers.get("content-disposition") ?? ""), secrets, "the download's file name");
      const latest = await raw(reader, `/files/${fileId}/download`);
      expect(latest.bytes.toString("utf8")).toBe("Price list, final.");
    }

    // Nor through the room's other surfaces.
    for (const path of [`/rooms/${room.id}/files`, `/rooms/${room.id}/handoff`, `/rooms/${room.id}/activity?limit=200`, `/rooms/${room.id}/file-cards?ids=${fileId}`]) {
      const res = await api(buyer, path);
      expect(res.status, path).toBe(200);
      expectNone(JSON.stringify(res.body), secrets, `GET ${path}`);
    }
    expectNone((await raw(buyer, `/rooms/${room.id}/export`)).bytes.toString("utf8"), secrets, "the buyer's room archive");

    // The seller's team keeps every version under its own name.
    const ownerFile = await api(owner, `/files/${fileId}`);
    expect(numbers(ownerFile.body.versions)).toEqual([3, 2, 1]);
    expect(ownerFile.body.versions[2].originalName).toBe(`${secrets[0]}.txt`);
    expect(ownerFile.body.versions[1].originalName).toBe(`${secrets[2]}.txt`);
    expect((await raw(owner, `/files/${fileId}/download?version=1`)).status).toBe(200);
  });

  it("shared, made internal, new versions, shared again: only the version it was shared with comes back", async () => {
    const { owner, externalViewer: buyer, room } = await roomWithCast(server);
    const first = await uploadFile(server, owner.token, room.id, "terms.txt", "Terms, shared.", { visibility: "shared" });
    const fileId = first.body.id as string;
    await patch(owner, `/files/${fileId}`, { visibility: "internal" });
    const secret = { name: uniqueLabel("HIST-MEANWHILE-FILE"), bytes: uniqueLabel("HIST-MEANWHILE-BYTES"), lastName: uniqueLabel("HIST-MEANWHILE-LAST") };
    expect((await uploadFile(server, owner.token, room.id, `${secret.name}.txt`, secret.bytes, { fileId })).status).toBe(201);
    expect((await uploadFile(server, owner.token, room.id, `${secret.lastName}.txt`, "Terms, revised.", { fileId })).status).toBe(201);
    await patch(owner, `/files/${fileId}`, { visibility: "shared" });

    const file = await api(buyer, `/files/${fileId}`);
    expect(numbers(file.body.versions)).toEqual([3, 1]);
    expect(file.body.versions.map((v: { originalName: string }) => v.originalName)).toEqual(["terms.txt", "terms.txt"]);
    expectNone(JSON.stringify(file.body), Object.values(secret), "the buyer's file detail");
    expect((await raw(buyer, `/files/${fileId}/download?version=2`)).status).toBe(404);
    expect((await raw(buyer, `/files/${fileId}/preview?version=2`)).status).toBe(404);
    expect((await raw(buyer, `/files/${fileId}/download?version=1`)).bytes.toString("utf8")).toBe("Terms, shared.");
    expect((await raw(buyer, `/files/${fileId}/download?version=3`)).bytes.toString("utf8")).toBe("Terms, revised.");
    expect(numbers((await api(owner, `/files/${fileId}`)).body.versions)).toEqual([3, 2, 1]);
  });
});

describe("versions made around the moment a page is shared", () => {
  it("a page shared with unchanged content gets a version the buyer may read when one is asked for", async () => {
    const { owner, externalEditor: buyer, room } = await roomWithCast(server);
    const page = await must(server, owner, `/rooms/${room.id}/pages`, { body: { title: "Terms", visibility: "internal", markdown: "Net 30." } }, 201);
    await must(server, owner, `/pages/${page.id}/versions`, {}, 201);
    await patch(owner, `/pages/${page.id}`, { visibility: "shared" });
    // Same content and title as version 1, which was made while internal: a new, shared version.
    const made = await api(buyer, `/pages/${page.id}/versions`, {});
    expect(made.status).toBe(201);
    expect(made.body).toMatchObject({ number: 2 });
    expect(numbers((await api(buyer, `/pages/${page.id}/versions`)).body.items)).toEqual([2]);
    // Asked again, nothing changed: the shared version 2 stands.
    expect((await api(buyer, `/pages/${page.id}/versions`, {})).status).toBe(200);
  });

  it("a version whose content was read while the page was internal is internal, even if the page was shared before it was recorded", async () => {
    const { owner, externalViewer: buyer, room } = await roomWithCast(server);
    const secret = uniqueLabel("HIST-RACE-INTERNAL");
    const page = await must(server, owner, `/rooms/${room.id}/pages`, { body: { title: "Race", visibility: "internal", markdown: `Draft: ${secret}` } }, 201);
    // The real live documents; the content is read, then (before the version is recorded) the
    // secret is deleted and the page shared, as a concurrent editor could.
    const documents: PageDocuments = {
      applyUpdate: (...args) => server.app.documents.applyUpdate(...args),
      encodeState: async (pageId) => {
        const state = await server.app.documents.encodeState(pageId);
        await patch(owner, `/pages/${pageId}`, { markdown: "Clean copy." });
        await patch(owner, `/pages/${pageId}`, { visibility: "shared" });
        return state;
      },
    };
    const made = await makeVersion({ sql: server.app.sql, bus: server.app.bus, documents }, page.id, "auto");
    expect(made.created).toBe(true);
    expect((await api(owner, `/pages/${page.id}/versions/${made.version.number}`)).body.markdown).toContain(secret);

    expect((await api(buyer, `/pages/${page.id}`)).body.markdown).not.toContain(secret);
    expect(numbers((await api(buyer, `/pages/${page.id}/versions`)).body.items)).toEqual([]);
    expect((await api(buyer, `/pages/${page.id}/versions/${made.version.number}`)).status).toBe(404);
    const feed = await api(buyer, `/rooms/${room.id}/activity?limit=200`);
    expect((feed.body.items as { type: string; objectId: string }[]).filter((a) => a.objectId === page.id).map((a) => a.type)).toEqual(["page.visibility_changed"]);
  });
});
