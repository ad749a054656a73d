import { z } from "zod";
import type { Tx } from "../../db/client.ts";
import { authorize, historyVisibleWhere, isInternal, loadStanding, visibleWhere, type Standing } from "../access/index.ts";
import type { ActorContext } from "../context.ts";
import { parseInput } from "../validation.ts";
import type { PersonRef } from "../threads/views.ts";
import { objectTitle, objectVisibility } from "./visibility.ts";

/** One entry of a room's activity feed (docs/api.md), plus the object's current title. */
export interface ActivityItem {
  id: string;
  type: string;
  actor: PersonRef | null;
  objectType: string | null;
  objectId: string | null;
  at: string;
  title: string | null;
  /** For messages: the thread they are in. */
  threadId?: string;
  /**
   * For page versions (`page.version.created`): why it was made (auto, manual, stage, handoff,
   * restore); for a version nobody made by hand, whose edits it holds; for a restore, the number
   * restored — null when the reader may not see that version (docs/decisions/012-history-visibility.md).
   */
  version?: { reason: string; authors: PersonRef[]; restoredFrom: number | null };
}

/** A feed entry as the activity page shows it: consecutive autosaves of one page by the same people are one entry. */
export interface FeedEntry extends ActivityItem {
  /** How many activities this entry stands for (autosaves folded together); 1 for every other entry. */
  count: number;
  /** The oldest activity's time (`at` is the newest). */
  firstAt: string;
}

/**
 * Who opened or downloaded a file is the access log's, which only internal readers see. These
 * are recorded internal; rows recorded shared before that are kept from external readers here.
 */
export const ACCESS_LOG_TYPES = ["file.downloaded", "file.opened"];

/**
 * The activities of a room `s` may see: recorded with a visibility they may see, and (for
 * readers of shared items only) about an object that is still shared today.
 */
export function activityVisibleWhere(sql: Tx, s: Standing) {
  const objectStillShared = isInternal(s)
    ? sql`true`
    : sql`coalesce(${objectVisibility(sql, "a.object_type", "a.object_id")}, 'shared') = 'shared'
        and a.type <> all(${ACCESS_LOG_TYPES})`;
  // Refused attempts (access.*) are for the audit trail only, never the feed or its counts.
  return sql`(${visibleWhere(sql, s, "a.visibility")} and ${objectStillShared} and a.type not like 'access.%')`;
}

const FeedQuery = z
  .object({
    before: z.string().regex(/^\d{1,18}$/, "must be an activity id").optional(),
    limit: z.coerce.number().int().min(1).max(200).optional(),
  })
  .passthrough();

async function feedRows(sql: Tx, s: Standing, options: { before?: string; limit: number }): Promise<ActivityItem[]> {
  const rows = await sql<
    {
      id: string; type: string; actorId: string | null; actorName: string | null; objectType: string | null; objectId: string | null; at: Date;
      title: string | null; threadId: string | null; reason: string | null; authors: PersonRef[] | null; restoredFrom: number | null;
    }[]
  >`
    select a.id::text as id, a.type, a.actor_id as "actorId", u.name as "actorName", a.object_type as "objectType",
      a.object_id as "objectId", a.at, ${objectTitle(sql, "a.object_type", "a.object_id")} as title,
      case when a.object_type = 'message' then a.data->>'threadId' end as "threadId",
      case when a.type = 'page.version.created' then a.data->>'reason' end as reason,
      case when a.type = 'page.version.created' and jsonb_typeof(a.data->'authorIds') = 'array' then (
        select coalesce(json_agg(json_build_object('id', au.id, 'name', au.name) order by au.name, au.id), '[]'::json)
        from users au where au.id::text in (select jsonb_array_elements_text(a.data->'authorIds'))
      ) end as authors,
      -- The version a restore brought back, only when the reader may see that version too.
      case when a.type = 'page.version.created' and a.data ? 'restoredFrom' then (
        select rv.number from page_versions rv
        where rv.page_id::text = a.object_id and rv.number::text = a.data->>'restoredFrom' and ${historyVisibleWhere(sql, s, "rv.visibility")}
      ) end as "restoredFrom"
    from activities a left join users u on u.id = a.actor_id
    where a.room_id = ${s.roomId} and ${activityVisibleWhere(sql, s)}
      ${options.before ? sql`and a.id < ${options.before}` : sql``}
    order by a.id desc
    limit ${options.limit}`;
  return rows.map((r) => ({
    id: r.id,
    type: r.type,
    actor: r.actorId && r.actorName ? { id: r.actorId, name: r.actorName } : null,
    objectType: r.objectType,
    objectId: r.objectId,
    at: r.at.toISOString(),
    title: r.title,
    ...(r.threadId ? { threadId: r.threadId } : {}),
    ...(r.type === "page.version.created" ? { version: { reason: r.reason ?? "auto", authors: r.authors ?? [], restoredFrom: r.restoredFrom } } : {}),
  }));
}

/** Autosaves this close together (newest to oldest, one after the other) fold into one entry. */
export const AUTOSAVE_WINDOW_MS = 60 * 60 * 1000;

/** Who made an autosave, as a key: the version's authors (or the actor); none is the system. */
const autosaveKey = (item: ActivityItem) =>
  item.type === "page.version.created" && item.version?.reason === "auto" && item.objectId
    ? `${item.objectId}|${item.actor?.id ?? ""}|${item.version.authors.map((a) => a.id).sort().join(",")}`
    : null;

/**
 * The feed as the activity page shows it (newest first): consecutive autosaves of one page by
 * the same person or people (or the system), each within AUTOSAVE_WINDOW_MS of the next, are one
 * entry with a count ("edited X · 14 times"). Entries on either side of `boundary` (the reader's
 * last visit) are never folded together, so what is new stays apart from what is not.
 */
