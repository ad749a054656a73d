import * as Y from "yjs";
import { DocumentOutOfBounds } from "./hooks.ts";

/**
 * Checks a Yjs update against a document format (its schema and bounds) before any of it
 * reaches the document: every struct is read as the element, text, format or attribute it
 * would become, against what the document already holds. What does not fit throws
 * DocumentOutOfBounds and nothing is applied. docs/decisions/013-document-bounds.md.
 *
 * The mechanism is collab's (it is about Yjs structs); what a page may hold is the
 * application's, handed in as a DocumentFormat (server/wiki/bounds.ts builds the page's from
 * the editor's schema).
 */

/** The numbers of a document format. */
export interface DocumentLimits {
  /** Encoded Yjs state of one document. */
  maxDocumentBytes: number;
  /** Element nesting below the content fragment. */
  maxDepth: number;
  /** Elements in one document. */
  maxNodes: number;
  /** Bytes of Yjs structs a document may hold waiting for structs it has not seen. */
  maxPendingBytes: number;
}

/** What a document may hold: a hook of the DocumentRegistry (docs/decisions/023-collab-as-library.md). */
export interface DocumentFormat {
  /** The root XML fragment holding the content (TipTap's Collaboration `field`); no other root is written. */
  fragment: string;
  limits: DocumentLimits;
  /** Element names the fragment may hold. */
  isElement(name: string): boolean;
  /** Whether `value` is allowed for attribute `key` of a `node` element (null: not known yet, any node's rule). */
  isAllowedNodeAttr(node: string | null, key: string, value: unknown): boolean;
  /** Whether a Yjs text format (mark key → attributes, or null to remove it) is allowed. */
  isAllowedFormat(key: string, value: unknown): boolean;
  /**
   * The user an attribute value of an allowed element mentions, if any (a page: a `mention`
   * node's `id`). What the update mentions is reported once it is stored (DocumentRegistry.onMentions).
   */
  mentionedUser?(node: string | null, key: string, value: unknown): string | null;
}

/** Where a struct would land: the kind of type holding it, and that type's element depth. */
type Container =
  | { kind: "fragment"; depth: 0 }
  | { kind: "element"; name: string; depth: number }
  | { kind: "text"; depth: number }
  /** Another root or type: nothing a page holds. */
  | { kind: "other" }
  /** Next to a garbage-collected struct: Yjs drops it. */
  | { kind: "gc" }
  /** Depends on structs the document has not seen yet: it waits in Yjs' pending set. */
  | { kind: "unknown" };

interface Placement {
  container: Container;
  sub: string | null;
}

const OTHER: Container = { kind: "other" };
const UNKNOWN: Container = { kind: "unknown" };

function containerOfType(type: Y.AbstractType<any>, fragment: string): Container {
  if (type instanceof Y.XmlText) return { kind: "text", depth: typeDepth(type) };
  if (type instanceof Y.XmlElement) return { kind: "element", name: type.nodeName, depth: typeDepth(type) };
  if (type instanceof Y.XmlFragment && type._item === null && Y.findRootTypeKey(type) === fragment) return { kind: "fragment", depth: 0 };
  return OTHER;
}

/** Element depth of a type already in the document (bounded: the document was checked). */
function typeDepth(type: Y.AbstractType<any>): number {
  let depth = 0;
  for (let item = type._item; item !== null; item = (item.parent as Y.AbstractType<any>)._item) {
    if ((item.content as Y.ContentType).type instanceof Y.XmlElement) depth++;
  }
  return depth;
}

export interface UpdateCheck {
  /** Elements the update creates. */
  newElements: number;
  /** True when part of the update waits for structs the document has not seen. */
  leavesPending: boolean;
  /** User ids the update sets as a mention's `id` (server/wiki/page-mentions.ts notifies them once stored). */
  mentions: string[];
}

