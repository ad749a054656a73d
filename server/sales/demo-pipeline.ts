import { withActor, type AppContext } from "../context.ts";
import { createRoom } from "../services/rooms.ts";
import { closeRoom, moveStage } from "./moves.ts";
import { setTarget } from "./targets.ts";

/**
 * A year of the demo organization's deals (decision 021), so the pipeline page has history to
 * show: won, lost and open rooms in both of its currencies, owned by the seller and the sales
 * engineer. Every room, move and close goes through the services a person would use; the
 * services stamp them "now", so the seed then dates each room's rows back to its story (its
 * creation, its stage moves, its activities and hand-off) with one update per table. The demo
 * room of server/seed.ts is not touched. Seeded once: the first room's name is the marker.
 */

type Step = readonly [stage: string, daysAgo: number] | readonly ["won" | "lost", number, string?];

interface DemoDeal {
  name: string;
  account: string;
  value: number;
  currency: "USD" | "EUR";
  owner: "seller" | "engineer";
  createdDaysAgo: number;
  /** Days from today (negative: past) for the expected close date; null for none. */
  closeInDays: number | null;
  steps: Step[];
}

const DEALS: DemoDeal[] = [
  { name: "Globex — Data platform", account: "Globex", value: 240_000, currency: "USD", owner: "seller", createdDaysAgo: 300, closeInDays: -205,
    steps: [["Qualifying", 285], ["Pricing", 262], ["Proposing", 240], ["Negotiating", 220], ["won", 205]] },
  { name: "Initech — Support desk", account: "Initech", value: 45_000, currency: "USD", owner: "seller", createdDaysAgo: 280, closeInDays: -230,
    steps: [["Qualifying", 270], ["Pricing", 255], ["lost", 240, "Chose a cheaper ticketing tool."]] },
  { name: "Umbrella — EU logistics", account: "Umbrella", value: 120_000, currency: "EUR", owner: "engineer", createdDaysAgo: 250, closeInDays: -170,
    steps: [["Qualifying", 238], ["Pricing", 220], ["Proposing", 200], ["Negotiating", 185], ["won", 170]] },
  { name: "Hooli — Analytics", account: "Hooli", value: 90_000, currency: "USD", owner: "seller", createdDaysAgo: 220, closeInDays: -190,
    steps: [["Qualifying", 210], ["lost", 200, "No budget this fiscal year."]] },
  { name: "Stark — Field service", account: "Stark Industries", value: 310_000, currency: "USD", owner: "seller", createdDaysAgo: 200, closeInDays: -100,
    steps: [["Qualifying", 190], ["Pricing", 170], ["Proposing", 150], ["Negotiating", 125], ["lost", 110, "Lost to the incumbent on price."]] },
  { name: "Wayne — Procurement", account: "Wayne Enterprises", value: 150_000, currency: "USD", owner: "engineer", createdDaysAgo: 170, closeInDays: -95,
    steps: [["Qualifying", 160], ["Pricing", 145], ["Proposing", 130], ["Negotiating", 112], ["won", 95]] },
  { name: "Soylent — Recipes portal", account: "Soylent", value: 60_000, currency: "EUR", owner: "seller", createdDaysAgo: 150, closeInDays: -80,
    steps: [["Qualifying", 140], ["Pricing", 128], ["Proposing", 110], ["won", 80]] },
  { name: "Cyberdyne — Fleet telemetry", account: "Cyberdyne", value: 200_000, currency: "EUR", owner: "engineer", createdDaysAgo: 130, closeInDays: -60,
    steps: [["Qualifying", 120], ["Pricing", 100], ["lost", 85, "The project was cancelled."]] },
  { name: "Tyrell — Onboarding", account: "Tyrell", value: 75_000, currency: "USD", owner: "seller", createdDaysAgo: 110, closeInDays: -40,
    steps: [["Qualifying", 100], ["Pricing", 88], ["Proposing", 70], ["Negotiating", 55], ["won", 40]] },
  { name: "Nakatomi — HQ rollout", account: "Nakatomi", value: 210_000, currency: "USD", owner: "seller", createdDaysAgo: 70, closeInDays: -20,
    steps: [["Qualifying", 60], ["Pricing", 45], ["lost", 30, "Went quiet after pricing."]] },
  { name: "Aperture — Lab systems", account: "Aperture Science", value: 95_000, currency: "EUR", owner: "seller", createdDaysAgo: 35, closeInDays: -2,
    steps: [["Qualifying", 25], ["Pricing", 20], ["Proposing", 14], ["Negotiating", 6], ["won", 2]] },
  // Open deals: one stalled and past its expected close, the others moving.
  { name: "Massive Dynamic — Billing", account: "Massive Dynamic", value: 130_000, currency: "USD", owner: "seller", createdDaysAgo: 90, closeInDays: -10,
    steps: [["Qualifying", 80], ["Pricing", 60], ["Proposing", 45]] },
  { name: "Oscorp — Security suite", account: "Oscorp", value: 85_000, currency: "EUR", owner: "engineer", createdDaysAgo: 60, closeInDays: 30,
    steps: [["Qualifying", 50], ["Pricing", 35]] },
  { name: "Vandelay — Imports", account: "Vandelay Industries", value: 55_000, currency: "USD", owner: "seller", createdDaysAgo: 40, closeInDays: 45,
    steps: [["Qualifying", 30]] },
  { name: "Wonka — Supply chain", account: "Wonka", value: 180_000, currency: "USD", owner: "seller", createdDaysAgo: 25, closeInDays: 20,
    steps: [["Qualifying", 18], ["Pricing", 12], ["Proposing", 5]] },
  { name: "Pied Piper — Compression", account: "Pied Piper", value: 40_000, currency: "USD", owner: "engineer", createdDaysAgo: 12, closeInDays: null, steps: [] },
];

