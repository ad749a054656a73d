// Issue 13, "one request freezes the whole server" and the document bounds around it: each attack
// is made the way it was found (a Markdown body over HTTP, a crafted Yjs update over the real
// collab websocket) against a real server, and each checks that everyone else is still served.
import { inflateRawSync } from "node:zlib";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import * as Y from "yjs";
import { CLOSE } from "../../collab/close-codes.ts";
import { loadStoredState } from "../../collab/documents.ts";
import type { DocumentRegistry } from "../../collab/registry.ts";
import { decodeClientMessage, MESSAGE_AWARENESS } from "../../collab/protocol.ts";
import { BOUNDS } from "../../server/wiki/bounds.ts";
import { roomWithCast } from "../support/factories.ts";
import type { TestServer } from "../support/server.ts";
import { insertPage, storedText, waitFor, type RawSocket } from "./collab-support.ts";
import { startFilesServer, upload } from "./files-support.ts";
import {
  craftUpdate,
  createPage,
  el,
  expectRoomRecordReadable,
  pushNestedQuotes,
  openRaw,
  paragraph,
  pollHealth,
  sendAwareness,
  sendUpdate,
  tableWithCell,
  text,
} from "./bounds-support.ts";

vi.setConfig({ testTimeout: 120_000 });

let server: TestServer;
let cast: Awaited<ReturnType<typeof roomWithCast>>;
/** A page with known content that every attack must leave readable. */
let bystanderPage: string;
const sockets: RawSocket[] = [];

beforeAll(async () => {
  server = await startFilesServer();
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
  await server.close();
});

const guest = () => cast.externalEditor.token;
const editor = () => cast.internalEditor.token;
const registry = () => server.app.documents as DocumentRegistry;
const stored = async (pageId: string) => loadStoredState(server.sql, pageId);

/** Sends `update` as `token` to a fresh page and expects it refused with `code`, the page unchanged in memory and in PostgreSQL. */
async function expectRefused(token: string, update: Uint8Array, code: number = CLOSE.OUT_OF_BOUNDS) {
  const pageId = await insertPage(server.sql, cast.room.id);
  const socket = await openRaw(server, pageId, token, sockets);
  const health = pollHealth(server);
  const sent = await sendUpdate(socket, update);
  expect(await health.stop()).toBeLessThan(200);
  expect(sent.close?.code).toBe(code);
  const live = registry().loaded(pageId);
  if (live) expect(live.doc.getXmlFragment("default").length).toBe(0);
  expect(storedText(await stored(pageId))).toBe("");
  await expectRoomRecordReadable(server, cast.owner.token, cast.room.id);
  return { pageId, sent };
}

describe("Markdown import cannot hold the server", () => {
  it("a body of unmatched emphasis delimiters is read in linear time, off the main thread", async () => {
    for (const body of ["*a ".repeat(10_000), "_a ".repeat(10_000), "- *".repeat(10_000), "**_* ".repeat(6_000)]) {
      const health = pollHealth(server);
      const started = performance.now();
      const res = await server.api(`/api/v1/rooms/${cast.room.id}/pages`, { token: guest(), body: { title: "Emphasis", visibility: "shared", markdown: body } });
      const took = performance.now() - started;
      expect(await health.stop(), body.slice(0, 6)).toBeLessThan(200);
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      expect(took, body.slice(0, 6)).toBeLessThan(5000);
    }
  });

  it("blocks nested past the bound are 422 document_too_complex, on create and on PATCH", async () => {
    for (const markdown of ["> ".repeat(BOUNDS.maxDepth + 1) + "deep", Array.from({ length: 80 }, (_, i) => `${"  ".repeat(i)}- item`).join("\n")]) {
      const created = await server.api(`/api/v1/rooms/${cast.room.id}/pages`, { token: guest(), body: { title: "Deep", visibility: "shared", markdown } });
      expect(created.status).toBe(422);
      expect(created.body.error.code).toBe("document_too_complex");
      const patched = await server.api(`/api/v1/pages/${bystanderPage}`, { token: guest(), method: "PATCH", body: { markdown } });
      expect(patched.status).toBe(422);
      expect(patched.body.error.code).toBe("document_too_complex");
    }
  });

  it("more blocks than the bound are 422 document_too_complex", async () => {
    const res = await server.api(`/api/v1/rooms/${cast.room.id}/pages`, {
      token: guest(),
      body: { title: "Many", visibility: "shared", markdown: "- x\n".repeat(BOUNDS.maxNodes) },
    });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe("document_too_complex");
  });
});

