import type { JSONContent } from "@tiptap/core";
import { Fragment, type Node as PMNode } from "@tiptap/pm/model";
import { isAllowedLink } from "../../app/editor/extensions.ts";
import { cardFileId, FILE_CARD, fileCardMarkdown } from "../../app/editor/file-card.ts";
import { invalid } from "../errors.ts";
import { documentTooComplex, DocumentOutOfBounds } from "./bounds.ts";
import { parseMarkdown } from "./markdown-parse.ts";
import { pageSchema } from "./schema.ts";

/**
 * Markdown into a page node: what the API's markdown import and markdown.ts use. Kept apart from
 * the renderers (no DOM, no Yjs conversion) so the import's worker thread (markdown-pool.ts)
 * starts quickly.
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

/**
 * Parses markdown into a page node (markdown-parse.ts; linear in the input); throws a 400 when it
 * cannot be represented, and 422 `document_too_complex` when it is past the bounds (bounds.ts).
 */
export function markdownToNode(markdown: string): PMNode {
  const { schema } = pageSchema();
  let node: PMNode;
  try {
    node = cardsWhereAllowed(schema.nodeFromJSON(wrapStrayInline(dropUnsafeLinks(parseMarkdown(markdown)))));
    // An empty document still needs its one block (what an empty editor shows).
    if (node.childCount === 0) node = schema.topNodeType.createAndFill()!;
    node.check();
  } catch (error) {
    if (error instanceof DocumentOutOfBounds) throw documentTooComplex(error);
    throw invalid("The markdown could not be read as a page.", { markdown: "could not be read as a page" });
  }
  return node;
}

