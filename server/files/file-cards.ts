import { z } from "zod";
import type { Tx } from "../../db/client.ts";
import { authorize, loadStanding, visibleWhere, type Standing, type Visibility } from "../access/index.ts";
import type { FileCardData } from "../../app/editor/file-card.ts";
import type { ActorContext } from "../context.ts";
import { latestVisibleVersion } from "./files.ts";
import { parseInput } from "../validation.ts";

/**
 * What a file card in a wiki page shows, decided for each reader: the file's current name,
 * type, size and latest version when the reader may see it (same room, not archived, visible
 * to them by the access policy, in SQL), else `{ id, available: false }` — the same answer for
 * an internal file asked for by an external reader, an archived file, a file of another room
 * and an id that never existed.
 */

/** At most this many ids per request to the card endpoint (the browser asks in batches). */
export const MAX_FILE_CARD_IDS = 50;

const FileCardIds = z.object(
  {
    ids: z
      .string({ error: `must be a comma-separated list of file ids (at most ${MAX_FILE_CARD_IDS})` })
      .max(MAX_FILE_CARD_IDS * 37, `must list at most ${MAX_FILE_CARD_IDS} file ids`)
      .transform((raw) => raw.split(",").map((id) => id.trim().toLowerCase()))
      .pipe(
        z
          .array(z.uuid({ error: "must list file ids only" }))
          .min(1, "must list at least one file id")
          .max(MAX_FILE_CARD_IDS, `must list at most ${MAX_FILE_CARD_IDS} file ids`),
      ),
  },
  { error: "must be a query string" },
);

/** Card data for `ids` (any number; the caller bounds them) as `standing` may see them, keyed by lower-case id. */
export async function loadFileCards(sql: Tx, standing: Standing, ids: readonly string[]): Promise<Map<string, FileCardData>> {
  authorize(standing, "room.read");
  const unique = [...new Set(ids.map((id) => id.toLowerCase()))];
  const cards = new Map<string, FileCardData>(unique.map((id) => [id, { id, available: false }]));
  if (unique.length === 0) return cards;
  const rows = await sql<{ id: string; name: string; visibility: Visibility; contentType: string; size: string; version: number }[]>`
    select f.id, f.name, f.visibility, v.content_type as "contentType", v.size, v.number as version
    from files f
    ${latestVisibleVersion(sql, standing)}
    where f.id = any(${unique}::uuid[]) and f.room_id = ${standing.roomId} and f.archived_at is null
      and ${visibleWhere(sql, standing, "f.visibility")}`;
  for (const row of rows) {
    cards.set(row.id, {
      id: row.id,
      available: true,
      name: row.name,
      contentType: row.contentType,
      size: Number(row.size),
      version: row.version,
      visibility: row.visibility,
    });
  }
  return cards;
}

/** `GET /rooms/:roomId/file-cards?ids=a,b`: one card per id asked, in the order asked (duplicates once). */
export async function getFileCards(ctx: ActorContext, roomId: string | undefined, query: unknown): Promise<FileCardData[]> {
  const standing = await loadStanding(ctx.sql, ctx.actor, roomId);
  const { ids } = parseInput(FileCardIds, query);
  const cards = await loadFileCards(ctx.sql, standing, ids);
  return [...new Set(ids)].map((id) => cards.get(id)!);
}
