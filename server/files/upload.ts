import type { IncomingMessage } from "node:http";
import { pipeline, Transform, type Readable } from "node:stream";
import busboy from "busboy";
import { z } from "zod";
import { transaction, type Tx } from "../../db/client.ts";
import { authorize, loadStanding, type Actor, type Standing, type Visibility } from "../access/index.ts";
import type { ActorContext } from "../context.ts";
import { MULTIPART_OVERHEAD, uploadTooLarge } from "../early-answers.ts";
import { AppError, invalid, notFound } from "../errors.ts";
import { recordActivity } from "../services/activity.ts";
import { parseInput, Visibility as VisibilitySchema } from "../validation.ts";
import { SNIFF_BYTES, sniffContentType } from "./content-type.ts";
import { FILE_COLUMNS, fileJson, publishFileEvent, versionJson, type FileJson, type FileRecord } from "./files.ts";
import { assertFolderFits } from "./folders.ts";
import { sanitizeFileName } from "./names.ts";
import type { StoredBlob } from "./storage.ts";

// MULTIPART_OVERHEAD: room for the framing and the small text fields (capped at 1 KB each).
export const tooLarge = uploadTooLarge;

/**
 * The text parts of an upload. They must come BEFORE the `file` part: access is decided
 * from them before a single byte of the file is read (parts after the file are ignored).
 */
const UploadFields = z.object({
  visibility: VisibilitySchema.optional(),
  fileId: z.uuid({ error: "must be a file id" }).optional(),
  folderId: z.uuid({ error: "must be a folder id" }).optional(),
});
type UploadFields = z.infer<typeof UploadFields>;

type UploadPlan =
  | { kind: "new"; standing: Standing; visibility: Visibility; folderId: string | null }
  | { kind: "version"; standing: Standing; file: FileRecord };

/**
 * Decides whether this upload may happen, from the fields alone. Runs twice: before the
 * bytes are read, and again inside the commit transaction (with the file row locked),
 * because access may have changed while a large file was streaming.
 */
async function planUpload(sql: Tx, actor: Actor, roomId: string, fields: UploadFields, lock: boolean): Promise<UploadPlan> {
  const standing = await loadStanding(sql, actor, roomId);
  authorize(standing, "file.upload");
  if (fields.fileId) {
    const [file] = await sql<FileRecord[]>`
      select ${FILE_COLUMNS(sql)} from files f
      where f.id = ${fields.fileId} and f.room_id = ${standing.roomId} and f.archived_at is null
      ${lock ? sql`for update` : sql``}`;
    if (!file) throw notFound("File");
    authorize(standing, "item.edit", file, "File");
    if (fields.visibility && fields.visibility !== file.visibility) {
      throw invalid("A new version keeps the file's visibility.", {
        visibility: `differs from the file's (${file.visibility}); change it with PATCH /api/v1/files/${file.id}`,
      });
    }
    if (fields.folderId && fields.folderId !== file.folderId) {
      throw invalid("A new version stays in the file's folder.", { folderId: `move the file with PATCH /api/v1/files/${file.id}` });
    }
    return { kind: "version", standing, file };
  }
  if (!fields.visibility) {
    throw invalid("Please check visibility.", { visibility: 'is required ("internal" or "shared"), sent before the file part' });
  }
  // Externals may only upload shared files: choosing "internal" is deciding what is shared.
  if (fields.visibility === "internal") authorize(standing, "item.setVisibility");
  await assertFolderFits(sql, standing, fields.folderId ?? null, fields.visibility, "folderId");
  return { kind: "new", standing, visibility: fields.visibility, folderId: fields.folderId ?? null };
}

/**
 * `POST /rooms/:roomId/files`: streams one multipart upload into storage with flat memory.
 * Order of parts: `visibility`, `fileId`, `folderId` (text), then `file`. A request that is
 * refused, too large or aborted leaves no file row and no stored bytes.
 */
export async function receiveUpload(ctx: ActorContext, roomId: string | undefined, req: IncomingMessage): Promise<FileJson> {
  const standing = await loadStanding(ctx.sql, ctx.actor, roomId);
  authorize(standing, "file.upload");
  const limit = ctx.config.maxUploadBytes;
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > limit + MULTIPART_OVERHEAD) throw tooLarge(limit);
  if (!/^multipart\/form-data\s*;/i.test(req.headers["content-type"] ?? "")) {
    throw new AppError(415, "unsupported_media_type", "Send the upload as multipart/form-data with a file part named \"file\".");
  }
  return readMultipart(req, (rawFields, part, clientName, wholeBody) =>
    storeFile(ctx, standing.roomId, rawFields, part, clientName, wholeBody));
}

