import { z } from "zod";
import { transaction, type Tx } from "../../db/client.ts";
import {
  abilities,
  authorize,
  historyVisibleWhere,
  can,
  loadAuthorized,
  loadStanding,
  visibleWhere,
  type Actor,
  type ItemAbilities,
  type Standing,
  type Visibility,
} from "../access/index.ts";
import type { ActorContext } from "../context.ts";
import { invalid, notFound } from "../errors.ts";
import { prefixQuery } from "../search-query.ts";
import { recordActivity } from "../services/activity.ts";
import { parseInput, Visibility as VisibilitySchema } from "../validation.ts";
import { previewKind, type PreviewKind } from "./content-type.ts";
import { assertFolderFits } from "./folders.ts";
import { formatBytes } from "../../shared/format.ts";
import { MAX_NAME_LENGTH, sanitizeFileName } from "./names.ts";

export interface FileRecord {
  id: string;
  roomId: string;
  folderId: string | null;
  name: string;
  visibility: Visibility;
  createdAt: Date;
  updatedAt: Date;
}

export interface PersonRef {
  id: string;
  name: string;
}

export interface FileVersionJson {
  number: number;
  size: number;
  contentType: string;
  sha256: string;
  originalName: string;
  uploadedBy: PersonRef | null;
  createdAt: string;
  previewKind: PreviewKind;
}

/** The API's file shape: docs/api.md's `{ id, name, visibility, version, size, contentType, sha256 }` first. */
export interface FileJson {
  id: string;
  name: string;
  visibility: Visibility;
  version: number;
  size: number;
  contentType: string;
  sha256: string;
  roomId: string;
  folderId: string | null;
  uploadedBy: PersonRef | null;
  createdAt: string;
  updatedAt: string;
  previewKind: PreviewKind;
}

export const FILE_COLUMNS = (sql: Tx, alias = "f") => sql`
  ${sql(alias)}.id, ${sql(alias)}.room_id as "roomId", ${sql(alias)}.folder_id as "folderId", ${sql(alias)}.name,
  ${sql(alias)}.visibility, ${sql(alias)}.created_at as "createdAt", ${sql(alias)}.updated_at as "updatedAt"`;

interface VersionRow {
  number: number;
  size: string;
  contentType: string;
  sha256: string;
  originalName: string;
  uploaderId: string | null;
  uploaderName: string | null;
  createdAt: Date;
}

/**
 * The columns of a file version `v` of the file `f`, for `reader`. A version's original name
 * was written when it was uploaded: a reader who could not see the file then reads the file's
 * name instead (docs/decisions/012-history-visibility.md).
 */
const VERSION_COLUMNS = (sql: Tx, reader: Standing) => sql`
  v.number, v.size, v.content_type as "contentType", v.sha256,
  case when ${historyVisibleWhere(sql, reader, "v.uploaded_visibility")} then v.original_name else f.name end as "originalName",
  v.uploaded_by as "uploaderId", u.name as "uploaderName", v.created_at as "createdAt"`;

/**
 * The file versions of `f` that `reader` may see (historyVisibleWhere): all of them for internal
 * readers; for external readers those uploaded while the file was shared and those it was shared
 * with. The latest of these is the file's current content for that reader.
 */
const visibleVersions = (sql: Tx, reader: Standing) => sql`v.file_id = f.id and ${historyVisibleWhere(sql, reader, "v.visibility")}`;

/** The latest version of `f` the reader may see, as a lateral join `v` (for lists, search and cards). */
export const latestVisibleVersion = (sql: Tx, reader: Standing) => sql`
  join lateral (select * from file_versions v where ${visibleVersions(sql, reader)} order by v.number desc limit 1) v on true`;

export function versionJson(row: VersionRow): FileVersionJson {
  return {
    number: row.number,
    size: Number(row.size),
    contentType: row.contentType,
    sha256: row.sha256,
    originalName: row.originalName,
    uploadedBy: row.uploaderId ? { id: row.uploaderId, name: row.uploaderName ?? "" } : null,
    createdAt: row.createdAt.toISOString(),
    previewKind: previewKind(row.contentType),
  };
}

