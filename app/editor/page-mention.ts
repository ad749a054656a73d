import { Mention } from "@tiptap/extension-mention";

/**
 * A mention of a participant in a page: TipTap's own Mention node, bounded. It carries the
 * person's user id and the name shown (`label`); nothing else. The collab server refuses any
 * other value (server/wiki/bounds.ts) and, once an update that adds a mention is stored,
 * notifies the person if they may read the page (server/wiki/page-mentions.ts). Markdown: TipTap's
 * shortcode `[@ id="<uuid>" label="<name>"]`.
 */

export const PAGE_MENTION = "mention";
export const MAX_MENTION_LABEL = 100;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export const isMentionId = (v: unknown): v is string => typeof v === "string" && UUID.test(v);
/** A name as a mention may show it: no quotes or brackets (they would end the Markdown shortcode), no control characters. */
export const isMentionLabel = (v: unknown): v is string =>
  typeof v === "string" && v.length >= 1 && v.length <= MAX_MENTION_LABEL && !/["[\]\\<>\u0000-\u001f\u007f]/.test(v);

/** A display name fitted to what a label may hold. */
export const mentionLabel = (name: string) => name.replace(/["[\]\\<>\u0000-\u001f\u007f]/g, "").slice(0, MAX_MENTION_LABEL).trim() || "someone";

export const PageMention = Mention.extend({
  addAttributes() {
    return {
      id: {
        default: null,
        parseHTML: (el: HTMLElement) => (isMentionId(el.getAttribute("data-id")) ? el.getAttribute("data-id") : null),
        renderHTML: (a: Record<string, unknown>) => (isMentionId(a.id) ? { "data-id": a.id } : {}),
      },
      label: {
        default: null,
        parseHTML: (el: HTMLElement) => {
          const label = el.getAttribute("data-label");
          return isMentionLabel(label) ? label : null;
        },
        renderHTML: (a: Record<string, unknown>) => (isMentionLabel(a.label) ? { "data-label": a.label } : {}),
      },
      mentionSuggestionChar: {
        default: "@",
        parseHTML: () => "@",
        renderHTML: () => ({}),
      },
    };
  },
}).configure({
  HTMLAttributes: { class: "mention" },
  renderText: ({ node }) => `@${isMentionLabel(node.attrs.label) ? node.attrs.label : "someone"}`,
  renderHTML: ({ node, options }) => [
    "span",
    { ...options.HTMLAttributes, "data-type": PAGE_MENTION },
    `@${isMentionLabel(node.attrs.label) ? node.attrs.label : "someone"}`,
  ],
});
