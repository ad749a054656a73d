import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { latestHandoff } from "../../server/sales/handoff.ts";
import { addParticipant, createRoom, roomWithCast, type TestUser } from "../support/factories.ts";
import { relaxPerIpLimits } from "../support/matrix-fixtures.ts";
import { startTestServer, type TestServer } from "../support/server.ts";

// The hand-off (server/sales/handoff.ts) and the delivery team (delivery-team.ts).

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
  relaxPerIpLimits(server);
});
afterAll(async () => {
  await server.close();
});

const api = (who: TestUser, path: string, body?: unknown, method?: string) =>
  server.api(`/api/v1${path}`, { token: who.token, body, method: method ?? (body === undefined ? "GET" : "POST") });

async function page(who: TestUser, roomId: string, visibility: "internal" | "shared", markdown: string) {
  const res = await api(who, `/rooms/${roomId}/pages`, { title: `${visibility} page`, visibility, markdown });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.id as string;
}

async function handoffVersions(roomId: string) {
  return server.sql<{ pageId: string; number: number }[]>`
    select v.page_id as "pageId", v.number from page_versions v join pages p on p.id = v.page_id
    where p.room_id = ${roomId} and v.reason = 'handoff' order by p.created_at`;
}

/** A cast whose organization has a delivery-team member (a member of the organization, in no room of the cast). */
async function castWithDelivery() {
  const cast = await roomWithCast(server);
  const elsewhere = await createRoom(server, cast.owner);
  const delivery = await addParticipant(server, cast.owner, elsewhere.id, "internal", "viewer");
  const added = await api(cast.owner, `/organizations/${cast.organization.id}/delivery-team/${delivery.id}`, undefined, "PUT");
  expect(added.status, JSON.stringify(added.body)).toBe(200);
  expect(added.body).toMatchObject({ userId: delivery.id, name: delivery.name, email: delivery.email });
  return { ...cast, delivery };
}

