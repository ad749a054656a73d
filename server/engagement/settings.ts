import { z } from "zod";
import { authorize, can, loadStanding, requireOrg } from "../access/index.ts";
import { noteRefusal } from "../access/refusals.ts";
import type { ActorContext } from "../context.ts";
import { notFound } from "../errors.ts";
import { parseInput } from "../validation.ts";

/**
 * The engagement switches and the "gone quiet" threshold (docs/decisions/025-engagement.md):
 * the organization's (all rooms on or off, the days without buyer activity after which a room
 * has gone quiet) for its admins, and one room's off switch for its owner and internal editors.
 * Off, nothing is recorded (server/engagement/beats.ts) and both engagement pages say so.
 */

export const QUIET_AFTER_DAYS = { min: 1, max: 365 } as const;

export interface OrgEngagementSettings {
  organizationId: string;
  tracking: boolean;
  quietAfterDays: number;
}
export interface RoomTracking {
  /** Whether anything is recorded in the room: the organization's switch and the room's. */
  enabled: boolean;
  organization: boolean;
  room: boolean;
}

export const OrgSettingsInput = z
  .object({
    tracking: z.boolean({ error: "must be true or false" }).optional(),
    quietAfterDays: z
      .number({ error: "must be a whole number of days" })
      .int("must be a whole number of days")
      .min(QUIET_AFTER_DAYS.min, `must be at least ${QUIET_AFTER_DAYS.min}`)
      .max(QUIET_AFTER_DAYS.max, `must be at most ${QUIET_AFTER_DAYS.max}`)
      .optional(),
  })
  .strict();
export const RoomSettingsInput = z.object({ tracking: z.boolean({ error: "must be true or false" }) }).strict();

async function loadOrg(ctx: ActorContext, organizationId: string): Promise<OrgEngagementSettings> {
  const [row] = await ctx.sql<{ tracking: boolean; quietAfterDays: number }[]>`
    select engagement_tracking as tracking, quiet_after_days as "quietAfterDays" from organizations where id = ${organizationId}`;
  return { organizationId, tracking: row!.tracking, quietAfterDays: row!.quietAfterDays };
}

/** GET /organizations/:organizationId/engagement: admins only (404 outside the organization, 403 for members). */
export async function getOrgEngagementSettings(ctx: ActorContext, organizationId: string | undefined): Promise<OrgEngagementSettings> {
  const org = await requireOrg(ctx.sql, ctx.actor, organizationId, "org.manageEngagement");
  return loadOrg(ctx, org.organizationId);
}

/** PUT /organizations/:organizationId/engagement: changes what is given, keeps the rest. */
export async function setOrgEngagementSettings(ctx: ActorContext, organizationId: string | undefined, raw: unknown): Promise<OrgEngagementSettings> {
  const org = await requireOrg(ctx.sql, ctx.actor, organizationId, "org.manageEngagement");
  const input = parseInput(OrgSettingsInput, raw);
  await ctx.sql`update organizations set
      engagement_tracking = coalesce(${input.tracking ?? null}::boolean, engagement_tracking),
      quiet_after_days = coalesce(${input.quietAfterDays ?? null}::int, quiet_after_days)
    where id = ${org.organizationId}`;
  return loadOrg(ctx, org.organizationId);
}

/**
 * PUT /rooms/:roomId/engagement/settings: the room's off switch. Like the Engagement tab it is
 * the seller's side only: 404 for a guest (and an outsider), 403 for an internal viewer or commenter.
 */
export async function setRoomTracking(ctx: ActorContext, roomId: string | undefined, raw: unknown): Promise<RoomTracking> {
  const standing = await loadStanding(ctx.sql, ctx.actor, roomId);
  if (!can(standing, "engagement.read")) {
    noteRefusal({ roomId: standing.roomId, organizationId: standing.organizationId, type: "access.denied", status: 404, data: { action: "engagement.manage", what: "engagement" } });
    throw notFound("Room");
  }
  authorize(standing, "engagement.manage");
  const input = parseInput(RoomSettingsInput, raw);
  const [row] = await ctx.sql<{ organization: boolean; room: boolean }[]>`
    update rooms r set engagement_tracking = ${input.tracking} from organizations o
    where r.id = ${standing.roomId} and o.id = r.organization_id
    returning o.engagement_tracking as organization, r.engagement_tracking as room`;
  if (!row) throw notFound("Room");
  return { enabled: row.organization && row.room, organization: row.organization, room: row.room };
}
