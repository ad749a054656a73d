import { randomUUID } from "node:crypto";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import {
  AbortMultipartUploadCommand,
  CopyObjectCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  S3Client,
  S3ServiceException,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import type { S3Config } from "../config.ts";
import { hashingStream, SHA256, type BlobStorage, type ByteRange } from "./storage.ts";

const TMP_PREFIX = "tmp/";
const BLOB_PREFIX = "blobs/";
/** Multipart part size: memory per upload stays near queueSize × this, whatever the file size. */
const PART_SIZE = 8 * 1024 * 1024;
const QUEUE_SIZE = 2;

const isNotFound = (error: unknown) =>
  error instanceof S3ServiceException && (error.name === "NotFound" || error.name === "NoSuchKey" || error.$metadata?.httpStatusCode === 404);

/**
 * Blobs in an S3-compatible bucket: `blobs/<sha256>`. An upload streams (multipart) to
 * `tmp/<uuid>` while hashing, then is copied under its hash and the temporary object removed.
 * Not exercised against a real bucket in this repository's tests (no network there); the
 * local driver carries the behaviour tests. Server-side copy limits a blob to 5 GB.
 */
export function s3Storage(config: S3Config): BlobStorage {
  const client = new S3Client({
    endpoint: config.endpoint,
    region: config.region,
    credentials: { accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey },
    // MinIO, Ceph, R2 and friends address buckets by path.
    forcePathStyle: true,
  });
  const Bucket = config.bucket;
  const blobKey = (sha256: string) => {
    if (!SHA256.test(sha256)) throw new Error(`Not a SHA-256 key: ${sha256}`);
    return `${BLOB_PREFIX}${sha256}`;
  };

  async function exists(key: string): Promise<boolean> {
    try {
      await client.send(new HeadObjectCommand({ Bucket, Key: key }));
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
  }

  return {
    kind: "s3",

    async put(source: Readable) {
      const tmpKey = `${TMP_PREFIX}${randomUUID()}`;
      const hasher = hashingStream();
      const upload = new Upload({
        client,
        params: { Bucket, Key: tmpKey, Body: hasher.stream },
        partSize: PART_SIZE,
        queueSize: QUEUE_SIZE,
        leavePartsOnError: false,
      });
      try {
        // Both sides must finish: the source into the hasher, and the hasher into the bucket.
        await Promise.all([pipeline(source, hasher.stream), upload.done()]);
      } catch (error) {
        await upload.abort().catch(() => {});
        await client.send(new DeleteObjectCommand({ Bucket, Key: tmpKey })).catch(() => {});
        throw error;
      }
      const blob = hasher.digest();
      try {
        // Copy even when present: it refreshes LastModified, which the orphan sweep's grace period reads.
        await client.send(new CopyObjectCommand({ Bucket, Key: blobKey(blob.sha256), CopySource: `${Bucket}/${tmpKey}` }));
      } finally {
        await client.send(new DeleteObjectCommand({ Bucket, Key: tmpKey })).catch(() => {});
      }
      return blob;
    },

    async get(sha256: string, range?: ByteRange) {
      const answer = await client.send(
        new GetObjectCommand({ Bucket, Key: blobKey(sha256), Range: range ? `bytes=${range.start}-${range.end}` : undefined }),
      );
      if (!(answer.Body instanceof Readable)) throw new Error("S3 returned no readable body");
      return answer.Body;
    },

    exists: (sha256: string) => exists(blobKey(sha256)),

    async delete(sha256: string) {
      await client.send(new DeleteObjectCommand({ Bucket, Key: blobKey(sha256) }));
    },

    async *list() {
      let ContinuationToken: string | undefined;
      do {
        const page = await client.send(new ListObjectsV2Command({ Bucket, Prefix: BLOB_PREFIX, ContinuationToken }));
        for (const object of page.Contents ?? []) {
          const sha256 = object.Key?.slice(BLOB_PREFIX.length) ?? "";
          if (SHA256.test(sha256) && object.LastModified) yield { sha256, modifiedAt: object.LastModified };
        }
        ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (ContinuationToken);
    },

    async sweepTemp(before: Date) {
      let removed = 0;
      let ContinuationToken: string | undefined;
      do {
        const page = await client.send(new ListObjectsV2Command({ Bucket, Prefix: TMP_PREFIX, ContinuationToken }));
        for (const object of page.Contents ?? []) {
          if (object.Key && object.LastModified && object.LastModified < before) {
            await client.send(new DeleteObjectCommand({ Bucket, Key: object.Key }));
            removed++;
          }
        }
        ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (ContinuationToken);
      // Multipart uploads a crashed process never completed or aborted.
      const uploads = await client.send(new ListMultipartUploadsCommand({ Bucket, Prefix: TMP_PREFIX }));
      for (const pending of uploads.Uploads ?? []) {
        if (pending.Key && pending.UploadId && pending.Initiated && pending.Initiated < before) {
          await client.send(new AbortMultipartUploadCommand({ Bucket, Key: pending.Key, UploadId: pending.UploadId }));
          removed++;
        }
      }
      return removed;
    },
  };
}
