import { z } from "zod";
import type { Tx } from "../../db/client.ts";
import { canReadItem, effectiveSide, loadStanding, type Standing } from "../access/index.ts";
import { noteRefusal } from "../access/refusals.ts";
import { consume } from "../auth/rate-limits.ts";
import type { ActorContext } from "../context.ts";
import { notFound } from "../errors.ts";
import { Id, parseInput } from "../validation.ts";

/**
 * Heartbeats of active reading time (docs/decisions/025-engagement.md). The browser's tracker
 * (app/lib/engagement.ts) counts a reader active while the tab is visible, the window has focus
 * and there was input, scrolling or live editing in the last IDLE_BOUND_SECONDS; it sends the
 * seconds it counted since its previous beat. The server trusts none of it blindly:
 *  - the sender must be able to read the item now (access policy); otherwise the beat is dropped
 *    and answered like a missing item (404), and nothing is stored;
 *  - one beat credits at most BEAT_CAP_SECONDS, and never more than the wall-clock time since
 *    the same person's previous beat (any tab, any client: engagement_cursors);
 *  - beats are rate-limited per person (AppContext.rateLimits.engagementBeats);
 *  - what is credited is added to one row per reader, item and day (UTC), never a row per beat.
 */

export const ITEM_TYPES = ["page", "file", "thread", "plan"] as const;
export type EngagementItemType = (typeof ITEM_TYPES)[number];
/** Seconds without input, scrolling or live editing after which the browser stops counting. */
export const IDLE_BOUND_SECONDS = 30;
/** How often the browser reports while active (and also on hide, blur and leaving the item). */
export const BEAT_INTERVAL_SECONDS = 15;
/** The most one beat can add, whatever it claims: the interval plus slack for a late timer. */
export const BEAT_CAP_SECONDS = 30;

export const Beat = z.object({
  roomId: Id,
  itemType: z.enum(ITEM_TYPES, { error: 'must be "page", "file", "thread" or "plan"' }),
  itemId: Id,
  /** What the client counted since its previous beat; 0 announces a start. Bounded by the server. */
  seconds: z.number({ error: "must be a number of seconds" }).int("must be whole seconds").min(0).max(3600),
});
export type BeatInput = z.infer<typeof Beat>;

export interface BeatResult {
  /** Seconds added to the record (0 when tracking is off, the beat was a start, or the bound cut it). */
  credited: number;
  /** False when the organization or the room has turned engagement tracking off: nothing was recorded. */
  tracking: boolean;
}

/**
 * The item a beat names, if it is in that room, not archived and of a visibility in `visible`:
 * a condition for the one statement below. The plan is the room's own (item id = room id).
 */
function itemCondition(sql: Tx, roomId: string, type: EngagementItemType, id: string, visible: string[]) {
  if (type === "plan") return id === roomId && visible.includes("shared") ? sql`true` : sql`false`;
  if (type === "page") return sql`exists (select 1 from pages where id = ${id} and room_id = ${roomId} and archived_at is null and visibility = any(${visible}))`;
  if (type === "file") return sql`exists (select 1 from files where id = ${id} and room_id = ${roomId} and archived_at is null and visibility = any(${visible}))`;
  return sql`exists (select 1 from threads where id = ${id} and room_id = ${roomId} and visibility = any(${visible}))`;
}

/**
 * Checks one heartbeat and adds what it may add. Throws 404 (nothing stored) for an item the
 * sender may not read. `admitted` is the standing a live socket was admitted to the room with
 * (server/realtime/socket.ts keeps it, and drops it when the access bus says access changed);
 * without it the standing is loaded.
 *
 * The hot path (500 open readers: docs/performance.md): the standing from the socket, then one
 * statement that finds the item among those the sender may read, reads the switches, moves the
 * person's cursor (under its row lock: concurrent beats from several tabs or processes are
 * credited one after another) and adds what the bound allows to the day's row.
 */
export async function recordBeat(ctx: ActorContext, raw: unknown, admitted?: Standing): Promise<BeatResult> {
  const input = parseInput(Beat, raw);
  await consume(ctx.rateLimits.engagementBeats, ctx.actor.userId);
  const standing: Standing = admitted ?? (await loadStanding(ctx.sql, ctx.actor, input.roomId));
  const refuse = () => {
    noteRefusal({ roomId: standing.roomId, organizationId: standing.organizationId, type: "access.denied", status: 404, data: { action: "engagement.beat", what: input.itemType } });
    return notFound("That item");
  };
  // The visibilities this reader may read (the policy decides; the statement only filters by them).
  const visible = (["internal", "shared"] as const).filter((visibility) => canReadItem(standing, { visibility }));
  if (visible.length === 0) throw refuse();
  const side = effectiveSide(standing)!;
  const userId = ctx.actor.userId;
  const found = itemCondition(ctx.sql, input.roomId, input.itemType, input.itemId, visible);
  const [row] = await ctx.sql<{ found: boolean; tracking: boolean; credited: number | null }[]>`
    with item as (select ${found} as found),
    switches as (
      select (o.engagement_tracking and r.engagement_tracking) as tracking
      from rooms r join organizations o on o.id = r.organization_id where r.id = ${input.roomId}
    ),
    cursor as (
      insert into engagement_cursors (user_id, last_beat_at)
      select ${userId}, now() where (select found from item) and coalesce((select tracking from switches), false)
      on conflict (user_id) do update
        set previous_beat_at = engagement_cursors.last_beat_at, last_beat_at = greatest(engagement_cursors.last_beat_at, now())
      -- A person's first beat credits nothing; then never more than the wall-clock time since the previous one.
      returning floor(least(${input.seconds}::int, ${BEAT_CAP_SECONDS}::int,
        greatest(0, extract(epoch from last_beat_at - coalesce(previous_beat_at, last_beat_at)))))::int as credited
    ),
    added as (
      insert into engagement_daily (room_id, user_id, item_type, item_id, day, side, active_seconds, last_active_at)
      select ${input.roomId}, ${userId}, ${input.itemType}, ${input.itemId}, (now() at time zone 'utc')::date, ${side}, credited, now()
      from cursor where credited > 0
      on conflict (room_id, user_id, item_type, item_id, day) do update
        set active_seconds = least(86400, engagement_daily.active_seconds + excluded.active_seconds),
            last_active_at = excluded.last_active_at, side = excluded.side
    )
    select (select found from item) as found, coalesce((select tracking from switches), false) as tracking, (select credited from cursor) as credited`;
  if (!row?.found) throw refuse();
  if (!row.tracking) return { credited: 0, tracking: false };
  return { credited: row.credited ?? 0, tracking: true };
}
