// Issue 13, "one request freezes the whole server": each attack is made the way an attacker would
// make it (a Markdown body over HTTP, a crafted Yjs update or awareness state over the real collab
// websocket, a page already stored past the bounds) against a real server. Each checks that the
// bad input is refused with a clear answer and not applied (memory and PostgreSQL unchanged), that
// /healthz answers within its bound throughout (bounds-support.ts healthBoundMs), and that every
// other page, the room's hand-off record and its archive stay readable.
// docs/access.md "Resource bounds"; docs/decisions/013-document-bounds.md.
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import * as Y from "yjs";
import { CLOSE } from "../../collab/close-codes.ts";
import { loadStoredState } from "../../collab/documents.ts";
import { AWARENESS_LIMITS } from "../../collab/live-document.ts";
import type { DocumentRegistry } from "../../collab/registry.ts";
import { decodeClientMessage, encodeUpdateMessage, MESSAGE_AWARENESS } from "../../collab/protocol.ts";
import { BOUNDS } from "../../server/wiki/bounds.ts";
import { roomWithCast } from "../support/factories.ts";
import { startTestServer, type TestServer } from "../support/server.ts";
import { insertPage, storedText, waitFor, type RawSocket } from "./collab-support.ts";
import {
  craftUpdate,
  createPage,
  el,
  expectRoomRecordReadable,
  healthMeasurements,
  openRaw,
  paragraph,
  pollHealth,
  pushNestedQuotes,
  sendAwareness,
  sendUpdate,
  tableWithCell,
  text,
} from "./bounds-support.ts";

vi.setConfig({ testTimeout: 300_000, hookTimeout: 120_000 });

let server: TestServer;
let cast: Awaited<ReturnType<typeof roomWithCast>>;
/** A page with known content that every attack must leave readable. */
let bystanderPage: string;
const sockets: RawSocket[] = [];

beforeAll(async () => {
  server = await startTestServer();
  cast = await roomWithCast(server);
  bystanderPage = await createPage(server, cast.owner.token, cast.room.id, "# Bystander\n\nStill here.", "Bystander");
});
afterEach(async () => {
  for (const s of sockets.splice(0)) s.ws.terminate();
  const res = await server.api(`/api/v1/pages/${bystanderPage}`, { token: cast.externalViewer.token });
  expect(res.status).toBe(200);
  expect(res.body.markdown).toContain("Still here.");
});
afterAll(async () => {
  for (const s of sockets) s.ws.terminate();
  // The slowest /healthz answers, for the report (docs/decisions/013-document-bounds.md).
  console.log(`document-bounds /healthz: ${JSON.stringify(healthMeasurements)}`);
  await server?.close();
});

const guest = () => cast.externalEditor.token;
const editor = () => cast.internalEditor.token;
const registry = () => server.app.documents as DocumentRegistry;
const logRows = async (pageId: string) =>
  Number((await server.sql<{ n: string }[]>`select count(*) as n from page_updates where page_id = ${pageId}`)[0]!.n);
/** Archived once checked, so the room's record does not grow with every attack's page. */
const archivePage = async (pageId: string) => {
  const archived = await server.api(`/api/v1/pages/${pageId}/archive`, { token: cast.owner.token, method: "POST" });
  expect(archived.status, JSON.stringify(archived.body)).toBe(200);
};
const pagesTitled = async (title: string) =>
  Number((await server.sql<{ n: string }[]>`select count(*) as n from pages where room_id = ${cast.room.id} and title = ${title}`)[0]!.n);

/**
 * Sends `update` as `token` to a fresh page and expects it refused with `code`: the live document
 * in memory and the page's log in PostgreSQL unchanged, /healthz within its bound throughout.
 */
