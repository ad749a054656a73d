import { invalidateUserSessions } from "./auth/sessions.ts";
import { withActor, type AppContext } from "./context.ts";
import { addToDeliveryTeam, listDeliveryTeam } from "./sales/delivery-team.ts";
import { findStage, updateStage } from "./sales/stages.ts";
import { findUserByEmail, insertUser, signup } from "./services/accounts.ts";
import { acceptInvitation, createInvitation } from "./services/invitations.ts";
import { createRoom } from "./services/rooms.ts";
import { seedDemoEngagement } from "./engagement/demo.ts";
import { seedDemoPlan } from "./sales/demo-plan.ts";
import { seedDemoPipeline } from "./sales/demo-pipeline.ts";
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
 * Creates the demo organization, room and users on the first start, through the services a
 * person would use (signup, room creation, invitations and their acceptance, the stage and
 * delivery-team administration); afterwards finds them again and seeds nothing twice. The whole
 * seed runs under a session advisory lock, so two processes starting at once agree.
 */
export async function seedDemo(app: AppContext): Promise<DemoInfo> {
  const lock = await app.sql.reserve();
  try {
    await lock`select pg_advisory_lock(${SEED_LOCK})`;
    return await seedUnderLock(app);
  } finally {
    await lock`select pg_advisory_unlock(${SEED_LOCK})`.catch(() => {});
    lock.release();
  }
}

const SEED_LOCK = 720431978;

async function seedUnderLock(app: AppContext): Promise<DemoInfo> {
  const users = DEMO_USERS.map((u) => ({ label: u.label, email: u.email }));
  const [existing] = await app.sql<{ roomId: string }[]>`
    select r.id as "roomId" from rooms r join users u on u.id = r.created_by
    where u.email = ${DEMO_USERS[0].email} and r.name = ${ROOM_NAME} limit 1`;
  let roomId = existing?.roomId;
  if (!roomId) {
    const demo = (key: (typeof DEMO_USERS)[number]["key"]) => DEMO_USERS.find((u) => u.key === key)!;
    const seller = demo("seller");
    const signedUp = await signup(app, { email: seller.email, password: DEMO_PASSWORD, name: seller.name, organization: "Northwind Software" }, "bearer");
    const sellerCtx = withActor(app, { userId: signedUp.user.id, name: signedUp.user.name, email: signedUp.user.email });
    const closeDate = new Date(Date.now() + 45 * 86_400_000).toISOString().slice(0, 10);
    const room = await createRoom(sellerCtx, {
      name: ROOM_NAME, account: "Acme Corp", value: { amount: 18600000, currency: "USD" }, stage: "Proposing",
      expectedCloseDate: closeDate, description: ROOM_DESCRIPTION,
    });
    roomId = room.id;
    const authors: Partial<Record<DemoAuthor, Actor>> = { seller: sellerCtx.actor };
    for (const [key, side] of [["engineer", "internal"], ["champion", "external"]] as const) {
      const u = demo(key);
      const invitation = await createInvitation(sellerCtx, roomId, { email: u.email, side, role: "editor" });
      const accepted = await acceptInvitation(app, invitation.token, null, { name: u.name, password: DEMO_PASSWORD }, "bearer");
      authors[key] = { userId: accepted.user.id, name: accepted.user.name, email: accepted.user.email };
    }
    // Nobody is signed in by seeding: the sessions signup and acceptance opened end here.
    for (const actor of Object.values(authors)) await invalidateUserSessions(app.sql, actor.userId);
    app.log.info({ roomId }, "demo room seeded");
    // Pages go through the page service once the room is committed: their content becomes Y state.
    await seedDemoPages(app, roomId, authors as Record<DemoAuthor, Actor>);
    await seedDemoConversations(app, roomId, authors as Record<DemoAuthor, Actor>);
  }
  await seedSalesProcess(app, roomId);
  await seedDemoPlan(app, roomId);
  // A year of other deals beside the demo room, for the pipeline page (decision 021).
  await seedDemoPipeline(app, roomId);
  await seedDemoEngagement(app, roomId);
  return { roomId, roomName: ROOM_NAME, users };
}

/**
 * The demo organization's delivery team (Priya) and the form asked for on leaving Closing, set
 * by the seller as an admin would. Idempotent, and also brings demo data seeded before the sales
 * process existed up to date.
 */
async function seedSalesProcess(app: AppContext, roomId: string) {
  const delivery = DEMO_USERS.find((u) => u.key === "delivery")!;
  const [room] = await app.sql<{ organizationId: string; ownerId: string; ownerName: string; ownerEmail: string }[]>`
    select r.organization_id as "organizationId", u.id as "ownerId", u.name as "ownerName", u.email as "ownerEmail"
    from rooms r join users u on u.id = r.created_by where r.id = ${roomId}`;
  if (!room) return;
  const admin = withActor(app, { userId: room.ownerId, name: room.ownerName, email: room.ownerEmail });
  const priya = (await findUserByEmail(app.sql, delivery.email)) ?? (await insertUser(app.sql, { email: delivery.email, name: delivery.name, password: DEMO_PASSWORD }));
  // The one row no service writes: the product makes members through room invitations, and the
  // delivery lead joins rooms only when they are handed off.
  await app.sql`insert into memberships (organization_id, user_id, role) values (${room.organizationId}, ${priya.id}, 'member')
    on conflict (organization_id, user_id) do nothing`;
  if (!(await listDeliveryTeam(admin, room.organizationId)).some((m) => m.userId === priya.id)) {
    await addToDeliveryTeam(admin, room.organizationId, priya.id);
  }
  const closing = await findStage(app.sql, room.organizationId, "Closing");
  if (closing && closing.form.length === 0) await updateStage(admin, room.organizationId, closing.id, { form: CLOSING_FORM });
}
