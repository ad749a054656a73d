import { z } from "zod";
import { transaction, type Tx } from "../../db/client.ts";
import {
  abilities,
  authorize,
  canReadItem,
  loadAuthorized,
  loadStanding,
  visibleWhere,
  type ItemAbilities,
  type Standing,
  type Visibility,
} from "../access/index.ts";
import type { ActorContext } from "../context.ts";
import { conflict, invalid, notFound } from "../errors.ts";
import { recordActivity } from "../services/activity.ts";
import { parseInput, Visibility as VisibilitySchema } from "../validation.ts";
import { MAX_NAME_LENGTH, sanitizeFileName } from "./names.ts";

interface FolderRecord {
  id: string;
  roomId: string;
  parentId: string | null;
  name: string;
  visibility: Visibility;
  createdAt: Date;
  updatedAt: Date;
}

export interface FolderJson {
  id: string;
  roomId: string;
  parentId: string | null;
  name: string;
  visibility: Visibility;
  createdAt: string;
  updatedAt: string;
  abilities: ItemAbilities;
}

const FOLDER_COLUMNS = (sql: Tx) => sql`
  id, room_id as "roomId", parent_id as "parentId", name, visibility, created_at as "createdAt", updated_at as "updatedAt"`;

const folderJson = (folder: FolderRecord, standing: Standing): FolderJson => ({
  id: folder.id,
  roomId: folder.roomId,
  parentId: folder.parentId,
  name: folder.name,
  visibility: folder.visibility,
  createdAt: folder.createdAt.toISOString(),
  updatedAt: folder.updatedAt.toISOString(),
  abilities: abilities(standing, folder),
});

const FolderName = z
  .string({ error: "is required" })
  .max(4 * MAX_NAME_LENGTH, "is too long")
  .transform((raw) => sanitizeFileName(raw, ""))
  .refine((name) => name.length > 0, "is required");
const FolderId = z.uuid({ error: "must be a folder id" });

export const CreateFolderInput = z.object({
  name: FolderName,
  visibility: VisibilitySchema,
  parentId: FolderId.nullish(),
});
export const UpdateFolderInput = z
  .object({ name: FolderName, visibility: VisibilitySchema, parentId: FolderId.nullable() })
  .partial()
  .strict();

/** A folder in the standing's room that the actor may see, or 404. */
async function loadFolderIn(sql: Tx, standing: Standing, folderId: string, lock = false): Promise<FolderRecord> {
  const [folder] = await sql<FolderRecord[]>`
    select ${FOLDER_COLUMNS(sql)} from file_folders where id = ${folderId} and room_id = ${standing.roomId}
    ${lock ? sql`for update` : sql``}`;
  if (!folder || !canReadItem(standing, folder)) throw notFound("Folder");
  return folder;
}

/**
 * The one rule that keeps every participant's tree whole: an item may sit in a folder
 * only if the folder is at least as visible (no shared file or folder inside an internal one).
 */
export async function assertFolderFits(sql: Tx, standing: Standing, folderId: string | null, visibility: Visibility, field: string) {
  if (folderId === null) return;
  const folder = await loadFolderIn(sql, standing, folderId);
  if (folder.visibility === "internal" && visibility === "shared") {
    throw invalid("A shared item cannot go in an internal folder.", { [field]: "is an internal folder; shared items must go in a shared folder" });
  }
}

export async function listFolders(ctx: ActorContext, roomId: string | undefined): Promise<FolderJson[]> {
  const standing = await loadStanding(ctx.sql, ctx.actor, roomId);
  authorize(standing, "room.read");
  const rows = await ctx.sql<FolderRecord[]>`
    select ${FOLDER_COLUMNS(ctx.sql)} from file_folders
    where room_id = ${standing.roomId} and ${visibleWhere(ctx.sql, standing)}
    order by lower(name), created_at`;
  return rows.map((row) => folderJson(row, standing));
}

/** Editors create folders; only internal editors may make one internal. */
export async function createFolder(ctx: ActorContext, roomId: string | undefined, raw: unknown): Promise<FolderJson> {
  const standing = await loadStanding(ctx.sql, ctx.actor, roomId);
  authorize(standing, "file.upload");
  const input = parseInput(CreateFolderInput, raw);
  if (input.visibility === "internal") authorize(standing, "item.setVisibility");
  const folder = await transaction(ctx.sql, async (sql) => {
    await assertFolderFits(sql, standing, input.parentId ?? null, input.visibility, "parentId");
    const [folder] = await sql<FolderRecord[]>`
      insert into file_folders (room_id, parent_id, name, visibility, created_by)
      values (${standing.roomId}, ${input.parentId ?? null}, ${input.name}, ${input.visibility}, ${ctx.actor.userId})
      returning ${FOLDER_COLUMNS(sql)}`;
    await recordActivity(sql, {
      roomId: standing.roomId, organizationId: standing.organizationId, actorId: ctx.actor.userId,
      type: "folder.created", objectType: "folder", objectId: folder!.id, visibility: folder!.visibility,
      data: { name: folder!.name }, ip: ctx.ip,
    });
    return folder!;
  });
  ctx.bus.publish({ roomId: folder.roomId, type: "folder.created", visibility: folder.visibility, payload: { folder: folderJson(folder, standing) } });
  return folderJson(folder, standing);
}

