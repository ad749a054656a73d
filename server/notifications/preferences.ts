import { z } from "zod";
import type { Tx } from "../../db/client.ts";
import { loadStanding } from "../access/index.ts";
import type { ActorContext } from "../context.ts";
import { parseInput } from "../validation.ts";

/** Per room: every notification, only mentions, or none. */
export const LEVELS = ["everything", "mentions", "nothing"] as const;
export type NotificationLevel = (typeof LEVELS)[number];
export const DEFAULT_LEVEL: NotificationLevel = "everything";

const LevelInput = z.object({ level: z.enum(LEVELS, { error: 'must be "everything", "mentions" or "nothing"' }) }).strict();
const DigestInput = z.object({ enabled: z.boolean({ error: "must be true or false" }) }).strict();

/** The levels `userIds` chose in one room (the default for those who chose nothing). */
export async function levelsIn(sql: Tx, roomId: string, userIds: string[]): Promise<Map<string, NotificationLevel>> {
  const levels = new Map<string, NotificationLevel>(userIds.map((id) => [id, DEFAULT_LEVEL]));
  if (userIds.length === 0) return levels;
  const rows = await sql<{ userId: string; level: NotificationLevel }[]>`
    select user_id as "userId", level from notification_preferences where room_id = ${roomId} and user_id = any(${userIds}::uuid[])`;
  for (const r of rows) levels.set(r.userId, r.level);
  return levels;
}

export async function setRoomLevel(ctx: ActorContext, roomId: string | undefined, raw: unknown) {
  const standing = await loadStanding(ctx.sql, ctx.actor, roomId);
  const { level } = parseInput(LevelInput, raw);
  await ctx.sql`
    insert into notification_preferences (user_id, room_id, level) values (${ctx.actor.userId}, ${standing.roomId}, ${level})
    on conflict (user_id, room_id) do update set level = excluded.level`;
  return { roomId: standing.roomId, level };
}

export async function setDigest(ctx: ActorContext, raw: unknown) {
  const { enabled } = parseInput(DigestInput, raw);
  await ctx.sql`
    insert into digest_subscriptions (user_id, enabled) values (${ctx.actor.userId}, ${enabled})
    on conflict (user_id) do update set enabled = excluded.enabled`;
  return { enabled };
}

/** The caller's digest choice and their level in every room they take part in. */
export async function getPreferences(ctx: ActorContext) {
  const [digest] = await ctx.sql<{ enabled: boolean }[]>`select enabled from digest_subscriptions where user_id = ${ctx.actor.userId}`;
  const rooms = await ctx.sql<{ roomId: string; roomName: string; level: NotificationLevel }[]>`
    select r.id as "roomId", r.name as "roomName", coalesce(np.level, ${DEFAULT_LEVEL}) as level
    from participants p
    join rooms r on r.id = p.room_id
    left join notification_preferences np on np.user_id = p.user_id and np.room_id = p.room_id
    where p.user_id = ${ctx.actor.userId}
    order by r.name`;
  return { digest: digest?.enabled ?? false, rooms };
}
