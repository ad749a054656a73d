import { z } from "zod";
import { authorize, loadStanding } from "./access/index.ts";
import type { ActorContext } from "./context.ts";
import { searchFiles } from "./files/files.ts";
import { searchMessages } from "./threads/search.ts";
import { parseInput } from "./validation.ts";
import { RESULT_LIMIT, searchPages, type SearchResult, type SearchSource } from "./wiki/search.ts";

export type { SearchResult };
export type SearchKind = SearchResult["type"];

/** File names have no text rank; a name match sits among good content matches. */
const FILE_NAME_RANK = 0.5;

const SOURCES: Record<SearchKind, SearchSource> = {
  page: searchPages,
  message: (sql, standing, query) => searchMessages({ sql }, standing, query),
  file: async (sql, standing, query) =>
    (await searchFiles({ sql }, standing, query)).map((item) => ({ ...item, highlights: [], rank: FILE_NAME_RANK })),
};

const SearchQuery = z.string({ error: "is required" }).trim().min(1, "is required").max(200, "must be at most 200 characters");

/**
 * One room's search over pages, messages and file names. Every source filters by the access
 * policy in SQL (`visibleWhere`), so nothing the caller may not see is ever read.
 */
export async function searchRoom(
  ctx: ActorContext,
  roomId: string | undefined,
  q: unknown,
  kinds: readonly SearchKind[] = ["page", "message", "file"],
): Promise<SearchResult[]> {
  const standing = await loadStanding(ctx.sql, ctx.actor, roomId);
  authorize(standing, "room.read");
  const { q: query } = parseInput(z.object({ q: SearchQuery }), { q });
  const results = (await Promise.all(kinds.map((kind) => SOURCES[kind](ctx.sql, standing, query)))).flat();
  return results.sort((a, b) => b.rank - a.rank).slice(0, RESULT_LIMIT);
}