/**
 * Stores one file (or a new version) from a stream of its bytes: the upload path above, and
 * server code that adds a file of its own (the demo room). Access is decided again on commit.
 */
export async function storeFile(
  ctx: ActorContext,
  roomId: string,
  rawFields: Record<string, string>,
  content: Readable,
  clientName: string | undefined,
  /** For an upload: settles when the whole request body has been read (rejects if it is cut off). */
  wholeBody: Promise<void> = Promise.resolve(),
): Promise<FileJson> {
  const fields = parseInput(UploadFields, blankToUndefined(rawFields));
  await planUpload(ctx.sql, ctx.actor, roomId, fields, false);

  const limit = ctx.config.maxUploadBytes;
  const inspector = inspect(limit);
  // pipeline() also fails the inspector when the request was cut off during the awaits above
  // (a destroyed source would otherwise never end, holding a temp file and this call forever).
  // storage.put watches the inspector while it runs; a cut after that (in the closing boundary,
  // say) destroys it again with nobody listening, which must not be an uncaught error.
  inspector.stream.on("error", () => {});
  const stored = await ctx.storage.put(pipeline(content, inspector.stream, () => {}));
  const name = sanitizeFileName(clientName);
  const contentType = await sniffContentType(inspector.head(), name, stored.size <= SNIFF_BYTES);
  // Nothing is committed for a request that did not arrive whole: a cancelled upload keeps no file
  // row even when its last file bytes got through (the stored bytes are swept).
  await wholeBody;

  const committed = await commitUpload(ctx, roomId, fields, { ...stored, name, contentType });
  publishFileEvent(ctx, committed.kind === "version" ? "file.version_added" : "file.uploaded", committed.file, committed.json);
  return committed.json;
}

/**
 * Writes the rows for bytes already committed to storage, in one transaction that decides
 * access again with the file row locked (so two new versions of a file get distinct numbers).
 */
async function commitUpload(
  ctx: ActorContext,
  roomId: string,
  fields: UploadFields,
  upload: StoredBlob & { name: string; contentType: string },
): Promise<{ kind: UploadPlan["kind"]; file: FileRecord; json: FileJson }> {
  return transaction(ctx.sql, async (sql) => {
    const plan = await planUpload(sql, ctx.actor, roomId, fields, true);
    // The blob row is written only now that the bytes are committed; unreferenced rows and bytes are swept.
    await sql`insert into blobs (sha256, size) values (${upload.sha256}, ${upload.size}) on conflict (sha256) do nothing`;
    let rows: FileRecord[];
    let number = 1;
    if (plan.kind === "version") {
      const [next] = await sql<{ number: number }[]>`
        select coalesce(max(number), 0) + 1 as number from file_versions where file_id = ${plan.file.id}`;
      number = next!.number;
      rows = await sql<FileRecord[]>`
        update files f set updated_at = now() where f.id = ${plan.file.id} returning ${FILE_COLUMNS(sql)}`;
    } else {
      rows = await sql<FileRecord[]>`
        insert into files as f (room_id, folder_id, name, visibility, created_by)
        values (${plan.standing.roomId}, ${plan.folderId}, ${upload.name}, ${plan.visibility}, ${ctx.actor.userId})
        returning ${FILE_COLUMNS(sql)}`;
    }
    const file = rows[0]!;
    // Recorded with the file's visibility now (the row is locked): a version uploaded while the
    // file is internal stays internal after it is shared (docs/decisions/012-history-visibility.md).
    const [version] = await sql<{ createdAt: Date }[]>`
      insert into file_versions (file_id, number, sha256, size, content_type, original_name, uploaded_by, uploaded_visibility, visibility)
      values (${file.id}, ${number}, ${upload.sha256}, ${upload.size}, ${upload.contentType}, ${upload.name}, ${ctx.actor.userId},
              ${file.visibility}, ${file.visibility})
      returning created_at as "createdAt"`;
    await recordActivity(sql, {
      roomId: file.roomId, organizationId: plan.standing.organizationId, actorId: ctx.actor.userId,
      type: plan.kind === "version" ? "file.version_added" : "file.uploaded",
      objectType: "file", objectId: file.id, visibility: file.visibility,
      data: { name: file.name, version: number, size: upload.size, contentType: upload.contentType }, ip: ctx.ip,
    });
    const latest = versionJson({
      number, size: String(upload.size), contentType: upload.contentType, sha256: upload.sha256, originalName: upload.name,
      uploaderId: ctx.actor.userId, uploaderName: ctx.actor.name, createdAt: version!.createdAt,
    });
    return { kind: plan.kind, file, json: fileJson(file, latest) };
  });
}

