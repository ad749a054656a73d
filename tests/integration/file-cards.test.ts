import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import { execSync } from "node:child_process";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSession } from "../../server/auth/sessions.ts";
import { SESSION_COOKIE } from "../../server/auth/cookies.ts";
import { loadStanding } from "../../server/access/index.ts";
import { formatBytes } from "../../shared/format.ts";
import { fileCardLinesFor } from "../../server/wiki/file-cards.ts";
import { roomWithCast, type TestUser } from "../support/factories.ts";
import { startTestServer, type TestServer } from "../support/server.ts";
import { upload } from "./files-support.ts";

// File cards in wiki pages (`[[file:<uuid>]]`): what each reader learns of a card's file, on
// every surface that shows a page — the card endpoint, API markdown, versions and diffs, the
// server-rendered page and history, search. An internal file's card on a shared page must tell
// an external reader exactly as much as a card of an id that never existed: nothing.

const ROOT = path.resolve(import.meta.dirname, "../..");

let server: TestServer & { dataDir: string };
let cast: Awaited<ReturnType<typeof roomWithCast>>;
const tag = Math.random().toString(36).slice(2, 8);
const INTERNAL_NAME = `SECRET-margin-model-${tag}.txt`;
const SHARED_NAME = `pricing-proposal-${tag}.txt`;
// A size nothing else on the page has, so its formatted form can be looked for.
const INTERNAL_SIZE = 54_321;
let internalFile: string;
let sharedFile: string;
let archivedFile: string;
let otherRoomFile: string;
const neverExisted = randomUUID();
let page: string;

const cards = (who: TestUser | null, query: string, roomId = cast.room.id) =>
  server.api(`/api/v1/rooms/${roomId}/file-cards${query}`, { token: who?.token });

async function cookieOf(user: TestUser) {
  const { token } = await createSession(server.sql, user.id, "cookie");
  return `${SESSION_COOKIE}=${token}`;
}
async function pageRoute(url: string, user: TestUser) {
  const res = await fetch(`${server.url}${url}`, { headers: { cookie: await cookieOf(user) }, redirect: "manual" });
  return { status: res.status, body: await res.text() };
}

beforeAll(async () => {
  if (!existsSync(path.join(ROOT, "build/server/index.js"))) execSync("npx react-router build", { cwd: ROOT, stdio: "ignore" });
  // The page routes need the production build; files need a store of their own.
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "dealroom-file-cards-"));
  const started = await startTestServer({ web: "production", env: { DATA_DIR: dataDir } });
  server = {
    ...started,
    dataDir,
    async close() {
      await started.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
  cast = await roomWithCast(server);
  const { owner, room, otherRoom } = cast;
  const made = async (name: string, visibility: "internal" | "shared", content: string, roomId = room.id) => {
    const res = await upload(server, owner.token, roomId, content, { visibility, name });
    expect(res.status).toBe(201);
    return res.body.id as string;
  };
  internalFile = await made(INTERNAL_NAME, "internal", "m".repeat(INTERNAL_SIZE));
  sharedFile = await made(SHARED_NAME, "shared", "Our proposal, version one.\n");
  archivedFile = await made(`archived-${tag}.txt`, "shared", "gone soon");
  expect((await server.api(`/api/v1/files/${archivedFile}`, { token: owner.token, method: "DELETE" })).status).toBe(204);
  otherRoomFile = await made(`other-room-${tag}.txt`, "shared", "elsewhere", otherRoom.id);

  const created = await server.api(`/api/v1/rooms/${room.id}/pages`, {
    token: owner.token,
    body: {
      title: `Proposal ${tag}`,
      visibility: "shared",
      markdown: `# Proposal\n\nThe documents:\n\n[[file:${sharedFile}]]\n\n[[file:${internalFile}]]\n\n[[file:${neverExisted}]]\n\n[[file:${archivedFile}]]\n\n[[file:${otherRoomFile}]]\n\nThe end.`,
    },
  });
  expect(created.status).toBe(201);
  page = created.body.id;
  expect((await server.api(`/api/v1/pages/${page}/versions`, { token: owner.token, body: {} })).status).toBe(201);
}, 120_000);

afterAll(async () => {
  await server?.close();
});

/** Every way the internal file could show in an answer to someone who may not see it. */
function expectNothingOfInternal(text: string) {
  expect(text).not.toContain(INTERNAL_NAME);
  expect(text).not.toContain("SECRET-margin");
  expect(text).not.toContain(formatBytes(INTERNAL_SIZE));
  expect(text).not.toContain(String(INTERNAL_SIZE));
}

