import type { Tx } from "../../db/client.ts";
import { authorize, isInternal, loadStanding, type Side, type Standing } from "../access/index.ts";
import type { ActorContext } from "../context.ts";
import { notFound } from "../errors.ts";
import { noteRefusal } from "../access/refusals.ts";
import { can } from "../access/policy.ts";
import type { EngagementItemType } from "./beats.ts";

/**
 * What is recorded about reading in a room, from one place for everyone who may see it
 * (docs/decisions/025-engagement.md): the internal team's Engagement tab
 * (GET /rooms/:roomId/engagement) and each participant's "What the seller sees about me"
 * (GET /rooms/:roomId/engagement/me) are the same figures, the second filtered to the caller.
 * For an external reader, an item that is internal (now) never appears, not even their own past reading of it.
 */

export interface EngagementItem {
  type: EngagementItemType;
  id: string;
  title: string;
  activeSeconds: number;
}
export interface EngagementActions {
  edited: number;
  commented: number;
  completedSteps: number;
  downloaded: number;
}
export interface EngagementPerson {
  userId: string;
  name: string;
  side: Side;
  activeSeconds: number;
  /** The last moment they were active reading or did something in the room; null: never. */
  lastActiveAt: string | null;
  items: EngagementItem[];
  actions: EngagementActions;
}
export interface EngagementDay {
  date: string;
  externalActiveSeconds: number;
  internalActiveSeconds: number;
}
export interface ItemReaders {
  type: EngagementItemType;
  id: string;
  title: string;
  readers: { userId: string; name: string; side: Side; activeSeconds: number }[];
}
export type QuietFlag =
  | { kind: "buyer_quiet"; days: number; thresholdDays: number; lastBuyerActivityAt: string | null }
  | { kind: "champion_unseen"; userId: string; name: string; lastSeenAt: string | null; stageMovedAt: string };

export interface EngagementReport {
  /** False when the organization or the room turned tracking off: nothing is being recorded. */
  tracking: { enabled: boolean; organization: boolean; room: boolean };
  participants: EngagementPerson[];
  days: EngagementDay[];
}
export interface RoomEngagement extends EngagementReport {
  items: ItemReaders[];
  quiet: QuietFlag[];
  quietAfterDays: number;
  /** manageTracking: the caller may turn tracking off (or on) for this room (engagement.manage). */
  abilities: { manageTracking: boolean };
}

const DAY_MS = 86_400_000;
/** The chart covers the room's life, up to this many days back. */
const MAX_DAYS = 366;

interface Row {
  userId: string;
  itemType: EngagementItemType;
  itemId: string;
  side: Side;
  seconds: number;
  last: Date;
  title: string | null;
  visibility: "internal" | "shared" | null;
}

async function settings(sql: Tx, roomId: string) {
  const [row] = await sql<{ org: boolean; room: boolean; quietAfterDays: number; createdAt: Date }[]>`
    select o.engagement_tracking as org, r.engagement_tracking as room, o.quiet_after_days as "quietAfterDays", r.created_at as "createdAt"
    from rooms r join organizations o on o.id = r.organization_id where r.id = ${roomId}`;
  return row!;
}

