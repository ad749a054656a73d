import { z } from "zod";
import { transaction, type Tx } from "../../db/client.ts";
import { canReadItem, effectiveSide, loadStanding, type ScopedItem, type Standing } from "../access/index.ts";
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

/** The item a beat names, with its visibility, if it is in that room and not archived. */
async function findItem(sql: Tx, roomId: string, type: EngagementItemType, id: string): Promise<ScopedItem | null> {
  if (type === "plan") return id === roomId ? { visibility: "shared" } : null;
  const [row] =
    type === "page"
      ? await sql<ScopedItem[]>`select visibility from pages where id = ${id} and room_id = ${roomId} and archived_at is null`
      : type === "file"
        ? await sql<ScopedItem[]>`select visibility from files where id = ${id} and room_id = ${roomId} and archived_at is null`
        : await sql<ScopedItem[]>`select visibility from threads where id = ${id} and room_id = ${roomId}`;
  return row ?? null;
}

/** Whether engagement is recorded in this room (the organization's switch and the room's). */
export async function trackingEnabled(sql: Tx, roomId: string): Promise<boolean> {
  const [row] = await sql<{ on: boolean }[]>`
    select (o.engagement_tracking and r.engagement_tracking) as on from rooms r join organizations o on o.id = r.organization_id where r.id = ${roomId}`;
  return row?.on ?? false;
}

/** Checks one heartbeat and adds what it may add. Throws 404 (nothing stored) for an item the sender may not read. */
export async function recordBeat(ctx: ActorContext, raw: unknown): Promise<BeatResult> {
  const input = parseInput(Beat, raw);
  await consume(ctx.rateLimits.engagementBeats, ctx.actor.userId);
  const standing: Standing = await loadStanding(ctx.sql, ctx.actor, input.roomId);
  const item = await findItem(ctx.sql, input.roomId, input.itemType, input.itemId);
  if (!item || !canReadItem(standing, item)) {
    noteRefusal({ roomId: standing.roomId, organizationId: standing.organizationId, type: "access.denied", status: 404, data: { action: "engagement.beat", what: input.itemType } });
    throw notFound("That item");
  }
  if (!(await trackingEnabled(ctx.sql, input.roomId))) return { credited: 0, tracking: false };
  const side = effectiveSide(standing)!;
  const credited = await transaction(ctx.sql, async (sql) => {
    // The person's previous beat, locked: concurrent beats from several tabs are credited one after another.
    const [fresh] = await sql`insert into engagement_cursors (user_id, last_beat_at) values (${ctx.actor.userId}, now())
      on conflict (user_id) do nothing returning user_id`;
    let elapsed = 0;
    if (!fresh) {
      const [cursor] = await sql<{ elapsed: number }[]>`
        select extract(epoch from now() - last_beat_at)::float8 as elapsed from engagement_cursors where user_id = ${ctx.actor.userId} for update`;
      elapsed = Math.max(0, cursor?.elapsed ?? 0);
      await sql`update engagement_cursors set last_beat_at = greatest(last_beat_at, now()) where user_id = ${ctx.actor.userId}`;
    }
    const seconds = Math.floor(Math.min(input.seconds, elapsed, BEAT_CAP_SECONDS));
    if (seconds > 0) {
      await sql`insert into engagement_daily (room_id, user_id, item_type, item_id, day, side, active_seconds, last_active_at)
        values (${input.roomId}, ${ctx.actor.userId}, ${input.itemType}, ${input.itemId}, (now() at time zone 'utc')::date, ${side}, ${seconds}, now())
        on conflict (room_id, user_id, item_type, item_id, day) do update
          set active_seconds = least(86400, engagement_daily.active_seconds + excluded.active_seconds),
              last_active_at = excluded.last_active_at, side = excluded.side`;
    }
    return seconds;
  });
  return { credited, tracking: true };
}
