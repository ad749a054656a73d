// Engagement tracking over the real server and real socket.io clients (docs/decisions/025-engagement.md):
// heartbeats accumulate into one row per reader, item and day; a beat for an item the sender may
// not read is dropped; no client adds more than the wall-clock time since its previous beat; a
// flood is rate-limited; the internal team's reading is kept apart; the engagement view is
// internal only and each participant's own figures match it.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { addParticipant, createRoom, roomWithCast, type TestUser } from "../support/factories.ts";
import { notifyQuietRooms } from "../../server/engagement/quiet.ts";
import { sendDigests } from "../../server/notifications/digest.ts";
import { relaxPerIpLimits } from "../support/matrix-fixtures.ts";
import { startTestServer, type TestServer } from "../support/server.ts";
import { socketClient, type SocketClient } from "./socket-support.ts";

let server: TestServer;
let cast: Awaited<ReturnType<typeof roomWithCast>>;
let roomId: string;
let sharedPage: string;
let internalPage: string;
const clients: SocketClient[] = [];

const api = (user: TestUser, path: string, body?: unknown, method?: string) =>
  server.api(`/api/v1${path}`, { token: user.token, body, method: method ?? (body === undefined ? "GET" : "POST") });

async function client(user: TestUser) {
  const c = await socketClient(server.url, user.token);
  clients.push(c);
  return c;
}
/** Moves the person's last heartbeat `seconds` into the past: as if that much wall-clock time had gone by. */
const age = (user: TestUser, seconds: number) =>
  server.sql`update engagement_cursors set last_beat_at = now() - make_interval(secs => ${seconds}) where user_id = ${user.id}`;
const stored = async (user: TestUser, itemId: string) => {
  const [row] = await server.sql<{ s: number | null }[]>`select sum(active_seconds)::int as s from engagement_daily where user_id = ${user.id} and item_id = ${itemId}`;
  return row?.s ?? 0;
};

beforeAll(async () => {
  server = await startTestServer();
  relaxPerIpLimits(server);
  cast = await roomWithCast(server);
  roomId = cast.room.id;
  const shared = await api(cast.owner, `/rooms/${roomId}/pages`, { title: "Business case", visibility: "shared" });
  const internal = await api(cast.owner, `/rooms/${roomId}/pages`, { title: "Pricing floor SECRET", visibility: "internal" });
  expect(shared.status).toBe(201);
  sharedPage = shared.body.id;
  internalPage = internal.body.id;
});
afterEach(() => {
  for (const c of clients.splice(0)) c.socket.disconnect();
});
afterAll(async () => {
  await server.close();
});

