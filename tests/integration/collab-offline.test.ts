import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import * as Y from "yjs";
import { connectPage, type UnsavedChange } from "../../collab/client.ts";
import { CLOSE } from "../../collab/close-codes.ts";
import { loadStoredState } from "../../collab/documents.ts";
import { roomWithCast } from "../support/factories.ts";
import { startTestServer, type TestServer } from "../support/server.ts";
import { insertPage, openClient, pageText, storedText, typeInto, waitFor, type TestClient } from "./collab-support.ts";

// Offline editing (docs/decisions/029-offline-editing.md): a document kept on the device carries
// edits of an earlier tab, made under that tab's client id, and the list of changes the server
// had not acknowledged. A new connection reports "saved" only once the server has them stored,
// whether it sends them now or the server had them already; and a refused connection applies
// nothing of them.

let server: TestServer;
let cast: Awaited<ReturnType<typeof roomWithCast>>;
const clients: TestClient[] = [];
const client = (pageId: string, token: string, doc?: Y.Doc) => {
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

/** A connection that starts paused (the device is offline) and records its unacknowledged changes. */
function offlineClient(pageId: string, token: string, doc: Y.Doc, unsaved: readonly UnsavedChange[] = []) {
  let kept: readonly UnsavedChange[] = unsaved;
  const connection = connectPage({ url: server.url, pageId, doc, token, WebSocketPolyfill: WebSocket, paused: true, unsaved, onUnsavedChange: (u) => (kept = u) });
  const closes: number[] = [];
  connection.provider.on("connection-close", (event) => event && closes.push(event.code));
  clients.push({
    doc,
    connection,
    closes,
    waitForStatus: async () => {},
    waitForClose: async () => {},
    destroy: () => connection.destroy(),
  });
  return { connection, closes, kept: () => kept };
}

/** What a closed tab leaves on the device: the document and the unacknowledged changes. */
const copyOf = (doc: Y.Doc) => {
  const copy = new Y.Doc();
  Y.applyUpdate(copy, Y.encodeStateAsUpdate(doc));
  return copy;
};

describe("offline copies over /collab", () => {
  it("edits typed offline in a closed tab are sent by the next one, which says saved only once they are stored", async () => {
    const pageId = await insertPage(server.sql, cast.room.id);
    const first = client(pageId, cast.externalEditor.token);
    await first.waitForStatus("saved");
    typeInto(first.doc, "Online part.");
    await first.waitForStatus("saved");

    // Offline: the tab types, then is closed with its changes unacknowledged.
    first.connection.destroy();
    const tab = offlineClient(pageId, cast.externalEditor.token, first.doc);
    typeInto(first.doc, " Typed offline.");
    expect(tab.connection.status).toBe("offline");
    expect(tab.connection.unsavedCount()).toBeGreaterThan(0);
    const left = tab.kept();
    expect(left.every((c) => c.client === first.doc.clientID)).toBe(true);
    tab.connection.destroy();

    // The tab opened again: a new client id, the old one's changes still waiting.
    const reopened = copyOf(first.doc);
    expect(reopened.clientID).not.toBe(first.doc.clientID);
    const again = offlineClient(pageId, cast.externalEditor.token, reopened, left);
    expect(again.connection.status).toBe("offline");
    const statuses: string[] = [];
    again.connection.onStatus((s) => statuses.push(s));
    again.connection.resume();
    await waitFor(() => again.connection.status === "saved", `saved (now ${again.connection.status})`);
    // Saved means stored: the text is in PostgreSQL, and the status went through "saving".
    expect(storedText(await loadStoredState(server.sql, pageId))).toBe("Online part. Typed offline.");
    expect(statuses).toContain("saving");
    expect(again.kept()).toEqual([]);
    const reader = client(pageId, cast.internalEditor.token);
    await waitFor(() => pageText(reader.doc) === "Online part. Typed offline.", "the other side has the offline text");
  });

  it("edits the server already had (the acknowledgement was lost with the tab) are reported saved at once", async () => {
    const pageId = await insertPage(server.sql, cast.room.id);
    const first = client(pageId, cast.externalEditor.token);
    await first.waitForStatus("saved");
    const tab = offlineClient(pageId, cast.externalEditor.token, first.doc);
    typeInto(first.doc, "Sent, never acknowledged.");
    const left = tab.kept();
    expect(left.length).toBeGreaterThan(0);
    await first.waitForStatus("saved"); // the server has it; the list above is what the closed tab kept
    tab.connection.destroy();
    first.connection.destroy();

    const again = offlineClient(pageId, cast.externalEditor.token, copyOf(first.doc), left);
    again.connection.resume();
    await waitFor(() => again.connection.status === "saved", `saved (now ${again.connection.status})`);
    expect(again.kept()).toEqual([]);
  });

  it("a guest whose page became internal while offline is refused, and nothing typed offline is applied", async () => {
    const pageId = await insertPage(server.sql, cast.room.id);
    const guest = client(pageId, cast.externalEditor.token);
    await guest.waitForStatus("saved");
    typeInto(guest.doc, "Agreed scope.");
    await guest.waitForStatus("saved");
    guest.connection.destroy();

    const offline = offlineClient(pageId, cast.externalEditor.token, copyOf(guest.doc));
    typeInto(offline.connection.provider.doc, " We expect a 40 percent discount.");
    await server.sql`update pages set visibility = 'internal' where id = ${pageId}`;
    server.app.bus.invalidate({ pageIds: [pageId] });

    offline.connection.resume();
    await waitFor(() => offline.closes.includes(CLOSE.NOT_FOUND), `close 4404 (saw ${offline.closes.join(",") || "none"})`);
    expect(offline.connection.hasUnsavedChanges()).toBe(true);
    const seller = client(pageId, cast.internalEditor.token);
    await seller.waitForStatus("saved");
    expect(pageText(seller.doc)).toBe("Agreed scope.");
    expect(storedText(await loadStoredState(server.sql, pageId))).toBe("Agreed scope.");
  });
});
