import { randomUUID } from "node:crypto";
import { mkdir, open, readdir, rename, rm, stat, utimes } from "node:fs/promises";
import path from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { hashingStream, SHA256, type BlobStorage, type ByteRange } from "./storage.ts";

const isMissing = (error: unknown) => (error as NodeJS.ErrnoException)?.code === "ENOENT";

/**
 * Blobs on local disk: DATA_DIR/files/blobs/ab/<sha256>. An upload is written to
 * DATA_DIR/files/tmp, fsynced, then renamed into place, so a blob path either holds the
 * complete bytes or does not exist.
 */
export function localStorage(dataDir: string): BlobStorage {
  const root = path.join(dataDir, "files");
  const tmpDir = path.join(root, "tmp");
  const blobsDir = path.join(root, "blobs");
  const blobPath = (sha256: string) => {
    if (!SHA256.test(sha256)) throw new Error(`Not a SHA-256 key: ${sha256}`);
    return path.join(blobsDir, sha256.slice(0, 2), sha256);
  };

  async function syncDirectory(dir: string) {
    const handle = await open(dir, "r");
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  }

  return {
    kind: "local",

    async put(source: Readable) {
      await mkdir(tmpDir, { recursive: true });
      const tmp = path.join(tmpDir, `${randomUUID()}.part`);
      const hasher = hashingStream();
      try {
        // `flush`: fsync before close, so the bytes are on disk before the rename makes them visible.
        const handle = await open(tmp, "wx");
        await pipeline(source, hasher.stream, handle.createWriteStream({ flush: true }));
        const blob = hasher.digest();
        const target = blobPath(blob.sha256);
        await mkdir(path.dirname(target), { recursive: true });
        if (await exists(target)) {
          // Same content already stored: keep one copy, and refresh its time so the orphan
          // sweep's grace period covers this upload until its database row is written.
          await rm(tmp, { force: true });
          const now = new Date();
          await utimes(target, now, now);
        } else {
          await rename(tmp, target);
          await syncDirectory(path.dirname(target));
        }
        return blob;
      } catch (error) {
        await rm(tmp, { force: true });
        throw error;
      }
    },

    async get(sha256: string, range?: ByteRange) {
      // Open first so a missing blob rejects here, before any response header is sent.
      const handle = await open(blobPath(sha256), "r");
      return handle.createReadStream(range ? { start: range.start, end: range.end } : {});
    },

    exists: (sha256: string) => exists(blobPath(sha256)),

    async delete(sha256: string) {
      await rm(blobPath(sha256), { force: true });
    },

    async *list() {
      const prefixes = await readdir(blobsDir).catch((error) => (isMissing(error) ? [] : Promise.reject(error)));
      for (const prefix of prefixes) {
        const names = await readdir(path.join(blobsDir, prefix)).catch((error) => (isMissing(error) ? [] : Promise.reject(error)));
        for (const name of names) {
          if (!SHA256.test(name)) continue;
          const info = await stat(path.join(blobsDir, prefix, name)).catch(() => null);
          if (info) yield { sha256: name, modifiedAt: info.mtime };
        }
      }
    },

    async sweepTemp(before: Date) {
      const names = await readdir(tmpDir).catch((error) => (isMissing(error) ? [] : Promise.reject(error)));
      let removed = 0;
      for (const name of names) {
        const file = path.join(tmpDir, name);
        const info = await stat(file).catch(() => null);
        if (info && info.mtime < before) {
          await rm(file, { force: true });
          removed++;
        }
      }
      return removed;
    },
  };
}

async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch (error) {
    if (isMissing(error)) return false;
    throw error;
  }
}
