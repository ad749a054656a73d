import http from "node:http";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import * as encoding from "lib0/encoding";
import * as Y from "yjs";
import { CLOSE } from "../../collab/close-codes.ts";
import { loadStoredState } from "../../collab/documents.ts";
import { encodeAwarenessMessage, encodeAwarenessUpdate, encodeSyncStep1, encodeUpdateMessage } from "../../collab/protocol.ts";
import { createAppContext } from "../../server/boot.ts";
import { attachCollab } from "../../server/collab-hooks.ts";
import { listen } from "../../server/http.ts";
import { roomWithCast } from "../support/factories.ts";
import { startTestServer, type TestServer } from "../support/server.ts";
import { addParagraph, insertPage, openClient, pageText, rawSocket, storedText, waitFor, type RawSocket, type TestClient } from "./collab-support.ts";

let server: TestServer;
let cast: Awaited<ReturnType<typeof roomWithCast>>;
/** A well-behaved editor on another page, checked after every attack. */
let bystander: TestClient;
let bystanderPage: string;
const sockets: RawSocket[] = [];
const clients: TestClient[] = [];
const raw = (pageId: string, token?: string) => {
  const s = rawSocket(server.url, pageId, token);
  sockets.push(s);
  return s;
};

beforeAll(async () => {
  server = await startTestServer();
  cast = await roomWithCast(server);
  bystanderPage = await insertPage(server.sql, cast.room.id);
  bystander = openClient(server.url, bystanderPage, cast.internalEditor.token);
  await bystander.waitForStatus("saved");
});
afterEach(async () => {
  for (const s of sockets.splice(0)) s.ws.terminate();
  for (const c of clients.splice(0)) c.destroy();
  // The server is still serving everyone else.
  addParagraph(bystander.doc, `still fine ${Date.now()}`);
  await bystander.waitForStatus("saved");
  expect(storedText(await loadStoredState(server.sql, bystanderPage))).toBe(pageText(bystander.doc));
  expect(bystander.closes).toEqual([]);
});
afterAll(async () => {
  bystander.destroy();
  await server.close();
});

const frame = (...bytes: number[]) => new Uint8Array(bytes);

describe("malformed frames close only their own connection", () => {
  const cases: [string, Uint8Array | string][] = [
    ["garbage bytes", frame(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff)],
    ["a truncated varint", frame(0, 2, 0x80)],
    ["a payload shorter than its length", frame(0, 2, 10, 1, 2)],
    ["an unknown message type", frame(7)],
    ["an auth message from a client", frame(2, 0, 0)],
    ["an unknown sync step", frame(0, 9, 0)],
    ["trailing bytes", frame(3, 0)],
    ["an awareness update with bad JSON", encodeAwarenessMessage(encodeVarStringEntry("{not json"))],
    ["an awareness state that is not an object", encodeAwarenessMessage(encodeVarStringEntry("42"))],
    ["a text frame", "hello"],
  ];
  for (const [name, payload] of cases) {
    it(`${name} → 4400`, async () => {
      const pageId = await insertPage(server.sql, cast.room.id);
      const socket = raw(pageId, cast.externalEditor.token);
      await socket.opened;
      socket.ws.send(payload);
      expect((await socket.closed).code).toBe(CLOSE.BAD_MESSAGE);
    });
  }

  it("an update whose Yjs content is garbage → 4400, and the page keeps its content", async () => {
    const pageId = await insertPage(server.sql, cast.room.id);
    const editor = openClient(server.url, pageId, cast.owner.token);
    clients.push(editor);
    addParagraph(editor.doc, "kept");
    await editor.waitForStatus("saved");
    const socket = raw(pageId, cast.externalEditor.token);
    await socket.opened;
    socket.ws.send(encodeUpdateMessage(frame(5, 0xff, 0xff, 0xff, 0x7f, 3, 9, 9)));
    expect((await socket.closed).code).toBe(CLOSE.BAD_MESSAGE);
    addParagraph(editor.doc, "and more");
    await editor.waitForStatus("saved");
    expect(storedText(await loadStoredState(server.sql, pageId))).toBe("kept\nand more");
  });

  it("an oversized frame is refused from its header (1009)", async () => {
    const pageId = await insertPage(server.sql, cast.room.id);
    const socket = raw(pageId, cast.externalEditor.token);
    await socket.opened;
    socket.ws.send(new Uint8Array(2 * 1024 * 1024 + 1));
    expect((await socket.closed).code).toBe(1009);
  });
});

describe("before authorization", () => {
  it("an unauthenticated client's early update is never applied", async () => {
    const pageId = await insertPage(server.sql, cast.room.id);
    const socket = raw(pageId);
    socket.ws.once("open", () => socket.ws.send(encodeUpdateMessage(updateWith("sneaky"))));
    expect((await socket.closed).code).toBe(CLOSE.UNAUTHENTICATED);
    expect(storedText(await loadStoredState(server.sql, pageId))).toBe("");
  });

  it("a flood of messages while the decision is pending closes the connection (bounded queue)", async () => {
    const pageId = await insertPage(server.sql, cast.room.id);
    // Hold the session lookup so that the decision cannot finish while the client floods.
    const held = server.sql.reserve();
    const conn = await held;
    await conn`begin`;
    await conn`lock table sessions in access exclusive mode`;
    try {
      const socket = raw(pageId, cast.externalEditor.token);
      await socket.opened;
      for (let i = 0; i < 100; i++) socket.ws.send(encodeSyncStep1(new Y.Doc()));
      expect((await socket.closed).code).toBe(CLOSE.BAD_MESSAGE);
    } finally {
      await conn`rollback`;
      conn.release();
    }
  });

  it("an editor's update sent before the decision is applied after it", async () => {
    const pageId = await insertPage(server.sql, cast.room.id);
    const socket = raw(pageId, cast.externalEditor.token);
    socket.ws.once("open", () => socket.ws.send(encodeUpdateMessage(updateWith("early bird"))));
    await waitFor(async () => storedText(await loadStoredState(server.sql, pageId)) === "early bird", "the early update stored");
  });
});