export async function build(sql: Tx, standing: Standing, only: string | null): Promise<EngagementReport & { rows: Row[]; quietAfterDays: number; createdAt: Date }> {
  const roomId = standing.roomId;
  const external = !isInternal(standing);
  const s = await settings(sql, roomId);
  const who = only ? sql`and e.user_id = ${only}` : sql``;
  const rows = await sql<Row[]>`
    select e.user_id as "userId", e.item_type as "itemType", e.item_id as "itemId", e.side,
      sum(e.active_seconds)::int as seconds, max(e.last_active_at) as last,
      case e.item_type when 'page' then p.title when 'file' then f.name when 'thread' then t.title else 'Mutual action plan' end as title,
      case e.item_type when 'page' then p.visibility when 'file' then f.visibility when 'thread' then t.visibility else 'shared' end as visibility
    from engagement_daily e
    left join pages p on e.item_type = 'page' and p.id = e.item_id and p.room_id = e.room_id
    left join files f on e.item_type = 'file' and f.id = e.item_id and f.room_id = e.room_id
    left join threads t on e.item_type = 'thread' and t.id = e.item_id and t.room_id = e.room_id
    where e.room_id = ${roomId} ${who}
    group by 1, 2, 3, 4, 7, 8`;
  // An external reader sees only items that are shared now; an item since removed is not shown to them either.
  const visible = external ? rows.filter((r) => r.visibility === "shared") : rows;

  const whoActs = only ? sql`and a.actor_id = ${only}` : sql``;
  const scope = external
    ? sql`and (a.visibility = 'shared' or (a.type = 'file.downloaded' and exists (select 1 from files sf where sf.id::text = a.object_id and sf.visibility = 'shared')))`
    : sql``;
  const acts = await sql<{ userId: string; edited: number; commented: number; completedSteps: number; downloaded: number; last: Date }[]>`
    select a.actor_id as "userId",
      count(*) filter (where a.type in ('page.created', 'page.updated'))::int as edited,
      count(*) filter (where a.type in ('message.created', 'thread.created'))::int as commented,
      count(*) filter (where a.type = 'plan.step_done')::int as "completedSteps",
      count(*) filter (where a.type = 'file.downloaded')::int as downloaded,
      max(a.at) as last
    from activities a
    where a.room_id = ${roomId} and a.actor_id is not null ${whoActs} ${scope}
      and a.type in ('page.created', 'page.updated', 'message.created', 'thread.created', 'plan.step_done', 'file.downloaded')
    group by a.actor_id`;

  const people = await sql<{ userId: string; name: string; side: Side | null }[]>`
    select u.id as "userId", u.name, p.side from users u
    left join participants p on p.room_id = ${roomId} and p.user_id = u.id
    where (p.user_id is not null ${only ? sql`and u.id = ${only}` : sql``})
       or u.id in (select distinct user_id from engagement_daily where room_id = ${roomId} ${only ? sql`and user_id = ${only}` : sql``})
    order by u.name`;

  const participants: EngagementPerson[] = people.map((person) => {
    const mine = visible.filter((r) => r.userId === person.userId);
    const byItem = new Map<string, EngagementItem>();
    for (const r of mine) {
      const key = `${r.itemType}:${r.itemId}`;
      const item = byItem.get(key) ?? { type: r.itemType, id: r.itemId, title: r.title ?? "(removed)", activeSeconds: 0 };
      item.activeSeconds += r.seconds;
      byItem.set(key, item);
    }
    const act = acts.find((a) => a.userId === person.userId);
    const lasts = [...mine.map((r) => r.last.getTime()), ...(act ? [act.last.getTime()] : [])];
    const recordedSide = mine.find((r) => r.side === "internal") ? "internal" : "external";
    return {
      userId: person.userId,
      name: person.name,
      side: person.side ?? (mine.length ? recordedSide : "internal"),
      activeSeconds: mine.reduce((sum, r) => sum + r.seconds, 0),
      lastActiveAt: lasts.length ? new Date(Math.max(...lasts)).toISOString() : null,
      items: [...byItem.values()].sort((a, b) => b.activeSeconds - a.activeSeconds),
      actions: {
        edited: act?.edited ?? 0,
        commented: act?.commented ?? 0,
        completedSteps: act?.completedSteps ?? 0,
        downloaded: act?.downloaded ?? 0,
      },
    };
  });

  const itemScope = external ? sql`and coalesce(p.visibility, f.visibility, t.visibility, case when e.item_type = 'plan' then 'shared' end) = 'shared'` : sql``;
  const perDay = await sql<{ date: string; external: number; internal: number }[]>`
    select to_char(e.day, 'YYYY-MM-DD') as date,
      coalesce(sum(e.active_seconds) filter (where e.side = 'external'), 0)::int as external,
      coalesce(sum(e.active_seconds) filter (where e.side = 'internal'), 0)::int as internal
    from engagement_daily e
    left join pages p on e.item_type = 'page' and p.id = e.item_id
    left join files f on e.item_type = 'file' and f.id = e.item_id
    left join threads t on e.item_type = 'thread' and t.id = e.item_id
    where e.room_id = ${roomId} ${who} ${itemScope}
    group by e.day`;
  const byDate = new Map(perDay.map((d) => [d.date, d]));
  const today = Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate());
  const created = s.createdAt.getTime();
  const earliest = Math.min(created, ...perDay.map((d) => Date.parse(d.date)));
  const start = Math.max(today - (MAX_DAYS - 1) * DAY_MS, Date.UTC(new Date(earliest).getUTCFullYear(), new Date(earliest).getUTCMonth(), new Date(earliest).getUTCDate()));
  const days: EngagementDay[] = [];
  for (let t = start; t <= today; t += DAY_MS) {
    const date = new Date(t).toISOString().slice(0, 10);
    const d = byDate.get(date);
    days.push({ date, externalActiveSeconds: d?.external ?? 0, internalActiveSeconds: d?.internal ?? 0 });
  }
  return {
    tracking: { enabled: s.org && s.room, organization: s.org, room: s.room },
    participants,
    days,
    rows: visible,
    quietAfterDays: s.quietAfterDays,
    createdAt: s.createdAt,
  };
}

