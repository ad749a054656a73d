import type { Tx } from "../../db/client.ts";
import { authorize, visibleWhere, type Standing } from "../access/index.ts";
// The room search merges these results; both are function declarations, so the import cycle is harmless.
import { parseHeadline } from "../wiki/search.ts";
import { prefixQuery } from "../search-query.ts";

export interface MessageSearchResult {
  type: "message";
  id: string;
  /** The thread the message is in, for links; `title` is that thread's title. */
  threadId: string;
  title: string;
  visibility: "internal" | "shared";
  snippet: string;
  highlights: [number, number][];
  rank: number;
}

const RESULT_LIMIT = 50;
const START = "\u0001";
const STOP = "\u0002";
/** Mentions read as "@Name" in snippets (see markdown.ts). */
const MENTION_SQL = String.raw`@\[([^]\n]{1,200})\]\([0-9a-fA-F-]{36}\)`;
const HEADLINE_OPTIONS = `StartSel=${START}, StopSel=${STOP}, MaxWords=35, MinWords=15, MaxFragments=2, FragmentDelimiter=" … "`;

/**
 * Full-text search over the messages of threads `standing` may see (the thread's visibility
 * decides, in SQL). Deleted messages are never found. Plain-text snippets, like page search.
 */
export async function searchMessages(ctx: { sql: Tx }, standing: Standing, q: string): Promise<MessageSearchResult[]> {
  authorize(standing, "room.read");
  const query = q.trim().slice(0, 200);
  if (!query) return [];
  const { sql } = ctx;
  const rows = await sql<{ id: string; threadId: string; title: string; visibility: "internal" | "shared"; headline: string; rank: number }[]>`
    select m.id, t.id as "threadId", t.title, t.visibility,
      ts_headline('english', regexp_replace(translate(m.body, ${START + STOP}, ''), ${MENTION_SQL}, ${String.raw`@\1`}, 'g'), q, ${HEADLINE_OPTIONS}) as headline,
      ts_rank(m.search, q) as rank
    from messages m
    join threads t on t.id = m.thread_id,
      ${prefixQuery(sql, "english", query)}
    where t.room_id = ${standing.roomId}
      and ${visibleWhere(sql, standing, "t.visibility")}
      and m.deleted_at is null
      and m.search @@ q
    order by rank desc, m.seq desc
    limit ${RESULT_LIMIT}`;
  return rows.map((r) => ({ type: "message", id: r.id, threadId: r.threadId, title: r.title, visibility: r.visibility, rank: r.rank, ...parseHeadline(r.headline) }));
}
