import { z } from "zod";
import { csvLines } from "../csv.ts";
import type { Tx } from "../../db/client.ts";
import { authorize, loadStanding } from "../access/index.ts";
import type { ActorContext } from "../context.ts";
import { IsoDate, parseInput } from "../validation.ts";

export interface AuditEntry {
  id: string;
  at: string;
  type: string;
  actor: { id: string; name: string } | null;
  objectType: string | null;
  objectId: string | null;
  visibility: "internal" | "shared";
  ip: string | null;
  data: Record<string, unknown>;
}

export const AuditFilter = z.object({
  /** A type (`access.denied`) or a prefix (`access`), or several of either separated by commas. */
  type: z.string().max(500).optional(),
  actorId: z.uuid({ error: "must be a user id" }).optional(),
  from: IsoDate.optional(),
  to: IsoDate.optional(),
  limit: z.coerce.number().int().min(1).max(5000).default(200),
});
export type AuditFilter = z.infer<typeof AuditFilter>;

async function query(sql: Tx, roomId: string, f: AuditFilter): Promise<AuditEntry[]> {
  const types = (f.type ?? "").split(",").map((t) => t.trim()).filter(Boolean);
  const rows = await sql<(Omit<AuditEntry, "id" | "at" | "actor"> & { id: string; at: Date; actorId: string | null; actorName: string | null })[]>`
    select a.id::text as id, a.at, a.type, a.actor_id as "actorId", u.name as "actorName", a.object_type as "objectType",
           a.object_id as "objectId", a.visibility, a.ip, a.data
    from activities a left join users u on u.id = a.actor_id
    where (a.room_id = ${roomId}
      -- Sign-ins belong to no room: the trail shows those of the room's participants.
      or (a.room_id is null and a.type = 'account.signed_in'
          and a.actor_id in (select p.user_id from participants p where p.room_id = ${roomId})))
      ${types.length ? sql`and (a.type in ${sql(types)} or a.type like any(${types.map((t) => t.replace(/[%_]/g, "") + ".%")}::text[]))` : sql``}
      ${f.actorId ? sql`and a.actor_id = ${f.actorId}` : sql``}
      ${f.from ? sql`and a.at >= ${f.from}::date` : sql``}
      ${f.to ? sql`and a.at < ${f.to}::date + 1` : sql``}
    order by a.id desc limit ${f.limit}`;
  return rows.map(({ actorId, actorName, at, ...r }) => ({
    ...r,
    at: at.toISOString(),
    actor: actorId ? { id: actorId, name: actorName ?? "" } : null,
  }));
}

/**
 * The room's audit trail: every grant, revocation, visibility change, ownership transfer and
 * download, with who, when and from where. Owners and organization admins only — both internal.
 */
export async function listAudit(ctx: ActorContext, roomId: string | undefined, raw: unknown): Promise<AuditEntry[]> {
  const standing = await loadStanding(ctx.sql, ctx.actor, roomId);
  authorize(standing, "room.readAudit");
  return query(ctx.sql, standing.roomId, parseInput(AuditFilter, raw));
}

export function auditCsv(entries: AuditEntry[]): string {
  const header = ["at", "type", "actor_id", "actor_name", "object_type", "object_id", "visibility", "ip", "details"];
  return csvLines([header, ...entries.map((e) => [e.at, e.type, e.actor?.id, e.actor?.name, e.objectType, e.objectId, e.visibility, e.ip, e.data])]);
}