async function expectRefused(label: string, token: string, update: Uint8Array, code: number = CLOSE.OUT_OF_BOUNDS) {
  const pageId = await insertPage(server.sql, cast.room.id);
  const socket = await openRaw(server, pageId, token, sockets);
  const live = await waitFor(() => registry().loaded(pageId), "the page loaded");
  const memoryBefore = Y.encodeStateAsUpdate(live.doc);
  const health = pollHealth(server);
  const sent = await sendUpdate(socket, update, 60_000);
  await health.expectResponsive(label);
  expect(sent.close?.code, label).toBe(code);
  expect(sent.close?.reason.length, label).toBeGreaterThan(0);
  const liveAfter = registry().loaded(pageId);
  if (liveAfter) expect(Buffer.from(Y.encodeStateAsUpdate(liveAfter.doc)).equals(Buffer.from(memoryBefore)), label).toBe(true);
  expect(await logRows(pageId), label).toBe(0);
  expect(storedText(await loadStoredState(server.sql, pageId)), label).toBe("");
  return { pageId, sent };
}

describe("Markdown import (POST/PATCH pages) cannot hold the server", () => {
  // Inputs that are quadratic (or worse) for naive parsers, each near the 1 MB bound.
  const NEAR_BOUND = 900_000;
  const fill = (unit: string) => unit.repeat(Math.floor(NEAR_BOUND / unit.length));
  const rows = (n: number) => "| a | b |\n| - | - |\n" + "| x | y |\n".repeat(n);
  const PATHOLOGICAL: [string, string][] = [
    ["unmatched emphasis *", fill("*a ")],
    ["unmatched emphasis _", fill("_a ")],
    ["mixed emphasis runs", fill("**_* ")],
    ["emphasis in list items", fill("- *")],
    ["nested brackets", fill("[")],
    ["nested links", fill("[a](")],
    ["nested images", fill("![")],
    ["unclosed code spans", fill("`a ``")],
    ["link reference soup", fill("[a]: <")],
    ["autolink-like", fill("<a:")],
    ["deep blockquotes", fill("> ") + "deep"],
    ["deep list nesting", Array.from({ length: 2_000 }, (_, i) => `${" ".repeat(2 * i)}- item`).join("\n").slice(0, NEAR_BOUND)],
    ["deep ordered lists", fill("1. ")],
    ["huge table", rows(Math.floor(NEAR_BOUND / 10) - 3)],
    ["table within the bounds", rows(2_000)],
  ];

  /** What the structural bounds must answer (create/PATCH): refused, not parsed into something the renderers choke on. */
  const EXPECTED: Record<string, string> = {
    "deep blockquotes": "422/422",
    "deep list nesting": "422/422",
    "huge table": "422/422",
    "table within the bounds": "201/200",
  };
  let target: string;
  beforeAll(async () => {
    target = await createPage(server, cast.owner.token, cast.room.id, "Target keeps this.", "Target");
  });

  for (const [name, markdown] of PATHOLOGICAL) {
    it(`${name} (${Math.round(markdown.length / 1000)} KB): answered clearly (201 or a 4xx) on create and PATCH, /healthz responsive, nothing half-applied`, async () => {
      const health = pollHealth(server);
      const title = `Pathological ${name}`;
      const started = performance.now();
      const created = await server.api(`/api/v1/rooms/${cast.room.id}/pages`, { token: guest(), body: { title, visibility: "shared", markdown } });
      const tookCreate = performance.now() - started;
      const rowsBefore = await logRows(target);
      const patched = await server.api(`/api/v1/pages/${target}`, { token: guest(), method: "PATCH", body: { markdown } });
      await health.expectResponsive(`markdown: ${name}`);
      expect(tookCreate, name).toBeLessThan(60_000);
      for (const res of [created, patched]) {
        // A clear answer: made, or refused with a named code (400 invalid_input: the parse did not fit the page schema).
        expect([200, 201, 400, 413, 422], `${name}: ${JSON.stringify(res.body).slice(0, 200)}`).toContain(res.status);
        if (res.status >= 400) expect(["invalid_input", "payload_too_large", "document_too_complex"], name).toContain(res.body.error.code);
      }
      if (EXPECTED[name]) expect(`${created.status}/${patched.status}`, `${JSON.stringify(created.body).slice(0, 300)} ${JSON.stringify(patched.body).slice(0, 300)}`).toBe(EXPECTED[name]);
      if (created.status === 201) {
        const page = await server.api(`/api/v1/pages/${created.body.id}`, { token: cast.externalViewer.token });
        expect(page.status, name).toBe(200);
        await archivePage(created.body.id);
      } else {
        // Refused: no page was made.
        expect(await pagesTitled(title), name).toBe(0);
      }
      if (patched.status === 200) {
        // Applied: back to the known content for the next body.
        const reset = await server.api(`/api/v1/pages/${target}`, { token: guest(), method: "PATCH", body: { markdown: "Target keeps this." } });
        expect(reset.status).toBe(200);
      } else {
        // Refused: the page's content and its log are as they were.
        expect(await logRows(target), name).toBe(rowsBefore);
        const page = await server.api(`/api/v1/pages/${target}`, { token: cast.externalViewer.token });
        expect(page.body.markdown.trim(), name).toBe("Target keeps this.");
      }
    });
  }

  it("the room's record and archive stay readable after them", async () => {
    await expectRoomRecordReadable(server, cast.externalViewer.token, cast.room.id);
  });

  it("a body past 1 MB is 413 payload_too_large on create and on PATCH", async () => {
    const markdown = "*a ".repeat(400_000);
    const created = await server.api(`/api/v1/rooms/${cast.room.id}/pages`, { token: guest(), body: { title: "Too big", visibility: "shared", markdown } });
    expect(created.status).toBe(413);
    expect(await pagesTitled("Too big")).toBe(0);
    const patched = await server.api(`/api/v1/pages/${bystanderPage}`, { token: guest(), method: "PATCH", body: { markdown } });
    expect(patched.status).toBe(413);
  });

  it("imports sent at once take turns off the main thread; everyone else is served meanwhile", async () => {
    const health = pollHealth(server);
    const bodies = Array.from({ length: 4 }, (_, i) => ["*a ", "[", "_a ", "![a]("][i]!.repeat(Math.floor(600_000 / 3)));
    const answers = await Promise.all(
      bodies.map((markdown, i) => server.api(`/api/v1/rooms/${cast.room.id}/pages`, { token: guest(), body: { title: `Burst ${i}`, visibility: "shared", markdown } })),
    );
    await health.expectResponsive("markdown: burst of four");
    for (const res of answers) expect([201, 413, 422, 503]).toContain(res.status);
  });
});

