import * as Y from "yjs";
import type { Tx } from "../db/client.ts";

/**
 * The one way server code (API markdown, restore, hand-off) reads and changes a page's Yjs
 * document. The collab server provides the live implementation: it applies changes through
 * the in-memory document so open editors see them, and persists them like any edit.
 */
export interface PageDocuments {
  /** Applies a Yjs update as a CRDT change by `authorId` (null: the system). Resolves once durable. */
  applyUpdate(pageId: string, update: Uint8Array, authorId: string | null): Promise<void>;
  /** The page's current document as one Yjs update. */
  encodeState(pageId: string): Promise<Uint8Array>;
}

/** Reads a page's state from PostgreSQL: compacted state plus the log after it. */
export async function loadStoredState(sql: Tx, pageId: string): Promise<Uint8Array> {
  const [state] = await sql<{ state: Buffer; mergedSeq: string }[]>`
    select state, merged_seq as "mergedSeq" from page_states where page_id = ${pageId}`;
  const updates = await sql<{ update: Buffer }[]>`
    select update from page_updates where page_id = ${pageId} and seq > ${state?.mergedSeq ?? 0} order by seq`;
  const parts = [...(state ? [new Uint8Array(state.state)] : []), ...updates.map((u) => new Uint8Array(u.update))];
  return parts.length ? Y.mergeUpdates(parts) : Y.encodeStateAsUpdate(new Y.Doc());
}

/** PageDocuments with no live documents: straight to and from the database. */
export function storedPageDocuments(sql: Tx): PageDocuments {
  return {
    async applyUpdate(pageId, update, authorId) {
      await sql`insert into page_updates (page_id, update, author_id) values (${pageId}, ${Buffer.from(update)}, ${authorId})`;
    },
    encodeState: (pageId) => loadStoredState(sql, pageId),
  };
}
