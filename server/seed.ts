import { hashPassword } from "./auth/passwords.ts";
import type { AppContext } from "./context.ts";
import { recordActivity } from "./services/activity.ts";
import { ensureStages } from "./sales/stages.ts";
import { seedDemoPlan } from "./sales/demo-plan.ts";
import type { Actor } from "./access/index.ts";
import { seedDemoConversations } from "./demo-conversations.ts";
import { seedDemoPages, type DemoAuthor } from "./wiki/demo-pages.ts";

/** The demo is for trying the product locally; its password is printed at start. */
export const DEMO_PASSWORD = "dealroom-demo";

const DEMO_USERS = [
  { key: "seller", label: "Seller (room owner)", email: "maya.chen@northwind.example", name: "Maya Chen" },
  { key: "engineer", label: "Sales engineer (internal editor)", email: "sam.okafor@northwind.example", name: "Sam Okafor" },
  { key: "champion", label: "Prospect champion (external editor)", email: "jordan.lee@acme.example", name: "Jordan Lee" },
  { key: "delivery", label: "Delivery lead (delivery team)", email: "priya.raman@northwind.example", name: "Priya Raman" },
] as const;

/** What the demo organization asks for when a deal leaves Closing (server/sales/forms.ts). */
const CLOSING_FORM = [
  { key: "contractSigned", label: "Contract signed on", type: "date", required: true },
  { key: "goLive", label: "Go-live date", type: "date", required: true },
  { key: "deliveryScope", label: "Delivery scope", type: "text", required: true },
  { key: "champion", label: "Champion", type: "person", required: true },
  { key: "risks", label: "Known risks", type: "text", required: false },
];

const ROOM_NAME = "Acme Corp — Platform rollout";
const ROOM_DESCRIPTION =
  "Acme is replacing three regional order-management systems with one platform before their fiscal year ends. " +
  "Jordan (VP Operations) is our champion; the CFO signs. Security review and a 90-day pilot in the EU region " +
  "are the two gates before contract.";

export interface DemoInfo {
  roomId: string;
  roomName: string;
  users: { label: string; email: string }[];
}

/**
 * Creates the demo organization, room and three users on the first start; afterwards finds
 * them again and seeds nothing twice. Runs under an advisory lock so two processes agree.
 */
export async function seedDemo(app: AppContext): Promise<DemoInfo> {
  const users = DEMO_USERS.map((u) => ({ label: u.label, email: u.email }));
  const seeded = await app.sql.begin(async (sql) => {
    await sql`select pg_advisory_xact_lock(720431978)`;
    const [existing] = await sql<{ roomId: string }[]>`
      select r.id as "roomId" from rooms r join users u on u.id = r.created_by
      where u.email = ${DEMO_USERS[0].email} and r.name = ${ROOM_NAME} limit 1`;
    if (existing) return { info: { roomId: existing.roomId, roomName: ROOM_NAME, users }, pageAuthors: null };

    const passwordHash = await hashPassword(DEMO_PASSWORD);
    const ids: Record<string, string> = {};
    for (const u of DEMO_USERS) {
      const [row] = await sql<{ id: string }[]>`
        insert into users (email, name, password_hash) values (${u.email}, ${u.name}, ${passwordHash})
        on conflict (email) do update set name = excluded.name returning id`;
      ids[u.key] = row!.id;
    }
    const [org] = await sql<{ id: string }[]>`insert into organizations (name) values ('Northwind Software') returning id`;
    await sql`insert into memberships (organization_id, user_id, role) values
      (${org!.id}, ${ids.seller!}, 'admin'), (${org!.id}, ${ids.engineer!}, 'member')`;
    const [room] = await sql<{ id: string }[]>`
      insert into rooms (organization_id, name, account, value_amount, value_currency, stage, expected_close_date, description, created_by)
      values (${org!.id}, ${ROOM_NAME}, 'Acme Corp', 18600000, 'USD', 'Proposing',
              (current_date + 45)::date, ${ROOM_DESCRIPTION}, ${ids.seller!})
      returning id`;
    const roomId = room!.id;
    await sql`insert into participants (room_id, user_id, side, role) values
      (${roomId}, ${ids.seller!}, 'internal', 'owner'),
      (${roomId}, ${ids.engineer!}, 'internal', 'editor'),
      (${roomId}, ${ids.champion!}, 'external', 'editor')`;
    await recordActivity(sql, { roomId, organizationId: org!.id, actorId: ids.seller!, type: "room.created", objectType: "room", objectId: roomId, visibility: "shared" });
    app.log.info({ roomId }, "demo room seeded");
    const pageAuthors = Object.fromEntries(
      DEMO_USERS.map((u) => [u.key, { userId: ids[u.key]!, name: u.name, email: u.email }]),
    ) as Record<DemoAuthor, Actor>;
    return { info: { roomId, roomName: ROOM_NAME, users }, pageAuthors };
  });
  // Pages go through the page service once the room is committed: their content becomes Y state.
  if (seeded.pageAuthors) {
    await seedDemoPages(app, seeded.info.roomId, seeded.pageAuthors);
    await seedDemoConversations(app, seeded.info.roomId, seeded.pageAuthors);
  }
  await seedSalesProcess(app, seeded.info.roomId);
  await seedDemoPlan(app, seeded.info.roomId);
  return seeded.info;
}

/**
 * The demo organization's delivery team (Priya) and the form asked for on leaving Closing.
 * Idempotent, and also brings demo data seeded before the sales process existed up to date.
 */
async function seedSalesProcess(app: AppContext, roomId: string) {
  const delivery = DEMO_USERS.find((u) => u.key === "delivery")!;
  await app.sql.begin(async (sql) => {
    await sql`select pg_advisory_xact_lock(720431978)`;
    const [room] = await sql<{ organizationId: string }[]>`select organization_id as "organizationId" from rooms where id = ${roomId}`;
    if (!room) return;
    const [priya] = await sql<{ id: string }[]>`select id from users where email = ${delivery.email}`;
    const userId = priya?.id ?? (await sql<{ id: string }[]>`
      insert into users (email, name, password_hash) values (${delivery.email}, ${delivery.name}, ${await hashPassword(DEMO_PASSWORD)})
      returning id`)[0]!.id;
    await sql`insert into memberships (organization_id, user_id, role, delivery_team) values (${room.organizationId}, ${userId}, 'member', true)
      on conflict (organization_id, user_id) do update set delivery_team = true`;
    await ensureStages(sql, room.organizationId);
    await sql`update stages set form = ${sql.json(CLOSING_FORM)} where organization_id = ${room.organizationId} and name = 'Closing' and form = '[]'`;
  });
}
