import * as decoding from "lib0/decoding";
import * as encoding from "lib0/encoding";
import * as Y from "yjs";

/**
 * The y-websocket wire format (message type, then payload) plus one message of our own,
 * MESSAGE_SAVED. Shared by the server and the browser client: no Node imports here.
 */
export const MESSAGE_SYNC = 0;
export const MESSAGE_AWARENESS = 1;
export const MESSAGE_QUERY_AWARENESS = 3;
/**
 * Server → client, after a commit: [100][varUint8Array state vector][varUint8Array delete ranges].
 * The state vector holds, for every client id whose structs this connection wrote, the clock up to
 * which that client's structs are in PostgreSQL. The delete ranges (Yjs v1 delete-set encoding) are
 * the deletions this connection sent that are now in PostgreSQL. A client's edits are durable when
 * its own clock is covered by the state vector and its own deletions by the delete ranges.
 */
export const MESSAGE_SAVED = 100;
/** The query parameter with which a client asks for MESSAGE_SAVED (`/collab/<pageId>?saved=1`). */
export const SAVED_PARAM = "saved";

const SYNC_STEP1 = 0;
const SYNC_STEP2 = 1;
const SYNC_UPDATE = 2;

/** An awareness state as y-protocols sends it: an object (or null when the client left). */
export type AwarenessState = Record<string, unknown> | null;
export interface AwarenessEntry {
  clientId: number;
  clock: number;
  state: AwarenessState;
}

export type ClientMessage =
  | { type: "sync-step1"; stateVector: Uint8Array }
  | { type: "sync-step2"; update: Uint8Array }
  | { type: "update"; update: Uint8Array }
  | { type: "awareness"; entries: AwarenessEntry[] }
  | { type: "query-awareness" };

export class MalformedMessage extends Error {}

/** Yjs delete ranges per client id: [clock, clock + len) of each client was deleted. */
export type DeleteRanges = Map<number, { clock: number; len: number }[]>;

/**
 * The one place a client's message is decoded. Throws MalformedMessage on anything that is not
 * exactly one well-formed message: unknown types, truncated varints, trailing bytes, bad JSON.
 */
export function decodeClientMessage(bytes: Uint8Array): ClientMessage {
  try {
    const decoder = decoding.createDecoder(bytes);
    const message = readClientMessage(decoder);
    if (decoding.hasContent(decoder)) throw new MalformedMessage("trailing bytes");
    return message;
  } catch (error) {
    if (error instanceof MalformedMessage) throw error;
    throw new MalformedMessage((error as Error).message);
  }
}

function readClientMessage(decoder: decoding.Decoder): ClientMessage {
  const type = decoding.readVarUint(decoder);
  switch (type) {
    case MESSAGE_SYNC: {
      const step = decoding.readVarUint(decoder);
      const payload = decoding.readVarUint8Array(decoder);
      if (step === SYNC_STEP1) {
        Y.decodeStateVector(payload); // validates; the bytes are what encodeStateAsUpdate takes
        return { type: "sync-step1", stateVector: payload };
      }
      if (step === SYNC_STEP2) return { type: "sync-step2", update: payload };
      if (step === SYNC_UPDATE) return { type: "update", update: payload };
      throw new MalformedMessage(`unknown sync step ${step}`);
    }
    case MESSAGE_AWARENESS:
      return { type: "awareness", entries: decodeAwarenessUpdate(decoding.readVarUint8Array(decoder)) };
    case MESSAGE_QUERY_AWARENESS:
      return { type: "query-awareness" };
    default:
      throw new MalformedMessage(`unknown message type ${type}`);
  }
}

function decodeAwarenessUpdate(update: Uint8Array): AwarenessEntry[] {
  const decoder = decoding.createDecoder(update);
  const count = decoding.readVarUint(decoder);
  const entries: AwarenessEntry[] = [];
  for (let i = 0; i < count; i++) {
    const clientId = decoding.readVarUint(decoder);
    const clock = decoding.readVarUint(decoder);
    const state: unknown = JSON.parse(decoding.readVarString(decoder));
    if (state !== null && (typeof state !== "object" || Array.isArray(state))) {
      throw new MalformedMessage("awareness state is not an object");
    }
    entries.push({ clientId, clock, state: state as AwarenessState });
  }
  if (decoding.hasContent(decoder)) throw new MalformedMessage("trailing bytes in awareness update");
  return entries;
}

/** The payload y-protocols' applyAwarenessUpdate reads. */
export function encodeAwarenessUpdate(entries: AwarenessEntry[]): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, entries.length);
  for (const e of entries) {
    encoding.writeVarUint(encoder, e.clientId);
    encoding.writeVarUint(encoder, e.clock);
    encoding.writeVarString(encoder, JSON.stringify(e.state));
  }
  return encoding.toUint8Array(encoder);
}

const message = (write: (encoder: encoding.Encoder) => void) => {
  const encoder = encoding.createEncoder();
  write(encoder);
  return encoding.toUint8Array(encoder);
};

