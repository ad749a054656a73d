import { Image } from "@tiptap/extension-image";
import { Plugin, PluginKey } from "@tiptap/pm/state";
import type { DOMOutputSpec } from "@tiptap/pm/model";

/**
 * An image in a page: TipTap's own Image node, bounded. The image is a file of the room's
 * library (uploaded with the page's visibility when pasted or dropped), and `src` is always that
 * file's download address through the API, `/api/v1/files/<uuid>/download`, so access is
 * checked on every read. Nothing else may be a `src` (no data:, no other site, no javascript:).
 * Server-rendered HTML shows an image only to a reader who may see its file, like a file card
 * (docs/decisions/010-file-cards.md, server/wiki/file-cards.ts); the collab server refuses any
 * other src, width or alt (server/wiki/bounds.ts, docs/decisions/013-document-bounds.md).
 */

export const PAGE_IMAGE = "image";
export const IMAGE_BOUNDS = { minWidth: 32, maxWidth: 2000, maxHeight: 4000, maxAlt: 500 } as const;

const SRC = /^\/api\/v1\/files\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\/download$/;

/** The download address of a library file: the only `src` an image may have. */
export const imageSrcOf = (fileId: string) => `/api/v1/files/${fileId.toLowerCase()}/download`;

/** The file id an image's `src` points at, or null when it is not our own file address. */
export function imageFileId(src: unknown): string | null {
  return typeof src === "string" ? (SRC.exec(src)?.[1] ?? null) : null;
}

export const isImageWidth = (v: unknown) => typeof v === "number" && Number.isInteger(v) && v >= IMAGE_BOUNDS.minWidth && v <= IMAGE_BOUNDS.maxWidth;
export const isImageHeight = (v: unknown) => typeof v === "number" && Number.isInteger(v) && v >= 1 && v <= IMAGE_BOUNDS.maxHeight;
export const isImageAlt = (v: unknown) => typeof v === "string" && v.length <= IMAGE_BOUNDS.maxAlt && !/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/.test(v);

/** A size as the schema stores it: an integer within bounds, or null. */
function fitSize(value: unknown, min: number, max: number): number | null {
  const n = typeof value === "number" ? value : Number.parseFloat(String(value ?? ""));
  if (!Number.isFinite(n)) return null;
  return Math.min(max, Math.max(min, Math.round(n)));
}

const imageKey = new PluginKey("pageImageBounds");

/** The DOM of an image no reader may see (a file not available to them): a neutral box, no src. */
export const unavailableImageSpec: DOMOutputSpec = ["div", { class: "page-image-unavailable", "data-type": "image-unavailable" }, "Image not available"];

export const PageImage = Image.extend({
  addOptions() {
    return { ...this.parent!(), inline: false, allowBase64: false };
  },

  addAttributes() {
    return {
      src: {
        default: null,
        parseHTML: (el: HTMLElement) => (imageFileId(el.getAttribute("src")) ? el.getAttribute("src") : null),
        renderHTML: (a: Record<string, unknown>) => (imageFileId(a.src) ? { src: a.src } : {}),
      },
      alt: {
        default: null,
        parseHTML: (el: HTMLElement) => (el.getAttribute("alt") ?? "").slice(0, IMAGE_BOUNDS.maxAlt) || null,
        renderHTML: (a: Record<string, unknown>) => ({ alt: isImageAlt(a.alt) ? a.alt : "" }),
      },
      width: {
        default: null,
        parseHTML: (el: HTMLElement) => fitSize(el.getAttribute("width"), IMAGE_BOUNDS.minWidth, IMAGE_BOUNDS.maxWidth),
        renderHTML: (a: Record<string, unknown>) => (isImageWidth(a.width) ? { width: a.width } : {}),
      },
      height: {
        default: null,
        parseHTML: (el: HTMLElement) => fitSize(el.getAttribute("height"), 1, IMAGE_BOUNDS.maxHeight),
        renderHTML: (a: Record<string, unknown>) => (isImageHeight(a.height) ? { height: a.height } : {}),
      },
    };
  },

  parseHTML() {
    // Only our own files: an image pasted from another site is not taken as an image.
    return [{ tag: "img[src]", getAttrs: (el) => (imageFileId((el as HTMLElement).getAttribute("src")) ? null : false) }];
  },

  renderHTML({ HTMLAttributes }) {
    if (!imageFileId(HTMLAttributes.src)) return unavailableImageSpec;
    return ["img", { ...HTMLAttributes, class: "page-image", loading: "lazy" }];
  },

  renderMarkdown: (node) => {
    const src = imageFileId(node.attrs?.src) ? (node.attrs!.src as string) : "";
    const alt = isImageAlt(node.attrs?.alt) ? (node.attrs!.alt as string).replace(/[[\]\\]/g, "\\$&") : "";
    return src ? `![${alt}](${src})` : "";
  },

  addInputRules() {
    return [];
  },

  /**
   * Sizes as integers within bounds, whatever wrote them (the resize handles give fractions):
   * the collab server refuses an update whose width is not one (server/wiki/bounds.ts).
   */
  addProseMirrorPlugins() {
    return [
      new Plugin({
        key: imageKey,
        appendTransaction: (transactions, _old, state) => {
          if (!transactions.some((t) => t.docChanged)) return null;
          let tr = null as ReturnType<typeof state.tr.setNodeMarkup> | null;
          state.doc.descendants((node, pos) => {
            if (node.type.name !== PAGE_IMAGE) return !node.isTextblock;
            const { width, height } = node.attrs as { width: unknown; height: unknown };
            const fitWidth = width === null ? null : fitSize(width, IMAGE_BOUNDS.minWidth, IMAGE_BOUNDS.maxWidth);
            const fitHeight = height === null ? null : fitSize(height, 1, IMAGE_BOUNDS.maxHeight);
            if (fitWidth !== width || fitHeight !== height) {
              tr = (tr ?? state.tr).setNodeMarkup(pos, undefined, { ...node.attrs, width: fitWidth, height: fitHeight });
            }
            return false;
          });
          return tr;
        },
      }),
    ];
  },
});
