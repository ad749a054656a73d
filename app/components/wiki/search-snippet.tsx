import type { ReactNode } from "react";
import type { SearchResult } from "../../../server/wiki/search.ts";

export type SearchHit = Pick<SearchResult, "id" | "title" | "snippet" | "highlights"> &
  Partial<Pick<SearchResult, "type" | "visibility" | "threadId">>;

/**
 * A result's snippet with its matches marked. The snippet is plain text and the highlights
 * are character ranges in it, so everything is rendered as text: no HTML from page content.
 */
export function SearchSnippet({ hit }: { hit: SearchHit }) {
  if (!hit.snippet) return null;
  const parts: ReactNode[] = [];
  let at = 0;
  for (const [start, end] of [...hit.highlights].sort((a, b) => a[0] - b[0])) {
    if (start < at || end <= start) continue; // overlapping or empty range: skip rather than garble the text
    if (start > at) parts.push(hit.snippet.slice(at, start));
    parts.push(<mark key={start}>{hit.snippet.slice(start, end)}</mark>);
    at = end;
  }
  if (at < hit.snippet.length) parts.push(hit.snippet.slice(at));
  return <span className="wiki-search-snippet">{parts}</span>;
}
