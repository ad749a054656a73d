import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import * as Y from "yjs";
import { loadStoredState } from "../../collab/documents.ts";
import { colorFor } from "../../collab/protocol.ts";
import { roomWithCast } from "../support/factories.ts";
import { startTestServer, type TestServer } from "../support/server.ts";
import { addParagraph, insertPage, openClient, pageText, storedText, typeInto, waitFor, type TestClient } from "./collab-support.ts";

let server: TestServer;
let cast: Awaited<ReturnType<typeof roomWithCast>>;
const clients: TestClient[] = [];
const client = (pageId: string, token: string | undefined, doc?: Y.Doc) => {
  const c = openClient(server.url, pageId, token, doc);
  clients.push(c);
  return c;
};

beforeAll(async () => {
  server = await startTestServer();
  cast = await roomWithCast(server);
});
afterEach(() => {
  for (const c of clients.splice(0)) c.destroy();
});
afterAll(async () => {
  await server.close();
});

describe("live editing over /collab", () => {
  it("two editors converge, and what is reported saved is in PostgreSQL with its author", async () => {
    const pageId = await insertPage(server.sql, cast.room.id);
    const seller = client(pageId, cast.internalEditor.token);
    const buyer = client(pageId, cast.externalEditor.token);
    await seller.waitForStatus("saved");
    await buyer.waitForStatus("saved");

    addParagraph(seller.doc, "Pilot in the EU region");
    addParagraph(buyer.doc, "Security review by March");
    await waitFor(() => pageText(seller.doc).includes("Security review") && pageText(buyer.doc).includes("Pilot"), "both edits on both sides");
    expect(pageText(seller.doc)).toBe(pageText(buyer.doc));

    await seller.waitForStatus("saved");
    await buyer.waitForStatus("saved");
    const stored = storedText(await loadStoredState(server.sql, pageId));
    expect(stored).toBe(pageText(seller.doc));

    const authors = await server.sql<{ authorId: string }[]>`
      select distinct author_id as "authorId" from page_updates where page_id = ${pageId}`;
    expect(authors.map((a) => a.authorId).sort()).toEqual([cast.internalEditor.id, cast.externalEditor.id].sort());
    const [page] = await server.sql<{ due: Date | null; authors: string[] }[]>`
      select due_at as due, pending_authors as authors from page_version_marks where page_id = ${pageId}`;
    expect(page!.due!.getTime()).toBeGreaterThan(Date.now() + 20_000);
    expect([...page!.authors].sort()).toEqual([cast.internalEditor.id, cast.externalEditor.id].sort());
  });

  it("reports saving until each keystroke is committed, and saved covers every one of them", async () => {
    const pageId = await insertPage(server.sql, cast.room.id);
    const writer = client(pageId, cast.owner.token);
    await writer.waitForStatus("saved");
    const statuses: string[] = [];
    writer.connection.onStatus((s) => statuses.push(s));
    typeInto(writer.doc, "Budget approved for Q3");
    expect(writer.connection.status).toBe("saving");
    await writer.waitForStatus("saved");
    expect(statuses).toEqual(["saving", "saved"]);
    expect(storedText(await loadStoredState(server.sql, pageId))).toBe("Budget approved for Q3");
  });

  it("a deletion alone is saving until the server stored it", async () => {
    const pageId = await insertPage(server.sql, cast.room.id);
    const writer = client(pageId, cast.owner.token);
    await writer.waitForStatus("saved");
    addParagraph(writer.doc, "Discount 20%");
    await writer.waitForStatus("saved");
    const clockBefore = Y.getState(writer.doc.store, writer.doc.clientID);

    const text = (writer.doc.getXmlFragment("default").get(0) as Y.XmlElement).get(0) as Y.XmlText;
    text.delete(8, 4); // "Discount"
    // A pure deletion does not advance the client's clock: the state vector alone cannot tell it apart.
    expect(Y.getState(writer.doc.store, writer.doc.clientID)).toBe(clockBefore);
    expect(writer.connection.status).toBe("saving");
    await writer.waitForStatus("saved");
    expect(storedText(await loadStoredState(server.sql, pageId))).toBe("Discount");
  });

  it("a late joiner gets the whole document, and its awareness carries the session's identity", async () => {
    const pageId = await insertPage(server.sql, cast.room.id);
    const first = client(pageId, cast.internalEditor.token);
    await first.waitForStatus("saved");
    addParagraph(first.doc, "Kick-off on Monday");
    await first.waitForStatus("saved");

    const late = client(pageId, cast.externalViewer.token);
    await waitFor(() => pageText(late.doc) === "Kick-off on Monday", "late joiner synced");
    // The viewer claims to be someone else; the server stamps who they are.
    late.connection.provider.awareness.setLocalStateField("user", { id: cast.owner.id, name: "Olivia Owner", side: "internal", color: "#000000" });
    const seen = await waitFor(
      () => first.connection.provider.awareness.getStates().get(late.doc.clientID)?.user as Record<string, unknown> | undefined,
      "the viewer's awareness at the editor",
    );
    expect(seen).toEqual({ id: cast.externalViewer.id, name: cast.externalViewer.name, side: "external", color: colorFor(cast.externalViewer.id) });
  });

  it("a viewer's edits are neither relayed nor stored, and never reported saved", async () => {
    const pageId = await insertPage(server.sql, cast.room.id);
    const editor = client(pageId, cast.externalEditor.token);
    const viewer = client(pageId, cast.externalViewer.token);
    await editor.waitForStatus("saved");
    await viewer.waitForStatus("saved");

    addParagraph(viewer.doc, "Viewer was here");
    expect(viewer.connection.status).toBe("saving");
    addParagraph(editor.doc, "Editor text");
    await waitFor(() => pageText(viewer.doc).includes("Editor text"), "the editor's text at the viewer");
    await editor.waitForStatus("saved");
    // The viewer's update went out before the editor's; the server has long decided about it.
    await waitFor(async () => (await server.sql`select 1 from page_updates where page_id = ${pageId}`).length > 0, "a stored row");

    expect(pageText(editor.doc)).toBe("Editor text");
    expect(storedText(await loadStoredState(server.sql, pageId))).toBe("Editor text");
    expect(viewer.connection.status).toBe("saving");
    const [row] = await server.sql<{ n: number }[]>`
      select count(*)::int as n from page_updates where page_id = ${pageId} and author_id = ${cast.externalViewer.id}`;
    expect(row!.n).toBe(0);
  });

  it("server code edits through the live document: editors see it, and it is durable when the call returns", async () => {
    const pageId = await insertPage(server.sql, cast.room.id);
    const editor = client(pageId, cast.internalEditor.token);
    await editor.waitForStatus("saved");
    addParagraph(editor.doc, "Typed live");
    await editor.waitForStatus("saved");

    const change = new Y.Doc();
    Y.applyUpdate(change, await server.app.documents.encodeState(pageId));
    addParagraph(change, "Restored from version 3");
    const update = Y.encodeStateAsUpdate(change, Y.encodeStateVector(new Y.Doc()));
    await server.app.documents.applyUpdate(pageId, update, cast.owner.id);

    expect(storedText(await loadStoredState(server.sql, pageId))).toBe("Typed live\nRestored from version 3");
    await waitFor(() => pageText(editor.doc) === "Typed live\nRestored from version 3", "the server's change at the editor");
    const [page] = await server.sql<{ text: string }[]>`select content_text as text from pages where id = ${pageId}`;
    expect(page!.text).toContain("Restored from version 3");
    const [row] = await server.sql<{ n: number }[]>`
      select count(*)::int as n from page_updates where page_id = ${pageId} and author_id = ${cast.owner.id}`;
    expect(row!.n).toBe(1);
  });

  it("a page just created through the API is served live at once, with its initial content", async () => {
    const created = await server.api(`/api/v1/rooms/${cast.room.id}/pages`, {
      token: cast.owner.token,
      body: { title: "Discount approval", visibility: "shared", markdown: "Ten percent for a three-year term." },
    });
    expect(created.status).toBe(201);
    const buyer = client(created.body.id, cast.externalEditor.token);
    await buyer.waitForStatus("saved");
    expect(pageText(buyer.doc)).toBe("Ten percent for a three-year term.");
  });

  it("server code edits a page nobody has open: loaded, applied, stored, rendered", async () => {
    const pageId = await insertPage(server.sql, cast.room.id);
    const change = new Y.Doc();
    addParagraph(change, "Imported from markdown");
    await server.app.documents.applyUpdate(pageId, Y.encodeStateAsUpdate(change), null);
    expect(storedText(await loadStoredState(server.sql, pageId))).toBe("Imported from markdown");
    const [page] = await server.sql<{ text: string; html: string }[]>`
      select content_text as text, content_html as html from pages where id = ${pageId}`;
    expect(page!.text).toBe("Imported from markdown");
    expect(page!.html).toContain("Imported from markdown");
    expect(storedText(await server.app.documents.encodeState(pageId))).toBe("Imported from markdown");
    await expect(server.app.documents.applyUpdate("00000000-0000-4000-8000-000000000000", Y.encodeStateAsUpdate(change), null)).rejects.toMatchObject({
      status: 404,
    });
  });
});
