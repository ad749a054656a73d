import type { Tx } from "../../db/client.ts";
import { visibleWhere, type Standing } from "../access/index.ts";
import { prefixQuery } from "../search-query.ts";

/**
 * Room search (PostgreSQL full-text, `websearch_to_tsquery` syntax: words, "phrases", -not, or).
 * What the caller may not see is filtered out in SQL by the access policy, never afterwards.
 *
 * Snippets are plain text, never HTML: `highlights` gives the [start, end) character ranges
 * of the matches inside `snippet`, for the UI to mark (React escapes the text around them).
 */

export interface SearchResult {
  type: "page" | "message" | "file";
  id: string;
  title: string;
  /** The item's visibility (a message: its thread's), for the UI's Internal badge. */
  visibility: "internal" | "shared";
  snippet: string;
  highlights: [number, number][];
  /** For messages: the thread they are in (the link target). */
  threadId?: string;
  /** PostgreSQL's ts_rank; results of every kind are merged by it. */
  rank: number;
}

/** One kind of searchable item; server/search.ts merges them into the room search. */
export type SearchSource = (sql: Tx, standing: Standing, query: string) => Promise<SearchResult[]>;

export const RESULT_LIMIT = 50;
// ts_headline marks matches with these; they are removed from the text first so content cannot forge them.
const START = "\u0001";
const STOP = "\u0002";
const HEADLINE_OPTIONS = `StartSel=${START}, StopSel=${STOP}, MaxWords=35, MinWords=15, MaxFragments=2, FragmentDelimiter=" … "`;

/** Splits a ts_headline result into plain text and the ranges of the matches. */
export function parseHeadline(headline: string): { snippet: string; highlights: [number, number][] } {
  let snippet = "";
  const highlights: [number, number][] = [];
  let start = -1;
  for (const part of headline.replace(/\s+/g, " ").trim().split(/([\u0001\u0002])/)) {
    if (part === START) start = snippet.length;
    else if (part === STOP) {
      if (start >= 0 && snippet.length > start) highlights.push([start, snippet.length]);
      start = -1;
    } else snippet += part;
  }
  return { snippet, highlights };
}

export const searchPages: SearchSource = async (sql, standing, query) => {
  const rows = await sql<{ id: string; title: string; visibility: "internal" | "shared"; headline: string; rank: number }[]>`
    select p.id, p.title, p.visibility,
           ts_headline('english', translate(p.content_text, ${START + STOP}, ''), q, ${HEADLINE_OPTIONS}) as headline,
           ts_rank(p.search, q) as rank
    from pages p, ${prefixQuery(sql, "english", query)}
    where p.room_id = ${standing.roomId}
      and p.archived_at is null
      and ${visibleWhere(sql, standing, "p.visibility")}
      and p.search @@ q
    order by rank desc, p.updated_at desc
    limit ${RESULT_LIMIT}`;
  return rows.map((row) => ({ type: "page" as const, id: row.id, title: row.title, visibility: row.visibility, rank: row.rank, ...parseHeadline(row.headline) }));
};
