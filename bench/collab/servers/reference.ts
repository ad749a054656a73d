import http from "node:http";
import { createRequire } from "node:module";
import path from "node:path";
import postgres from "postgres";
import * as Y from "yjs";

/**
 * The y-websocket reference server loop — `setupWSConnection` from y-websocket@2.1.0's bin/utils
 * (the last release on yjs 13), wired exactly as its bin/server.cjs does (its own `ws` 6) — with
 * a persistence in PostgreSQL shaped like the y-leveldb one its docs use: every update is stored
 * as its own row as it happens (not awaited, nothing acknowledged), a document loads as all its
 * rows, and past 500 rows a load merges them into one (y-leveldb's PREFERRED_TRIM_SIZE).
 */
const require = createRequire(import.meta.url);
const utilsPath = require.resolve("y-websocket-2/bin/utils");
const utils = require(utilsPath) as {
  setupWSConnection: (conn: unknown, req: http.IncomingMessage, options?: { docName?: string; gc?: boolean }) => void;
  setPersistence: (persistence: { provider: unknown; bindState: (name: string, doc: Y.Doc) => Promise<void>; writeState: (name: string, doc: Y.Doc) => Promise<void> }) => void;
};
const WebSocket = require(require.resolve("ws", { paths: [path.dirname(utilsPath)] })) as {
  Server: new (options: { noServer: boolean }) => {
    on(event: "connection", listener: (ws: unknown, req: http.IncomingMessage) => void): void;
    emit(event: "connection", ws: unknown, req: http.IncomingMessage): void;
    handleUpgrade(req: http.IncomingMessage, socket: unknown, head: Buffer, cb: (ws: unknown) => void): void;
  };
};

const PREFERRED_TRIM_SIZE = 500;
const sql = postgres(process.env.DATABASE_URL!, { max: 10, onnotice: () => {}, connection: { application_name: "bench-server" } });
const store = (doc: string, update: Uint8Array) =>
  sql`insert into ref_updates (doc, update) values (${doc}, ${Buffer.from(update.buffer, update.byteOffset, update.byteLength)})`.catch(
    (error: unknown) => console.error("storing an update failed", error),
  );

utils.setPersistence({
  provider: sql,
  bindState: async (docName, ydoc) => {
    const rows = await sql<{ id: string; update: Buffer }[]>`select id, update from ref_updates where doc = ${docName} order by id`;
    const persisted = new Y.Doc();
    persisted.transact(() => {
      for (const row of rows) Y.applyUpdate(persisted, row.update);
    });
    if (rows.length > PREFERRED_TRIM_SIZE) {
      const merged = Buffer.from(Y.encodeStateAsUpdate(persisted));
      const lastId = rows[rows.length - 1]!.id;
      await sql.begin(async (tx) => {
        await tx`delete from ref_updates where doc = ${docName} and id <= ${lastId}`;
        await tx`insert into ref_updates (doc, update) values (${docName}, ${merged})`;
      });
    }
    void store(docName, Y.encodeStateAsUpdate(ydoc));
    Y.applyUpdate(ydoc, Y.encodeStateAsUpdate(persisted));
    ydoc.on("update", (update: Uint8Array) => void store(docName, update));
  },
  writeState: async () => {},
});

const wss = new WebSocket.Server({ noServer: true });
const server = http.createServer((_request, response) => {
  response.writeHead(200, { "Content-Type": "text/plain" });
  response.end("okay");
});
wss.on("connection", utils.setupWSConnection);
server.on("upgrade", (request, socket, head) => {
  wss.handleUpgrade(request, socket, head, (ws) => wss.emit("connection", ws, request));
});
server.listen(0, "127.0.0.1", () => {
  console.log(`LISTENING ${(server.address() as import("node:net").AddressInfo).port}`);
});
process.on("SIGTERM", () => {
  server.close();
  void sql.end({ timeout: 5 }).then(() => process.exit(0));
});