describe("heartbeats", () => {
  it("accumulate into one row per reader, item and day, and the view and the reader's own figures agree", async () => {
    const buyer = await client(cast.externalEditor);
    const beat = (seconds: number) => buyer.emit("engagement:beat", { roomId, itemType: "page", itemId: sharedPage, seconds });
    expect(await beat(0)).toEqual({ ok: true, credited: 0, tracking: true });
    await age(cast.externalEditor, 20);
    expect(await beat(15)).toMatchObject({ ok: true, credited: 15 });
    await age(cast.externalEditor, 20);
    expect(await beat(15)).toMatchObject({ ok: true, credited: 15 });
    expect(await stored(cast.externalEditor, sharedPage)).toBe(30);
    const [counted] = await server.sql<{ n: number }[]>`select count(*)::int as n from engagement_daily where user_id = ${cast.externalEditor.id}`;
    expect(counted?.n).toBe(1);

    const view = await api(cast.owner, `/rooms/${roomId}/engagement`);
    expect(view.status).toBe(200);
    const person = view.body.participants.find((p: any) => p.userId === cast.externalEditor.id);
    expect(person).toMatchObject({ side: "external", activeSeconds: 30, items: [{ type: "page", id: sharedPage, title: "Business case", activeSeconds: 30 }] });
    expect(person.lastActiveAt).toEqual(expect.any(String));
    const today = new Date().toISOString().slice(0, 10);
    expect(view.body.days.at(-1)).toMatchObject({ date: today, externalActiveSeconds: 30 });
    expect(view.body.items.find((i: any) => i.id === sharedPage).readers).toEqual([
      { userId: cast.externalEditor.id, name: expect.any(String), side: "external", activeSeconds: 30 },
    ]);

    const mine = await api(cast.externalEditor, `/rooms/${roomId}/engagement/me`);
    expect(mine.status).toBe(200);
    expect(mine.body.participants).toEqual([person]);
    expect(mine.body.days.at(-1)).toEqual(view.body.days.at(-1));
    // The buyer's own view carries nothing about anyone else.
    expect(JSON.stringify(mine.body)).not.toContain(cast.owner.id);
  });

  it("for an internal item from an external participant are dropped: 404, nothing stored", async () => {
    const guest = await client(cast.externalViewer);
    expect(await guest.emit("engagement:beat", { roomId, itemType: "page", itemId: sharedPage, seconds: 0 })).toMatchObject({ ok: true });
    await age(cast.externalViewer, 20);
    const answer = await guest.emit("engagement:beat", { roomId, itemType: "page", itemId: internalPage, seconds: 15 });
    expect(answer).toEqual({ error: { code: "not_found", message: expect.any(String) } });
    // The same over the beacon endpoint.
    const beacon = await api(cast.externalViewer, "/engagement/beats", { roomId, itemType: "page", itemId: internalPage, seconds: 15 });
    expect(beacon.status).toBe(404);
    const rows = await server.sql`select 1 from engagement_daily where item_id = ${internalPage}`;
    expect(rows.length).toBe(0);
    // An item of another room, an unknown id, a room one is not in: dropped the same way.
    const outsider = await client(cast.outsider);
    expect(await outsider.emit("engagement:beat", { roomId, itemType: "page", itemId: sharedPage, seconds: 15 })).toMatchObject({ error: { code: "not_found" } });
    expect(await guest.emit("engagement:beat", { roomId, itemType: "plan", itemId: cast.otherRoom.id, seconds: 15 })).toMatchObject({ error: { code: "not_found" } });
    expect(await guest.emit("engagement:beat", { roomId, itemType: "page", itemId: sharedPage, seconds: 1.5 })).toMatchObject({ error: { code: "invalid_input" } });
    expect(await guest.emit("engagement:beat", { roomId, itemType: "video", itemId: sharedPage, seconds: 1 })).toMatchObject({ error: { code: "invalid_input" } });
  });

  it("from a socket that joined the room are checked afresh: an item made internal, or the reader removed, and the beat is dropped", async () => {
    // A room of its own, so the figures of the other tests stay theirs.
    const own = (await createRoom(server, cast.owner)).id;
    const guest = await addParticipant(server, cast.owner, own, "external", "viewer");
    const page = await api(cast.owner, `/rooms/${own}/pages`, { title: "Joined-socket page", visibility: "shared" });
    const live = await client(guest);
    // As the browser does on a room page: the socket joins the room; its beats then use the standing it was admitted with.
    expect(await live.emit("room:join", { roomId: own })).toEqual({ ok: true });
    const beat = (seconds: number) => live.emit("engagement:beat", { roomId: own, itemType: "page", itemId: page.body.id, seconds });
    expect(await beat(0)).toMatchObject({ ok: true, credited: 0 });
    await age(guest, 12);
    expect(await beat(10)).toMatchObject({ ok: true, credited: 10 });
    // The page is made internal: the next beat is dropped, nothing more is stored.
    expect((await api(cast.owner, `/pages/${page.body.id}`, { visibility: "internal" }, "PATCH")).status).toBe(200);
    await age(guest, 12);
    expect(await beat(10)).toMatchObject({ error: { code: "not_found" } });
    expect(await stored(guest, page.body.id)).toBe(10);
    // The guest is removed from the room: the access bus drops the socket's standing; the plan is refused too.
    expect((await api(cast.owner, `/rooms/${own}/participants/${guest.id}`, undefined, "DELETE")).status).toBe(204);
    await live.waitFor("room:revoked");
    await age(guest, 12);
    expect(await live.emit("engagement:beat", { roomId: own, itemType: "plan", itemId: own, seconds: 10 })).toMatchObject({ error: { code: "not_found" } });
    const [plan] = await server.sql<{ n: number }[]>`select count(*)::int as n from engagement_daily where user_id = ${guest.id} and item_type = 'plan'`;
    expect(plan?.n).toBe(0);
  });

  it("never credit more than the wall-clock time since the person's previous beat, nor more than the cap", async () => {
    const reader = await client(cast.internalViewer);
    // A first beat has nothing to measure from: it starts the clock and credits nothing.
    expect(await reader.emit("engagement:beat", { roomId, itemType: "plan", itemId: roomId, seconds: 30 })).toMatchObject({ credited: 0 });
    await age(cast.internalViewer, 3);
    const claimed = await reader.emit("engagement:beat", { roomId, itemType: "plan", itemId: roomId, seconds: 30 });
    expect(claimed.credited).toBeGreaterThanOrEqual(2);
    expect(claimed.credited).toBeLessThanOrEqual(4);
    // An hour away, then a claim of an hour: one beat adds at most the cap.
    await age(cast.internalViewer, 3600);
    expect(await reader.emit("engagement:beat", { roomId, itemType: "plan", itemId: roomId, seconds: 3600 })).toMatchObject({ credited: 30 });
    // Two clients of one person do not add up to more than the time that passed.
    const second = await client(cast.internalViewer);
    await age(cast.internalViewer, 10);
    const [a, b] = await Promise.all([
      reader.emit("engagement:beat", { roomId, itemType: "plan", itemId: roomId, seconds: 10 }),
      second.emit("engagement:beat", { roomId, itemType: "plan", itemId: roomId, seconds: 10 }),
    ]);
    expect(a.credited + b.credited).toBeLessThanOrEqual(11);
  });

  it("arriving together are written in one batch, each with its own answer and its own bounds", async () => {
    const own = (await createRoom(server, cast.owner)).id;
    const people = await Promise.all([0, 1, 2].map(() => addParticipant(server, cast.owner, own, "external", "viewer")));
    const page = (await api(cast.owner, `/rooms/${own}/pages`, { title: "Batch page", visibility: "shared" })).body.id;
    const secret = (await api(cast.owner, `/rooms/${own}/pages`, { title: "Batch secret", visibility: "internal" })).body.id;
    const sockets = await Promise.all(people.map((p) => client(p)));
    await Promise.all(sockets.map((s) => s.emit("engagement:beat", { roomId: own, itemType: "page", itemId: page, seconds: 0 })));
    await Promise.all(people.map((p) => age(p, 40)));
    const [a, b, c, again, refused] = await Promise.all([
      sockets[0]!.emit("engagement:beat", { roomId: own, itemType: "page", itemId: page, seconds: 15 }),
      sockets[1]!.emit("engagement:beat", { roomId: own, itemType: "page", itemId: page, seconds: 7 }),
      sockets[2]!.emit("engagement:beat", { roomId: own, itemType: "plan", itemId: own, seconds: 60 }),
      // The same person twice at once: the second adds nothing (no wall-clock time between them).
      sockets[0]!.emit("engagement:beat", { roomId: own, itemType: "page", itemId: page, seconds: 15 }),
      sockets[1]!.emit("engagement:beat", { roomId: own, itemType: "page", itemId: secret, seconds: 15 }),
    ]);
    expect([a.credited + again.credited, b.credited, c.credited]).toEqual([15, 7, 30]); // c: the cap
    expect(refused).toMatchObject({ error: { code: "not_found" } });
    expect(await stored(people[0]!, page)).toBe(15);
    expect(await stored(people[1]!, page)).toBe(7);
    expect(await stored(people[1]!, secret)).toBe(0);
  });

  it("are rate-limited: a flood is refused, and what it stored stays within wall-clock time", async () => {
    const flooder = await client(cast.internalEditor);
    const started = Date.now();
    const answers = await Promise.all(
      Array.from({ length: 60 }, () => flooder.emit("engagement:beat", { roomId, itemType: "page", itemId: sharedPage, seconds: 30 })),
    );
    const limited = answers.filter((a) => a.error?.code === "rate_limited");
    expect(limited.length).toBeGreaterThanOrEqual(40);
    const elapsed = (Date.now() - started) / 1000;
    expect(await stored(cast.internalEditor, sharedPage)).toBeLessThanOrEqual(Math.ceil(elapsed) + 1);
    // The beacon endpoint counts against the same limit.
    expect((await api(cast.internalEditor, "/engagement/beats", { roomId, itemType: "page", itemId: sharedPage, seconds: 1 })).status).toBe(429);
  });
});

