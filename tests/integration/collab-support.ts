// Helpers for the collab-*.test.ts integration tests: real y-websocket clients and raw ws sockets
// against a real server.
import http from "node:http";
import WebSocket from "ws";
import * as Y from "yjs";
import { connectPage, type CollabStatus, type PageConnection } from "../../collab/client.ts";
import type { DocumentRegistry, RegistryOptions } from "../../collab/registry.ts";
import type { CollabOptions } from "../../collab/server.ts";
import type { Sql } from "../../db/client.ts";
import { createAppContext } from "../../server/boot.ts";
import { attachCollab, createPageDocuments } from "../../server/collab-hooks.ts";
import type { Config } from "../../server/config.ts";
import type { AppContext } from "../../server/context.ts";
import { listen } from "../../server/http.ts";
import type { Logger } from "../../server/log.ts";
import type { ApiResponse, TestServer } from "../support/server.ts";

/** Inserts a page row straight into the room (the page service is not needed for these tests). */
export async function insertPage(
  sql: Sql,
  roomId: string,
  options: { visibility?: "internal" | "shared"; createdBy?: string; title?: string } = {},
): Promise<string> {
  const [row] = await sql<{ id: string }[]>`
    insert into pages (room_id, title, visibility, created_by)
    values (${roomId}, ${options.title ?? "Mutual plan"}, ${options.visibility ?? "shared"}, ${options.createdBy ?? null})
    returning id`;
  return row!.id;
}