describe("handing a room off when it enters Delivering", () => {
  it("freezes exactly one handoff version of every live page, maps them, and lets the delivery team read but not edit", async () => {
    const { owner, room, delivery, internalEditor, organization } = await castWithDelivery();
    const internalPage = await page(owner, room.id, "internal", "Pricing floor: 12%.");
    const sharedPage = await page(owner, room.id, "shared", "Mutual plan.");
    const archived = await page(owner, room.id, "shared", "Old notes.");
    expect((await api(owner, `/pages/${archived}/archive`, {})).status).toBe(200);
    // The internal editor is on the delivery team too: they keep their role.
    expect((await api(owner, `/organizations/${organization.id}/delivery-team/${internalEditor.id}`, undefined, "PUT")).status).toBe(200);

    expect((await api(delivery, `/rooms/${room.id}`)).status).toBe(404);
    expect((await api(owner, `/rooms/${room.id}/stage`, { stage: "Negotiating" })).status).toBe(200);
    expect(await handoffVersions(room.id)).toEqual([]);
    expect(await latestHandoff(server.sql, room.id)).toBeNull();

    const moved = await api(owner, `/rooms/${room.id}/stage`, { stage: "Delivering" });
    expect(moved.status, JSON.stringify(moved.body)).toBe(200);

    const versions = await handoffVersions(room.id);
    expect(versions.map((v) => v.pageId)).toEqual([internalPage, sharedPage]);
    const handoff = await latestHandoff(server.sql, room.id);
    expect(handoff).toMatchObject({ trigger: "stage", madeBy: { id: owner.id, name: owner.name }, madeAt: expect.any(String) });
    expect(handoff!.pages).toEqual(versions.map((v) => ({ pageId: v.pageId, versionNumber: v.number })));
    const [row] = await server.sql<{ count: number }[]>`select count(*)::int as count from handoffs where room_id = ${room.id}`;
    expect(row!.count).toBe(1);

    const participants = (await api(owner, `/rooms/${room.id}/participants`)).body.items as { userId: string; side: string; role: string }[];
    expect(participants.find((p) => p.userId === delivery.id)).toMatchObject({ side: "internal", role: "viewer" });
    expect(participants.find((p) => p.userId === internalEditor.id)).toMatchObject({ side: "internal", role: "editor" });

    const read = await api(delivery, `/pages/${internalPage}`);
    expect(read.status).toBe(200);
    expect(read.body.markdown).toContain("12%");
    expect((await api(delivery, `/pages/${internalPage}`, { title: "Mine now" }, "PATCH")).status).toBe(403);
    expect((await api(delivery, `/pages/${internalPage}/versions`)).body.items.map((v: any) => v.reason)).toContain("handoff");

    const activity = await server.sql`select visibility, data from activities where room_id = ${room.id} and type = 'room.handed_off'`;
    expect(activity).toHaveLength(1);
    expect(activity[0]).toMatchObject({ visibility: "internal", data: { trigger: "stage", granted: [delivery.id] } });
  });

  it("closing as won hands off; a later entry into Delivering is a hand-off of its own", async () => {
    const { owner, room, delivery } = await castWithDelivery();
    const p = await page(owner, room.id, "shared", "Scope.");
    const won = await api(owner, `/rooms/${room.id}/close`, { outcome: "won" });
    expect(won.status, JSON.stringify(won.body)).toBe(200);
    const first = await latestHandoff(server.sql, room.id);
    expect(first).toMatchObject({ trigger: "won" });
    expect(first!.pages).toHaveLength(1);
    expect((await api(delivery, `/pages/${p}`)).status).toBe(200);

    expect((await api(owner, `/rooms/${room.id}/stage`, { stage: "Delivering" })).status).toBe(200);
    const second = await latestHandoff(server.sql, room.id);
    expect(second).toMatchObject({ trigger: "stage" });
    expect(second!.id).not.toBe(first!.id);
    expect(second!.pages[0]!.versionNumber).toBeGreaterThan(first!.pages[0]!.versionNumber);
    expect((await handoffVersions(room.id)).length).toBe(2);
    // Losing hands nothing off.
    const other = await createRoom(server, owner);
    await api(owner, `/rooms/${other.id}/close`, { outcome: "lost", reason: "No budget" });
    expect(await latestHandoff(server.sql, other.id)).toBeNull();
  });

  it("follows the handoff flag: a stage an admin marks hands off, one unmarked does not", async () => {
    const { owner, room, organization } = await roomWithCast(server);
    const stages = (await api(owner, `/organizations/${organization.id}/stages`)).body.items as { id: string; name: string }[];
    const id = (name: string) => stages.find((s) => s.name === name)!.id;
    await api(owner, `/organizations/${organization.id}/stages/${id("Delivering")}`, { handoff: false }, "PATCH");
    await api(owner, `/organizations/${organization.id}/stages/${id("Pricing")}`, { handoff: true }, "PATCH");
    await api(owner, `/rooms/${room.id}/stage`, { stage: "Delivering" });
    expect(await latestHandoff(server.sql, room.id)).toBeNull();
    await api(owner, `/rooms/${room.id}/stage`, { stage: "Pricing" });
    expect(await latestHandoff(server.sql, room.id)).toMatchObject({ trigger: "stage" });
  });
});