export function checkUpdate(
  doc: Y.Doc,
  decoded: { structs: (Y.Item | Y.GC | Y.Skip)[]; ds: { clients: Map<number, { clock: number; len: number }[]> } },
  format: DocumentFormat,
): UpdateCheck {
  const store = doc.store;
  const { limits } = format;
  const byClient = new Map<number, (Y.Item | Y.GC | Y.Skip)[]>();
  for (const s of decoded.structs) {
    const list = byClient.get(s.id.client) ?? [];
    list.push(s);
    byClient.set(s.id.client, list);
  }
  // Per client, the clock up to which structs are known after this update (the document's state,
  // extended by the update's structs that continue it without a gap).
  const available = new Map<number, number>();
  for (const [client, list] of byClient) {
    let clock = Y.getState(store, client);
    for (const s of list) {
      if (s instanceof Y.Skip || s.id.clock > clock) break;
      clock = Math.max(clock, s.id.clock + s.length);
    }
    available.set(client, clock);
  }
  const known = (id: Y.ID) => id.clock < (available.get(id.client) ?? Y.getState(store, id.client));
  const inDoc = (id: Y.ID) => id.clock < Y.getState(store, id.client);
  // Each client's structs in an update are in clock order: binary search.
  const inUpdate = (id: Y.ID): Y.Item | Y.GC | null => {
    const list = byClient.get(id.client) ?? [];
    let lo = 0;
    let hi = list.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const s = list[mid]!;
      if (id.clock < s.id.clock) hi = mid - 1;
      else if (id.clock >= s.id.clock + s.length) lo = mid + 1;
      else return s instanceof Y.Skip ? null : s;
    }
    return null;
  };

  const placements = new Map<Y.Item, Placement>();
  const resolving = new Set<Y.Item>();

  /** The container a struct of the update creates (its ContentType), or what a parent id points at. */
  const containerAt = (id: Y.ID): Container => {
    if (!known(id)) return UNKNOWN;
    if (inDoc(id)) {
      const struct = Y.getItem(store, id);
      if (!(struct instanceof Y.Item)) return { kind: "gc" };
      if (!(struct.content instanceof Y.ContentType)) return OTHER;
      return containerOfType(struct.content.type, format.fragment);
    }
    const struct = inUpdate(id);
    if (!(struct instanceof Y.Item)) return struct ? { kind: "gc" } : UNKNOWN;
    if (!(struct.content instanceof Y.ContentType)) return OTHER;
    const type = struct.content.type;
    const parent = placementOf(struct).container;
    if (parent.kind === "gc" || parent.kind === "unknown" || parent.kind === "other") return parent;
    if (type instanceof Y.XmlText) return { kind: "text", depth: parent.depth };
    if (type instanceof Y.XmlElement) return { kind: "element", name: type.nodeName, depth: parent.depth + 1 };
    return OTHER;
  };

  /** Where a neighbour (origin / right origin) lives: its parent and key are the item's too. */
  const placementNextTo = (id: Y.ID): Placement => {
    if (!known(id)) return { container: UNKNOWN, sub: null };
    if (inDoc(id)) {
      const struct = Y.getItem(store, id);
      if (!(struct instanceof Y.Item) || !struct.parent) return { container: { kind: "gc" }, sub: null };
      return { container: containerOfType(struct.parent as Y.AbstractType<any>, format.fragment), sub: struct.parentSub };
    }
    const struct = inUpdate(id);
    if (!(struct instanceof Y.Item)) return { container: struct ? { kind: "gc" } : UNKNOWN, sub: null };
    return placementOf(struct);
  };

  const placementOf = (item: Y.Item): Placement => {
    const cached = placements.get(item);
    if (cached) return cached;
    if (resolving.has(item)) return { container: OTHER, sub: null }; // a cycle: nothing Yjs would write
    // Structs are placed in update order, so a reference is almost always placed already; a chain
    // of unplaced references this long (deep nesting sent out of order) is refused, not followed.
    if (resolving.size > 2 * limits.maxDepth) refuse("depth", `Blocks are nested deeper than ${limits.maxDepth} levels.`);
    resolving.add(item);
    let placement: Placement;
    const parent = item.parent as unknown;
    if (typeof parent === "string") {
      placement = { container: parent === format.fragment ? { kind: "fragment", depth: 0 } : OTHER, sub: item.parentSub };
    } else if (parent instanceof Y.ID) {
      placement = { container: containerAt(parent), sub: item.parentSub };
    } else if (item.origin) {
      placement = placementNextTo(item.origin);
    } else if (item.rightOrigin) {
      placement = placementNextTo(item.rightOrigin);
    } else {
      placement = { container: OTHER, sub: null };
    }
    resolving.delete(item);
    placements.set(item, placement);
    return placement;
  };

  let newElements = 0;
  let leavesPending = false;
  const mentions: string[] = [];
  // Placed in clock order per client: parents and left neighbours come first, so each lookup is a memo hit.
  const ordered = [...byClient.values()].flat();
  for (const struct of ordered) {
    if (!(struct instanceof Y.Item)) continue;
    if (!known(struct.id) || (struct.origin && !known(struct.origin)) || (struct.rightOrigin && !known(struct.rightOrigin))) leavesPending = true;
    const content = struct.content;
    if (content instanceof Y.ContentDeleted) continue;
    const { container, sub } = placementOf(struct);
    if (container.kind === "unknown") leavesPending = true;
    if (container.kind === "gc") continue;
    if (container.kind === "other") refuse("type", "The update writes outside the page's content.");
    const nodeName = container.kind === "element" ? container.name : null;
    const depth = "depth" in container ? container.depth : null;

    if (content instanceof Y.ContentType) {
      if (sub !== null) refuse("schema", "An element cannot be an attribute value.");
      const type = content.type;
      if (type instanceof Y.XmlText) {
        if (container.kind !== "element" && container.kind !== "unknown") refuse("schema", "Text sits outside a block.");
      } else if (type instanceof Y.XmlElement) {
        if (container.kind === "text") refuse("schema", "A block sits inside text.");
        if (!format.isElement(type.nodeName)) refuse("schema", `"${type.nodeName.slice(0, 40)}" is not a block of a page.`);
        if (depth !== null && depth + 1 > limits.maxDepth) refuse("depth", `Blocks are nested deeper than ${limits.maxDepth} levels.`);
        newElements++;
      } else {
        refuse("schema", "The update holds a type a page does not use.");
      }
    } else if (content instanceof Y.ContentString) {
      if (sub !== null || (container.kind !== "text" && container.kind !== "unknown")) refuse("schema", "Text sits outside a block.");
    } else if (content instanceof Y.ContentFormat) {
      if (container.kind !== "text" && container.kind !== "unknown") refuse("schema", "Formatting sits outside text.");
      if (!format.isAllowedFormat(content.key, content.value)) refuse("attribute", `The mark "${content.key.slice(0, 40)}" or its attributes are not allowed.`);
    } else if (content instanceof Y.ContentAny) {
      if (sub === null || (container.kind !== "element" && container.kind !== "unknown")) refuse("schema", "Values sit where a page holds none.");
      for (const value of content.arr) {
        if (!format.isAllowedNodeAttr(nodeName, sub!, value)) refuse("attribute", `The attribute "${sub!.slice(0, 40)}" has a value that is not allowed.`);
      }
      const mentioned = format.mentionedUser?.(nodeName, sub!, content.arr[0]);
      if (mentioned) mentions.push(mentioned);
    } else {
      // Embeds, binary, JSON and sub-documents: a page holds none of them.
      refuse("schema", "The update holds content a page does not use.");
    }
  }
  for (const [client, ranges] of decoded.ds.clients) {
    const upTo = available.get(client) ?? Y.getState(store, client);
    if (ranges.some((r) => r.clock + r.len > upTo)) leavesPending = true;
  }
  return { newElements, leavesPending, mentions };
}