/** Polls `check` until it returns something truthy; fails with `what` after `timeoutMs`. */
export async function waitFor<T>(check: () => T | Promise<T>, what: string, timeoutMs = 5000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Plain text of the page's TipTap fragment: paragraphs joined by newlines. */
export function pageText(doc: Y.Doc): string {
  return doc
    .getXmlFragment("default")
    .toArray()
    .map((node) => (node instanceof Y.XmlElement ? node.toArray().map((t) => (t instanceof Y.XmlText ? t.toString() : "")).join("") : ""))
    .join("\n");
}

/** Appends a paragraph holding `text`, as the editor would. */
export function addParagraph(doc: Y.Doc, text: string) {
  const paragraph = new Y.XmlElement("paragraph");
  paragraph.insert(0, [new Y.XmlText(text)]);
  doc.getXmlFragment("default").push([paragraph]);
}

/** Types `text` at the end of the last paragraph, one transaction per character, like keystrokes. */
export function typeInto(doc: Y.Doc, text: string) {
  const fragment = doc.getXmlFragment("default");
  if (fragment.length === 0) addParagraph(doc, "");
  const paragraph = fragment.get(fragment.length - 1) as Y.XmlElement;
  const node = paragraph.get(0) as Y.XmlText;
  for (const ch of text) node.insert(node.length, ch);
}

export function storedText(state: Uint8Array): string {
  const doc = new Y.Doc();
  Y.applyUpdate(doc, state);
  const text = pageText(doc);
  doc.destroy();
  return text;
}

export interface TestClient {
  doc: Y.Doc;
  connection: PageConnection;
  closes: number[];
  waitForStatus(status: CollabStatus, timeoutMs?: number): Promise<void>;
  waitForClose(code: number, timeoutMs?: number): Promise<void>;
  destroy(): void;
}

/** A real y-websocket client (through connectPage) in Node. */
export function openClient(serverUrl: string, pageId: string, token: string | undefined, doc = new Y.Doc()): TestClient {
  const connection = connectPage({ url: serverUrl, pageId, doc, token, WebSocketPolyfill: WebSocket });
  const closes: number[] = [];
  connection.provider.on("connection-close", (event) => {
    if (event) closes.push(event.code);
  });
  return {
    doc,
    connection,
    closes,
    waitForStatus: (status, timeoutMs = 5000) => waitFor(() => connection.status === status, `status ${status} (now ${connection.status})`, timeoutMs).then(() => {}),
    waitForClose: (code, timeoutMs = 5000) => waitFor(() => closes.includes(code), `close ${code} (saw ${closes.join(",") || "none"})`, timeoutMs).then(() => {}),
    destroy() {
      connection.destroy();
      doc.destroy();
    },
  };
}

export interface RawSocket {
  ws: WebSocket;
  messages: Uint8Array[];
  opened: Promise<void>;
  closed: Promise<{ code: number; reason: string }>;
}

/** A plain ws socket to /collab/<pageId>, for attacker tests with hand-made frames. */
export function rawSocket(serverUrl: string, pageId: string, token?: string, options: WebSocket.ClientOptions = {}): RawSocket {
  const url = `${serverUrl.replace(/^http/, "ws")}/collab/${pageId}${token ? `?token=${token}` : ""}`;
  const ws = new WebSocket(url, options);
  const messages: Uint8Array[] = [];
  ws.on("message", (data: Buffer) => messages.push(new Uint8Array(data)));
  ws.on("error", () => {});
  const opened = new Promise<void>((resolve, reject) => {
    ws.once("open", () => resolve());
    ws.once("unexpected-response", (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
  });
  opened.catch(() => {});
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.once("close", (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  return { ws, messages, opened, closed };
}

export interface CollabServer {
  url: string;
  app: AppContext;
  registry: DocumentRegistry;
  collab: ReturnType<typeof attachCollab>;
  close(): Promise<void>;
}

/**
 * A collab endpoint of its own (only /collab, no API) on `sql`, with collab and registry options
 * the full server does not take: higher upgrade rate limits, a shorter idle unload, a counting `sql`.
 */
export async function startCollabServer(
  sql: Sql,
  config: Config,
  log: Logger,
  options: { collab?: Partial<CollabOptions>; registry?: Partial<RegistryOptions>; upgradesPerIp?: number } = {},
): Promise<CollabServer> {
  const registry = createPageDocuments(sql, log, options.registry);
  const rateLimits = options.upgradesPerIp ? { collabUpgradesPerIp: { points: options.upgradesPerIp, duration: 10 } } : {};
  const app: AppContext = { ...createAppContext(sql, config, log, { rateLimits }), documents: registry };
  const httpServer = http.createServer();
  const collab = attachCollab(app, httpServer, options.collab);
  const url = await listen(httpServer, 0, "127.0.0.1");
  return {
    url,
    app,
    registry,
    collab,
    async close() {
      await collab.close();
      httpServer.closeAllConnections();
      await new Promise((r) => httpServer.close(r));
    },
  };
}

/** Runs `task(i)` for i in [0, count) with at most `concurrency` at a time; rejects on the first failure. */
export async function runPool(count: number, concurrency: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (!failed && next < count) {
      const i = next++;
      try {
        await task(i);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
}

/** A small seeded PRNG (mulberry32): the same seed gives the same sequence, so a fuzz failure can be replayed. */
export function seededRandom(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (min: number, max: number) => min + Math.floor(next() * (max - min + 1));
  return {
    next,
    /** An integer in [min, max]. */
    int,
    pick: <T>(items: readonly T[]): T => items[int(0, items.length - 1)]!,
    bytes: (length: number) => Uint8Array.from({ length }, () => int(0, 255)),
  };
}

/** The factories' view of a server that runs outside this test's process (or on its own database): just its API. */
export function apiAt(url: string, sql?: Sql): TestServer {
  return {
    url,
    sql,
    async api(urlPath: string, init: { token?: string; body?: unknown; method?: string } = {}): Promise<ApiResponse> {
      const headers: Record<string, string> = { "content-type": "application/json" };
      if (init.token) headers.authorization = `Bearer ${init.token}`;
      const res = await fetch(`${url}${urlPath}`, {
        method: init.method ?? (init.body ? "POST" : "GET"),
        headers,
        body: init.body ? JSON.stringify(init.body) : undefined,
      });
      const text = await res.text();
      return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : null };
    },
  } as TestServer;
}