describe("raw Yjs updates are checked against the schema and its bounds before they apply", () => {
  it("cell spans and widths out of range or not integers are refused (4422)", async () => {
    for (const attrs of [
      { colspan: 50_000_000 },
      { colspan: 2 ** 31 },
      { colspan: -1 },
      { colspan: 0 },
      { colspan: 1.5 },
      { colspan: "5" },
      { colspan: Number.NaN },
      { rowspan: 1e9 },
      { rowspan: -3 },
      { rowspan: 2.25 },
      { colwidth: Array(5_000).fill(100) },
      { colwidth: [-1] },
      { colwidth: [1.5] },
      { colwidth: [1e9] },
      { colwidth: "100" },
    ]) {
      await expectRefused(`cell ${JSON.stringify(attrs)}`, guest(), craftUpdate((f) => f.push([tableWithCell(attrs)])));
    }
  });

  it("a CSS string as a cell's align is refused (4422)", async () => {
    for (const align of ["left; position: fixed; inset: 0; z-index: 9999; background: url(https://evil.example/x)", "center\" onmouseover=\"alert(1)", "justify"]) {
      await expectRefused(`align ${align.slice(0, 20)}`, guest(), craftUpdate((f) => f.push([tableWithCell({ align })])));
    }
  });

  it("unknown node names, attributes and marks, and other roots, are refused (4422)", async () => {
    const builds: [string, (f: Y.XmlFragment, d: Y.Doc) => void][] = [
      ["script", (f) => f.push([el("script", {}, [text("x")])])],
      ["iframe", (f) => f.push([el("iframe", { src: "https://evil.example" })])],
      ["doc inside the page", (f) => f.push([el("doc", {}, [paragraph("x")])])],
      ["element named text", (f) => f.push([el("text")])],
      ["heading level 99", (f) => f.push([el("heading", { level: 99 }, [text("x")])])],
      ["style attribute", (f) => f.push([el("paragraph", { style: "color: red" }, [text("x")])])],
      ["onclick attribute", (f) => f.push([el("paragraph", { onclick: "alert(1)" }, [text("x")])])],
      ["code language markup", (f) => f.push([el("codeBlock", { language: "<img src=x onerror=alert(1)>" }, [text("x")])])],
      ["unknown mark", (f) => f.push([paragraph("x", { bold: {}, blink: {} })])],
      ["javascript: link", (f) => f.push([paragraph("x", { link: { href: "javascript:alert(document.cookie)" } })])],
      ["client-set rel/target", (f) => f.push([paragraph("x", { link: { href: "https://example.com", target: "_self", rel: "opener" } })])],
      ["another root", (_f, d) => d.getMap("elsewhere").set("junk", "x".repeat(1000))],
    ];
    for (const [label, build] of builds) await expectRefused(label, guest(), craftUpdate(build));
  });

  it("blocks nested 20,000 deep in one update are refused (4422)", async () => {
    const update = craftUpdate((f) => pushNestedQuotes(f, 20_000));
    expect(update.byteLength).toBeLessThan(2 * 1024 * 1024);
    await expectRefused("20,000 deep", editor(), update);
  });

  it("more than 50,000 nodes in one update are refused (4422)", async () => {
    const update = craftUpdate((f) => f.push(Array.from({ length: BOUNDS.maxNodes + 1 }, () => new Y.XmlElement("paragraph"))));
    await expectRefused("50,001 nodes", editor(), update);
  });

  it("more than 50,000 nodes spread over many updates: the one past the bound is refused (4422), the ones before it stay", async () => {
    const pageId = await insertPage(server.sql, cast.room.id);
    const socket = await openRaw(server, pageId, editor(), sockets);
    const doc = new Y.Doc();
    const health = pollHealth(server);
    let accepted = 0;
    let close: { code: number } | null = null;
    for (let i = 0; i < 10 && !close; i++) {
      const before = Y.encodeStateVector(doc);
      doc.getXmlFragment("default").push(Array.from({ length: 10_000 }, () => new Y.XmlElement("paragraph")));
      close = (await sendUpdate(socket, Y.encodeStateAsUpdate(doc, before), 60_000)).close;
      if (!close) accepted++;
    }
    await health.expectResponsive("nodes over many updates");
    expect(close?.code).toBe(CLOSE.OUT_OF_BOUNDS);
    expect(accepted).toBe(BOUNDS.maxNodes / 10_000);
    const stored = new Y.Doc();
    Y.applyUpdate(stored, await loadStoredState(server.sql, pageId));
    expect(stored.getXmlFragment("default").length).toBe(BOUNDS.maxNodes);
    stored.destroy();
    doc.destroy();
  });

  it("a well-formed edit within the bounds is still applied and saved", async () => {
    const pageId = await insertPage(server.sql, cast.room.id);
    const socket = await openRaw(server, pageId, guest(), sockets);
    const sent = await sendUpdate(socket, craftUpdate((f) => f.push([tableWithCell({ colspan: 2, align: "center", colwidth: [120, 80] }), paragraph("link", { link: { href: "https://example.com" } })])));
    expect(sent.close).toBeNull();
    expect((await server.api(`/api/v1/pages/${pageId}`, { token: guest() })).body.markdown).toContain("[link](https://example.com)");
  });
});

