import type { FileCardData } from "../../app/editor/file-card.ts";
import type { JSONContent } from "@tiptap/core";
import { diffPages } from "./diff.ts";
import { contentChange } from "./versions.ts";
import { fileCardIds } from "./file-cards.ts";
import { nodeToMarkdown } from "./markdown.ts";
import { pageNodeFromState, renderNode, renderNodeHtmlFor } from "./render.ts";
import { pageSchema } from "./schema.ts";

/**
 * The renders of a big page, in a worker thread of the pool in render-pool.ts
 * (docs/decisions/013-document-bounds.md): the same functions the main thread runs for small
 * pages, taking encoded Yjs states and answering plain data.
 */
export type RenderTask =
  | { kind: "warm" }
  | { kind: "content"; state: Uint8Array }
  | { kind: "view"; state: Uint8Array; roomId: string; cards: [string, FileCardData][] | null }
  | { kind: "diff"; before: Uint8Array | null; after: Uint8Array }
  /** versions.ts contentChange from `current` to a state's content (restore) or a node as JSON (Markdown edit). */
  | { kind: "change"; current: Uint8Array; target: { state: Uint8Array } | { json: JSONContent } };

export default function render(task: RenderTask) {
  switch (task.kind) {
    case "warm":
      pageSchema();
      return null;
    case "content":
      return renderNode(pageNodeFromState(task.state));
    case "view":
      return viewOf(task.state, task.roomId, task.cards === null ? null : new Map(task.cards));
    case "change": {
      const target = "state" in task.target ? pageNodeFromState(task.target.state) : pageSchema().schema.nodeFromJSON(task.target.json);
      return contentChange(task.current, target);
    }
    case "diff": {
      const before = task.before === null ? pageSchema().schema.topNodeType.createAndFill()! : pageNodeFromState(task.before);
      return diffPages(before, pageNodeFromState(task.after));
    }
  }
}

/**
 * A page as one reader sees it: its Markdown, the file ids its cards and images name, and, once
 * the reader's cards are known (`cards`), its HTML for them.
 */
export function viewOf(state: Uint8Array, roomId: string, cards: Map<string, FileCardData> | null) {
  const node = pageNodeFromState(state);
  return {
    markdown: nodeToMarkdown(node),
    fileIds: fileCardIds(node),
    html: cards === null ? null : renderNodeHtmlFor(node, { roomId, cards }),
  };
}
