import { z } from "zod";
import type { Tx } from "../../db/client.ts";
import { authorize, isInternal, loadStanding, visibleWhere, type Standing } from "../access/index.ts";
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
    { id: string; type: string; actorId: string | null; actorName: string | null; objectType: string | null; objectId: string | null; at: Date; title: string | null; threadId: string | null }[]
  >`
    select a.id::text as id, a.type, a.actor_id as "actorId", u.name as "actorName", a.object_type as "objectType",
      a.object_id as "objectId", a.at, ${objectTitle(sql, "a.object_type", "a.object_id")} as title,
      case when a.object_type = 'message' then a.data->>'threadId' end as "threadId"
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
  }));
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

/**
 * The activity page: the feed, the reader's previous visit (items after it are new) and a
 * summary of what others did since. Opening it counts as a visit.
 */
export async function activityPage(ctx: ActorContext, roomId: string | undefined, now = new Date()) {
  const standing = await loadStanding(ctx.sql, ctx.actor, roomId);
  authorize(standing, "room.read");
  const items = await feedRows(ctx.sql, standing, { limit: 100 });
  const lastVisitAt = await recordVisit(ctx.sql, standing, now);
  const summary = lastVisitAt ? await summarize(ctx.sql, standing, lastVisitAt) : null;
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