describe("the engagement view", () => {
  it("keeps the internal team's reading apart from the buyer's", async () => {
    const seller = await client(cast.owner);
    await seller.emit("engagement:beat", { roomId, itemType: "page", itemId: internalPage, seconds: 0 });
    await age(cast.owner, 12);
    expect(await seller.emit("engagement:beat", { roomId, itemType: "page", itemId: internalPage, seconds: 12 })).toMatchObject({ credited: 12 });
    const view = await api(cast.internalEditor, `/rooms/${roomId}/engagement`);
    const today = view.body.days.at(-1);
    expect(today.internalActiveSeconds).toBeGreaterThanOrEqual(12);
    expect(today.externalActiveSeconds).toBe(30);
    const owner = view.body.participants.find((p: any) => p.userId === cast.owner.id);
    expect(owner).toMatchObject({ side: "internal", activeSeconds: 12 });
  });

  it("is internal only: 404 for external participants and outsiders; each participant reads their own figures", async () => {
    for (const nobody of [cast.externalEditor, cast.externalViewer, cast.orgMember, cast.outsider]) {
      const res = await api(nobody, `/rooms/${roomId}/engagement`);
      expect(res.status).toBe(404);
      expect(JSON.stringify(res.body)).not.toContain("SECRET");
    }
    for (const nobody of [cast.orgMember, cast.outsider]) expect((await api(nobody, `/rooms/${roomId}/engagement/me`)).status).toBe(404);
    expect((await api(cast.externalViewer, `/rooms/${roomId}/engagement/me`)).status).toBe(200);
  });

  it("hides from an external reader an item made internal after they read it", async () => {
    const page = await api(cast.owner, `/rooms/${roomId}/pages`, { title: "Soon internal", visibility: "shared" });
    const buyer = await client(cast.externalViewer);
    await age(cast.externalViewer, 20);
    expect(await buyer.emit("engagement:beat", { roomId, itemType: "page", itemId: page.body.id, seconds: 9 })).toMatchObject({ credited: 9 });
    expect((await api(cast.owner, `/pages/${page.body.id}`, { visibility: "internal" }, "PATCH")).status).toBe(200);
    const mine = await api(cast.externalViewer, `/rooms/${roomId}/engagement/me`);
    expect(JSON.stringify(mine.body)).not.toContain(page.body.id);
    expect(mine.body.days.at(-1).externalActiveSeconds).toBe(0);
    const view = await api(cast.owner, `/rooms/${roomId}/engagement`);
    expect(view.body.participants.find((p: any) => p.userId === cast.externalViewer.id).items.map((i: any) => i.id)).toContain(page.body.id);
  });

  it("records nothing while tracking is off for the organization or the room", async () => {
    await server.sql`update rooms set engagement_tracking = false where id = ${roomId}`;
    try {
      const buyer = await client(cast.externalEditor);
      await age(cast.externalEditor, 20);
      expect(await buyer.emit("engagement:beat", { roomId, itemType: "page", itemId: sharedPage, seconds: 15 })).toEqual({ ok: true, credited: 0, tracking: false });
      expect(await stored(cast.externalEditor, sharedPage)).toBe(30);
      expect((await api(cast.externalEditor, `/rooms/${roomId}/engagement/me`)).body.tracking).toEqual({ enabled: false, organization: true, room: false });
    } finally {
      await server.sql`update rooms set engagement_tracking = true where id = ${roomId}`;
    }
  });
});

