import type { Tx } from "../../db/client.ts";
import type { EngagementItemType } from "./beats.ts";

/**
 * Heartbeats written in batches (docs/decisions/025-engagement.md, docs/performance.md): the
 * beats a process receives within FLUSH_MS (at most MAX_BATCH) are checked and recorded by one
 * statement, and each beat's answer comes from it. Nothing is acknowledged before it is stored,
 * so an answer's `credited` is what the record holds; shutdown writes what is waiting
 * (server/http.ts). The statement keeps every bound of a single beat:
 *  - the item must be in the room, not archived, and of a visibility the sender may read
 *    (`mayReadInternal` comes from the access policy; shared items are readable by everyone
 *    who gets this far);
 *  - nothing when the organization or the room has tracking off;
 *  - per person, only their first beat in the batch can credit anything, at most
 *    min(claimed, cap, wall-clock since their previous beat): the person's cursor moves under
 *    its row lock, so batches of several processes are credited one after another;
 *  - what is credited is added to the one row per room, reader, item and UTC day.
 */

export const FLUSH_MS = 250;
const MAX_BATCH = 1000;

export interface QueuedBeat {
  userId: string;
  roomId: string;
  itemType: EngagementItemType;
  itemId: string;
  side: "internal" | "external";
  mayReadInternal: boolean;
  seconds: number;
  cap: number;
}
export interface BeatOutcome {
  found: boolean;
  tracking: boolean;
  credited: number;
}

interface Pending {
  beat: QueuedBeat;
  resolve(outcome: BeatOutcome): void;
  reject(error: unknown): void;
}

class BeatQueue {
  private pending: Pending[] = [];
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> = Promise.resolve();

  constructor(private readonly sql: Tx) {}

  add(beat: QueuedBeat): Promise<BeatOutcome> {
    return new Promise((resolve, reject) => {
      this.pending.push({ beat, resolve, reject });
      if (this.pending.length >= MAX_BATCH) void this.flush();
      else if (!this.timer) this.timer = setTimeout(() => void this.flush(), FLUSH_MS);
    });
  }

  /** Writes what is waiting; batches run one after another. */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const batch = this.pending.splice(0);
    if (batch.length === 0) return this.running;
    this.running = this.running.then(() => write(this.sql, batch));
    return this.running;
  }
}

async function write(sql: Tx, batch: Pending[]): Promise<void> {
  const b = batch.map((p) => p.beat);
  const text = (values: (string | number | boolean)[]) => sql.array(values.map(String), 25);
  try {
    const rows = await sql<{ idx: number; found: boolean; tracking: boolean; credited: number }[]>`
      with b as (
        -- Every column goes as text[] (one parameter each) and is cast here.
        select * from unnest(
          ${text(b.map((_, i) => i))}::int[], ${text(b.map((x) => x.userId))}::uuid[], ${text(b.map((x) => x.roomId))}::uuid[],
          ${text(b.map((x) => x.itemType))}::text[], ${text(b.map((x) => x.itemId))}::uuid[], ${text(b.map((x) => x.side))}::text[],
          ${text(b.map((x) => x.mayReadInternal))}::bool[], ${text(b.map((x) => x.seconds))}::int[], ${text(b.map((x) => x.cap))}::int[]
        ) as b(idx, user_id, room_id, item_type, item_id, side, may_internal, seconds, cap)
      ),
      checked as (
        select b.*,
          case b.item_type
            when 'plan' then b.item_id = b.room_id
            when 'page' then exists (select 1 from pages p where p.id = b.item_id and p.room_id = b.room_id and p.archived_at is null and (p.visibility = 'shared' or b.may_internal))
            when 'file' then exists (select 1 from files f where f.id = b.item_id and f.room_id = b.room_id and f.archived_at is null and (f.visibility = 'shared' or b.may_internal))
            else exists (select 1 from threads t where t.id = b.item_id and t.room_id = b.room_id and (t.visibility = 'shared' or b.may_internal))
          end as found,
          coalesce((select o.engagement_tracking and r.engagement_tracking from rooms r join organizations o on o.id = r.organization_id where r.id = b.room_id), false) as tracking
        from b
      ),
      firsts as (
        select distinct on (user_id) user_id, idx from checked where found and tracking order by user_id, idx
      ),
      cursor as (
        insert into engagement_cursors (user_id, last_beat_at) select user_id, now() from firsts
        on conflict (user_id) do update
          set previous_beat_at = engagement_cursors.last_beat_at, last_beat_at = greatest(engagement_cursors.last_beat_at, now())
        -- A person's first beat ever credits nothing; then never more than the wall-clock time since the previous one.
        returning user_id, greatest(0, extract(epoch from last_beat_at - coalesce(previous_beat_at, last_beat_at)))::float8 as elapsed
      ),
      credits as (
        select c.idx, c.room_id, c.user_id, c.item_type, c.item_id, c.side,
          floor(least(c.seconds, c.cap, k.elapsed))::int as credited
        from checked c join firsts f on f.idx = c.idx join cursor k on k.user_id = c.user_id
      ),
      added as (
        insert into engagement_daily (room_id, user_id, item_type, item_id, day, side, active_seconds, last_active_at)
        select room_id, user_id, item_type, item_id, (now() at time zone 'utc')::date, side, credited, now()
        from credits where credited > 0
        on conflict (room_id, user_id, item_type, item_id, day) do update
          set active_seconds = least(86400, engagement_daily.active_seconds + excluded.active_seconds),
              last_active_at = excluded.last_active_at, side = excluded.side
      )
      select c.idx, c.found, c.tracking, coalesce(k.credited, 0) as credited
      from checked c left join credits k on k.idx = c.idx`;
    const byIdx = new Map(rows.map((r) => [r.idx, r]));
    batch.forEach((p, i) => {
      const row = byIdx.get(i);
      p.resolve(row ? { found: row.found, tracking: row.tracking, credited: row.credited } : { found: false, tracking: false, credited: 0 });
    });
  } catch (error) {
    for (const p of batch) p.reject(error);
  }
}

// One queue per database handle (per AppContext: a test server has its own).
const queues = new WeakMap<Tx, BeatQueue>();

export function queueBeat(sql: Tx, beat: QueuedBeat): Promise<BeatOutcome> {
  let queue = queues.get(sql);
  if (!queue) queues.set(sql, (queue = new BeatQueue(sql)));
  return queue.add(beat);
}

/** Writes the beats waiting to be written (at shutdown, before the database closes). */
export async function flushBeats(sql: Tx): Promise<void> {
  await queues.get(sql)?.flush();
}
