/**
 * The bytes the thin load clients send and read, for the y-websocket protocol (ours, the
 * reference server, the relay floor) and Hocuspocus' multiplexed variant (every message is
 * prefixed with the document name, and the connection opens with an auth message).
 *
 * Reading is deliberately shallow: a receiver only needs to know *which* update arrived,
 * keyed by its first struct's (client, clock) — or, for a pure deletion, by the first deleted
 * item's id — so it reads a handful of varints and never decodes the update.
 */

export const KEY_CLOCK_BITS = 2 ** 24;

/** The key of an insertion: its first struct's id. Client ids in the traces stay below 2^28. */
export const insertKey = (client: number, clock: number) => client * KEY_CLOCK_BITS + clock;
/** The key of a pure deletion: the first deleted item's id, negated. */
export const deleteKey = (client: number, clock: number) => -(client * KEY_CLOCK_BITS + clock) - 1;

/** A cursor over a byte array that reads lib0 varints without allocating. */
export class Reader {
  pos = 0;
  constructor(public buf: Uint8Array) {}
  get more() {
    return this.pos < this.buf.length;
  }
  uint(): number {
    let num = 0;
    let mult = 1;
    for (;;) {
      const r = this.buf[this.pos++];
      if (r === undefined) throw new Error("unexpected end of message");
      num += (r & 0x7f) * mult;
      if (r < 0x80) return num;
      mult *= 128;
      if (mult > 2 ** 53) throw new Error("varint too long");
    }
  }
  /** Skips a varUint8Array/varString and returns [start, end) of its payload. */
  bytes(): [number, number] {
    const len = this.uint();
    const start = this.pos;
    this.pos += len;
    if (this.pos > this.buf.length) throw new Error("unexpected end of message");
    return [start, this.pos];
  }
  string(): string {
    const [start, end] = this.bytes();
    return Buffer.from(this.buf.buffer, this.buf.byteOffset + start, end - start).toString("utf8");
  }
}

/** Writes lib0 varints into a growing buffer. */
export class Writer {
  private buf = Buffer.allocUnsafe(256);
  length = 0;
  private ensure(n: number) {
    if (this.length + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.length + n));
    this.buf.copy(next, 0, 0, this.length);
    this.buf = next;
  }
  uint(n: number): this {
    this.ensure(10);
    while (n > 0x7f) {
      this.buf[this.length++] = 0x80 | (n % 128);
      n = Math.floor(n / 128);
    }
    this.buf[this.length++] = n;
    return this;
  }
  raw(bytes: Uint8Array): this {
    this.ensure(bytes.length);
    this.buf.set(bytes, this.length);
    this.length += bytes.length;
    return this;
  }
  bytes(bytes: Uint8Array): this {
    return this.uint(bytes.length).raw(bytes);
  }
  string(s: string): this {
    return this.bytes(Buffer.from(s, "utf8"));
  }
  done(): Uint8Array {
    return Uint8Array.prototype.slice.call(this.buf, 0, this.length);
  }
}

export const MSG_SYNC = 0;
export const MSG_AWARENESS = 1;
export const MSG_AUTH = 2;
export const MSG_SYNC_REPLY = 4; // Hocuspocus: a sync message that does not ask for another step 1
export const MSG_SYNC_STATUS = 8; // Hocuspocus: "your update was applied" (in memory)
export const MSG_SAVED = 100; // ours: "these clocks are committed in PostgreSQL"
export const SYNC_STEP1 = 0;
export const SYNC_STEP2 = 1;
export const SYNC_UPDATE = 2;

export const syncStep1 = (stateVector: Uint8Array) => new Writer().uint(MSG_SYNC).uint(SYNC_STEP1).bytes(stateVector).done();
export const syncStep2 = (update: Uint8Array) => new Writer().uint(MSG_SYNC).uint(SYNC_STEP2).bytes(update).done();
export const updateMessage = (update: Uint8Array) => new Writer().uint(MSG_SYNC).uint(SYNC_UPDATE).bytes(update).done();
/** An empty state vector: "send me everything". */
export const EMPTY_STATE_VECTOR = new Uint8Array([0]);

