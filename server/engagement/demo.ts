import type { AppContext } from "../context.ts";

/**
 * A few weeks of plausible reading for the demo room (docs/decisions/025-engagement.md): the
 * champion reads the shared pages and the plan on most working days, busier before the stage
 * moved and in the last week; the seller's team reads too, shown apart. Written as the
 * aggregates heartbeats would have left (no heartbeat of the past can be replayed), once.
 */
export async function seedDemoEngagement(app: AppContext, roomId: string) {
  const [seeded] = await app.sql`select 1 from engagement_daily where room_id = ${roomId} limit 1`;
  if (seeded) return;
  const people = await app.sql<{ userId: string; side: "internal" | "external" }[]>`
    select user_id as "userId", side from participants where room_id = ${roomId}`;
  const pages = await app.sql<{ id: string; visibility: string }[]>`select id, visibility from pages where room_id = ${roomId} and archived_at is null order by sort_order, created_at`;
  const threads = await app.sql<{ id: string; visibility: string }[]>`select id, visibility from threads where room_id = ${roomId} order by created_at`;
  const items = [
    ...pages.map((p) => ({ type: "page", id: p.id, shared: p.visibility === "shared" })),
    ...threads.map((t) => ({ type: "thread", id: t.id, shared: t.visibility === "shared" })),
    { type: "plan", id: roomId, shared: true },
  ];
  // A small deterministic generator: the same demo every time.
  let state = 17;
  const random = () => ((state = (state * 1103515245 + 12345) % 2147483648) / 2147483648);
  const rows: { userId: string; side: string; type: string; id: string; day: string; seconds: number; at: string }[] = [];
  const today = Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate());
  for (let ago = 27; ago >= 1; ago--) {
    const date = new Date(today - ago * 86_400_000);
    const weekend = date.getUTCDay() === 0 || date.getUTCDay() === 6;
    for (const person of people) {
      const buyer = person.side === "external";
      // The buyer reads on most working days, more in weeks 3–4 and the last few days.
      const chance = weekend ? 0.1 : buyer ? (ago > 20 ? 0.45 : ago > 8 ? 0.75 : ago > 4 ? 0.35 : 0.9) : 0.5;
      if (random() > chance) continue;
      const readable = items.filter((i) => i.shared || !buyer);
      const count = 1 + Math.floor(random() * Math.min(3, readable.length));
      for (let k = 0; k < count; k++) {
        const item = readable[Math.floor(random() * readable.length)]!;
        const seconds = Math.round((buyer ? 120 + random() * 900 : 60 + random() * 400) / 5) * 5;
        const at = new Date(date.getTime() + (9 + Math.floor(random() * 8)) * 3_600_000).toISOString();
        const same = rows.find((r) => r.userId === person.userId && r.id === item.id && r.day === date.toISOString().slice(0, 10));
        if (same) same.seconds += seconds;
        else rows.push({ userId: person.userId, side: person.side, type: item.type, id: item.id, day: date.toISOString().slice(0, 10), seconds, at });
      }
    }
  }
  for (const r of rows) {
    await app.sql`insert into engagement_daily (room_id, user_id, item_type, item_id, day, side, active_seconds, last_active_at)
      values (${roomId}, ${r.userId}, ${r.type}, ${r.id}, ${r.day}, ${r.side}, ${Math.min(r.seconds, 86400)}, ${r.at})
      on conflict do nothing`;
  }
}
