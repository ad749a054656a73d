import type { Tx } from "../db/client.ts";

// A lexeme in tsquery's text form: quoted, with quotes inside doubled.
const LEXEME = "'(?:[^']|'')*'";
const PREFIXED = String.raw`\&:*`;

/**
 * The caller's words as a tsquery in which every term also matches as a prefix ("ZEBRA" finds
 * "ZEBRAFLOOR"). `websearch_to_tsquery` parses the text (it never fails on any input, and keeps
 * phrases, -not and or); its normalized output then gets `:*` after each lexeme and is cast back
 * without re-parsing. The query text is only ever a bound parameter. Use it as a FROM item:
 * `from pages p, ${prefixQuery(sql, "english", query)}` gives the column `q`.
 */
export function prefixQuery(sql: Tx, config: "english" | "simple", query: string) {
  return sql`(select regexp_replace(websearch_to_tsquery(${config}::regconfig, ${query})::text, ${LEXEME}, ${PREFIXED}, 'g')::tsquery) as prefix_query(q)`;
}
