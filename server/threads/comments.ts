import * as Y from "yjs";
import { z } from "zod";
import type { Tx } from "../../db/client.ts";
import { authorize, can, visibleWhere } from "../access/index.ts";
import type { ActorContext } from "../context.ts";
import { invalid } from "../errors.ts";
import { loadPage } from "../wiki/load-page.ts";
import { PAGE_FRAGMENT } from "../wiki/schema.ts";
import { parseInput, Visibility } from "../validation.ts";
import { checkBody } from "./messages.ts";
import { limitThread } from "./rate-limit.ts";
import { MAX_TITLE_CHARS, startThread, type ThreadWithUnread } from "./threads.ts";
import { messageViews, threadViews, type MessageView, type ThreadView } from "./views.ts";

/**
 * Comments anchored to text (docs/decisions/028-comments-anchored-to-text.md): a thread linked
 * to a page, with the selected range kept as two Yjs relative positions in `thread_anchors`,
 * never in the page's document. The thread is the comment: its visibility decides who reads the
 * anchor, on every surface (this list, the thread API, socket.io), exactly as for its messages.
 */

/** Encoded relative positions are a few dozen bytes (client id, clock, a type name); far less than this. */
export const MAX_ANCHOR_BYTES = 96;
export const MAX_QUOTE_CHARS = 500;
/** The newest anchored threads a page answers with (the panel shows them all). */
export const MAX_PAGE_COMMENTS = 200;

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const Position = z
  .string({ error: "is required" })
  .max(Math.ceil(MAX_ANCHOR_BYTES / 3) * 4, `must be at most ${MAX_ANCHOR_BYTES} bytes`)
  .regex(BASE64, "must be base64 (Y.encodeRelativePosition)");

const CreateCommentInput = z
  .object({
    body: z.string({ error: "is required" }),
    /** Default: the page's own visibility. */
    visibility: Visibility.optional(),
    anchor: z.object({ from: Position, to: Position }, { error: "must be { from, to }" }).strict(),
    quote: z.string({ error: "is required" }).trim().min(1, "is required").max(MAX_QUOTE_CHARS, `must be at most ${MAX_QUOTE_CHARS} characters`),
  })
  .strict();

export type CommentView = ThreadView & { messages: MessageView[] };

/** Decodes one position, or null when the bytes are not a relative position. */
function decodePosition(encoded: string): { bytes: Uint8Array; position: Y.RelativePosition } | null {
  const bytes = new Uint8Array(Buffer.from(encoded, "base64"));
  if (bytes.length === 0 || bytes.length > MAX_ANCHOR_BYTES) return null;
  try {
    const position = Y.decodeRelativePosition(bytes);
    // Re-encoding gives the same bytes only for a well-formed position with nothing after it.
    if (Buffer.compare(Buffer.from(Y.encodeRelativePosition(position)), Buffer.from(bytes)) !== 0) return null;
    return { bytes, position };
  } catch {
    return null;
  }
}

/** True when `type` is the page's fragment or lies inside it. */
function insideFragment(type: Y.AbstractType<unknown>, fragment: Y.XmlFragment): boolean {
  for (let t: Y.AbstractType<unknown> | null = type; t; t = (t._item?.parent as Y.AbstractType<unknown> | undefined) ?? null) {
    if (t === (fragment as unknown)) return true;
  }
  return false;
}

/**
 * Both ends must be positions in this page's document as it is now: an anchor copied from
 * another page, or made up, is refused (400) before anything is stored.
 */
async function checkAnchor(ctx: ActorContext, pageId: string, anchor: { from: string; to: string }) {
  const from = decodePosition(anchor.from);
  const to = decodePosition(anchor.to);
  const bad = (field: "from" | "to") => invalid("The comment's place in the page is not valid. Select the text again.", { [`anchor.${field}`]: "is not a position in this page" });
  if (!from) throw bad("from");
  if (!to) throw bad("to");
  const doc = new Y.Doc({ gc: false });
  try {
    Y.applyUpdate(doc, await ctx.documents.encodeState(pageId));
    const fragment = doc.getXmlFragment(PAGE_FRAGMENT);
    for (const [field, end] of [["from", from], ["to", to]] as const) {
      // A position names either an item of this document or a root type, which must be the page's.
      if (end.position.tname !== null && end.position.tname !== PAGE_FRAGMENT) throw bad(field);
      const absolute = Y.createAbsolutePositionFromRelativePosition(end.position, doc);
      if (!absolute || !insideFragment(absolute.type, fragment)) throw bad(field);
    }
  } finally {
    doc.destroy();
  }
  return { from: from.bytes, to: to.bytes };
}

function titleFrom(quote: string): string {
  const oneLine = quote.replace(/\s+/g, " ").trim();
  const max = Math.min(MAX_TITLE_CHARS, 80);
  return oneLine.length <= max ? oneLine : `${oneLine.slice(0, max - 1)}…`;
}

/**
 * Starts a thread on a selected range of a page. Anyone who may comment on the page (commenter
 * and up, guests too on a shared page); it takes the page's visibility unless an internal
 * participant makes a comment on a shared page internal. An internal page's comments are internal.
 */
export async function createComment(ctx: ActorContext, pageId: string | undefined, raw: unknown): Promise<ThreadWithUnread & { messages: MessageView[] }> {
  const { standing, page } = await loadPage(ctx, pageId, "item.comment");
  const input = parseInput(CreateCommentInput, raw);
  const visibility = input.visibility ?? page.visibility;
  if (page.visibility === "internal" && visibility === "shared") {
    throw invalid("Comments on an internal page are internal.", { visibility: 'must be "internal" on an internal page' });
  }
  if (visibility === "internal") authorize(standing, "thread.createInternal");
  const body = checkBody(input.body);
  const anchor = await checkAnchor(ctx, page.id, input.anchor);
  await limitThread(ctx, standing.roomId);
  return startThread(ctx, standing, { title: titleFrom(input.quote), visibility, body, pageId: page.id }, async (sql: Tx, threadId) => {
    await sql`
      insert into thread_anchors (thread_id, page_id, anchor_from, anchor_to, quote)
      values (${threadId}, ${page.id}, ${Buffer.from(anchor.from)}, ${Buffer.from(anchor.to)}, ${input.quote})`;
  });
}

/**
 * The page's anchored threads the reader may see, oldest first, with their messages, and what the
 * reader may do (start a comment, make one internal). Internal threads do not exist for external readers.
 */
export async function listPageComments(ctx: ActorContext, pageId: string | undefined) {
  const { standing, page } = await loadPage(ctx, pageId, "item.read");
  const ids = await ctx.sql<{ id: string }[]>`
    select t.id from thread_anchors a join threads t on t.id = a.thread_id
    where a.page_id = ${page.id} and t.page_id = ${page.id} and ${visibleWhere(ctx.sql, standing, "t.visibility")}
    order by t.created_at desc, t.id limit ${MAX_PAGE_COMMENTS}`;
  const threadIds = ids.map((r) => r.id);
  const views = threadIds.length ? await threadViews(ctx.sql, { threadIds }, visibleWhere(ctx.sql, standing, "p.visibility")) : [];
  const messages = threadIds.length ? await messageViews(ctx.sql, { threadIds }) : [];
  const items: CommentView[] = views
    .filter((v) => v.anchor !== null)
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id))
    .map((v) => ({ ...v, messages: messages.filter((m) => m.threadId === v.id) }));
  return {
    items,
    abilities: {
      comment: can(standing, "item.comment", page),
      commentInternal: page.visibility === "shared" && can(standing, "thread.createInternal") && can(standing, "item.comment", page),
    },
  };
}
