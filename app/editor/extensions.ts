import { mergeAttributes, type Extensions } from "@tiptap/core";
import { TaskItem, TaskList } from "@tiptap/extension-list";
import { TableCell, TableHeader, TableKit } from "@tiptap/extension-table";
import { Link } from "@tiptap/extension-link";
import { StarterKit } from "@tiptap/starter-kit";
import { FileCard } from "./file-card.ts";
import { PageImage } from "./page-image.ts";
import { PageMention } from "./page-mention.ts";

/** Link targets a page may carry: web, mail, and same-site paths or anchors (no scheme). */
const ALLOWED_LINK = /^(?:https?:|mailto:|[/#?.]|[^:]*$)/i;

/** True when `href` may be stored and rendered as a link (no javascript:, data:, …). */
export function isAllowedLink(href: unknown): boolean {
  if (typeof href !== "string") return false;
  // Browsers ignore whitespace and control characters inside a scheme ("java\tscript:").
  return ALLOWED_LINK.test(href.replace(/[\u0000-\u0020\u007f-\u009f]/g, ""));
}

/** Largest colspan / rowspan a cell may carry (server/wiki/bounds.ts checks documents against the same). */
export const MAX_CELL_SPAN = 100;
const CELL_ALIGN = ["left", "center", "right"] as const;
const cellAlign = (value: unknown) => (CELL_ALIGN as readonly unknown[]).includes(value) ? (value as string) : null;
const cellSpan = (value: unknown) => {
  const n = typeof value === "number" ? value : Number.parseInt(String(value ?? ""), 10);
  return Number.isInteger(n) && n >= 1 ? Math.min(n, MAX_CELL_SPAN) : 1;
};

/**
 * Cell attributes as allowlists and ranges in both directions: parsing HTML (paste) and rendering
 * (the editor, server HTML). A document that came in as raw Yjs may hold anything; `align` becomes
 * a style only when it is one of three words, and colspan/rowspan never exceed MAX_CELL_SPAN.
 */
const boundedCellAttributes = {
  colspan: { default: 1, parseHTML: (el: HTMLElement) => cellSpan(el.getAttribute("colspan")), renderHTML: (a: Record<string, unknown>) => ({ colspan: cellSpan(a.colspan) }) },
  rowspan: { default: 1, parseHTML: (el: HTMLElement) => cellSpan(el.getAttribute("rowspan")), renderHTML: (a: Record<string, unknown>) => ({ rowspan: cellSpan(a.rowspan) }) },
  align: {
    default: null,
    parseHTML: (el: HTMLElement) => cellAlign((el.style.textAlign || el.getAttribute("align") || "").trim().toLowerCase()),
    renderHTML: (a: Record<string, unknown>) => (cellAlign(a.align) ? { style: `text-align: ${cellAlign(a.align)}` } : {}),
  },
};
const BoundedTableCell = TableCell.extend({ addAttributes() { return { ...this.parent?.(), ...boundedCellAttributes }; } });
const BoundedTableHeader = TableHeader.extend({ addAttributes() { return { ...this.parent?.(), ...boundedCellAttributes }; } });

/**
 * A task item whose checkbox is named after its text in rendered HTML (the hand-off record,
 * exports): TipTap's own HTML leaves it unlabelled (WCAG 4.1.2). The editor draws task items
 * with its node view, which labels them the same way.
 */
const LabelledTaskItem = TaskItem.extend({
  renderHTML({ node, HTMLAttributes }) {
    const text = node.textContent.trim() || "empty task";
    return [
      "li",
      mergeAttributes(this.options.HTMLAttributes, HTMLAttributes, { "data-type": this.name }),
      ["label", ["input", { type: "checkbox", checked: node.attrs.checked ? "checked" : null, "aria-label": `Task: ${text}` }], ["span"]],
      ["div", 0],
    ];
  },
});

/**
 * TipTap's Link, not inclusive: the mark ends where the link's text ends, so what is typed right
 * after a link (a ".", a space) is plain text; typing inside the link still extends it, and a
 * typed address still becomes a link at the space after it (autolink).
 */
const PageLink = Link.extend({ inclusive: () => false });

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
      // Our own Link below: StarterKit's would be inclusive (TipTap makes a link inclusive
      // when autolink is on), so text typed at a link's end, such as a full stop, joined it.
      link: false,
    }),
    PageLink.configure({
      autolink: true,
      openOnClick: false,
      isAllowedUri: (url) => isAllowedLink(url),
    }),
    TaskList,
    LabelledTaskItem.configure({ nested: true, a11y: { checkboxLabel: (node) => `Task: ${node.textContent.trim() || "empty task"}` } }),
    TableKit.configure({ tableCell: false, tableHeader: false }),
    BoundedTableCell,
    BoundedTableHeader,
    FileCard,
    PageImage,
    PageMention,
  ];
}
