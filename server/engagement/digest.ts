import type { Tx } from "../../db/client.ts";

/**
 * The daily digest's engagement lines (docs/decisions/025-engagement.md): for each room the
 * recipient owns, which buyer-side participants were active since the last digest and on what,
 * with their active time. Only time recorded on the buyer's side counts (the internal team's own
 * reading never does), and rooms whose organization or room has tracking off say nothing.
 * The recipient is the room's owner, on the internal side, so internal items may be named.
 * The figures are the daily aggregates (engagement_daily): a row counts when it was active in
 * the period, with that UTC day's seconds.
 */

export interface DigestReader {
  name: string;
  /** The buyer's company: the room's account. */
  account: string;
  items: { title: string; seconds: number }[];
}
export interface DigestRoom {
  roomId: string;
  roomName: string;
  readers: DigestReader[];
}

/** The most readers and items a digest names per room and per reader; the rest are summed up. */
const MAX_READERS = 20;
const MAX_ITEMS = 5;

export async function buyerActivityFor(sql: Tx, ownerId: string, since: Date, until: Date): Promise<DigestRoom[]> {
  const rows = await sql<{ roomId: string; roomName: string; account: string; userId: string; name: string; title: string; seconds: number }[]>`
    select e.room_id as "roomId", r.name as "roomName", r.account, e.user_id as "userId", u.name,
      coalesce(case e.item_type when 'page' then pg.title when 'file' then f.name when 'thread' then t.title else 'Mutual action plan' end, '(removed)') as title,
      sum(e.active_seconds)::int as seconds
    from engagement_daily e
    join rooms r on r.id = e.room_id
    join organizations o on o.id = r.organization_id
    join participants owner on owner.room_id = e.room_id and owner.user_id = ${ownerId} and owner.role = 'owner'
    join users u on u.id = e.user_id
    left join pages pg on e.item_type = 'page' and pg.id = e.item_id and pg.room_id = e.room_id
    left join files f on e.item_type = 'file' and f.id = e.item_id and f.room_id = e.room_id
    left join threads t on e.item_type = 'thread' and t.id = e.item_id and t.room_id = e.room_id
    where e.side = 'external' and e.active_seconds > 0
      and o.engagement_tracking and r.engagement_tracking
      and e.last_active_at > ${since} and e.last_active_at <= ${until}
      and e.day >= (${since}::timestamptz at time zone 'utc')::date
    group by 1, 2, 3, 4, 5, 6
    order by r.name, e.room_id`;
  const rooms = new Map<string, DigestRoom & { byUser: Map<string, DigestReader & { total: number }> }>();
  for (const row of rows) {
    const room = rooms.get(row.roomId) ?? { roomId: row.roomId, roomName: row.roomName, readers: [], byUser: new Map() };
    rooms.set(row.roomId, room);
    const reader = room.byUser.get(row.userId) ?? { name: row.name, account: row.account, items: [], total: 0 };
    room.byUser.set(row.userId, reader);
    reader.items.push({ title: row.title, seconds: row.seconds });
    reader.total += row.seconds;
  }
  return [...rooms.values()].map((room) => ({
    roomId: room.roomId,
    roomName: room.roomName,
    readers: [...room.byUser.values()]
      .sort((a, b) => b.total - a.total || a.name.localeCompare(b.name))
      .slice(0, MAX_READERS)
      .map(({ name, account, items }) => ({ name, account, items: items.sort((a, b) => b.seconds - a.seconds) })),
  }));
}

/** "40 s", "6 min", "1 h 5 min". */
export function formatSeconds(seconds: number): string {
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/** "Dana Reyes (Acme) read Business case 6 min, Pricing.pdf 2 min" */
export function describeReader(reader: DigestReader): string {
  const shown = reader.items.slice(0, MAX_ITEMS).map((i) => `${i.title} ${formatSeconds(i.seconds)}`);
  const rest = reader.items.slice(MAX_ITEMS);
  if (rest.length) shown.push(`${rest.length} more ${formatSeconds(rest.reduce((s, i) => s + i.seconds, 0))}`);
  return `${reader.name} (${reader.account}) read ${shown.join(", ")}`;
}