export function collapseAutosaves(items: ActivityItem[], boundary: Date | null = null, windowMs = AUTOSAVE_WINDOW_MS): FeedEntry[] {
  const out: FeedEntry[] = [];
  const side = (at: string) => (boundary === null ? 0 : new Date(at) > boundary ? 1 : 0);
  let lastKey: string | null = null;
  for (const item of items) {
    const key = autosaveKey(item);
    const previous = out[out.length - 1];
    if (
      key !== null && previous && key === lastKey && side(previous.firstAt) === side(item.at) &&
      new Date(previous.firstAt).getTime() - new Date(item.at).getTime() <= windowMs
    ) {
      previous.count++;
      previous.firstAt = item.at;
      continue;
    }
    out.push({ ...item, count: 1, firstAt: item.at });
    lastKey = key;
  }
  return out;
}

/** `GET /rooms/:roomId/activity`: newest first, only what the caller may see; `?before=<id>` pages back. */
export async function listActivity(ctx: ActorContext, roomId: string | undefined, query: unknown = {}) {
  const standing = await loadStanding(ctx.sql, ctx.actor, roomId);
  authorize(standing, "room.read");
  const q = parseInput(FeedQuery, query);
  const items = await feedRows(ctx.sql, standing, { before: q.before, limit: q.limit ?? 50 });
  return { items };
}

export interface FeedSummary {
  pages: number;
  messages: number;
  threads: number;
  files: number;
  other: number;
}

/** What others did in the room since `since` that `s` may see, by kind. */
async function summarize(sql: Tx, s: Standing, since: Date): Promise<FeedSummary> {
  const [row] = await sql<FeedSummary[]>`
    select
      count(distinct a.object_id) filter (where a.object_type = 'page')::int as pages,
      count(*) filter (where a.type = 'message.created')::int as messages,
      count(*) filter (where a.type = 'thread.created')::int as threads,
      count(distinct a.object_id) filter (where a.object_type in ('file', 'folder'))::int as files,
      count(*) filter (where a.object_type not in ('page', 'file', 'folder') and a.type not in ('message.created', 'thread.created')
        or a.object_type is null)::int as other
    from activities a
    where a.room_id = ${s.roomId} and a.at > ${since} and a.actor_id is distinct from ${s.userId}
      and ${activityVisibleWhere(sql, s)}`;
  return row!;
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/** "since Tuesday", "since yesterday", "since 3 March" — in UTC, like every time the server writes. */
export function sincePhrase(since: Date, now: Date): string {
  const day = (d: Date) => Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
  const days = Math.round((day(now) - day(since)) / 86_400_000);
  if (days <= 0) return `since ${since.toISOString().slice(11, 16)} UTC`;
  if (days === 1) return "since yesterday";
  if (days < 7) return `since ${since.toLocaleDateString("en-US", { weekday: "long", timeZone: "UTC" })}`;
  return `since ${since.toLocaleDateString("en-GB", { day: "numeric", month: "long", timeZone: "UTC" })}`;
}

/** "3 pages changed, 5 new messages since Tuesday", or null when nothing happened. */
export function describeSummary(summary: FeedSummary, since: Date, now: Date): string | null {
  const parts = [
    summary.pages && plural(summary.pages, "page changed", "pages changed"),
    summary.threads && plural(summary.threads, "new thread", "new threads"),
    summary.messages && plural(summary.messages, "new message", "new messages"),
    summary.files && plural(summary.files, "file changed", "files changed"),
    summary.other && plural(summary.other, "other update", "other updates"),
  ].filter(Boolean);
  if (parts.length === 0) return null;
  return `${parts.join(", ")} ${sincePhrase(since, now)}`;
}

/** Records this visit and answers when the previous one was (null on the first). */
export async function recordVisit(sql: Tx, s: Standing, now = new Date()): Promise<Date | null> {
  const [row] = await sql<{ previous: Date | null }[]>`
    with previous as (select visited_at from room_visits where room_id = ${s.roomId} and user_id = ${s.userId})
    insert into room_visits (room_id, user_id, visited_at) values (${s.roomId}, ${s.userId}, ${now})
    on conflict (room_id, user_id) do update set visited_at = excluded.visited_at
    returning (select visited_at from previous) as previous`;
  return row?.previous ?? null;
}

/** The activity page reads this many activities and shows at most this many entries of them. */
const FEED_PAGE_ROWS = 300;
const FEED_PAGE_ENTRIES = 100;

/**
 * The activity page: the feed (autosaves folded, collapseAutosaves), the reader's previous
 * visit (items after it are new) and a summary of what others did since. Opening it counts as a
 * visit.
 */
export async function activityPage(ctx: ActorContext, roomId: string | undefined, now = new Date()) {
  const standing = await loadStanding(ctx.sql, ctx.actor, roomId);
  authorize(standing, "room.read");
  const rows = await feedRows(ctx.sql, standing, { limit: FEED_PAGE_ROWS });
  const lastVisitAt = await recordVisit(ctx.sql, standing, now);
  const summary = lastVisitAt ? await summarize(ctx.sql, standing, lastVisitAt) : null;
  const items = collapseAutosaves(rows, lastVisitAt).slice(0, FEED_PAGE_ENTRIES);
  return {
    items: items.map((item) => {
      const sinceLastVisit = lastVisitAt !== null && new Date(item.at) > lastVisitAt;
      // What the reader did themselves is not news to them.
      return { ...item, sinceLastVisit, isNew: sinceLastVisit && item.actor?.id !== ctx.actor.userId };
    }),
    lastVisitAt: lastVisitAt?.toISOString() ?? null,
    summary,
    summaryText: summary && lastVisitAt ? describeSummary(summary, lastVisitAt, now) : null,
  };
}