const blankToUndefined = (fields: Record<string, string>) =>
  Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, v.trim() === "" ? undefined : v.trim()]));

/**
 * Counts the bytes flowing through (failing with 413 past `limit`, before the extra bytes
 * reach storage) and keeps a copy of the first SNIFF_BYTES for content-type sniffing.
 */
function inspect(limit: number) {
  const head: Buffer[] = [];
  let headLength = 0;
  let size = 0;
  const stream = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      size += chunk.length;
      if (size > limit) return done(tooLarge(limit));
      if (headLength < SNIFF_BYTES) {
        const kept = Buffer.from(chunk.subarray(0, SNIFF_BYTES - headLength));
        head.push(kept);
        headLength += kept.length;
      }
      done(null, chunk);
    },
  });
  return { stream, head: () => Buffer.concat(head) };
}

/**
 * Parses a multipart request with busboy and hands the first part named `file` (with the
 * text fields that came before it) to `onFile`. Settles once `onFile` has finished and the
 * whole body is read; on any failure stops reading, destroys the file stream (so storage
 * discards its temporary bytes) and rejects.
 */
function readMultipart<T>(
  req: IncomingMessage,
  onFile: (fields: Record<string, string>, part: Readable, filename: string | undefined, wholeBody: Promise<void>) => Promise<T>,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let bodySettled!: { resolve: () => void; reject: (error: unknown) => void };
    const wholeBody = new Promise<void>((resolve, reject) => (bodySettled = { resolve, reject }));
    wholeBody.catch(() => {}); // observed through onFile's own failure
    const fields: Record<string, string> = {};
    let part: Readable | undefined;
    let settled = false;
    let bodyRead = false;
    let outcome: { value: T } | undefined;

    let parser: busboy.Busboy;
    try {
      parser = busboy({
        headers: req.headers,
        defParamCharset: "utf8",
        limits: { files: 1, fields: 10, fieldSize: 1024, parts: 16, headerPairs: 20 },
      });
    } catch {
      reject(invalid("The multipart body has no boundary."));
      return;
    }

    const fail = (error: unknown) => {
      if (settled) return;
      settled = true;
      bodySettled.reject(error);
      req.unpipe(parser);
      part?.destroy(error instanceof Error ? error : new Error(String(error)));
      reject(error);
    };
    const finishIfDone = () => {
      if (settled || !bodyRead || !outcome) return;
      settled = true;
      resolve(outcome.value);
    };

    parser.on("field", (name, value) => {
      if (!part) fields[name] = value;
    });
    parser.on("file", (name, stream, info) => {
      if (name !== "file" || part) {
        stream.resume(); // not ours: drain it
        return;
      }
      part = stream;
      // fail() destroys the part with the failure it already reports; this listener keeps that from also being "unhandled".
      stream.on("error", () => {});
      onFile({ ...fields }, stream, info.filename, wholeBody).then((value) => {
        outcome = { value };
        finishIfDone();
      }, fail);
    });
    parser.on("close", () => {
      bodyRead = true;
      bodySettled.resolve();
      if (!part) fail(invalid("Please check file.", { file: "is required: a part named \"file\" with a filename" }));
      else finishIfDone();
    });
    parser.on("error", () => fail(invalid("The multipart body is malformed.")));
    for (const limit of ["partsLimit", "filesLimit", "fieldsLimit"] as const) {
      parser.on(limit, () => fail(invalid("The upload has too many parts: send visibility, fileId, folderId and one file.")));
    }
    req.on("close", () => {
      if (!req.complete) fail(new AppError(400, "upload_aborted", "The upload was interrupted before it finished."));
    });
    req.pipe(parser);
  });
}
