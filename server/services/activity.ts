import type { Tx } from "../../db/client.ts";
import type { Visibility } from "../access/policy.ts";
import { enqueueWebhookEvent } from "../webhooks/webhooks.ts";

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

/**
 * Appends one event to the room's log (activity feed and audit trail), inside the caller's
 * transaction, and enqueues it for the organization's webhooks in the same transaction
 * (docs/decisions/022-crm-sync.md): the one place the product's events are recorded.
 */
export async function recordActivity(sql: Tx, input: ActivityInput): Promise<void> {
  await sql`insert into activities (room_id, organization_id, actor_id, type, object_type, object_id, visibility, data, ip)
    values (${input.roomId ?? null}, ${input.organizationId ?? null}, ${input.actorId}, ${input.type},
            ${input.objectType ?? null}, ${input.objectId ?? null}, ${input.visibility},
            ${sql.json((input.data ?? {}) as any)}, ${input.ip ?? null})`;
  await enqueueWebhookEvent(sql, {
    organizationId: input.organizationId, roomId: input.roomId, activityType: input.type, actorId: input.actorId,
    objectType: input.objectType, objectId: input.objectId, data: input.data ?? {},
  });
}
