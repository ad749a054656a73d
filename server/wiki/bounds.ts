import { Fragment, type Mark, type Node as PMNode } from "@tiptap/pm/model";
import type * as Y from "yjs";
import { isAllowedLink } from "../../app/editor/extensions.ts";
import { cardFileId } from "../../app/editor/file-card.ts";
import { DocumentOutOfBounds } from "../../collab/hooks.ts";
import { measureFragment as measureYFragment, type DocumentFormat, type FragmentMeasure } from "../../collab/update-bounds.ts";
import { imageFileId, isImageAlt, isImageHeight, isImageWidth } from "../../app/editor/page-image.ts";
import { isMentionId, isMentionLabel } from "../../app/editor/page-mention.ts";
import { AppError } from "../errors.ts";
import { PAGE_FRAGMENT, pageSchema } from "./schema.ts";

export { DocumentOutOfBounds, type FragmentMeasure };

/**
 * The bounds of a page document (docs/access.md, "Resource bounds"; docs/decisions/013-document-bounds.md).
 * A document is checked against them where it enters (collab updates: collab/update-bounds.ts;
 * Markdown import: markdown.ts; restore goes through the defensive conversion below), and every
 * server-side conversion of a stored document goes through `pageNodeFromYFragment`, which never
 * throws and never hands a renderer a node outside the bounds.
 *
 * The update check itself is the collab library's (collab/update-bounds.ts, about Yjs structs);
 * what a page may hold is defined here, from the editor's schema, and handed to it as PAGE_FORMAT
 * (docs/decisions/023-collab-as-library.md). The awareness bounds are collab's own (AWARENESS_LIMITS).
 */
export const BOUNDS = {
  /** Encoded Yjs state of one page (the API takes 1 MB of Markdown; the Yjs form carries the markup too). */
  maxDocumentBytes: 2 * 1024 * 1024,
  /** Element nesting below the page's fragment (a list level is two: list and item). */
  maxDepth: 64,
  /** Elements (blocks, list items, cells, …) in one page. */
  maxNodes: 50_000,
  /** colspan / rowspan of a table cell. */
  maxCellSpan: 100,
  /** A column width in pixels. */
  maxColumnWidth: 10_000,
  maxHrefLength: 2048,
  maxTitleLength: 500,
  /** Bytes of Yjs structs a page may hold waiting for structs it has not seen. */
  maxPendingBytes: 256 * 1024,
} as const;

/** The API's answer to content past the bounds: 413 for size, 422 `document_too_complex` for the rest. */
export function documentTooComplex(error: DocumentOutOfBounds): AppError {
  return error.bound === "size"
    ? new AppError(413, "payload_too_large", error.message)
    : new AppError(422, "document_too_complex", error.message);
}

const isInt = (v: unknown, min: number, max: number) => typeof v === "number" && Number.isInteger(v) && v >= min && v <= max;
const oneOf = (...values: unknown[]) => (v: unknown) => values.includes(v);
const span = (v: unknown) => isInt(v, 1, BOUNDS.maxCellSpan);
const colwidth = (v: unknown) =>
  v === null || (Array.isArray(v) && v.length <= BOUNDS.maxCellSpan && v.every((w) => w === null || isInt(w, 0, BOUNDS.maxColumnWidth)));
const cellAttrs = { colspan: span, rowspan: span, colwidth, align: oneOf(null, "left", "center", "right") };

/**
 * Every attribute a node of the page schema may carry, with the values it may take. Enumerated
 * attributes are allowlists; numbers have ranges; strings have patterns and lengths.
 */
