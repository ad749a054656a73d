import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as Y from "yjs";
import { SESSION_COOKIE } from "../../server/auth/cookies.ts";
import { collapseAutosaves, type ActivityItem } from "../../server/notifications/feed.ts";
import { makeVersion } from "../../server/wiki/versions.ts";
import { roomWithCast, type TestUser } from "../support/factories.ts";
import { startTestServer, type TestServer } from "../support/server.ts";

// The room's activity page as a person reads it (the built app's server-rendered HTML, over
// HTTP): autosaves of one page by one person fold into one entry ("edited X · 4 times"), and a
// restore says which version it brought back — unless the reader may not see that version.
// Autosaves are made as the version sweeper makes them (makeVersion "auto" after an edit), not
// by waiting out the 30-second quiet period.

let server: TestServer;
let cast: Awaited<ReturnType<typeof roomWithCast>>;

beforeAll(async () => {
  server = await startTestServer({ web: "production" });
  cast = await roomWithCast(server);
});
afterAll(async () => {
  await server?.close();
});

const api = (who: TestUser, path: string, body?: unknown, method?: string) =>
  server.api(`/api/v1${path}`, { token: who.token, body, method: method ?? (body === undefined ? "GET" : "POST") });

async function newPage(who: TestUser, title: string, visibility: "shared" | "internal") {
  const res = await api(who, `/rooms/${cast.room.id}/pages`, { title, visibility, markdown: "Draft." });
  expect(res.status).toBe(201);
  return res.body.id as string;
}

/**
 * An edit by `who` as one arrives from their editor (a Yjs update applied to the live document,
 * which credits them in the page's pending version), then the autosave the sweeper makes of it.
 */
async function autosave(who: TestUser, pageId: string, text: string) {
  const doc = new Y.Doc();
  Y.applyUpdate(doc, await server.app.documents.encodeState(pageId));
  const before = Y.encodeStateVector(doc);
  const paragraph = new Y.XmlElement("paragraph");
  paragraph.insert(0, [new Y.XmlText(text)]);
  doc.getXmlFragment("default").push([paragraph]);
  await server.app.documents.applyUpdate(pageId, Y.encodeStateAsUpdate(doc, before), who.id);
  const made = await makeVersion(server.app, pageId, "auto");
  expect(made.created).toBe(true);
  return made.version.number;
}

/** The activity page's entries as text, as a person reads them. */
async function feedText(who: TestUser): Promise<string[]> {
  const res = await fetch(`${server.url}/rooms/${cast.room.id}/activity`, { headers: { cookie: `${SESSION_COOKIE}=${who.token}` } });
  expect(res.status).toBe(200);
  const html = await res.text();
  return [...html.matchAll(/<li class="activity-item[^"]*"[^>]*>([\s\S]*?)<\/li>/g)].map((m) =>
    m[1]!.replace(/<!--.*?-->/g, "").replace(/<span class="(?:muted small|badge badge-new)">[\s\S]*?<\/span>/g, "").replace(/<span class="avatar[^"]*"[^>]*>[^<]*<\/span>/g, "").replace(/<[^>]+>/g, "").replace(/&amp;/g, "&").replace(/\s+/g, " ").trim(),
  );
}

