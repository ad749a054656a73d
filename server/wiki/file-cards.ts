import type { Node as PMNode } from "@tiptap/pm/model";
import type { Tx } from "../../db/client.ts";
import { loadStanding, type Standing } from "../access/index.ts";
import { cardFileId, FILE_CARD, fileCardMeta } from "../../app/editor/file-card.ts";
import { imageFileId, PAGE_IMAGE } from "../../app/editor/page-image.ts";
import type { ActorContext } from "../context.ts";
import { loadFileCards } from "../files/file-cards.ts";
import { renderNodeHtmlFor } from "./render.ts";

/**
 * Server-rendered page HTML for one reader. Stored HTML (pages.content_html,
 * page_versions.content_html) is reader-independent: a file card there is a neutral
 * placeholder with the file's id. Whatever HTML is shown to a person — the page's first,
 * read-only render and a version in the history — is rendered again from the document for
 * that reader, with each card looked up through the access policy (server/files/file-cards.ts).
 */

/** The file ids of a page's cards and images, each once, in document order. */
export function fileCardIds(node: PMNode): string[] {
  const ids = new Set<string>();
  node.descendants((child) => {
    if (child.type.name === FILE_CARD || child.type.name === PAGE_IMAGE) {
      const id = child.type.name === FILE_CARD ? cardFileId(child.attrs.fileId) : imageFileId(child.attrs.src);
      if (id) ids.add(id);
      return false;
    }
    return !child.isTextblock;
  });
  return [...ids];
}

/** The page node as HTML for the reader whose standing in the page's room is `standing`. */
export async function pageHtmlFor(sql: Tx, standing: Standing, node: PMNode): Promise<string> {
  const cards = await loadFileCards(sql, standing, fileCardIds(node));
  return renderNodeHtmlFor(node, { roomId: standing.roomId, cards });
}

/** The same, for an actor in `roomId` (the page's room; the caller has already authorized the page). */
export async function pageHtmlForActor(ctx: ActorContext, roomId: string, node: PMNode): Promise<string> {
  return pageHtmlFor(ctx.sql, await loadStanding(ctx.sql, ctx.actor, roomId), node);
}

const MENTION = /\[@ id="[0-9a-f-]{36}" label="([^"\[\]\\<>\n]{1,100})"\]/g;
const CARD_LINE = /^([ \t>]*)\[\[file:([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\]\][ \t]*$/gim;

/**
 * For exports written from page markdown (the hand-off record): each card line
 * `[[file:<id>]]` becomes what this reader may see of the file — "File: <name> (<type> · <size>
 * · version N)" or "File not available" — so an export names files without any markdown
 * carrying a name. A mention's shortcode becomes "@Name".
 */
export async function fileCardLinesFor(sql: Tx, standing: Standing, input: string): Promise<string> {
  // Mentions read as "@Name" in an export, not as the editor's shortcode (app/editor/page-mention.ts).
  const markdown = input.replace(MENTION, (_m, label: string) => `@${label}`);
  const ids = [...markdown.matchAll(CARD_LINE)].map((m) => m[2]!.toLowerCase());
  if (ids.length === 0) return markdown;
  const cards = await loadFileCards(sql, standing, ids);
  return markdown.replace(CARD_LINE, (_line, prefix: string, id: string) => {
    const card = cards.get(id.toLowerCase());
    return `${prefix}${card?.available ? `File: ${card.name} (${fileCardMeta(card)})` : "File not available"}`;
  });
}
