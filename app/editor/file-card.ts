import { Node, type JSONContent } from "@tiptap/core";
import type { DOMOutputSpec } from "@tiptap/pm/model";
import { typeLabel } from "../components/files/type-label.ts";
import { formatBytes } from "../../shared/format.ts";

/**
 * A file card: a block in a page that points at a file of the room's library. The document
 * carries the file's id and nothing else — no name, size or visibility — because the document
 * of a shared page is readable by the buyer's side. Everything the card shows is looked up for
 * each reader through the access policy (server/files/file-cards.ts): in server-rendered HTML
 * (server/wiki/file-cards.ts) and, in the editor, by the browser's node view
 * (file-card-view.client.ts). A file the reader may not see, and one that does not exist, give
 * the same neutral "File not available" card.
 *
 * Markdown: a line of its own, `[[file:<uuid>]]`.
 */

export const FILE_CARD = "fileCard";

/** What a reader may learn about a card's file: everything, or only that it is not available. */
export type FileCardData =
  | {
      id: string;
      available: true;
      name: string;
      contentType: string;
      size: number;
      version: number;
      visibility: "internal" | "shared";
    }
  | { id: string; available: false };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The card's file id as stored, or null when the document holds something that is not an id. */
export function cardFileId(value: unknown): string | null {
  return typeof value === "string" && UUID.test(value) ? value.toLowerCase() : null;
}

/** The markdown line of a card. */
export const fileCardMarkdown = (fileId: string) => `[[file:${fileId}]]`;
const MARKDOWN_LINE = /^\[\[file:([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\]\][ \t]*(?:\n|$)/i;

/** Where a card opens: the file's preview page. */
export const filePreviewPath = (roomId: string, fileId: string) => `/rooms/${roomId}/files/${fileId}`;

/** "PDF · 1.2 MB · version 3": the card's second line. */
export const fileCardMeta = (card: { contentType: string; size: number; version: number }) =>
  `${typeLabel(card.contentType)} · ${formatBytes(card.size)} · version ${card.version}`;

const ICON: DOMOutputSpec = ["span", { class: "file-card-icon", "aria-hidden": "true" }];

/**
 * The card's DOM, the same on the server (HTML) and in the editor (node view):
 * - `undefined`: not looked up (stored version HTML, the editor before the answer) — the id and a neutral label;
 * - not available: nothing but the neutral text, not even the id;
 * - available: name (the link to the preview), type, size and version.
 */
export function fileCardSpec(fileId: string | null, card: FileCardData | undefined, roomId: string | null): DOMOutputSpec {
  if (fileId && card === undefined) {
    return [
      "div",
      { class: "file-card file-card-pending", "data-type": "file-card", "data-file-id": fileId },
      ICON,
      ["span", { class: "file-card-body" }, ["span", { class: "file-card-name" }, "File"], ["span", { class: "file-card-meta" }, "Loading…"]],
    ];
  }
  if (!fileId || !card || !card.available || !roomId) {
    return [
      "div",
      { class: "file-card file-card-unavailable", "data-type": "file-card" },
      ICON,
      [
        "span",
        { class: "file-card-body" },
        ["span", { class: "file-card-name" }, "File not available"],
        ["span", { class: "file-card-meta" }, "It may have been removed, or it is not shared with you."],
      ],
    ];
  }
  const internal = card.visibility === "internal";
  return [
    "div",
    { class: `file-card${internal ? " file-card-internal" : ""}`, "data-type": "file-card", "data-file-id": fileId },
    ICON,
    [
      "span",
      { class: "file-card-body" },
      ["a", { class: "file-card-name", href: filePreviewPath(roomId, fileId), title: card.name }, card.name],
      ["span", { class: "file-card-meta" }, fileCardMeta(card)],
    ],
    ...(internal ? [["span", { class: "badge badge-internal", title: "Internal: only your team can see this" }, "Internal"] as DOMOutputSpec] : []),
    ["span", { class: "file-card-open", "aria-hidden": "true" }, "Open"],
  ];
}

declare module "@tiptap/core" {
  interface Commands<ReturnType> {
    fileCard: {
      /** Inserts a card for the file with this id at the selection. */
      insertFileCard: (fileId: string) => ReturnType;
    };
  }
}

/** The node of the shared schema. The browser adds its node view on top (file-card-view.client.ts). */
export const FileCard = Node.create({
  name: FILE_CARD,
  group: "block",
  atom: true,
  selectable: true,
  draggable: true,

  addAttributes() {
    return {
      fileId: {
        default: null,
        parseHTML: (element) => cardFileId(element.getAttribute("data-file-id")),
        // Rendered by renderHTML below, never as a bare attribute.
        renderHTML: () => ({}),
      },
    };
  },

  parseHTML() {
    return [{ tag: '[data-type="file-card"][data-file-id]', getAttrs: (element) => (cardFileId(element.getAttribute("data-file-id")) ? null : false) }];
  },

  // Reader-independent HTML (stored with page versions, the clipboard): the neutral placeholder.
  renderHTML({ node }) {
    return fileCardSpec(cardFileId(node.attrs.fileId), undefined, null);
  },

  renderText() {
    return "";
  },

  markdownTokenizer: {
    name: FILE_CARD,
    level: "block",
    start: (src: string) => src.search(/^\[\[file:/im),
    tokenize(src) {
      const match = MARKDOWN_LINE.exec(src);
      if (!match) return undefined;
      return { type: FILE_CARD, raw: match[0], attributes: { fileId: match[1]!.toLowerCase() } };
    },
  },

  parseMarkdown: (token, helpers) => helpers.createNode(FILE_CARD, { fileId: cardFileId(token.attributes?.fileId) }),

  renderMarkdown: (node: JSONContent) => {
    const fileId = cardFileId(node.attrs?.fileId);
    return fileId ? fileCardMarkdown(fileId) : "";
  },

  addCommands() {
    return {
      insertFileCard:
        (fileId: string) =>
        ({ commands }) => {
          const id = cardFileId(fileId);
          return id ? commands.insertContent({ type: FILE_CARD, attrs: { fileId: id } }) : false;
        },
    };
  },
});