describe("GET /rooms/:roomId/file-cards", () => {
  it("tells an internal reader each file's current name, type, size, latest version and visibility", async () => {
    const res = await cards(cast.internalViewer, `?ids=${sharedFile},${internalFile}`);
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("private, no-store");
    expect(res.body.items).toEqual([
      { id: sharedFile, available: true, name: SHARED_NAME, contentType: "text/plain", size: 27, version: 1, visibility: "shared" },
      { id: internalFile, available: true, name: INTERNAL_NAME, contentType: "text/plain", size: INTERNAL_SIZE, version: 1, visibility: "internal" },
    ]);
  });

  it("answers an external reader about an internal file exactly as about an id that never existed", async () => {
    for (const who of [cast.externalViewer, cast.externalEditor]) {
      const res = await cards(who, `?ids=${internalFile},${neverExisted},${sharedFile}`);
      expect(res.status).toBe(200);
      const [internal, never, shared] = res.body.items;
      expect(internal).toEqual({ id: internalFile, available: false });
      expect(never).toEqual({ id: neverExisted, available: false });
      expect(Object.keys(internal)).toEqual(Object.keys(never));
      expect(shared).toMatchObject({ id: sharedFile, available: true, name: SHARED_NAME });
      expectNothingOfInternal(JSON.stringify(res.body));
      // And alone, the answer is the random id's answer with the other id.
      const alone = await cards(who, `?ids=${internalFile}`);
      const random = await cards(who, `?ids=${neverExisted}`);
      expect(alone.status).toBe(random.status);
      expect(JSON.stringify(alone.body).replace(internalFile, "ID")).toBe(JSON.stringify(random.body).replace(neverExisted, "ID"));
    }
  });

  it("an archived file and a file of another room are not available, even to the owner of both rooms", async () => {
    const res = await cards(cast.owner, `?ids=${archivedFile},${otherRoomFile}`);
    expect(res.body.items).toEqual([
      { id: archivedFile, available: false },
      { id: otherRoomFile, available: false },
    ]);
  });

  it("follows the file: a new version and a rename show at once; making it internal hides it from externals", async () => {
    const file = (await upload(server, cast.owner.token, cast.room.id, "one", { visibility: "shared", name: `moving-${tag}.txt` })).body.id as string;
    expect((await upload(server, cast.owner.token, cast.room.id, "two, longer", { fileId: file })).status).toBe(201);
    expect((await server.api(`/api/v1/files/${file}`, { token: cast.owner.token, method: "PATCH", body: { name: `renamed-${tag}.txt` } })).status).toBe(200);
    expect((await cards(cast.externalViewer, `?ids=${file}`)).body.items).toEqual([
      { id: file, available: true, name: `renamed-${tag}.txt`, contentType: "text/plain", size: 11, version: 2, visibility: "shared" },
    ]);
    expect((await server.api(`/api/v1/files/${file}`, { token: cast.owner.token, method: "PATCH", body: { visibility: "internal" } })).status).toBe(200);
    expect((await cards(cast.externalViewer, `?ids=${file}`)).body.items).toEqual([{ id: file, available: false }]);
  });

  it("lists each id once, in the order asked, whatever its case", async () => {
    const res = await cards(cast.owner, `?ids=${sharedFile.toUpperCase()},${neverExisted},${sharedFile}`);
    expect(res.status).toBe(200);
    expect(res.body.items.map((c: { id: string }) => c.id)).toEqual([sharedFile, neverExisted]);
  });

  it("refuses bad and too many ids with a 400 naming ids", async () => {
    const fifty = Array.from({ length: 50 }, () => randomUUID());
    expect((await cards(cast.owner, `?ids=${fifty.join(",")}`)).status).toBe(200);
    for (const query of [
      "",
      "?ids=",
      "?ids=not-a-uuid",
      `?ids=${sharedFile},nope`,
      `?ids=${sharedFile},`,
      `?ids=${[...fifty, randomUUID()].join(",")}`,
      `?ids=${sharedFile}&ids=${internalFile}`,
      `?ids=${"a".repeat(5000)}`,
    ]) {
      const res = await cards(cast.owner, query);
      expect(res.status, query).toBe(400);
      expect(res.body.error.code, query).toBe("invalid_input");
      expect(Object.keys(res.body.error.fields ?? {}).some((k) => k.startsWith("ids")), query).toBe(true);
    }
  });

  it("is the room's: 404 outside it, 401 without a session", async () => {
    expect((await cards(cast.orgMember, `?ids=${sharedFile}`)).status).toBe(404);
    expect((await cards(cast.outsider, `?ids=${sharedFile}`)).status).toBe(404);
    expect((await cards(null, `?ids=${sharedFile}`)).status).toBe(401);
    expect((await cards(cast.owner, `?ids=${sharedFile}`, randomUUID())).status).toBe(404);
  });
});

