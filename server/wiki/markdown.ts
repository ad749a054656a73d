import type { JSONContent } from "@tiptap/core";
import type { Node as PMNode } from "@tiptap/pm/model";
import { prosemirrorToYDoc } from "@tiptap/y-tiptap";
import * as Y from "yjs";
import { markdownToNode } from "./markdown-import.ts";
import { pageNodeFromState, pageNodeOf } from "./render.ts";
import { PAGE_FRAGMENT, pageSchema } from "./schema.ts";

/**
 * Markdown in and out of page documents. In: markdown-import.ts (markdown-it, linear on any
 * input; the API runs it in a worker, markdown-pool.ts). Out: TipTap's MarkdownManager over the
 * shared extension list. Raw HTML in markdown never becomes HTML: it stays literal text, and the
 * schema has no node that could carry it.
 */

export { markdownToNode } from "./markdown-import.ts";

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