describe("collab quotas", () => {
  it("a page cannot grow past 2 MB over many small updates (4413); the refused one is not stored", async () => {
    const pageId = await insertPage(server.sql, cast.room.id);
    const socket = await openRaw(server, pageId, editor(), sockets);
    const doc = new Y.Doc();
    const health = pollHealth(server);
    let accepted = 0;
    let close: { code: number } | null = null;
    for (let i = 0; i < 60 && !close; i++) {
      const before = Y.encodeStateVector(doc);
      doc.getXmlFragment("default").push([paragraph(`${i} `.padEnd(64 * 1024, "x"))]);
      close = (await sendUpdate(socket, Y.encodeStateAsUpdate(doc, before), 30_000)).close;
      if (!close) accepted++;
    }
    await health.expectResponsive("2 MB over small updates");
    expect(close?.code).toBe(CLOSE.TOO_LARGE);
    expect(accepted).toBeGreaterThan(20);
    expect(await logRows(pageId)).toBe(accepted);
    const stored = await loadStoredState(server.sql, pageId);
    expect(stored.byteLength).toBeLessThanOrEqual(BOUNDS.maxDocumentBytes);
    expect(storedText(stored)).not.toContain(`${accepted} x`);
    doc.destroy();
  });

  it("updates that only wait for structs the server never saw are refused once too much is pending (4422)", async () => {
    const pageId = await insertPage(server.sql, cast.room.id);
    const socket = await openRaw(server, pageId, guest(), sockets);
    const health = pollHealth(server);
    let close: { code: number } | null = null;
    let sent = 0;
    for (let i = 0; i < 20 && !close; i++) {
      // The first update of this client is never sent: everything after it waits in Yjs' pending set.
      const doc = new Y.Doc();
      doc.getXmlFragment("default").push([paragraph("first")]);
      const before = Y.encodeStateVector(doc);
      doc.getXmlFragment("default").push([paragraph("y".repeat(60_000))]);
      const update = Y.encodeStateAsUpdate(doc, before);
      doc.destroy();
      sent++;
      // A pending update is not saved, so no acknowledgment comes: wait for a close a short while.
      socket.ws.send(encodeUpdateMessage(update));
      close = await Promise.race([socket.closed, new Promise<null>((r) => setTimeout(() => r(null), 500))]);
    }
    await health.expectResponsive("pending structs");
    expect(close?.code).toBe(CLOSE.OUT_OF_BOUNDS);
    expect(sent).toBeLessThanOrEqual(Math.ceil(BOUNDS.maxPendingBytes / 60_000) + 1);
    const live = registry().loaded(pageId);
    const pending = (live?.doc.store.pendingStructs?.update.byteLength ?? 0) + (live?.doc.store.pendingDs?.byteLength ?? 0);
    expect(pending).toBeLessThanOrEqual(BOUNDS.maxPendingBytes);
    expect(await logRows(pageId)).toBe(0);
  });

  it("an awareness state past its bound closes the connection (4422) and is not fanned out; a connection owns one awareness client", async () => {
    const pageId = await insertPage(server.sql, cast.room.id);
    const health = pollHealth(server);
    const flooder = await openRaw(server, pageId, guest(), sockets);
    sendAwareness(flooder, [{ clientId: 1, clock: 1, state: { cursor: "z".repeat(AWARENESS_LIMITS.maxStateBytes * 4) } }]);
    expect((await flooder.closed).code).toBe(CLOSE.OUT_OF_BOUNDS);
    const live = await waitFor(() => registry().loaded(pageId), "the page loaded");
    expect(live.awareness.getStates().has(1)).toBe(false);

    const many = await openRaw(server, pageId, guest(), sockets);
    sendAwareness(many, Array.from({ length: 8 }, (_, i) => ({ clientId: 100 + i, clock: 1, state: { cursor: i } })));
    await waitFor(() => live.awareness.getStates().has(100), "the first awareness client");
    const newcomer = await openRaw(server, pageId, cast.externalViewer.token, sockets);
    const awareness = await waitFor(() => newcomer.messages.find((m) => m[0] === MESSAGE_AWARENESS), "the awareness states");
    const message = decodeClientMessage(awareness);
    expect(message.type).toBe("awareness");
    const states = message.type === "awareness" ? message.entries.filter((e) => e.state !== null) : [];
    expect(states.map((e) => e.clientId)).toEqual([100]);
    expect(awareness.byteLength).toBeLessThan(AWARENESS_LIMITS.maxStateBytes * 2);
    await health.expectResponsive("awareness");
  });
});