const DAY = 86_400_000;
const dateIn = (days: number) => new Date(Date.now() + days * DAY).toISOString().slice(0, 10);

export async function seedDemoPipeline(app: AppContext, demoRoomId: string): Promise<void> {
  const [org] = await app.sql<{ organizationId: string }[]>`select organization_id as "organizationId" from rooms where id = ${demoRoomId}`;
  if (!org) return;
  const [done] = await app.sql`select 1 from rooms where organization_id = ${org.organizationId} and name = ${DEALS[0]!.name} limit 1`;
  if (done) return;
  const people = await app.sql<{ id: string; name: string; email: string }[]>`
    select id, name, email from users where email in ('maya.chen@northwind.example', 'sam.okafor@northwind.example')`;
  const seller = people.find((p) => p.email.startsWith("maya"));
  const engineer = people.find((p) => p.email.startsWith("sam")) ?? seller;
  if (!seller || !engineer) return;
  const ctxOf = (who: DemoDeal["owner"]) => {
    const p = who === "seller" ? seller : engineer;
    return withActor(app, { userId: p.id, name: p.name, email: p.email });
  };

  for (const deal of DEALS) {
    const ctx = ctxOf(deal.owner);
    const room = await createRoom(ctx, {
      name: deal.name, account: deal.account, value: { amount: deal.value * 100, currency: deal.currency }, stage: "Prospecting",
      expectedCloseDate: deal.closeInDays === null ? null : dateIn(deal.closeInDays),
    });
    for (const [what, , reason] of deal.steps) {
      if (what === "won" || what === "lost") await closeRoom(ctx, room.id, { outcome: what, ...(reason ? { reason } : {}) });
      else await moveStage(ctx, room.id, { stage: what });
    }
    // Date the room's story back: creation, then each move in order (a few hours into its day).
    const hours = (deal.name.length % 7) + 9;
    const at = (daysAgo: number) => new Date(Date.now() - daysAgo * DAY + hours * 3_600_000 - 24 * 3_600_000);
    const created = at(deal.createdDaysAgo);
    const moves = await app.sql<{ id: string }[]>`select id from stage_moves where room_id = ${room.id} order by seq`;
    for (const [i, move] of moves.entries()) {
      const when = at(deal.steps[i]![1]);
      await app.sql`update stage_moves set moved_at = ${when} where id = ${move.id}`;
      await app.sql`update activities set at = ${when} where room_id = ${room.id} and data->>'moveId' = ${move.id}`;
      await app.sql`update handoffs set made_at = ${when} where stage_move_id = ${move.id}`;
    }
    const last = deal.steps.length ? at(deal.steps[deal.steps.length - 1]![1]) : created;
    await app.sql`update rooms set created_at = ${created}, updated_at = ${last} where id = ${room.id}`;
    await app.sql`update activities set at = ${created} where room_id = ${room.id} and type = 'room.created'`;
  }
  // This year's targets, set by the seller as the organization's admin.
  const year = new Date().getUTCFullYear();
  const admin = ctxOf("seller");
  const period = { periodStart: `${year}-01-01`, periodEnd: `${year}-12-31` };
  await setTarget(admin, org.organizationId, { userId: seller.id, ...period, kind: "value", currency: "USD", amount: 80_000_000 });
  await setTarget(admin, org.organizationId, { userId: engineer.id, ...period, kind: "wins", amount: 4 });
  app.log.info({ rooms: DEALS.length }, "demo pipeline history seeded");
}
