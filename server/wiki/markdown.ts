import type { JSONContent } from "@tiptap/core";
import { Fragment, type Node as PMNode } from "@tiptap/pm/model";
import { prosemirrorToYDoc } from "@tiptap/y-tiptap";
import * as Y from "yjs";
import { isAllowedLink } from "../../app/editor/extensions.ts";
import { cardFileId, FILE_CARD, fileCardMarkdown } from "../../app/editor/file-card.ts";
import { invalid } from "../errors.ts";
import { pageNodeFromState, pageNodeOf } from "./render.ts";
import { PAGE_FRAGMENT, pageSchema } from "./schema.ts";

/**
 * Markdown in and out of page documents, through TipTap's MarkdownManager and the shared
 * extension list. Raw HTML in markdown never becomes HTML: on the server (no DOM) the
 * manager keeps it as literal text, and the schema has no node that could carry it.
 */

/** Links the page schema would refuse to render keep their text and lose the link. */
function dropUnsafeLinks(node: JSONContent): JSONContent {
  const marks = node.marks?.filter((m) => m.type !== "link" || isAllowedLink(m.attrs?.href));
  return {
    ...node,
    ...(node.marks ? { marks } : {}),
    ...(node.content ? { content: node.content.map(dropUnsafeLinks) } : {}),
  };
}

/**
 * Wraps inline content that the parser left where blocks belong (an image without an image
 * node leaves its alt text at the top level) into paragraphs.
 */
function wrapStrayInline(node: JSONContent): JSONContent {
  const { schema } = pageSchema();
  if (!node.content) return node;
  const content = node.content.map(wrapStrayInline);
  const type = node.type ? schema.nodes[node.type] : undefined;
  if (!type || type.inlineContent) return { ...node, content };
  const isInline = (child: JSONContent) => child.type === "text" || schema.nodes[child.type ?? ""]?.isInline === true;
  const blocks: JSONContent[] = [];
  for (const child of content) {
    if (!isInline(child)) blocks.push(child);
    else if (blocks.at(-1)?.type === "paragraph" && (blocks.at(-1) as { stray?: true }).stray) blocks.at(-1)!.content!.push(child);
    else blocks.push({ type: "paragraph", content: [child], stray: true } as JSONContent);
  }
  return { ...node, content: blocks.map(({ stray: _stray, ...block }: JSONContent & { stray?: true }) => block) };
}

/**
 * A file card line where its parent cannot start with one (the first line of a list item,
 * which must be a paragraph) stays what was written: text, as in a task item.
 */
function cardsWhereAllowed(node: PMNode): PMNode {
  if (node.isText || node.childCount === 0) return node;
  const { schema } = pageSchema();
  const children: PMNode[] = [];
  node.forEach((child, _offset, index) => {
    const fitted = cardsWhereAllowed(child);
    const cardFirst = index === 0 && fitted.type.name === FILE_CARD && !node.type.contentMatch.matchType(fitted.type);
    const fileId = cardFileId(fitted.attrs.fileId);
    children.push(cardFirst ? schema.nodes.paragraph!.create(null, fileId ? schema.text(fileCardMarkdown(fileId)) : null) : fitted);
  });
  return node.copy(Fragment.from(children));
}

/** Parses markdown into a page node; throws a 400 when it cannot be represented. */
export function markdownToNode(markdown: string): PMNode {
  const { schema, markdown: manager } = pageSchema();
  let node: PMNode;
  try {
    node = cardsWhereAllowed(schema.nodeFromJSON(wrapStrayInline(dropUnsafeLinks(manager.parse(markdown)))));
    // An empty document still needs its one block (what an empty editor shows).
    if (node.childCount === 0) node = schema.topNodeType.createAndFill()!;
    node.check();
  } catch {
    throw invalid("The markdown could not be read as a page.", { markdown: "could not be read as a page" });
  }
  return node;
}

/** A Yjs update that creates `node` in an empty page document. Apply it once, on the server. */
export function nodeToUpdate(node: PMNode): Uint8Array {
  const doc = prosemirrorToYDoc(node, PAGE_FRAGMENT);
  try {
    return Y.encodeStateAsUpdate(doc);
  } finally {
    doc.destroy();
  }
}

export const markdownToUpdate = (markdown: string) => nodeToUpdate(markdownToNode(markdown));

export function nodeToMarkdown(node: PMNode): string {
  return pageSchema().markdown.serialize(node.toJSON() as JSONContent);
}

export const docToMarkdown = (doc: Y.Doc) => nodeToMarkdown(pageNodeOf(doc));
export const stateToMarkdown = (state: Uint8Array) => nodeToMarkdown(pageNodeFromState(state));