describe("a shared page with a card of an internal file, read by the buyer's side", () => {
  it("API markdown has the card's id, which alone tells nothing; no name, no size", async () => {
    const res = await server.api(`/api/v1/pages/${page}`, { token: cast.externalViewer.token });
    expect(res.status).toBe(200);
    expect(res.body.markdown).toContain(`[[file:${internalFile}]]`);
    expect(res.body.markdown).toContain(`[[file:${sharedFile}]]`);
    expectNothingOfInternal(JSON.stringify(res.body));
  });

  it("the version, its HTML and the diff hold nothing of the internal file", async () => {
    const version = await server.api(`/api/v1/pages/${page}/versions/1`, { token: cast.externalViewer.token });
    expect(version.status).toBe(200);
    expect(version.body.markdown).toContain(`[[file:${internalFile}]]`);
    // Rendered for this reader: the shared card by name, every other one neutral and without its id.
    expect(version.body.html).toContain(SHARED_NAME);
    expect(version.body.html.match(/File not available/g)).toHaveLength(4);
    expect(version.body.html).not.toContain(internalFile);
    expectNothingOfInternal(JSON.stringify(version.body));

    expect((await server.api(`/api/v1/pages/${page}/versions/1/diff/1`, { token: cast.externalViewer.token })).status).toBe(200);
    expectNothingOfInternal(JSON.stringify((await server.api(`/api/v1/pages/${page}/versions/1/diff/1`, { token: cast.externalViewer.token })).body));
  });

  it("the server-rendered page and history (document and navigation data) show the shared card, not the internal one", async () => {
    const base = `/rooms/${cast.room.id}/pages/${page}`;
    for (const url of [base, `${base}.data`, `${base}/history?v=1`, `${base}/history.data?v=1`]) {
      const res = await pageRoute(url, cast.externalViewer);
      expect(res.status, url).toBe(200);
      expect(res.body, url).toContain(SHARED_NAME);
      expect(res.body, url).toContain(`/rooms/${cast.room.id}/files/${sharedFile}`);
      expect(res.body, url).toContain("File not available");
      expectNothingOfInternal(res.body);
    }
  });

  it("an internal reader sees the internal file's card by name, marked internal", async () => {
    const base = `/rooms/${cast.room.id}/pages/${page}`;
    for (const url of [base, `${base}/history?v=1`]) {
      const res = await pageRoute(url, cast.internalViewer);
      expect(res.status, url).toBe(200);
      expect(res.body, url).toContain(INTERNAL_NAME);
      expect(res.body, url).toContain(`/rooms/${cast.room.id}/files/${internalFile}`);
      expect(res.body, url).toContain(`Text · ${formatBytes(INTERNAL_SIZE)} · version 1`);
      expect(res.body, url).toContain("file-card-internal");
    }
    const version = await server.api(`/api/v1/pages/${page}/versions/1`, { token: cast.internalViewer.token });
    expect(version.body.html).toContain(INTERNAL_NAME);
  });

  it("search finds the page by its text, never by a card's file name", async () => {
    for (const who of [cast.externalViewer, cast.owner]) {
      const res = await server.api(`/api/v1/rooms/${cast.room.id}/search?q=${encodeURIComponent(`SECRET-margin-model-${tag}`)}`, { token: who.token });
      expect(res.status).toBe(200);
      expect(res.body.items.filter((i: { type: string }) => i.type === "page")).toEqual([]);
    }
    const external = await server.api(`/api/v1/rooms/${cast.room.id}/search?q=${encodeURIComponent(`SECRET-margin-model-${tag}`)}`, { token: cast.externalViewer.token });
    expect(external.body.items).toEqual([]);
  });
});

describe("card lines in markdown exports", () => {
  const standingOf = (user: TestUser) => loadStanding(server.sql, { userId: user.id, name: user.name, email: user.email }, cast.room.id);
  it("name the file for a reader who may see it, and nothing for one who may not", async () => {
    const markdown = (await server.api(`/api/v1/pages/${page}`, { token: cast.owner.token })).body.markdown as string;
    const asOwner = await fileCardLinesFor(server.sql, await standingOf(cast.owner), markdown);
    expect(asOwner).toContain(`File: ${INTERNAL_NAME} (Text · ${formatBytes(INTERNAL_SIZE)} · version 1)`);
    expect(asOwner).toContain(`File: ${SHARED_NAME} (`);
    expect(asOwner).not.toContain("[[file:");
    const asBuyer = await fileCardLinesFor(server.sql, await standingOf(cast.externalViewer), markdown);
    expect(asBuyer).toContain(`File: ${SHARED_NAME} (`);
    expect(asBuyer.match(/^File not available$/gm)).toHaveLength(4);
    expect(asBuyer).not.toContain(internalFile);
    expectNothingOfInternal(asBuyer);
    expect(await fileCardLinesFor(server.sql, await standingOf(cast.owner), "No cards.")).toBe("No cards.");
  });
});
