import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebsocketProvider, messageAwareness, messageQueryAwareness, messageSync } from "y-websocket";
import WebSocket from "ws";
import * as Y from "yjs";
import { loadStoredState } from "../../collab/documents.ts";
import { roomWithCast } from "../support/factories.ts";
import { startTestServer, type TestServer } from "../support/server.ts";
import { addParagraph, insertPage, openClient, pageText, storedText, waitFor } from "./collab-support.ts";

// The contract (docs/api.md, live editing): a stock y-websocket provider connects and gets
// only the standard messages. MESSAGE_SAVED (100) goes only to clients that ask (?saved=1).

let server: TestServer;
let cast: Awaited<ReturnType<typeof roomWithCast>>;
beforeAll(async () => {
  server = await startTestServer();
  cast = await roomWithCast(server);
});
afterAll(async () => {
  await server.close();
});

/** A WebSocket that records the first varUint (the message type) of every frame it receives. */
function recordingSocket(types: number[]) {
  return class extends WebSocket {
    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols);
      this.on("message", (data: Buffer | ArrayBuffer) => types.push(new Uint8Array(data)[0]!));
    }
  };
}

describe("a stock y-websocket provider", () => {
  it("edits, is stored, and receives nothing but sync and awareness messages", async () => {
    const pageId = await insertPage(server.sql, cast.room.id);
    const types: number[] = [];
    const doc = new Y.Doc();
    const provider = new WebsocketProvider(`${server.url.replace(/^http/, "ws")}/collab`, pageId, doc, {
      params: { token: cast.externalEditor.token },
      WebSocketPolyfill: recordingSocket(types) as unknown as typeof globalThis.WebSocket,
      disableBc: true,
    });
    const unknown: string[] = [];
    const originalError = console.error;
    console.error = (...args: unknown[]) => {
      unknown.push(args.map(String).join(" "));
    };
    try {
      await waitFor(() => provider.synced, "stock provider synced");
      addParagraph(doc, "Written by a stock client");
      await waitFor(async () => storedText(await loadStoredState(server.sql, pageId)).includes("stock client"), "the edit stored");
      // Another (Dealroom) client's edit reaches the stock one.
      const other = openClient(server.url, pageId, cast.owner.token);
      await other.waitForStatus("saved");
      addParagraph(other.doc, "And one from the app");
      await waitFor(() => pageText(doc).includes("one from the app"), "the app's edit at the stock client");
      await other.waitForStatus("saved");
      other.destroy();
    } finally {
      console.error = originalError;
      provider.destroy();
    }
    expect(types.length).toBeGreaterThan(2);
    expect([...new Set(types)].filter((t) => !([messageSync, messageAwareness, messageQueryAwareness] as number[]).includes(t))).toEqual([]);
    expect(unknown.filter((line) => line.includes("Unable to compute message"))).toEqual([]);
  });

  it("the app's own client asks for the saved acknowledgement and gets it", async () => {
    const pageId = await insertPage(server.sql, cast.room.id);
    const app = openClient(server.url, pageId, cast.owner.token);
    await app.waitForStatus("saved");
    addParagraph(app.doc, "Saved means stored");
    // The edit makes the status "saving" at once; only a MESSAGE_SAVED turns it back to "saved".
    expect(app.connection.status).toBe("saving");
    await app.waitForStatus("saved");
    expect(storedText(await loadStoredState(server.sql, pageId))).toContain("Saved means stored");
    app.destroy();
  });
});