export function fileJson(file: FileRecord, latest: FileVersionJson): FileJson {
  return {
    id: file.id,
    name: file.name,
    visibility: file.visibility,
    version: latest.number,
    size: latest.size,
    contentType: latest.contentType,
    sha256: latest.sha256,
    roomId: file.roomId,
    folderId: file.folderId,
    uploadedBy: latest.uploadedBy,
    createdAt: file.createdAt.toISOString(),
    updatedAt: file.updatedAt.toISOString(),
    previewKind: latest.previewKind,
  };
}

/** The room's files the actor may see (filtered by the access policy in SQL), each with its latest version. */
export async function listFiles(ctx: ActorContext, roomId: string | undefined): Promise<FileJson[]> {
  const standing = await loadStanding(ctx.sql, ctx.actor, roomId);
  authorize(standing, "room.read");
  const { sql } = ctx;
  const rows = await sql<(FileRecord & VersionRow)[]>`
    select ${FILE_COLUMNS(sql)}, ${VERSION_COLUMNS(sql, standing)}
    from files f
    ${latestVisibleVersion(sql, standing)}
    left join users u on u.id = v.uploaded_by
    where f.room_id = ${standing.roomId} and f.archived_at is null and ${visibleWhere(sql, standing, "f.visibility")}
    order by lower(f.name), f.created_at`;
  return rows.map((row) => fileJson(row, versionJson(row)));
}

/**
 * Loads a file the actor may read, or 404: an unknown id, a file in a room they cannot
 * see and an internal file asked for by an external participant all answer the same.
 * `lock` takes a row lock for the caller's transaction.
 */
export async function loadReadableFile(sql: Tx, actor: Actor, fileId: string | undefined, lock = false) {
  // One query for the file and the reader's standing (loadAuthorized): a hidden file and a missing
  // id do the same work before the same 404 (docs/access.md).
  const { row, standing } = await loadAuthorized(sql, actor, "File", fileId, async (id, s) => {
    const [file] = await sql<FileRecord[]>`
      select ${FILE_COLUMNS(sql)}, ${s.columns}
      from files f join rooms r on r.id = f.room_id ${s.joins}
      where f.id = ${id} and f.archived_at is null
      ${lock ? sql`for update of f` : sql``}`;
    return file;
  }, { action: "item.read" });
  return { file: row, standing };
}

/** The versions of a file the reader may already read that they may see, newest first. */
export async function listVersions(sql: Tx, reader: Standing, fileId: string): Promise<FileVersionJson[]> {
  const rows = await sql<VersionRow[]>`
    select ${VERSION_COLUMNS(sql, reader)}
    from files f join file_versions v on ${visibleVersions(sql, reader)} left join users u on u.id = v.uploaded_by
    where f.id = ${fileId} order by v.number desc`;
  return rows.map(versionJson);
}

export interface FileDetail extends FileJson {
  versions: FileVersionJson[];
  folder: { id: string; name: string } | null;
  abilities: ItemAbilities;
  /**
   * Whether the reader may read who opened the file (`accessLog`): asked of the policy before the
   * log is fetched, so a reader who may not never causes a refusal in the audit trail.
   */
  readsAccessLog: boolean;
}

export async function getFile(ctx: ActorContext, fileId: string | undefined): Promise<FileDetail> {
  const { file, standing } = await loadReadableFile(ctx.sql, ctx.actor, fileId);
  return detail(ctx.sql, file, standing);
}

async function detail(sql: Tx, file: FileRecord, standing: Standing): Promise<FileDetail> {
  const versions = await listVersions(sql, standing, file.id);
  const [folder] = file.folderId
    ? await sql<{ id: string; name: string }[]>`select id, name from file_folders where id = ${file.folderId}`
    : [];
  return { ...fileJson(file, versions[0]!), versions, folder: folder ?? null, abilities: abilities(standing, file), readsAccessLog: can(standing, "internal.read") };
}

export async function getVersions(ctx: ActorContext, fileId: string | undefined): Promise<FileVersionJson[]> {
  const { file, standing } = await loadReadableFile(ctx.sql, ctx.actor, fileId);
  return listVersions(ctx.sql, standing, file.id);
}

/**
 * The version to serve: `?version=N`, else the latest, among those the reader may see. A version
 * they may not see (uploaded while the file was internal, for an external reader) answers 404
 * exactly like one that does not exist.
 */