describe("gone quiet", () => {
  it("flags a room without buyer activity past the organization's threshold and tells its owner once", async () => {
    const quiet = await createRoom(server, cast.owner);
    await addParticipant(server, cast.owner, quiet.id, "external", "viewer");
    await server.sql`update rooms set created_at = now() - interval '20 days' where id = ${quiet.id}`;
    const view = await api(cast.owner, `/rooms/${quiet.id}/engagement`);
    expect(view.body.quiet).toEqual([{ kind: "buyer_quiet", days: 20, thresholdDays: 14, lastBuyerActivityAt: null }]);
    expect(view.body.days.length).toBe(21);
    // The threshold is the organization's: at 30 days the room is not quiet yet.
    await server.sql`update organizations set quiet_after_days = 30 where id = ${cast.organization.id}`;
    expect((await api(cast.owner, `/rooms/${quiet.id}/engagement`)).body.quiet).toEqual([]);
    await server.sql`update organizations set quiet_after_days = 14 where id = ${cast.organization.id}`;

    expect(await notifyQuietRooms(server.app)).toBeGreaterThanOrEqual(1);
    const inbox = await api(cast.owner, "/notifications");
    const notice = inbox.body.items.find((n: any) => n.roomId === quiet.id);
    expect(notice).toMatchObject({ kind: "engagement", type: "engagement.buyer_quiet", url: `/rooms/${quiet.id}/engagement` });
    // Once per episode.
    await notifyQuietRooms(server.app);
    const again = await api(cast.owner, "/notifications");
    expect(again.body.items.filter((n: any) => n.roomId === quiet.id).length).toBe(1);
  });
});