describe("awareness", () => {
  it("a client cannot overwrite or remove another connection's awareness state", async () => {
    const pageId = await insertPage(server.sql, cast.room.id);
    const editor = openClient(server.url, pageId, cast.internalEditor.token);
    const watcher = openClient(server.url, pageId, cast.owner.token);
    clients.push(editor, watcher);
    editor.connection.provider.awareness.setLocalStateField("cursor", { at: 1 });
    const victimId = editor.doc.clientID;
    await waitFor(() => watcher.connection.provider.awareness.getStates().get(victimId)?.cursor, "the editor's cursor at the watcher");

    const attacker = raw(pageId, cast.externalViewer.token);
    await attacker.opened;
    attacker.ws.send(encodeAwarenessMessage(encodeAwarenessUpdate([{ clientId: victimId, clock: 999, state: { cursor: { at: 666 }, user: { name: "Olivia" } } }])));
    attacker.ws.send(encodeAwarenessMessage(encodeAwarenessUpdate([{ clientId: victimId, clock: 1000, state: null }])));
    attacker.ws.send(encodeAwarenessMessage(encodeAwarenessUpdate([{ clientId: 4242, clock: 1, state: { cursor: { at: 2 } } }])));
    await waitFor(() => watcher.connection.provider.awareness.getStates().get(4242), "the attacker's own state at the watcher");

    const victim = watcher.connection.provider.awareness.getStates().get(victimId)!;
    expect(victim.cursor).toEqual({ at: 1 });
    expect(victim.user.id).toBe(cast.internalEditor.id);
    expect(watcher.connection.provider.awareness.getStates().get(4242)!.user.id).toBe(cast.externalViewer.id);
  });
});

describe("limits", () => {
  /** A second collab endpoint on the same database, with small limits. */
  async function smallServer() {
    const app = createAppContext(server.sql, server.app.config, server.app.log, { rateLimits: { collabUpgradesPerIp: { points: 4, duration: 60 } } });
    const httpServer = http.createServer();
    const collab = attachCollab(app, httpServer, { maxConnectionsPerPage: 2 });
    const url = await listen(httpServer, 0, "127.0.0.1");
    return {
      url,
      async close() {
        await collab.close();
        httpServer.closeAllConnections();
        await new Promise((r) => httpServer.close(r));
      },
    };
  }

  it("a page takes a bounded number of connections; the next one is told to try later (4529)", async () => {
    const small = await smallServer();
    try {
      const pageId = await insertPage(server.sql, cast.room.id);
      const first = rawSocket(small.url, pageId, cast.externalEditor.token);
      const second = rawSocket(small.url, pageId, cast.externalViewer.token);
      sockets.push(first, second);
      await Promise.all([served(first), served(second)]);
      const third = rawSocket(small.url, pageId, cast.internalViewer.token);
      sockets.push(third);
      expect((await third.closed).code).toBe(CLOSE.TOO_MANY);
      const otherPage = rawSocket(small.url, await insertPage(server.sql, cast.room.id), cast.internalViewer.token);
      sockets.push(otherPage);
      await served(otherPage);
    } finally {
      for (const s of sockets.splice(0)) s.ws.terminate();
      await small.close();
    }
  });

  it("upgrades per IP are rate limited (HTTP 429 before any websocket is made)", async () => {
    const small = await smallServer();
    try {
      const pageId = await insertPage(server.sql, cast.room.id);
      for (let i = 0; i < 4; i++) {
        const ok = rawSocket(small.url, pageId, cast.externalViewer.token);
        sockets.push(ok);
        await ok.opened;
      }
      const refused = rawSocket(small.url, pageId, cast.externalViewer.token);
      sockets.push(refused);
      await expect(refused.opened).rejects.toThrow("upgrade refused: 429");
    } finally {
      for (const s of sockets.splice(0)) s.ws.terminate();
      await small.close();
    }
  });
});

/** Resolves once the socket answers sync step 1: it is authorized and served. */
async function served(socket: RawSocket) {
  await socket.opened;
  socket.ws.send(encodeSyncStep1(new Y.Doc()));
  await waitFor(() => socket.messages.some((m) => m[0] === 0 && m[1] === 1), "the answer to sync step 1");
}

function updateWith(text: string) {
  const doc = new Y.Doc();
  addParagraph(doc, text);
  return Y.encodeStateAsUpdate(doc);
}

/** An awareness update with one entry whose state is the given raw string. */
function encodeVarStringEntry(state: string) {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, 1);
  encoding.writeVarUint(encoder, 77);
  encoding.writeVarUint(encoder, 1);
  encoding.writeVarString(encoder, state);
  return encoding.toUint8Array(encoder);
}
