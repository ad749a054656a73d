import * as Y from "yjs";
import { awarenessMessage, deleteKey, insertKey, updateMessage } from "./wire.ts";

/**
 * Pre-generated editing traces. Every author of a page types into their own paragraphs of one
 * shared TipTap-shaped document (`getXmlFragment("default")`, paragraphs of XmlText): keystrokes,
 * backspaces, Enter and cursor jumps, each one Yjs transaction, each followed by a cursor
 * (awareness) update carrying y-prosemirror-style relative positions. The authors of a page are
 * always in sync (they edit one Y.Doc, switching `clientID`), and since each author's edits only
 * reference the seed and their own earlier items, the server may receive the authors' streams
 * interleaved in any order and still apply every update at once (nothing waits as "pending").
 *
 * Everything is encoded up front, so sending is a subarray and a socket write.
 */

export interface AuthorTrace {
  /** Yjs client id of the author (also their awareness client id). */
  client: number;
  name: string;
  /** All messages of this author back to back: per edit, the update message then the awareness message. */
  data: Uint8Array;
  /** Per edit i: update message [offsets[4i], offsets[4i+1]), awareness message [offsets[4i+2], offsets[4i+3]). */
  offsets: Int32Array;
  /** Per edit: the update's key (see wire.ts) and the author's clock after it. */
  keys: Float64Array;
  clockAfter: Float64Array;
  /** Per edit: the awareness clock it carries (the awareness key is insertKey(client, clock)). */
  awarenessClock: Float64Array;
  /** Awareness message to send right after connecting (clock 0, cursor at the start). */
  hello: Uint8Array;
  edits: number;
}

export interface PageTrace {
  /** The page's starting content (one paragraph per author) as one update, from client SEED_CLIENT. */
  seed: Uint8Array;
  authors: AuthorTrace[];
}

export const SEED_CLIENT = 7;
const COLORS = ["#2563eb", "#db2777", "#16a34a", "#ea580c", "#7c3aed", "#0891b2", "#ca8a04", "#dc2626"];
const WORDS = (
  "the buyer needs single sign on before the pilot starts and legal wants the data processing agreement " +
  "signed by the end of the quarter our champion will bring the security review to the steering committee " +
  "pricing assumes two hundred seats with a ramp in year two and a discount for a three year term " +
  "integration with their crm goes through the public api and the webhooks we showed in the demo"
).split(" ");

/** A small deterministic PRNG (mulberry32) so every server gets exactly the same traces. */
export function prng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface AuthorState {
  client: number;
  paragraphs: Y.XmlText[];
  current: number;
  cursor: number;
  pendingWord: string;
  awarenessClock: number;
  chunks: Uint8Array[];
  offsets: number[];
  keys: number[];
  clockAfter: number[];
  awarenessClocks: number[];
  bytes: number;
}

/**
 * Generates one page: `authors` authors with client ids firstClient.., each making `edits` edits.
 * Returns the trace and the Y.Doc holding the final state (callers that only need bytes destroy it).
 */