describe("the activity page", () => {
  it("folds consecutive autosaves of a page by one person into one entry, and tells a restore by its version", async () => {
    const title = `Business case ${Date.now()}`;
    const page = await newPage(cast.owner, title, "shared");
    for (let i = 1; i <= 4; i++) await autosave(cast.owner, page, `Draft ${i}.`);
    await autosave(cast.externalEditor, page, "Draft 5, from the buyer.");
    await autosave(cast.owner, page, "Draft 6.");
    expect((await api(cast.owner, `/pages/${page}/versions/2/restore`, {})).status).toBeLessThan(300);

    for (const reader of [cast.owner, cast.externalViewer]) {
      const entries = await feedText(reader);
      expect(entries.slice(0, 4)).toEqual([
        `${cast.owner.name} restored version 2 of ${title}`,
        `${cast.owner.name} edited ${title}`,
        `${cast.externalEditor.name} edited ${title}`,
        `${cast.owner.name} edited ${title} · 4 times`,
      ]);
      expect(entries.join("\n")).not.toContain("saved a version");
    }

    // The API keeps every activity (a log for integrations), with what the page needs to say it.
    const items = (await api(cast.owner, `/rooms/${cast.room.id}/activity`)).body.items as ActivityItem[];
    const versions = items.filter((i) => i.type === "page.version.created" && i.objectId === page);
    expect(versions).toHaveLength(7);
    expect(versions[0]!.version).toEqual({ reason: "restore", authors: expect.any(Array), restoredFrom: 2 });
    expect(versions[1]!.version).toMatchObject({ reason: "auto", authors: [{ id: cast.owner.id, name: cast.owner.name }], restoredFrom: null });
  });

  it("never tells the buyer's side which internal-era version a restore brought back", async () => {
    const title = `Pricing ${Date.now()}`;
    const page = await newPage(cast.owner, title, "internal");
    await autosave(cast.owner, page, "Floor 18%.");
    expect((await api(cast.owner, `/pages/${page}`, { visibility: "shared" }, "PATCH")).status).toBe(200);
    await autosave(cast.owner, page, "Shared text.");
    expect((await api(cast.owner, `/pages/${page}/versions/1/restore`, {})).status).toBeLessThan(300);

    expect((await feedText(cast.owner))[0]).toBe(`${cast.owner.name} restored version 1 of ${title}`);
    expect((await feedText(cast.externalViewer))[0]).toBe(`${cast.owner.name} restored an earlier version of ${title}`);
    const theirs = (await api(cast.externalViewer, `/rooms/${cast.room.id}/activity`)).body.items as ActivityItem[];
    const restore = theirs.find((i) => i.objectId === page && i.version?.reason === "restore");
    expect(restore!.version!.restoredFrom).toBeNull();
  });
});

describe("collapseAutosaves", () => {
  const auto = (id: number, minutesAgo: number, pageId = "p1", authors = ["a"]): ActivityItem => ({
    id: String(id), type: "page.version.created", actor: null, objectType: "page", objectId: pageId, title: "P",
    at: new Date(Date.UTC(2031, 0, 1, 12) - minutesAgo * 60_000).toISOString(),
    version: { reason: "auto", authors: authors.map((a) => ({ id: a, name: a })), restoredFrom: null },
  });

  it("folds neighbours within the window, and never across another page, other people, a gap or the last visit", () => {
    const items = [auto(9, 0), auto(8, 10), auto(7, 20), auto(6, 30, "p2"), auto(5, 40), auto(4, 50, "p1", ["b"]), auto(3, 60), auto(2, 200), auto(1, 210)];
    expect(collapseAutosaves(items).map((e) => [e.id, e.count])).toEqual([["9", 3], ["6", 1], ["5", 1], ["4", 1], ["3", 1], ["2", 2]]);
    const visit = new Date(Date.UTC(2031, 0, 1, 12) - 15 * 60_000);
    expect(collapseAutosaves(items.slice(0, 3), visit).map((e) => [e.id, e.count])).toEqual([["9", 2], ["7", 1]]);
    const folded = collapseAutosaves(items.slice(0, 3))[0]!;
    expect([folded.at, folded.firstAt]).toEqual([items[0]!.at, items[2]!.at]);
  });

  it("leaves manual versions, restores and everything else one entry each", () => {
    const manual = { ...auto(3, 0), version: { reason: "manual", authors: [], restoredFrom: null } };
    const other: ActivityItem = { id: "2", type: "page.updated", actor: null, objectType: "page", objectId: "p1", title: "P", at: auto(2, 1).at };
    expect(collapseAutosaves([manual, { ...manual, id: "4" }, other, { ...other, id: "1" }]).map((e) => e.count)).toEqual([1, 1, 1, 1]);
  });
});
