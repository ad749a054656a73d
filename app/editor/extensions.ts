import type { Extensions } from "@tiptap/core";
import { TaskItem, TaskList } from "@tiptap/extension-list";
import { TableKit } from "@tiptap/extension-table";
import { StarterKit } from "@tiptap/starter-kit";
import { FileCard } from "./file-card.ts";

/** Link targets a page may carry: web, mail, and same-site paths or anchors (no scheme). */
const ALLOWED_LINK = /^(?:https?:|mailto:|[/#?.]|[^:]*$)/i;

/** True when `href` may be stored and rendered as a link (no javascript:, data:, …). */
export function isAllowedLink(href: unknown): boolean {
  if (typeof href !== "string") return false;
  // Browsers ignore whitespace and control characters inside a scheme ("java\tscript:").
  return ALLOWED_LINK.test(href.replace(/[\u0000-\u0020\u007f-\u009f]/g, ""));
}

/**
 * THE extension list of a page: the browser editor and the server (rendering, markdown,
 * versions, diff) build the same schema from it, so server output matches the editor.
 * The browser adds Collaboration and CollaborationCaret on top; nothing here touches the
 * DOM at import time, so Node can import it.
 */
export function editorExtensions(): Extensions {
  return [
    StarterKit.configure({
      // Collaboration brings its own undo, which only undoes the local user's changes.
      undoRedo: false,
      link: {
        autolink: true,
        openOnClick: false,
        isAllowedUri: (url) => isAllowedLink(url),
      },
    }),
    TaskList,
    TaskItem.configure({ nested: true }),
    TableKit,
    FileCard,
  ];
}