describe("a page stored past the bounds (a legacy row) breaks nothing", () => {
  // A room of their own: its record and archive then hold the legacy page and the bystander, not
  // the hundreds of kilobytes the attacks above left in the first room (each rendered per surface).
  beforeAll(async () => {
    cast = await roomWithCast(server);
    bystanderPage = await createPage(server, cast.owner.token, cast.room.id, "# Bystander\n\nStill here.", "Bystander");
  });

  /**
   * A page whose stored log is `legacy` on top of a small first content, written straight into
   * PostgreSQL as a row from before the bounds would be, with version 1 (the small content).
   */
  async function legacyPage(title: string, legacy: (f: Y.XmlFragment) => void) {
    const pageId = await insertPage(server.sql, cast.room.id, { title });
    const doc = new Y.Doc();
    doc.getXmlFragment("default").push([paragraph(`Before ${title}.`)]);
    const first = Y.encodeStateAsUpdate(doc);
    const sv = Y.encodeStateVector(doc);
    doc.transact(() => legacy(doc.getXmlFragment("default")));
    const rest = Y.encodeStateAsUpdate(doc, sv);
    doc.destroy();
    await server.sql`insert into page_updates (page_id, update, author_id) values (${pageId}, ${first}, null)`;
    await server.sql`insert into page_updates (page_id, update, author_id) values (${pageId}, ${rest}, null)`;
    await server.sql`
      insert into page_versions (page_id, number, state, content_text, content_html, title, reason, visibility)
      values (${pageId}, 1, ${first}, ${`Before ${title}.`}, ${`<p>Before ${title}.</p>`}, ${title}, 'manual', 'shared')`;
    return pageId;
  }
  const deep = (f: Y.XmlFragment) => pushNestedQuotes(f, 20_000);
  // Past the block bound, within the size bound (a restore then fits in 2 MB).
  const many = (f: Y.XmlFragment) => f.push(Array.from({ length: 60_000 }, () => new Y.XmlElement("paragraph")));

  const archive = async (pageId: string) => {
    const archived = await server.api(`/api/v1/pages/${pageId}/archive`, { token: cast.owner.token, method: "POST" });
    expect(archived.status, JSON.stringify(archived.body)).toBe(200);
  };

  for (const [kind, build] of [["20,000 deep", deep], ["60,000 blocks", many]] as const) {
    it(`${kind}: page view, versions, diffs, search, the room's record and archive answer; archiving the page works`, async () => {
      const pageId = await legacyPage(`Legacy ${kind}`, build);
      const owner = cast.owner.token;
      const health = pollHealth(server);
      const page = await server.api(`/api/v1/pages/${pageId}`, { token: owner });
      expect(page.status).toBe(200);
      expect(page.body.markdown).toContain("cannot be shown");
      const view = await fetch(`${server.url}/rooms/${cast.room.id}/pages/${pageId}`, { headers: { authorization: `Bearer ${owner}` } });
      expect(view.status).toBeLessThan(500);
      await view.arrayBuffer();

      expect((await server.api(`/api/v1/pages/${pageId}/versions`, { token: owner })).status).toBe(200);
      const made = await server.api(`/api/v1/pages/${pageId}/versions`, { token: owner, body: { label: "legacy" } });
      expect(made.status, JSON.stringify(made.body)).toBe(201);
      const v2 = made.body.number as number;
      const version = await server.api(`/api/v1/pages/${pageId}/versions/${v2}`, { token: owner });
      expect(version.status).toBe(200);
      expect(version.body.markdown).toContain("cannot be shown");
      expect((await server.api(`/api/v1/pages/${pageId}/versions/1/diff/${v2}`, { token: owner })).status).toBe(200);
      expect((await server.api(`/api/v1/pages/${pageId}/versions/${v2}/diff/1`, { token: cast.externalViewer.token })).status).toBe(200);
      const search = await server.api(`/api/v1/rooms/${cast.room.id}/search?q=Bystander`, { token: cast.externalViewer.token });
      expect(search.status).toBe(200);
      expect(search.body.items.some((i: { id: string }) => i.id === bystanderPage)).toBe(true);
      // The room's hand-off record (JSON, Markdown, PDF) and archive, with the legacy page in them.
      const record = await expectRoomRecordReadable(server, cast.externalViewer.token, cast.room.id);
      expect(record.pages.find((p) => p.id === pageId)?.currentMarkdown).toContain("cannot be shown");
      expect(record.pages.find((p) => p.id === bystanderPage)?.currentMarkdown).toContain("Still here.");
      await archive(pageId);
      await health.expectResponsive(`legacy ${kind}: surfaces`);
    });

    it(`${kind}: a restore of an old version replaces it whole (no stack overflow), and so does restoring the legacy version`, async () => {
      const pageId = await legacyPage(`Legacy restore ${kind}`, build);
      const owner = cast.owner.token;
      const made = await server.api(`/api/v1/pages/${pageId}/versions`, { token: owner, body: { label: "legacy" } });
      expect(made.status, JSON.stringify(made.body)).toBe(201);
      const health = pollHealth(server);
      const restored = await server.api(`/api/v1/pages/${pageId}/versions/1/restore`, { token: owner, method: "POST" });
      expect(restored.status, JSON.stringify(restored.body)).toBe(201);
      const afterRestore = await server.api(`/api/v1/pages/${pageId}`, { token: owner });
      expect(afterRestore.body.markdown.trim()).toBe(`Before Legacy restore ${kind}.`);
      // Stored: a fresh load of the log reads the restored content (and does not overflow).
      expect(storedText(await loadStoredState(server.sql, pageId))).toBe(`Before Legacy restore ${kind}.`);
      // The legacy version itself restores as its placeholder: never a 500.
      const restoredLegacy = await server.api(`/api/v1/pages/${pageId}/versions/${made.body.number}/restore`, { token: owner, method: "POST" });
      expect(restoredLegacy.status, JSON.stringify(restoredLegacy.body)).toBe(201);
      await health.expectResponsive(`legacy ${kind}: restore`);
      await archive(pageId);
    });

    it(`${kind}: a Markdown edit (PATCH) replaces it whole (no stack overflow)`, async () => {
      const pageId = await legacyPage(`Legacy edit ${kind}`, build);
      const health = pollHealth(server);
      const edited = await server.api(`/api/v1/pages/${pageId}`, { token: cast.owner.token, method: "PATCH", body: { markdown: "# Fixed\n\nReadable again." } });
      expect(edited.status, JSON.stringify(edited.body)).toBe(200);
      expect(edited.body.markdown).toContain("Readable again.");
      expect(storedText(await loadStoredState(server.sql, pageId))).toContain("Readable again.");
      await health.expectResponsive(`legacy ${kind}: Markdown edit`);
      await archive(pageId);
    });
  }

  it("stored huge colspan, CSS align and unsafe links are rendered within bounds and safe", async () => {
    const pageId = await insertPage(server.sql, cast.room.id, { title: "Stored attrs" });
    const bad = craftUpdate((f) =>
      f.push([
        tableWithCell({ colspan: 1_000_000, rowspan: 1.5, align: "left; position: fixed; inset: 0" }),
        paragraph("script link", { link: { href: "javascript:alert(1)", target: "_self", rel: "opener" } }),
        paragraph("data link", { link: { href: "data:text/html,x" } }),
      ]),
    );
    await server.sql`insert into page_updates (page_id, update, author_id) values (${pageId}, ${bad}, null)`;
    const health = pollHealth(server);
    const record = await expectRoomRecordReadable(server, cast.owner.token, cast.room.id);
    await health.expectResponsive("stored attributes");
    const entry = record.pages.find((p) => p.id === pageId)!;
    expect(entry.currentHtml).not.toContain("position");
    expect(entry.currentHtml).not.toContain("1000000");
    expect(entry.currentHtml).not.toContain("javascript:");
    expect(entry.currentHtml).toContain("script link");
    expect(entry.currentMarkdown).not.toMatch(/javascript:|data:/);
    const exported = await fetch(`${server.url}/api/v1/rooms/${cast.room.id}/handoff?format=markdown`, { headers: { authorization: `Bearer ${cast.owner.token}` } });
    expect(await exported.text()).not.toMatch(/\]\((?:javascript|data):/);
  });
});