export const encodeSyncStep1 = (doc: Y.Doc) =>
  message((e) => {
    encoding.writeVarUint(e, MESSAGE_SYNC);
    encoding.writeVarUint(e, SYNC_STEP1);
    encoding.writeVarUint8Array(e, Y.encodeStateVector(doc));
  });

export const encodeSyncStep2 = (doc: Y.Doc, stateVector?: Uint8Array) =>
  message((e) => {
    encoding.writeVarUint(e, MESSAGE_SYNC);
    encoding.writeVarUint(e, SYNC_STEP2);
    encoding.writeVarUint8Array(e, Y.encodeStateAsUpdate(doc, stateVector));
  });

export const encodeUpdateMessage = (update: Uint8Array) =>
  message((e) => {
    encoding.writeVarUint(e, MESSAGE_SYNC);
    encoding.writeVarUint(e, SYNC_UPDATE);
    encoding.writeVarUint8Array(e, update);
  });

export const encodeAwarenessMessage = (update: Uint8Array) =>
  message((e) => {
    encoding.writeVarUint(e, MESSAGE_AWARENESS);
    encoding.writeVarUint8Array(e, update);
  });

export const encodeSavedMessage = (stateVector: Map<number, number>, deletes: DeleteRanges) =>
  message((e) => {
    encoding.writeVarUint(e, MESSAGE_SAVED);
    encoding.writeVarUint8Array(e, Y.encodeStateVector(stateVector));
    encoding.writeVarUint8Array(e, encodeDeleteRanges(deletes));
  });

/** Reads a MESSAGE_SAVED payload (the type already read). */
export function readSavedMessage(decoder: decoding.Decoder): { stateVector: Map<number, number>; deletes: DeleteRanges } {
  const stateVector = Y.decodeStateVector(decoding.readVarUint8Array(decoder));
  const deletes = decodeDeleteRanges(decoding.readVarUint8Array(decoder));
  return { stateVector, deletes };
}

/** Yjs v1 delete-set encoding: clients, then per client its ranges as (clock, len). */
export function encodeDeleteRanges(ranges: DeleteRanges): Uint8Array {
  return message((e) => {
    const clients = [...ranges].filter(([, list]) => list.length > 0);
    encoding.writeVarUint(e, clients.length);
    for (const [client, list] of clients) {
      encoding.writeVarUint(e, client);
      encoding.writeVarUint(e, list.length);
      for (const r of list) {
        encoding.writeVarUint(e, r.clock);
        encoding.writeVarUint(e, r.len);
      }
    }
  });
}

export function decodeDeleteRanges(bytes: Uint8Array): DeleteRanges {
  const decoder = decoding.createDecoder(bytes);
  const ranges: DeleteRanges = new Map();
  const clients = decoding.readVarUint(decoder);
  for (let i = 0; i < clients; i++) {
    const client = decoding.readVarUint(decoder);
    const n = decoding.readVarUint(decoder);
    const list = ranges.get(client) ?? [];
    for (let j = 0; j < n; j++) list.push({ clock: decoding.readVarUint(decoder), len: decoding.readVarUint(decoder) });
    ranges.set(client, list);
  }
  return ranges;
}

/** Union of delete ranges, each client's list sorted and merged. */
export function mergeDeleteRanges(all: Iterable<DeleteRanges>): DeleteRanges {
  const merged: DeleteRanges = new Map();
  for (const ranges of all) {
    for (const [client, list] of ranges) merged.set(client, [...(merged.get(client) ?? []), ...list]);
  }
  for (const [client, list] of merged) {
    list.sort((a, b) => a.clock - b.clock);
    const out: { clock: number; len: number }[] = [];
    for (const r of list) {
      if (r.len <= 0) continue;
      const last = out[out.length - 1];
      if (last && r.clock <= last.clock + last.len) last.len = Math.max(last.len, r.clock + r.len - last.clock);
      else out.push({ ...r });
    }
    if (out.length) merged.set(client, out);
    else merged.delete(client);
  }
  return merged;
}

/** True when every range of `inner` lies inside `outer` (which must be merged). */
export function deleteRangesCover(outer: DeleteRanges, inner: DeleteRanges): boolean {
  for (const [client, list] of inner) {
    const cover = outer.get(client) ?? [];
    for (const r of list) {
      if (r.len <= 0) continue;
      if (!cover.some((c) => c.clock <= r.clock && r.clock + r.len <= c.clock + c.len)) return false;
    }
  }
  return true;
}

/** A caret colour (#rrggbb, as TipTap's caret needs) that stays the same for a user everywhere. */
export function colorFor(userId: string): string {
  const palette = ["#2563eb", "#db2777", "#16a34a", "#ea580c", "#7c3aed", "#0891b2", "#ca8a04", "#dc2626", "#4f46e5", "#059669", "#c026d3", "#0d9488"];
  let hash = 0;
  for (let i = 0; i < userId.length; i++) hash = (hash * 31 + userId.charCodeAt(i)) >>> 0;
  return palette[hash % palette.length]!;
}