describe("the owner's daily digest", () => {
  it("says which buyers were active and on what, never the team's own reading, nothing where tracking is off", async () => {
    // A cast of its own: its owner's digest covers only what happens here.
    const deal = await roomWithCast(server);
    const room = deal.room.id;
    const as = (user: TestUser, path: string, body?: unknown, method?: string) =>
      server.api(`/api/v1${path}`, { token: user.token, body, method: method ?? (body === undefined ? "GET" : "POST") });
    const businessCase = (await as(deal.owner, `/rooms/${room}/pages`, { title: "Business case", visibility: "shared" })).body.id;
    const pricing = (await as(deal.owner, `/rooms/${room}/pages`, { title: "Pricing floor", visibility: "internal" })).body.id;
    for (const who of [deal.owner, deal.externalEditor]) {
      expect((await as(who, "/notifications/digest", { enabled: true }, "PUT")).status).toBe(200);
    }
    const read = async (user: TestUser, r: string, itemType: string, itemId: string, seconds: number) => {
      const c = await client(user);
      await c.emit("engagement:beat", { roomId: r, itemType, itemId, seconds: 0 });
      await age(user, seconds + 5);
      expect(await c.emit("engagement:beat", { roomId: r, itemType, itemId, seconds })).toMatchObject({ credited: seconds });
    };
    // The buyer reads the business case for 6 minutes (in 30-second beats) and the plan briefly.
    const buyer = await client(deal.externalEditor);
    await buyer.emit("engagement:beat", { roomId: room, itemType: "page", itemId: businessCase, seconds: 0 });
    for (let i = 0; i < 12; i++) {
      await age(deal.externalEditor, 31);
      expect(await buyer.emit("engagement:beat", { roomId: room, itemType: "page", itemId: businessCase, seconds: 30 })).toMatchObject({ credited: 30 });
    }
    await read(deal.externalEditor, room, "plan", room, 20);
    // The seller's team reads too: never buyer activity.
    await read(deal.internalEditor, room, "page", pricing, 25);
    await read(deal.internalEditor, room, "page", businessCase, 25);
    // A second room of the same owner, with a buyer who read while tracking was on; then it is turned off.
    const quietRoom = deal.otherRoom.id;
    const otherBuyer = await addParticipant(server, deal.owner, quietRoom, "external", "viewer");
    await read(otherBuyer, quietRoom, "plan", quietRoom, 15);
    await server.sql`update rooms set engagement_tracking = false where id = ${quietRoom}`;

    expect((await sendDigests(server.app, new Date(Date.now() + 1000))).sent).toBeGreaterThanOrEqual(1);
    // The outbox, read as each recipient's own mail.
    const mailTo = (user: TestUser) => server.sql<{ subject: string; text: string }[]>`
      select subject, text from mail_outbox where "to" = ${user.email} and subject not like '%invited you%' order by created_at`;
    const [mail, ...more] = await mailTo(deal.owner);
    expect(more).toEqual([]);
    expect(mail!.subject).toBe(`Dealroom: buyer activity in ${deal.room.name}`);
    const section = mail!.text.slice(mail!.text.indexOf("Buyer activity"));
    expect(section).toContain(`${deal.externalEditor.name} (Acme Corp) read Business case 6 min, Mutual action plan 20 s`);
    expect(section).toContain(`/rooms/${room}/engagement`);
    expect(section).not.toContain(deal.internalEditor.name);
    expect(section).not.toContain("Pricing floor");
    expect(mail!.text).not.toContain(deal.otherRoom.name);
    expect(mail!.text).not.toContain(otherBuyer.name);
    // The buyer owns no room: their digest (if any) has no buyer activity, and never the team's reading.
    for (const m of await mailTo(deal.externalEditor)) {
      expect(m.text).not.toContain("Buyer activity");
      expect(m.text).not.toContain(deal.internalEditor.name);
    }
    // With the organization's tracking off, the next day's digest says nothing of engagement.
    await server.sql`update organizations set engagement_tracking = false where id = ${deal.organization.id}`;
    try {
      await server.sql`update digest_subscriptions set last_sent_at = now() - interval '2 days' where user_id = ${deal.owner.id}`;
      await sendDigests(server.app, new Date(Date.now() + 2000));
      expect((await mailTo(deal.owner)).length).toBe(1);
    } finally {
      await server.sql`update organizations set engagement_tracking = true where id = ${deal.organization.id}`;
    }
  });
});