export async function openVersion(ctx: ActorContext, fileId: string | undefined, versionParam: unknown) {
  const { file, standing } = await loadReadableFile(ctx.sql, ctx.actor, fileId);
  let number: number | null = null;
  if (versionParam !== undefined) {
    if (typeof versionParam !== "string" || !/^[1-9]\d{0,8}$/.test(versionParam)) {
      throw invalid("Please check version.", { version: "must be a version number (1, 2, …)" });
    }
    number = Number(versionParam);
  }
  const [row] = await ctx.sql<VersionRow[]>`
    select ${VERSION_COLUMNS(ctx.sql, standing)}
    from files f join file_versions v on ${visibleVersions(ctx.sql, standing)} left join users u on u.id = v.uploaded_by
    where f.id = ${file.id} ${number === null ? ctx.sql`` : ctx.sql`and v.number = ${number}`}
    order by v.number desc limit 1`;
  if (!row) throw notFound("That version");
  return { file, standing, version: versionJson(row) };
}

/** Who opened (preview) or downloaded what: the access log, plus a `file.downloaded` activity for downloads. */
export async function recordFileAccess(
  ctx: ActorContext,
  target: { file: FileRecord; standing: Standing; version: FileVersionJson },
  action: "opened" | "downloaded",
): Promise<void> {
  const { file, standing, version } = target;
  await transaction(ctx.sql, async (sql) => {
    await sql`insert into file_access (file_id, version, user_id, action, ip)
      values (${file.id}, ${version.number}, ${ctx.actor.userId}, ${action}, ${ctx.ip ?? null})`;
    if (action === "downloaded") {
      await recordActivity(sql, {
        roomId: file.roomId, organizationId: standing.organizationId, actorId: ctx.actor.userId,
        // Who read what is the access log's, which is internal: never in a buyer's feed (docs/access.md).
        type: "file.downloaded", objectType: "file", objectId: file.id, visibility: "internal",
        data: { version: version.number, name: file.name }, ip: ctx.ip,
      });
    }
  });
}

export interface AccessLogEntry {
  id: string;
  user: PersonRef | null;
  action: "opened" | "downloaded";
  version: number;
  ip: string | null;
  at: string;
}

/** Who opened or downloaded a file; internal participants only (404 for an internal file, 403 for a shared one). */
export async function accessLog(ctx: ActorContext, fileId: string | undefined): Promise<AccessLogEntry[]> {
  const { file, standing } = await loadReadableFile(ctx.sql, ctx.actor, fileId);
  authorize(standing, "internal.read");
  const rows = await ctx.sql<{ id: string; userId: string | null; userName: string | null; action: AccessLogEntry["action"]; version: number; ip: string | null; at: Date }[]>`
    select a.id::text, a.user_id as "userId", u.name as "userName", a.action, a.version, a.ip, a.at
    from file_access a left join users u on u.id = a.user_id
    where a.file_id = ${file.id} order by a.id desc limit 500`;
  return rows.map((r) => ({
    id: r.id,
    user: r.userId ? { id: r.userId, name: r.userName ?? "" } : null,
    action: r.action,
    version: r.version,
    ip: r.ip,
    at: r.at.toISOString(),
  }));
}

const DisplayName = z
  .string({ error: "must be a name" })
  .max(4 * MAX_NAME_LENGTH, "is too long")
  .transform((raw) => sanitizeFileName(raw, ""))
  .refine((name) => name.length > 0, "must not be empty");

export const UpdateFileInput = z
  .object({
    name: DisplayName,
    folderId: z.uuid({ error: "must be a folder id" }).nullable(),
    visibility: VisibilitySchema,
  })
  .partial()
  .strict();