function refuse(bound: string, message: string): never {
  throw new DocumentOutOfBounds(bound, message);
}

/** Bytes Yjs holds for a document waiting for structs it has not seen. */
export function pendingBytes(doc: Y.Doc): number {
  return (doc.store.pendingStructs?.update.byteLength ?? 0) + (doc.store.pendingDs?.byteLength ?? 0);
}

export interface FragmentMeasure {
  depth: number;
  nodes: number;
}

/**
 * Depth and element count of a Yjs fragment, without recursion (a document nested 20,000 deep
 * must not overflow the stack here). Stops counting once past `limits`.
 */
export function measureFragment(fragment: Y.XmlFragment, limits: Pick<DocumentLimits, "maxDepth" | "maxNodes">): FragmentMeasure {
  let depth = 0;
  let nodes = 0;
  const stack: [Y.XmlFragment, number][] = [[fragment, 0]];
  while (stack.length) {
    const [type, level] = stack.pop()!;
    for (let item = type._start; item !== null; item = item.right) {
      if (item.deleted || !(item.content instanceof Y.ContentType)) continue;
      const child = item.content.type;
      if (!(child instanceof Y.XmlElement)) continue;
      nodes++;
      depth = Math.max(depth, level + 1);
      if (depth > limits.maxDepth || nodes > limits.maxNodes) return { depth, nodes };
      stack.push([child, level + 1]);
    }
  }
  return { depth, nodes };
}

/**
 * The quotas of one live document: its encoded size and element count, tracked from what was
 * accepted (an upper bound) and measured exactly only when that bound reaches the limit.
 */
export class DocumentQuota {
  private approxBytes = 0;
  private approxNodes = 0;

  constructor(
    private readonly doc: Y.Doc,
    private readonly format: DocumentFormat,
  ) {}

  private measureNodes() {
    return measureFragment(this.doc.getXmlFragment(this.format.fragment), this.format.limits).nodes;
  }

  /** Measures the document as loaded. */
  reset() {
    this.approxBytes = Y.encodeStateAsUpdate(this.doc).byteLength;
    this.approxNodes = this.measureNodes();
  }

  /** Throws DocumentOutOfBounds when `update` does not fit; `accept` after applying it. */
  check(update: Uint8Array, decoded = Y.decodeUpdate(update)): UpdateCheck {
    const { limits } = this.format;
    const result = checkUpdate(this.doc, decoded, this.format);
    if (this.approxBytes + update.byteLength > limits.maxDocumentBytes) {
      this.approxBytes = Y.encodeStateAsUpdate(this.doc).byteLength;
      if (this.approxBytes + update.byteLength > limits.maxDocumentBytes) {
        refuse("size", `The page would be larger than ${limits.maxDocumentBytes / 1024 / 1024} MB.`);
      }
    }
    if (result.newElements > 0 && this.approxNodes + result.newElements > limits.maxNodes) {
      this.approxNodes = this.measureNodes();
      if (this.approxNodes + result.newElements > limits.maxNodes) refuse("nodes", `The page would have more than ${limits.maxNodes} blocks.`);
    }
    if (result.leavesPending && pendingBytes(this.doc) + update.byteLength > limits.maxPendingBytes) {
      refuse("pending", "Too much of what this page was sent depends on changes the server has not seen.");
    }
    return result;
  }

  accept(update: Uint8Array, result: UpdateCheck) {
    this.approxBytes += update.byteLength;
    this.approxNodes += result.newElements;
  }
}
