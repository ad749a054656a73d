import type { Tx } from "../../db/client.ts";
import type { Visibility } from "../access/policy.ts";

export interface ActivityInput {
  roomId?: string | null;
  organizationId?: string | null;
  actorId: string | null;
  /** Dotted event name, e.g. `participant.invited`; doubles as the activity type. */
  type: string;
  objectType?: string;
  objectId?: string;
  visibility: Visibility;
  data?: Record<string, unknown>;
  ip?: string | undefined;
}

/** Appends one event to the room's log (activity feed and audit trail), inside the caller's transaction. */
export async function recordActivity(sql: Tx, input: ActivityInput): Promise<void> {
  await sql`insert into activities (room_id, organization_id, actor_id, type, object_type, object_id, visibility, data, ip)
    values (${input.roomId ?? null}, ${input.organizationId ?? null}, ${input.actorId}, ${input.type},
            ${input.objectType ?? null}, ${input.objectId ?? null}, ${input.visibility},
            ${sql.json((input.data ?? {}) as any)}, ${input.ip ?? null})`;
}