async function loadReadableFolder(sql: Tx, ctx: ActorContext, folderId: string | undefined, lock = false) {
  const { row, standing } = await loadAuthorized(sql, ctx.actor, "Folder", folderId, async (id, s) => {
    const [folder] = await sql<FolderRecord[]>`
      select ff.id, ff.room_id as "roomId", ff.parent_id as "parentId", ff.name, ff.visibility,
        ff.created_at as "createdAt", ff.updated_at as "updatedAt", ${s.columns}
      from file_folders ff join rooms r on r.id = ff.room_id ${s.joins}
      where ff.id = ${id} ${lock ? sql`for update of ff` : sql``}`;
    return folder;
  }, { action: "item.read" });
  return { standing, folder: row };
}

export async function updateFolder(ctx: ActorContext, folderId: string | undefined, raw: unknown): Promise<FolderJson> {
  const input = parseInput(UpdateFolderInput, raw);
  const { before, after, standing } = await transaction(ctx.sql, async (sql) => {
    const { standing, folder } = await loadReadableFolder(sql, ctx, folderId, true);
    authorize(standing, "item.edit", folder, "Folder");
    const visibility = input.visibility ?? folder.visibility;
    const parentId = input.parentId === undefined ? folder.parentId : input.parentId;
    if (visibility !== folder.visibility) authorize(standing, "item.changeVisibility", folder, "Folder");
    if (parentId !== folder.parentId || visibility !== folder.visibility) {
      await assertFolderFits(sql, standing, parentId, visibility, "parentId");
    }
    if (parentId !== folder.parentId && parentId !== null) await assertNotInside(sql, folder.id, parentId);
    if (visibility === "internal" && folder.visibility === "shared") await assertNoSharedChildren(sql, folder.id);
    const [updated] = await sql<FolderRecord[]>`
      update file_folders set name = ${input.name ?? folder.name}, parent_id = ${parentId}, visibility = ${visibility}, updated_at = now()
      where id = ${folder.id} returning ${FOLDER_COLUMNS(sql)}`;
    await recordActivity(sql, {
      roomId: folder.roomId, organizationId: standing.organizationId, actorId: ctx.actor.userId,
      type: "folder.updated", objectType: "folder", objectId: folder.id, visibility,
      data: { fields: Object.keys(input), name: updated!.name }, ip: ctx.ip,
    });
    return { before: folder, after: updated!, standing };
  });
  ctx.bus.publish({ roomId: after.roomId, type: "folder.updated", visibility: after.visibility, payload: { folder: folderJson(after, standing) } });
  if (before.visibility === "shared" && after.visibility === "internal") {
    // Gone for external sockets only: internal readers keep the folder (they just got folder.updated).
    ctx.bus.publish({ roomId: after.roomId, type: "folder.removed", visibility: "shared", audience: "external", payload: { id: after.id } });
  }
  return folderJson(after, standing);
}

/**
 * Deletes a folder that is empty for the caller (archived files that were in it move to the top
 * level). What the caller cannot see does not count and is not lost: an external participant
 * deleting a shared folder that holds only internal items gets the same 204 as for an empty one,
 * and those items move up to the folder's parent. Otherwise their 409 would tell them that
 * something invisible is inside (docs/access.md, "Sessions, live connections and oracles").
 */
export async function deleteFolder(ctx: ActorContext, folderId: string | undefined): Promise<void> {
  const folder = await transaction(ctx.sql, async (sql) => {
    const { standing, folder } = await loadReadableFolder(sql, ctx, folderId, true);
    authorize(standing, "item.edit", folder, "Folder");
    const [count] = await sql<{ children: number }[]>`
      select (select count(*) from files where folder_id = ${folder.id} and archived_at is null and ${visibleWhere(sql, standing)})::int
           + (select count(*) from file_folders where parent_id = ${folder.id} and ${visibleWhere(sql, standing)})::int as children`;
    if (count!.children > 0) throw conflict("folder_not_empty", "Move or archive what is in this folder before deleting it.");
    // Only items the caller cannot see can be left: they move up, never orphaned, never deleted.
    await sql`update files set folder_id = ${folder.parentId} where folder_id = ${folder.id} and archived_at is null`;
    await sql`update file_folders set parent_id = ${folder.parentId} where parent_id = ${folder.id}`;
    await sql`update files set folder_id = null where folder_id = ${folder.id}`;
    await sql`delete from file_folders where id = ${folder.id}`;
    await recordActivity(sql, {
      roomId: folder.roomId, organizationId: standing.organizationId, actorId: ctx.actor.userId,
      type: "folder.deleted", objectType: "folder", objectId: folder.id, visibility: folder.visibility,
      data: { name: folder.name }, ip: ctx.ip,
    });
    return folder;
  });
  ctx.bus.publish({ roomId: folder.roomId, type: "folder.removed", visibility: folder.visibility, payload: { id: folder.id } });
}

/** Refuses to move a folder into itself or one of its descendants. */
async function assertNotInside(sql: Tx, folderId: string, newParentId: string) {
  const [hit] = await sql`
    with recursive ancestors as (
      select id, parent_id from file_folders where id = ${newParentId}
      union all
      select f.id, f.parent_id from file_folders f join ancestors a on f.id = a.parent_id
    )
    select 1 from ancestors where id = ${folderId} limit 1`;
  if (hit) throw invalid("A folder cannot be moved into itself.", { parentId: "is this folder or one inside it" });
}

async function assertNoSharedChildren(sql: Tx, folderId: string) {
  const [hit] = await sql`
    select 1 where exists (select 1 from files where folder_id = ${folderId} and archived_at is null and visibility = 'shared')
       or exists (select 1 from file_folders where parent_id = ${folderId} and visibility = 'shared')`;
  if (hit) throw conflict("folder_has_shared_items", "This folder holds shared items; make them internal or move them out first.");
}