const NODE_ATTRS: Record<string, Record<string, (v: unknown) => boolean>> = {
  heading: { level: (v) => isInt(v, 1, 6) },
  codeBlock: { language: (v) => v === null || (typeof v === "string" && /^[A-Za-z0-9_+#.-]{1,32}$/.test(v)) },
  orderedList: { start: (v) => isInt(v, 0, 1_000_000), type: oneOf(null, "1", "a", "A", "i", "I") },
  taskItem: { checked: (v) => typeof v === "boolean" },
  tableCell: cellAttrs,
  tableHeader: cellAttrs,
  fileCard: { fileId: (v) => v === null || cardFileId(v) !== null },
  // src only ever our own file's download address (app/editor/page-image.ts); no title.
  image: { src: (v) => imageFileId(v) !== null, alt: isImageAlt, width: isImageWidth, height: isImageHeight },
  mention: { id: isMentionId, label: isMentionLabel, mentionSuggestionChar: oneOf("@") },
};

const optionalText = (max: number) => (v: unknown) => v === null || (typeof v === "string" && v.length <= max);
const MARK_ATTRS: Record<string, Record<string, (v: unknown) => boolean>> = {
  link: {
    href: (v) => typeof v === "string" && v.length <= BOUNDS.maxHrefLength && isAllowedLink(v),
    // Rendered as the schema's own defaults whatever the client sent (see fitNode).
    target: oneOf(null, "_blank"),
    rel: oneOf(null, "noopener noreferrer nofollow"),
    class: oneOf(null),
    title: optionalText(BOUNDS.maxTitleLength),
  },
};

/** The element names a page's Yjs fragment may hold (text is Y.XmlText, not an element). */
export function isPageElement(name: string): boolean {
  const { schema } = pageSchema();
  return name !== "text" && name !== schema.topNodeType.name && schema.nodes[name] !== undefined;
}

/** True when `value` is allowed for attribute `key` of a `node` element (unknown node: any node's rule). */
export function isAllowedNodeAttr(node: string | null, key: string, value: unknown): boolean {
  if (value === null || value === undefined) return true; // removing an attribute: the schema default
  const rules = node === null ? Object.values(NODE_ATTRS).filter((r) => key in r) : [NODE_ATTRS[node] ?? {}];
  return rules.some((r) => r[key]?.(value) === true);
}

/** The mark a Yjs text format key stands for ("link--AbCd1234" is an overlapping link). */
export const markNameOfFormat = (key: string) => /^(.*)--[a-zA-Z0-9+/=]{8}$/.exec(key)?.[1] ?? key;

/** True when a Yjs text format (mark name → attributes, or null to remove it) fits the schema. */
export function isAllowedFormat(key: string, value: unknown): boolean {
  const name = markNameOfFormat(key);
  if (pageSchema().schema.marks[name] === undefined) return false;
  if (value === null) return true;
  if (typeof value !== "object" || Array.isArray(value)) return false;
  const rules = MARK_ATTRS[name] ?? {};
  const entries = Object.entries(value as Record<string, unknown>);
  if (name === "link" && !rules.href!((value as { href?: unknown }).href)) return false;
  return entries.every(([k, v]) => rules[k]?.(v) === true);
}

/**
 * Depth and element count of a page's Yjs fragment, without recursion; stops counting once past
 * the bounds (collab/update-bounds.ts).
 */
export const measureFragment = (fragment: Y.XmlFragment): FragmentMeasure => measureYFragment(fragment, BOUNDS);

/** Throws DocumentOutOfBounds when a measured fragment (or node) is past the bounds. */
export function assertMeasureInBounds(measure: FragmentMeasure) {
  if (measure.depth > BOUNDS.maxDepth) {
    throw new DocumentOutOfBounds("depth", `Blocks are nested deeper than ${BOUNDS.maxDepth} levels.`);
  }
  if (measure.nodes > BOUNDS.maxNodes) {
    throw new DocumentOutOfBounds("nodes", `The page has more than ${BOUNDS.maxNodes} blocks.`);
  }
}

/** Depth and element count of a ProseMirror node (iterative, like measureFragment). */
export function measureNode(node: PMNode): FragmentMeasure {
  let depth = 0;
  let nodes = 0;
  const stack: [PMNode, number][] = [[node, 0]];
  while (stack.length) {
    const [parent, level] = stack.pop()!;
    parent.forEach((child) => {
      if (child.isText) return;
      nodes++;
      depth = Math.max(depth, level + 1);
      stack.push([child, level + 1]);
    });
  }
  return { depth, nodes };
}

function fitMarks(marks: readonly Mark[]): readonly Mark[] {
  const { schema } = pageSchema();
  const out: Mark[] = [];
  for (const mark of marks) {
    if (mark.type.name !== "link") {
      out.push(mark);
      continue;
    }
    const href = mark.attrs.href;
    if (typeof href !== "string" || href.length > BOUNDS.maxHrefLength || !isAllowedLink(href)) continue;
    const title = typeof mark.attrs.title === "string" ? mark.attrs.title.slice(0, BOUNDS.maxTitleLength) : null;
    // target, rel and class are the schema's own: never what a client set.
    out.push(schema.marks.link!.create({ href, title }));
  }
  return out;
}

function fitAttrs(node: PMNode): Record<string, unknown> {
  const rules = NODE_ATTRS[node.type.name];
  if (!rules) return node.attrs;
  const attrs: Record<string, unknown> = { ...node.attrs };
  for (const [key, allowed] of Object.entries(rules)) {
    if (attrs[key] !== null && attrs[key] !== undefined && !allowed(attrs[key])) {
      attrs[key] = node.type.spec.attrs?.[key]?.default ?? null;
    }
  }
  return attrs;
}

/**
 * The node with every attribute inside its allowlist or range (else the schema default) and
 * every link safe (else its text without the link). Nodes are already within the depth bound.
 */
export function fitNode(node: PMNode): PMNode {
  if (node.isText) {
    const marks = fitMarks(node.marks);
    return marks === node.marks || marks.length === node.marks.length && marks.every((m, i) => m.eq(node.marks[i]!)) ? node : node.mark(marks);
  }
  const children: PMNode[] = [];
  node.forEach((child) => children.push(fitNode(child)));
  return node.type.create(fitAttrs(node), Fragment.from(children), fitMarks(node.marks));
}

/** What a page outside the bounds shows instead of its content (renders, exports, the record). */
export function placeholderNode(): PMNode {
  const { schema } = pageSchema();
  return schema.topNodeType.create(null, [
    schema.nodes.paragraph!.create(null, schema.text("This page cannot be shown: its content is beyond the limits of a page.")),
  ]);
}

/** What a page may hold, for the collab library's update check (the DocumentRegistry's `format` hook). */
export const PAGE_FORMAT: DocumentFormat = {
  fragment: PAGE_FRAGMENT,
  limits: BOUNDS,
  isElement: isPageElement,
  isAllowedNodeAttr,
  isAllowedFormat,
  // A mention node's `id` is the user it mentions (server/wiki/page-mentions.ts notifies them once stored).
  mentionedUser: (node, key, value) => (node === "mention" && key === "id" && typeof value === "string" ? value : null),
};