describe("raw Yjs updates are checked against the schema and its bounds before they apply", () => {
  it("a huge colspan from a guest is refused (4422) and nothing renders it", async () => {
    await expectRefused(guest(), craftUpdate((f) => f.push([tableWithCell({ colspan: 50_000_000 })])));
    await expectRefused(guest(), craftUpdate((f) => f.push([tableWithCell({ rowspan: -1 })])));
    await expectRefused(guest(), craftUpdate((f) => f.push([tableWithCell({ colwidth: Array(5000).fill(100) })])));
  });

  it("blocks nested 20,000 deep in one update are refused (4422)", async () => {
    const update = craftUpdate((f) => pushNestedQuotes(f, 20_000));
    expect(update.byteLength).toBeLessThan(2 * 1024 * 1024);
    await expectRefused(editor(), update);
  });

  it("a CSS string as a cell's align is refused (4422)", async () => {
    const css = "left; position: fixed; inset: 0; z-index: 9999; background: url(https://evil.example/x)";
    await expectRefused(guest(), craftUpdate((f) => f.push([tableWithCell({ align: css })])));
  });

  it("elements, attributes and marks outside the schema are refused (4422)", async () => {
    for (const build of [
      (f: Y.XmlFragment) => f.push([el("script", {}, [text("x")])]),
      (f: Y.XmlFragment) => f.push([el("heading", { level: 99 }, [text("x")])]),
      (f: Y.XmlFragment) => f.push([el("paragraph", { style: "color: red" }, [text("x")])]),
      (f: Y.XmlFragment) => f.push([el("codeBlock", { language: "<img src=x onerror=alert(1)>" }, [text("x")])]),
      (f: Y.XmlFragment) => f.push([paragraph("x", { bold: {}, blink: {} })]),
      (_f: Y.XmlFragment, d: Y.Doc) => d.getMap("elsewhere").set("junk", "x".repeat(1000)),
    ]) {
      await expectRefused(guest(), craftUpdate(build));
    }
  });

  it("javascript: and data: links and client-set rel/target are refused (4422)", async () => {
    for (const link of [
      { href: "javascript:alert(document.cookie)" },
      { href: "data:text/html,<script>alert(1)</script>" },
      { href: "java\tscript:alert(1)" },
      { href: "https://example.com", target: "_self", rel: "opener" },
    ]) {
      await expectRefused(guest(), craftUpdate((f) => f.push([paragraph("click", { link })])));
    }
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
  it("a page cannot grow past the document size quota over collab (4413)", async () => {
    const pageId = await insertPage(server.sql, cast.room.id);
    const socket = await openRaw(server, pageId, editor(), sockets);
    const doc = new Y.Doc();
    let sentBytes = 0;
    let close: { code: number } | null = null;
    for (let i = 0; i < 25 && !close; i++) {
      const before = Y.encodeStateVector(doc);
      doc.getXmlFragment("default").push([paragraph("x".repeat(800_000))]);
      const update = Y.encodeStateAsUpdate(doc, before);
      sentBytes += update.byteLength;
      close = (await sendUpdate(socket, update)).close;
    }
    expect(close?.code).toBe(CLOSE.TOO_LARGE);
    expect(sentBytes).toBeLessThan(4 * 1024 * 1024);
    expect((await stored(pageId)).byteLength).toBeLessThanOrEqual(BOUNDS.maxDocumentBytes);
    doc.destroy();
  });

  it("updates that only wait for structs the server never saw are refused once too much is pending (4422)", async () => {
    const pageId = await insertPage(server.sql, cast.room.id);
    const socket = await openRaw(server, pageId, guest(), sockets);
    let close: { code: number } | null = null;
    let sent = 0;
    for (let i = 0; i < 20 && !close; i++) {
      // The first update of this client is never sent: everything after it waits in Yjs' pending set.
      const doc = new Y.Doc();
      doc.getXmlFragment("default").push([paragraph("first")]);
      const before = Y.encodeStateVector(doc);
      doc.getXmlFragment("default").push([paragraph("y".repeat(60_000))]);
      close = (await sendUpdate(socket, Y.encodeStateAsUpdate(doc, before), 3000).catch(() => ({ close: null }))).close;
      doc.destroy();
      sent++;
    }
    expect(close?.code).toBe(CLOSE.OUT_OF_BOUNDS);
    expect(sent).toBeLessThan(10);
    const live = registry().loaded(pageId);
    const pending = (live?.doc.store.pendingStructs?.update.byteLength ?? 0) + (live?.doc.store.pendingDs?.byteLength ?? 0);
    expect(pending).toBeLessThanOrEqual(BOUNDS.maxPendingBytes + 70_000);
  });

  it("an awareness state past its bound closes the connection (4422); a connection owns one awareness client", async () => {
    const pageId = await insertPage(server.sql, cast.room.id);
    const flooder = await openRaw(server, pageId, guest(), sockets);
    sendAwareness(flooder, [{ clientId: 1, clock: 1, state: { cursor: "z".repeat(1_000_000) } }]);
    expect((await flooder.closed).code).toBe(CLOSE.OUT_OF_BOUNDS);

    const many = await openRaw(server, pageId, guest(), sockets);
    sendAwareness(many, Array.from({ length: 8 }, (_, i) => ({ clientId: 100 + i, clock: 1, state: { cursor: i } })));
    await new Promise((r) => setTimeout(r, 200));
    const newcomer = await openRaw(server, pageId, cast.externalViewer.token, sockets);
    const awareness = await waitFor(() => newcomer.messages.find((m) => m[0] === MESSAGE_AWARENESS), "the awareness states");
    const message = decodeClientMessage(awareness);
    expect(message.type).toBe("awareness");
    const states = message.type === "awareness" ? message.entries.filter((e) => e.state !== null) : [];
    expect(states.map((e) => e.clientId)).toEqual([100]);
  });
});

describe("a page stored past the bounds (before they existed) breaks nothing else", () => {
  it("renders a placeholder; its record, archive and export stay readable; archiving it works", async () => {
    const pageId = await insertPage(server.sql, cast.room.id, { title: "Stored deep" });
    const deep = craftUpdate((f) => pushNestedQuotes(f, 20_000));
    await server.sql`insert into page_updates (page_id, update, author_id) values (${pageId}, ${deep}, null)`;
    const health = pollHealth(server);
    const page = await server.api(`/api/v1/pages/${pageId}`, { token: cast.owner.token });
    expect(page.status).toBe(200);
    expect(page.body.markdown).toContain("cannot be shown");
    await expectRoomRecordReadable(server, cast.externalViewer.token, cast.room.id);
    await expectRoomRecordReadable(server, cast.owner.token, cast.room.id);
    expect((await server.api(`/api/v1/pages/${pageId}/versions`, { token: cast.owner.token, body: { label: "x" } })).status).toBe(201);
    expect((await server.api(`/api/v1/pages/${pageId}/archive`, { token: cast.owner.token, method: "POST" })).status).toBe(200);
    expect(await health.stop()).toBeLessThan(200);
  });

  it("a stored huge colspan, CSS align and unsafe links are rendered within bounds and safe", async () => {
    const pageId = await insertPage(server.sql, cast.room.id, { title: "Stored attrs" });
    const bad = craftUpdate((f) =>
      f.push([
        tableWithCell({ colspan: 1_000_000, align: "left; position: fixed; inset: 0" }),
        paragraph("script link", { link: { href: "javascript:alert(1)", target: "_self", rel: "opener" } }),
        paragraph("data link", { link: { href: "data:text/html,x" } }),
      ]),
    );
    await server.sql`insert into page_updates (page_id, update, author_id) values (${pageId}, ${bad}, null)`;
    const health = pollHealth(server);
    const record = await expectRoomRecordReadable(server, cast.owner.token, cast.room.id);
    expect(await health.stop()).toBeLessThan(200);
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

describe("CSV exports", () => {
  it("files.csv in the archive escapes cells a spreadsheet would run as formulas", async () => {
    const names = ["=HYPERLINK(\"https://evil.example\",\"x\").pdf", "+cmd.txt", "-2+3.txt", "@SUM(A1).txt"];
    for (const name of names) expect((await upload(server, cast.owner.token, cast.room.id, "bytes", { name, visibility: "shared" })).status).toBe(201);
    const res = await fetch(`${server.url}/api/v1/rooms/${cast.room.id}/export`, { headers: { authorization: `Bearer ${cast.owner.token}` } });
    expect(res.status).toBe(200);
    const csv = unzipEntry(Buffer.from(await res.arrayBuffer()), "files.csv");
    const firstCells = csv.trim().split("\r\n").slice(1).map((line) => line.replace(/^"/, "").slice(0, 2));
    expect(firstCells.length).toBe(names.length);
    for (const cell of firstCells) expect(cell[0]).toBe("'");
  });

  it("audit.csv escapes them too", async () => {
    const res = await fetch(`${server.url}/api/v1/rooms/${cast.room.id}/audit?format=csv`, { headers: { authorization: `Bearer ${cast.owner.token}` } });
    expect(res.status).toBe(200);
    const lines = (await res.text()).trim().split("\r\n").slice(1);
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) for (const cell of line.split(",")) expect(cell.replace(/^"/, "")).not.toMatch(/^[=+\-@\t]/);
  });
});

/** One entry of a zip (stored or deflated), from its central directory. */
function unzipEntry(zip: Buffer, wanted: string): string {
  let eocd = zip.length - 22;
  while (eocd >= 0 && zip.readUInt32LE(eocd) !== 0x06054b50) eocd--;
  let at = zip.readUInt32LE(eocd + 16);
  for (let i = 0; i < zip.readUInt16LE(eocd + 10); i++) {
    const method = zip.readUInt16LE(at + 10);
    const size = zip.readUInt32LE(at + 20);
    const nameLength = zip.readUInt16LE(at + 28);
    const local = zip.readUInt32LE(at + 42);
    const name = zip.subarray(at + 46, at + 46 + nameLength).toString("utf8");
    if (name === wanted) {
      const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
      const data = zip.subarray(start, start + size);
      return (method === 8 ? inflateRawSync(data) : data).toString("utf8");
    }
    at += 46 + nameLength + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
  }
  throw new Error(`${wanted} not in the archive`);
}