/** One awareness entry (client id, clock, JSON state) as y-protocols encodes it, framed as a message. */
export function awarenessMessage(clientId: number, clock: number, stateJson: string): Uint8Array {
  const inner = new Writer().uint(1).uint(clientId).uint(clock).string(stateJson).done();
  return new Writer().uint(MSG_AWARENESS).bytes(inner).done();
}

/** Hocuspocus: [docName][Auth][Token][token]. */
export const hocuspocusAuth = (docName: string, token: string) =>
  new Writer().string(docName).uint(MSG_AUTH).uint(0).string(token).done();

/** Hocuspocus frames are the y-websocket frame behind the document name. */
export const hocuspocusPrefix = (docName: string) => new Writer().string(docName).done();

/** The key of an update payload (v1 encoding) in buf[start, end), or null if it holds nothing. */
export function updateKey(buf: Uint8Array, start: number): number | null {
  const r = new Reader(buf);
  r.pos = start;
  const clients = r.uint();
  if (clients > 0) {
    r.uint(); // number of structs
    const client = r.uint();
    const clock = r.uint();
    return insertKey(client, clock);
  }
  const dsClients = r.uint();
  if (dsClients === 0) return null;
  const client = r.uint();
  const ranges = r.uint();
  if (ranges === 0) return null;
  const clock = r.uint();
  return deleteKey(client, clock);
}

/** What a thin client needs from one server message. */
export type Incoming =
  | { kind: "update"; key: number | null; step2: boolean; start: number; end: number }
  | { kind: "awareness"; start: number; end: number }
  | { kind: "step1" }
  | { kind: "saved"; start: number }
  | { kind: "authenticated" }
  | { kind: "denied" }
  | { kind: "sync-status" }
  | { kind: "other"; type: number };

/** Reads the message type (after the Hocuspocus document name, when `prefixed`). */
export function readIncoming(buf: Uint8Array, prefixed: boolean): Incoming {
  const r = new Reader(buf);
  if (prefixed) r.bytes();
  const type = r.uint();
  if (type === MSG_SYNC || type === MSG_SYNC_REPLY) {
    const step = r.uint();
    if (step === SYNC_STEP1) return { kind: "step1" };
    const [start, end] = r.bytes();
    return { kind: "update", key: updateKey(buf, start), step2: step === SYNC_STEP2, start, end };
  }
  if (type === MSG_AWARENESS) {
    const [start, end] = r.bytes();
    return { kind: "awareness", start, end };
  }
  if (type === MSG_SAVED) return { kind: "saved", start: r.pos };
  if (prefixed && type === MSG_AUTH) {
    const sub = r.uint();
    // @hocuspocus/common AuthMessageType: Token 0, PermissionDenied 1, Authenticated 2
    return sub === 2 ? { kind: "authenticated" } : sub === 1 ? { kind: "denied" } : { kind: "other", type };
  }
  if (prefixed && type === MSG_SYNC_STATUS) return { kind: "sync-status" };
  return { kind: "other", type };
}

/** Calls `each(clientId, clock)` for every entry of an awareness payload in buf[start, end). */
export function forEachAwarenessEntry(buf: Uint8Array, start: number, each: (clientId: number, clock: number) => void) {
  const r = new Reader(buf);
  r.pos = start;
  const n = r.uint();
  for (let i = 0; i < n; i++) {
    const clientId = r.uint();
    const clock = r.uint();
    r.bytes();
    each(clientId, clock);
  }
}

/** Our MESSAGE_SAVED payload: the durable state vector and the acknowledged delete ranges. */
export function readSaved(buf: Uint8Array, start: number): { clocks: Map<number, number>; deletes: Map<number, [number, number][]> } {
  const r = new Reader(buf);
  r.pos = start;
  const [svStart] = r.bytes();
  const sv = new Reader(buf);
  sv.pos = svStart;
  const clocks = new Map<number, number>();
  for (let i = sv.uint(); i > 0; i--) clocks.set(sv.uint(), sv.uint());
  const [dsStart] = r.bytes();
  const ds = new Reader(buf);
  ds.pos = dsStart;
  const deletes = new Map<number, [number, number][]>();
  for (let i = ds.uint(); i > 0; i--) {
    const client = ds.uint();
    const list: [number, number][] = [];
    for (let j = ds.uint(); j > 0; j--) list.push([ds.uint(), ds.uint()]);
    deletes.set(client, list);
  }
  return { clocks, deletes };
}