export function generatePage(options: { authors: number; edits: number; firstClient: number; seed: number; names?: (i: number) => string }): { trace: PageTrace; doc: Y.Doc } {
  const random = prng(options.seed);
  const doc = new Y.Doc({ gc: true });
  const fragment = doc.getXmlFragment("default");
  let last: Uint8Array | null = null;
  doc.on("update", (update: Uint8Array) => (last = update));

  doc.clientID = SEED_CLIENT;
  const states: AuthorState[] = [];
  doc.transact(() => {
    const heading = new Y.XmlElement("heading");
    heading.setAttribute("level", 2 as unknown as string);
    heading.insert(0, [new Y.XmlText("Mutual action plan")]);
    fragment.insert(0, [heading]);
    for (let i = 0; i < options.authors; i++) {
      const paragraph = new Y.XmlElement("paragraph");
      const text = new Y.XmlText(`Notes ${i + 1}: `);
      paragraph.insert(0, [text]);
      fragment.push([paragraph]);
      states.push({
        client: options.firstClient + i,
        paragraphs: [text],
        current: 0,
        cursor: text.length,
        pendingWord: "",
        awarenessClock: 0,
        chunks: [],
        offsets: [],
        keys: [],
        clockAfter: [],
        awarenessClocks: [],
        bytes: 0,
      });
    }
  });
  const seed = last!;
  const names = options.names ?? ((i: number) => `Editor ${i + 1}`);

  const cursorJson = (a: AuthorState, i: number) => {
    const text = a.paragraphs[a.current]!;
    const pos = Y.relativePositionToJSON(Y.createRelativePositionFromTypeIndex(text, a.cursor));
    return JSON.stringify({ user: { name: names(i), color: COLORS[i % COLORS.length] }, cursor: { anchor: pos, head: pos } });
  };
  const hellos = states.map((a, i) => awarenessMessage(a.client, 0, cursorJson(a, i)));

  for (let e = 0; e < options.edits; e++) {
    for (let i = 0; i < states.length; i++) {
      const a = states[i]!;
      doc.clientID = a.client;
      last = null;
      let key: number;
      for (;;) {
        const text = a.paragraphs[a.current]!;
        const r = random();
        if (r < 0.04 && a.cursor > 0) {
          // Backspace: deletes the character before the cursor (own text or the seed's).
          const target = itemAt(text, a.cursor - 1);
          key = deleteKey(target.client, target.clock);
          text.delete(a.cursor - 1, 1);
          a.cursor--;
        } else if (r < 0.055) {
          // Enter: a new paragraph right after the current one.
          const element = text.parent as Y.XmlElement;
          const index = fragment.toArray().indexOf(element);
          const paragraph = new Y.XmlElement("paragraph");
          const fresh = new Y.XmlText("");
          paragraph.insert(0, [fresh]);
          key = insertKey(a.client, Y.getState(doc.store, a.client));
          fragment.insert(index + 1, [paragraph]);
          a.paragraphs.splice(a.current + 1, 0, fresh);
          a.current++;
          a.cursor = 0;
        } else if (r < 0.065) {
          // A click somewhere in one's own paragraphs: no document change, try again.
          a.current = Math.floor(random() * a.paragraphs.length);
          a.cursor = Math.floor(random() * (a.paragraphs[a.current]!.length + 1));
          continue;
        } else {
          if (!a.pendingWord) a.pendingWord = WORDS[Math.floor(random() * WORDS.length)]! + " ";
          const ch = a.pendingWord[0]!;
          a.pendingWord = a.pendingWord.slice(1);
          key = insertKey(a.client, Y.getState(doc.store, a.client));
          text.insert(a.cursor, ch);
          a.cursor++;
        }
        break;
      }
      if (!last) throw new Error("an edit produced no update");
      a.awarenessClock++;
      const update = updateMessage(last);
      const awareness = awarenessMessage(a.client, a.awarenessClock, cursorJson(a, i));
      a.offsets.push(a.bytes, a.bytes + update.length, a.bytes + update.length, a.bytes + update.length + awareness.length);
      a.chunks.push(update, awareness);
      a.bytes += update.length + awareness.length;
      a.keys.push(key);
      a.clockAfter.push(Y.getState(doc.store, a.client));
      a.awarenessClocks.push(a.awarenessClock);
    }
  }

  const authors: AuthorTrace[] = states.map((a, i) => {
    const data = new Uint8Array(a.bytes);
    let at = 0;
    for (const chunk of a.chunks) {
      data.set(chunk, at);
      at += chunk.length;
    }
    return {
      client: a.client,
      name: names(i),
      data,
      offsets: Int32Array.from(a.offsets),
      keys: Float64Array.from(a.keys),
      clockAfter: Float64Array.from(a.clockAfter),
      awarenessClock: Float64Array.from(a.awarenessClocks),
      hello: hellos[i]!,
      edits: a.keys.length,
    };
  });
  return { trace: { seed, authors }, doc };
}

/** The id of the item holding the character at `index` of a text. */
function itemAt(text: Y.XmlText, index: number): { client: number; clock: number } {
  let item = text._start;
  let i = index;
  while (item) {
    if (!item.deleted && item.countable) {
      if (i < item.length) return { client: item.id.client, clock: item.id.clock + i };
      i -= item.length;
    }
    item = item.right;
  }
  throw new Error("index past the end of the text");
}

/**
 * A page history of `updates` single-edit updates (what a page that was typed into for a while
 * holds), as the ordered list of updates and the resulting state.
 */
export function generateHistory(updates: number, seed: number): { seedUpdate: Uint8Array; updates: Uint8Array[]; state: Uint8Array; stateVector: Uint8Array } {
  const authors = 5;
  const { trace, doc } = generatePage({ authors, edits: Math.ceil(updates / authors), firstClient: 500_000 + seed * 16, seed });
  const list: Uint8Array[] = [];
  for (let e = 0; list.length < updates; e++) {
    for (const a of trace.authors) {
      if (list.length >= updates) break;
      // The update payload: skip the message header [0][2][len].
      list.push(payloadOf(a.data.subarray(a.offsets[4 * e]!, a.offsets[4 * e + 1]!)));
    }
  }
  const exact = new Y.Doc();
  Y.applyUpdate(exact, trace.seed);
  for (const u of list) Y.applyUpdate(exact, u);
  const state = Y.encodeStateAsUpdate(exact);
  const stateVector = Y.encodeStateVector(exact);
  exact.destroy();
  doc.destroy();
  return { seedUpdate: trace.seed, updates: list, state, stateVector };
}

/** The update inside a [sync][update][varUint8Array] message. */
export function payloadOf(message: Uint8Array): Uint8Array {
  let pos = 2;
  let len = 0;
  let mult = 1;
  for (;;) {
    const b = message[pos++]!;
    len += (b & 0x7f) * mult;
    if (b < 0x80) break;
    mult *= 128;
  }
  return message.subarray(pos, pos + len);
}