describe("telling the delivery team", () => {
  it("a delivery member finds the hand-off in their notifications and their mail; externals and other internals get nothing", async () => {
    const { owner, room, delivery, externalEditor, externalViewer, internalViewer } = await castWithDelivery();
    const handedOff = (who: TestUser) => api(who, "/notifications").then((res) => {
      expect(res.status).toBe(200);
      return (res.body.items as any[]).filter((n) => n.type === "room.handed_off");
    });
    const mailsTo = (email: string) => server.sql<{ subject: string; text: string }[]>`
      select subject, text from mail_outbox where "to" = ${email} and subject like '%handed to delivery%'`;
    expect(await handedOff(delivery)).toEqual([]);

    const moved = await api(owner, `/rooms/${room.id}/stage`, { stage: "Delivering" });
    expect(moved.status, JSON.stringify(moved.body)).toBe(200);

    const mine = await handedOff(delivery);
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({
      kind: "content", roomId: room.id, objectType: "room", objectId: room.id, title: room.name,
      actor: { id: owner.id, name: owner.name }, url: `/rooms/${room.id}/handoff`, readAt: null,
    });
    const badge = await api(delivery, "/notifications?unread=true");
    expect(badge.body.unreadCount).toBeGreaterThanOrEqual(1);
    const mails = await mailsTo(delivery.email);
    expect(mails).toHaveLength(1);
    expect(mails[0]!.subject).toContain(room.name);
    expect(mails[0]!.text).toContain(`/rooms/${room.id}/handoff`);

    for (const other of [externalEditor, externalViewer, internalViewer, owner]) {
      expect(await handedOff(other)).toEqual([]);
      expect(await mailsTo(other.email)).toEqual([]);
    }
    // Moving on and back is a new hand-off and a new notice; the old one stays one.
    expect((await api(owner, `/rooms/${room.id}/stage`, { stage: "Negotiating" })).status).toBe(200);
    expect((await api(owner, `/rooms/${room.id}/stage`, { stage: "Delivering" })).status).toBe(200);
    expect(await handedOff(delivery)).toHaveLength(2);
  });
});

describe("the delivery team", () => {
  it("admins list, add and remove; a newcomer joins rooms already handed off; removal keeps participations", async () => {
    const { owner, room, organization, otherRoom } = await castWithDelivery();
    await api(owner, `/rooms/${room.id}/close`, { outcome: "won" });
    const late = await addParticipant(server, owner, otherRoom.id, "internal", "viewer");
    expect((await api(late, `/rooms/${room.id}`)).status).toBe(404);

    expect((await api(owner, `/organizations/${organization.id}/delivery-team/${late.id}`, undefined, "PUT")).status).toBe(200);
    // Twice is the same as once.
    expect((await api(owner, `/organizations/${organization.id}/delivery-team/${late.id}`, undefined, "PUT")).status).toBe(200);
    const joined = await api(late, `/rooms/${room.id}`);
    expect(joined.status).toBe(200);
    expect(joined.body.myParticipation).toEqual({ side: "internal", role: "viewer" });
    // Not in rooms never handed off.
    const fresh = await createRoom(server, owner);
    expect((await api(late, `/rooms/${fresh.id}`)).status).toBe(404);

    const list = await api(owner, `/organizations/${organization.id}/delivery-team`);
    expect(list.body.items.map((m: any) => m.userId)).toContain(late.id);
    expect((await api(owner, `/organizations/${organization.id}/delivery-team/${late.id}`, undefined, "DELETE")).status).toBe(204);
    expect((await api(owner, `/organizations/${organization.id}/delivery-team`)).body.items.map((m: any) => m.userId)).not.toContain(late.id);
    expect((await api(late, `/rooms/${room.id}`)).status).toBe(200);
  });

  it("is for organization admins: members get 403, externals and outsiders 404, non-members cannot be added", async () => {
    const { owner, organization, internalEditor, externalEditor, outsider } = await roomWithCast(server);
    const path = `/organizations/${organization.id}/delivery-team`;
    expect((await api(internalEditor, path)).status).toBe(403);
    expect((await api(internalEditor, `${path}/${internalEditor.id}`, undefined, "PUT")).status).toBe(403);
    expect((await api(externalEditor, path)).status).toBe(404);
    expect((await api(outsider, `${path}/${outsider.id}`, undefined, "PUT")).status).toBe(404);
    expect((await api(owner, `${path}/${externalEditor.id}`, undefined, "PUT")).status).toBe(404);
    expect((await api(owner, `${path}/not-an-id`, undefined, "DELETE")).status).toBe(404);
  });
});
