import type { AppContext } from "../context.ts";

/**
 * How old an unreferenced blob or temporary upload must be before the sweep removes it. An
 * upload commits its bytes first and its rows a moment later; the grace period covers that gap
 * (and storage refreshes a blob's time when an upload of the same content re-commits it).
 */
export const DEFAULT_SWEEP_GRACE_MS = 60 * 60 * 1000;

export interface SweepResult {
  tempFiles: number;
  blobRows: number;
  blobBytes: number;
}

/**
 * Removes what failed or crashed uploads left: temporary files, blob rows no version refers
 * to, and stored bytes with no blob row. Safe to run at any time, in any number of processes.
 */
export async function sweepOrphanedFiles(app: AppContext, graceMs = DEFAULT_SWEEP_GRACE_MS): Promise<SweepResult> {
  const storage = app.storage;
  const before = new Date(Date.now() - graceMs);
  const tempFiles = await storage.sweepTemp(before);

  // Rows first: delete-returning under the same condition, so a version inserted meanwhile keeps its row.
  const rows = await app.sql<{ sha256: string }[]>`
    delete from blobs b
    where b.created_at < ${before}
      and not exists (select 1 from file_versions v where v.sha256 = b.sha256)
    returning b.sha256`;
  for (const { sha256 } of rows) await storage.delete(sha256);

  let blobBytes = 0;
  for await (const blob of storage.list()) {
    if (blob.modifiedAt >= before) continue;
    const [known] = await app.sql`select 1 from blobs where sha256 = ${blob.sha256}`;
    if (!known) {
      await storage.delete(blob.sha256);
      blobBytes++;
    }
  }
  return { tempFiles, blobRows: rows.length, blobBytes };
}
