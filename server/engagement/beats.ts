import { z } from "zod";
import { canReadItem, effectiveSide, loadStanding, type Standing } from "../access/index.ts";
import { noteRefusal } from "../access/refusals.ts";
import { consume } from "../auth/rate-limits.ts";
import type { ActorContext } from "../context.ts";
import { notFound } from "../errors.ts";
import { Id, parseInput } from "../validation.ts";
import { queueBeat } from "./batch.ts";

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
 * Checks one heartbeat and adds what it may add. Throws 404 (nothing stored) for an item the
 * sender may not read. `admitted` is the standing a live socket was admitted to the room with
 * (server/realtime/socket.ts keeps it, and drops it when the access bus says access changed);
 * without it the standing is loaded.
 *
 * The hot path (500 open readers: docs/performance.md): the standing from the socket, then the
 * beat joins the process's batch (server/engagement/batch.ts), one statement every FLUSH_MS that
 * finds each item among those its sender may read, reads the switches, moves each person's
 * cursor (under its row lock: beats from several tabs or processes are credited one after
 * another) and adds what the bound allows to the day's row; the answer waits for it.
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
  const outcome = await queueBeat(ctx.sql, {
    userId: ctx.actor.userId,
    roomId: input.roomId,
    itemType: input.itemType,
    itemId: input.itemId,
    side: effectiveSide(standing)!,
    mayReadInternal: visible.includes("internal"),
    seconds: input.seconds,
    cap: BEAT_CAP_SECONDS,
  });
  if (!outcome.found) throw refuse();
  if (!outcome.tracking) return { credited: 0, tracking: false };
  return { credited: outcome.credited, tracking: true };
}
