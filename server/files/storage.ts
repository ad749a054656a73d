import { createHash } from "node:crypto";
import { Transform, type Readable } from "node:stream";
import type { Config } from "../config.ts";
import { localStorage } from "./local-storage.ts";

/** Inclusive byte offsets, as in an HTTP Range header. */
export interface ByteRange {
  start: number;
  end: number;
}

export interface StoredBlob {
  sha256: string;
  size: number;
}

/**
 * A content-addressed byte store: bytes are kept once per content, under their SHA-256.
 * Keys never come from user input (names, paths); only from the hash of the bytes.
 */
export interface BlobStorage {
  readonly kind: "local" | "s3";
  /**
   * Streams `source` to a temporary key while hashing it, then commits it under its hash.
   * Resolves once the bytes are durable. If `source` fails (an aborted upload, a size
   * limit), rejects with that error and leaves nothing behind.
   */
  put(source: Readable): Promise<StoredBlob>;
  /** The bytes of a stored blob, or of an inclusive range of it. Rejects when the blob is missing. */
  get(sha256: string, range?: ByteRange): Promise<Readable>;
  exists(sha256: string): Promise<boolean>;
  /** Removes a blob; a missing blob is not an error. */
  delete(sha256: string): Promise<void>;
  /** Every committed blob with the time it was last written (or re-committed), for the orphan sweep. */
  list(): AsyncIterable<{ sha256: string; modifiedAt: Date }>;
  /** Removes temporary uploads older than `before` (left by a crashed process); returns how many. */
  sweepTemp(before: Date): Promise<number>;
}

export const SHA256 = /^[0-9a-f]{64}$/;

/** A pass-through that hashes and counts what flows through it; read `digest()` after it ends. */
export function hashingStream() {
  const hash = createHash("sha256");
  let size = 0;
  const stream = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      size += chunk.length;
      done(null, chunk);
    },
  });
  return { stream, digest: (): StoredBlob => ({ sha256: hash.digest("hex"), size }) };
}

/**
 * The store configured for this process: an S3-compatible bucket when S3_* is set, else
 * DATA_DIR/files. Built once at start into `AppContext.storage` (server/boot.ts).
 */
export function createFileStorage(config: Pick<Config, "s3" | "dataDir">): BlobStorage {
  const s3 = config.s3;
  return s3 ? loadedOnFirstUse("s3", () => import("./s3-storage.ts").then((m) => m.s3Storage(s3))) : localStorage(config.dataDir);
}

/** The AWS SDK takes ~200 ms to import; only a process configured for S3 pays for it, and only once. */
function loadedOnFirstUse(kind: BlobStorage["kind"], load: () => Promise<BlobStorage>): BlobStorage {
  let loading: Promise<BlobStorage> | undefined;
  const driver = () => (loading ??= load());
  return {
    kind,
    put: async (source) => (await driver()).put(source),
    get: async (sha256, range) => (await driver()).get(sha256, range),
    exists: async (sha256) => (await driver()).exists(sha256),
    delete: async (sha256) => (await driver()).delete(sha256),
    async *list() {
      yield* (await driver()).list();
    },
    sweepTemp: async (before) => (await driver()).sweepTemp(before),
  };
}
