export { loadStoredState } from "./storage.ts";

/**
 * The one way server code (API markdown, restore, hand-off) reads and changes a page's Yjs
 * document. The collab server provides the live implementation (collab/registry.ts): it applies
 * changes through the in-memory document so open editors see them, and persists them like any edit.
 */
export interface PageDocuments {
  /** Applies a Yjs update as a CRDT change by `authorId` (null: the system). Resolves once durable. */
  applyUpdate(pageId: string, update: Uint8Array, authorId: string | null): Promise<void>;
  /** The page's current document as one Yjs update. */
  encodeState(pageId: string): Promise<Uint8Array>;
}