describe("the switches and the threshold", () => {
  it("the organization's: admins read and change them, members get 403, guests and outsiders 404, bad input 400", async () => {
    const org = `/organizations/${cast.organization.id}/engagement`;
    expect((await api(cast.owner, org)).body).toEqual({ organizationId: cast.organization.id, tracking: true, quietAfterDays: 14 });
    for (const guest of [cast.externalEditor, cast.externalViewer, cast.outsider]) {
      expect((await api(guest, org)).status).toBe(404);
      expect((await api(guest, org, { tracking: false }, "PUT")).status).toBe(404);
    }
    expect((await api(cast.internalEditor, org)).status).toBe(403);
    expect((await api(cast.internalEditor, org, { tracking: false }, "PUT")).status).toBe(403);
    for (const bad of [{ quietAfterDays: 0 }, { quietAfterDays: 366 }, { quietAfterDays: 2.5 }, { quietAfterDays: "7" }, { tracking: "no" }, { tracking: false, extra: 1 }]) {
      const res = await api(cast.owner, org, bad, "PUT");
      expect(res.status, JSON.stringify(bad)).toBe(400);
    }
    expect((await api(cast.owner, org)).body).toMatchObject({ tracking: true, quietAfterDays: 14 });
    try {
      expect((await api(cast.owner, org, { quietAfterDays: 30 }, "PUT")).body).toEqual({ organizationId: cast.organization.id, tracking: true, quietAfterDays: 30 });
      expect((await api(cast.owner, `/rooms/${roomId}/engagement`)).body.quietAfterDays).toBe(30);
      expect((await api(cast.owner, org, { tracking: false }, "PUT")).body).toMatchObject({ tracking: false, quietAfterDays: 30 });
      // Off for all rooms: nothing recorded, and both pages' data say so.
      const buyer = await client(cast.externalEditor);
      await age(cast.externalEditor, 20);
      const before = await stored(cast.externalEditor, sharedPage);
      expect(await buyer.emit("engagement:beat", { roomId, itemType: "page", itemId: sharedPage, seconds: 15 })).toEqual({ ok: true, credited: 0, tracking: false });
      expect(await stored(cast.externalEditor, sharedPage)).toBe(before);
      expect((await api(cast.externalEditor, `/rooms/${roomId}/engagement/me`)).body.tracking).toEqual({ enabled: false, organization: false, room: true });
    } finally {
      expect((await api(cast.owner, org, { tracking: true, quietAfterDays: 14 }, "PUT")).status).toBe(200);
    }
  });

  it("one room's: its owner and internal editors turn it off and on; internal viewers 403; guests 404", async () => {
    const room = `/rooms/${roomId}/engagement/settings`;
    for (const guest of [cast.externalEditor, cast.externalViewer, cast.outsider, cast.orgMember]) {
      expect((await api(guest, room, { tracking: false }, "PUT")).status).toBe(404);
    }
    expect((await api(cast.internalViewer, room, { tracking: false }, "PUT")).status).toBe(403);
    for (const bad of [{}, { tracking: "off" }, { tracking: false, more: true }]) {
      expect((await api(cast.owner, room, bad, "PUT")).status, JSON.stringify(bad)).toBe(400);
    }
    try {
      expect((await api(cast.internalEditor, room, { tracking: false }, "PUT")).body).toEqual({ enabled: false, organization: true, room: false });
      const view = await api(cast.owner, `/rooms/${roomId}/engagement`);
      expect(view.body.tracking).toEqual({ enabled: false, organization: true, room: false });
      expect(view.body.abilities).toEqual({ manageTracking: true });
      expect((await api(cast.internalViewer, `/rooms/${roomId}/engagement`)).body.abilities).toEqual({ manageTracking: false });
      const buyer = await client(cast.externalViewer);
      expect(await buyer.emit("engagement:beat", { roomId, itemType: "plan", itemId: roomId, seconds: 10 })).toEqual({ ok: true, credited: 0, tracking: false });
      expect((await api(cast.externalViewer, `/rooms/${roomId}/engagement/me`)).body.tracking).toEqual({ enabled: false, organization: true, room: false });
    } finally {
      expect((await api(cast.owner, room, { tracking: true }, "PUT")).body).toEqual({ enabled: true, organization: true, room: true });
    }
  });
});