/** Renames, moves or changes the visibility of a file (visibility: internal editors only). */
export async function updateFile(ctx: ActorContext, fileId: string | undefined, raw: unknown): Promise<FileDetail> {
  const input = parseInput(UpdateFileInput, raw);
  const { before, after, standing } = await transaction(ctx.sql, async (sql) => {
    const { file, standing } = await loadReadableFile(sql, ctx.actor, fileId, true);
    authorize(standing, "item.edit", file, "File");
    const visibility = input.visibility ?? file.visibility;
    if (visibility !== file.visibility) authorize(standing, "item.changeVisibility", file, "File");
    const folderId = input.folderId === undefined ? file.folderId : input.folderId;
    if (folderId !== file.folderId || visibility !== file.visibility) {
      await assertFolderFits(sql, standing, folderId, visibility, "folderId");
    }
    const [updated] = await sql<FileRecord[]>`
      update files f set name = ${input.name ?? file.name}, folder_id = ${folderId}, visibility = ${visibility}, updated_at = now()
      where f.id = ${file.id} returning ${FILE_COLUMNS(sql)}`;
    // Made shared: the trigger files_share_current_version (migration 0010) makes the latest
    // version readable by the buyer's side in this same statement; the versions before it stay
    // internal (docs/decisions/012-history-visibility.md).
    await recordActivity(sql, {
      roomId: file.roomId, organizationId: standing.organizationId, actorId: ctx.actor.userId,
      type: visibility !== file.visibility ? "file.visibility_changed" : "file.updated",
      objectType: "file", objectId: file.id, visibility,
      data: { fields: Object.keys(input), name: updated!.name }, ip: ctx.ip,
    });
    return { before: file, after: updated!, standing };
  });
  const result = await detail(ctx.sql, after, standing);
  publishFileEvent(ctx, "file.updated", after, fileJsonOf(result));
  // Made internal: shared clients drop it (they learn nothing but an id they already had).
  if (before.visibility === "shared" && after.visibility === "internal") {
    ctx.bus.publish({ roomId: after.roomId, type: "file.removed", visibility: "shared", audience: "external", payload: { id: after.id } });
  }
  return result;
}

/** Archives a file: it leaves every list and answers 404 from then on; its bytes stay for the audit trail. */
export async function archiveFile(ctx: ActorContext, fileId: string | undefined): Promise<void> {
  const file = await transaction(ctx.sql, async (sql) => {
    const { file, standing } = await loadReadableFile(sql, ctx.actor, fileId, true);
    authorize(standing, "item.edit", file, "File");
    await sql`update files set archived_at = now(), updated_at = now() where id = ${file.id}`;
    await recordActivity(sql, {
      roomId: file.roomId, organizationId: standing.organizationId, actorId: ctx.actor.userId,
      type: "file.archived", objectType: "file", objectId: file.id, visibility: file.visibility,
      data: { name: file.name }, ip: ctx.ip,
    });
    return file;
  });
  // Only to those who could see it: an internal file's id never reaches an external socket.
  ctx.bus.publish({ roomId: file.roomId, type: "file.removed", visibility: file.visibility, payload: { id: file.id } });
}

const fileJsonOf = ({ versions: _v, folder: _f, abilities: _a, readsAccessLog: _l, ...json }: FileDetail): FileJson => json;

export function publishFileEvent(ctx: ActorContext, type: string, file: FileRecord, json: FileJson): void {
  ctx.bus.publish({ roomId: file.roomId, type, visibility: file.visibility, payload: { file: json } });
}


export interface SearchItem {
  type: "file";
  id: string;
  title: string;
  visibility: "internal" | "shared";
  snippet: string;
}

/**
 * File-name search for the room search endpoint: full-text on the name's words, or a
 * substring match, filtered by the access policy in SQL.
 */
export async function searchFiles(ctx: { sql: Tx }, standing: Standing, q: string, limit = 20): Promise<SearchItem[]> {
  authorize(standing, "room.read");
  const query = q.trim().slice(0, 200);
  if (!query) return [];
  const pattern = `%${query.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  const { sql } = ctx;
  const rows = await sql<{ id: string; name: string; visibility: "internal" | "shared"; contentType: string; size: string; number: number; folderName: string | null }[]>`
    select f.id, f.name, f.visibility, v.content_type as "contentType", v.size, v.number, d.name as "folderName"
    from files f
    ${latestVisibleVersion(sql, standing)}
    left join file_folders d on d.id = f.folder_id,
      ${prefixQuery(sql, "simple", query)}
    where f.room_id = ${standing.roomId} and f.archived_at is null
      and ${visibleWhere(sql, standing, "f.visibility")}
      and (f.search @@ q or f.name ilike ${pattern})
    order by (f.search @@ q) desc, f.updated_at desc
    limit ${limit}`;
  return rows.map((r) => ({
    type: "file",
    id: r.id,
    title: r.name,
    visibility: r.visibility,
    snippet: [r.folderName ? `in ${r.folderName}` : null, r.contentType, formatBytes(Number(r.size)), `version ${r.number}`]
      .filter(Boolean)
      .join(" · "),
  }));
}