/** "Gone quiet": no buyer activity in the organization's threshold; the champion not seen since the last stage move. */
export async function quietFlags(sql: Tx, roomId: string, participants: EngagementPerson[], quietAfterDays: number, createdAt: Date, now = new Date()): Promise<QuietFlag[]> {
  const flags: QuietFlag[] = [];
  const buyers = participants.filter((p) => p.side === "external");
  if (buyers.length > 0) {
    const lasts = buyers.map((b) => (b.lastActiveAt ? Date.parse(b.lastActiveAt) : 0)).filter((t) => t > 0);
    const last = lasts.length ? Math.max(...lasts) : null;
    const days = Math.floor((now.getTime() - (last ?? createdAt.getTime())) / DAY_MS);
    if (days >= quietAfterDays) flags.push({ kind: "buyer_quiet", days, thresholdDays: quietAfterDays, lastBuyerActivityAt: last ? new Date(last).toISOString() : null });
  }
  const [move] = await sql<{ movedAt: Date }[]>`select moved_at as "movedAt" from stage_moves where room_id = ${roomId} order by seq desc limit 1`;
  if (move) {
    const champions = await sql<{ userId: string }[]>`
      select distinct user_id as "userId" from stakeholders where room_id = ${roomId} and decision_role = 'champion' and user_id is not null`;
    for (const c of champions) {
      const person = participants.find((p) => p.userId === c.userId);
      if (!person) continue;
      const seen = person.lastActiveAt ? Date.parse(person.lastActiveAt) : null;
      if (seen === null || seen < move.movedAt.getTime()) {
        flags.push({ kind: "champion_unseen", userId: person.userId, name: person.name, lastSeenAt: person.lastActiveAt, stageMovedAt: move.movedAt.toISOString() });
      }
    }
  }
  return flags;
}

const buyerSeconds = (item: ItemReaders) => item.readers.filter((r) => r.side === "external").reduce((s, r) => s + r.activeSeconds, 0);
const totalSeconds = (item: ItemReaders) => item.readers.reduce((s, r) => s + r.activeSeconds, 0);

/** The Engagement tab: everyone's figures, per item, per day, and the "gone quiet" flags. Internal readers only; 404 for anyone else. */
export async function roomEngagement(ctx: ActorContext, roomId: string | undefined): Promise<RoomEngagement> {
  const standing = await loadStanding(ctx.sql, ctx.actor, roomId);
  if (!can(standing, "engagement.read")) {
    noteRefusal({ roomId: standing.roomId, organizationId: standing.organizationId, type: "access.denied", status: 404, data: { action: "engagement.read", what: "engagement" } });
    throw notFound("Room");
  }
  const report = await build(ctx.sql, standing, null);
  const names = new Map(report.participants.map((p) => [p.userId, p]));
  const items = new Map<string, ItemReaders>();
  for (const r of report.rows) {
    const key = `${r.itemType}:${r.itemId}`;
    const entry = items.get(key) ?? { type: r.itemType, id: r.itemId, title: r.title ?? "(removed)", readers: [] };
    const person = names.get(r.userId);
    const reader = entry.readers.find((x) => x.userId === r.userId);
    if (reader) reader.activeSeconds += r.seconds;
    else entry.readers.push({ userId: r.userId, name: person?.name ?? "Someone", side: person?.side ?? r.side, activeSeconds: r.seconds });
    items.set(key, entry);
  }
  for (const entry of items.values()) entry.readers.sort((a, b) => b.activeSeconds - a.activeSeconds);
  const quiet = await quietFlags(ctx.sql, standing.roomId, report.participants, report.quietAfterDays, report.createdAt);
  return {
    tracking: report.tracking,
    participants: report.participants,
    days: report.days,
    // The buyer's reading first: the items buyers spent most time on, then the team's.
    items: [...items.values()].sort((a, b) => buyerSeconds(b) - buyerSeconds(a) || totalSeconds(b) - totalSeconds(a)),
    quiet,
    quietAfterDays: report.quietAfterDays,
    abilities: { manageTracking: can(standing, "engagement.manage") },
  };
}

/** "What the seller sees about me": exactly the caller's own figures, from the same data. Everyone in the room. */
export async function myEngagement(ctx: ActorContext, roomId: string | undefined): Promise<EngagementReport> {
  const standing = await loadStanding(ctx.sql, ctx.actor, roomId);
  authorize(standing, "engagement.readOwn");
  const report = await build(ctx.sql, standing, ctx.actor.userId);
  return { tracking: report.tracking, participants: report.participants, days: report.days };
}
