// Helpers for the document-bounds tests (issue 13): crafted Yjs updates sent over a raw collab
// websocket, a /healthz poller that measures how long the server keeps others waiting, and the
// checks that the room's other pages, its hand-off record and its archive stay readable.
import { expect } from "vitest";
import * as Y from "yjs";
import { encodeAwarenessMessage, encodeAwarenessUpdate, encodeUpdateMessage, MESSAGE_SAVED, SAVED_PARAM, type AwarenessEntry } from "../../collab/protocol.ts";
import type { TestServer } from "../support/server.ts";
import { rawSocket, waitFor, type RawSocket } from "./collab-support.ts";

/** A Yjs update made by `build` on a fresh document (its own client id), as an attacker's client would send it. */
export function craftUpdate(build: (fragment: Y.XmlFragment, doc: Y.Doc) => void, clientId?: number): Uint8Array {
  const doc = new Y.Doc();
  if (clientId !== undefined) doc.clientID = clientId;
  build(doc.getXmlFragment("default"), doc);
  const update = Y.encodeStateAsUpdate(doc);
  doc.destroy();
  return update;
}

/** An element with attributes and children. */
export function el(name: string, attrs: Record<string, unknown> = {}, children: (Y.XmlElement | Y.XmlText)[] = []): Y.XmlElement {
  const node = new Y.XmlElement(name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v as string);
  if (children.length) node.insert(0, children);
  return node;
}

export const text = (value: string, format?: Record<string, unknown>) => {
  const t = new Y.XmlText();
  t.insert(0, value, format as Record<string, unknown> | undefined);
  return t;
};

/** A paragraph holding `value`. */
export const paragraph = (value: string, format?: Record<string, unknown>) => el("paragraph", {}, [text(value, format)]);

/** A table of one cell carrying `cellAttrs`. */
export const tableWithCell = (cellAttrs: Record<string, unknown>) =>
  el("table", {}, [el("tableRow", {}, [el("tableCell", { colspan: 1, rowspan: 1, ...cellAttrs }, [paragraph("cell")])])]);

/**
 * `depth` blockquotes, one inside the other, with a paragraph at the bottom, in `fragment`. Built
 * top-down into the document (Yjs integrates nested prelim content recursively; this does not).
 */
export function pushNestedQuotes(fragment: Y.XmlFragment, depth: number) {
  fragment.doc!.transact(() => {
    let parent: Y.XmlFragment = fragment;
    for (let i = 0; i < depth; i++) {
      const quote = new Y.XmlElement("blockquote");
      parent.insert(parent.length, [quote]);
      parent = quote;
    }
    parent.insert(0, [paragraph("deep")]);
  });
}

export interface Sent {
  /** The close the server answered with, or null when it acknowledged the update as saved. */
  close: { code: number; reason: string } | null;
}

/** Opens a raw collab socket as `token` on `pageId`. */
export async function openRaw(server: TestServer, pageId: string, token: string, sockets: RawSocket[]): Promise<RawSocket> {
  // `token` then `&saved=1`: the server acknowledges saved writes (MESSAGE_SAVED) only when asked.
  const socket = rawSocket(server.url, pageId, `${token}&${SAVED_PARAM}=1`);
  sockets.push(socket);
  await socket.opened;
  return socket;
}

/** Sends one update message and waits until the server saves it (MESSAGE_SAVED) or closes the socket. */
export async function sendUpdate(socket: RawSocket, update: Uint8Array, timeoutMs = 10_000): Promise<Sent> {
  const savedBefore = socket.messages.filter((m) => m[0] === MESSAGE_SAVED).length;
  let close: { code: number; reason: string } | null = null;
  void socket.closed.then((c) => (close = c));
  socket.ws.send(encodeUpdateMessage(update));
  await waitFor(() => close !== null || socket.messages.filter((m) => m[0] === MESSAGE_SAVED).length > savedBefore, "the update saved or the socket closed", timeoutMs);
  return { close };
}

export function sendAwareness(socket: RawSocket, entries: AwarenessEntry[]) {
  socket.ws.send(encodeAwarenessMessage(encodeAwarenessUpdate(entries)));
}

/**
 * Polls /healthz every `intervalMs` until stopped; `stop` resolves with the slowest answer (ms).
 * Each poll waits for the previous one, so a blocked server shows as one long answer.
 */
export function pollHealth(server: TestServer, intervalMs = 25) {
  let running = true;
  let max = 0;
  let polls = 0;
  const loop = (async () => {
    while (running) {
      const started = performance.now();
      const res = await fetch(`${server.url}/healthz`);
      await res.arrayBuffer();
      expect(res.status).toBe(200);
      max = Math.max(max, performance.now() - started);
      polls++;
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      expect(polls).toBeGreaterThan(0);
      return max;
    },
  };
}

/** Every whole-room surface answers 200 with a full body: the record as JSON, Markdown and PDF, and the archive. */
export async function expectRoomRecordReadable(server: TestServer, token: string, roomId: string) {
  const get = async (path: string) => {
    const res = await fetch(`${server.url}/api/v1${path}`, { headers: { authorization: `Bearer ${token}` } });
    const bytes = Buffer.from(await res.arrayBuffer());
    expect(res.status, path).toBe(200);
    expect(bytes.length, path).toBeGreaterThan(0);
    return bytes;
  };
  const record = JSON.parse((await get(`/rooms/${roomId}/handoff`)).toString("utf8"));
  expect(record.pages.length).toBeGreaterThan(0);
  await get(`/rooms/${roomId}/handoff?format=markdown`);
  await get(`/rooms/${roomId}/handoff?format=pdf`);
  await get(`/rooms/${roomId}/export`);
  return record as { pages: { id: string; currentMarkdown: string; currentHtml: string }[] };
}

/** A page created over the API, as `token`. */
export async function createPage(server: TestServer, token: string, roomId: string, markdown = "", title = "Page") {
  const res = await server.api(`/api/v1/rooms/${roomId}/pages`, { token, body: { title, visibility: "shared", markdown } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.id as string;
}
