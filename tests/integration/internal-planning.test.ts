// The seller's internal deal planning over the real API and socket.io: the stakeholder map and
// the qualification checklist do not exist for the buyer's side, internal viewers read but do
// not write, inputs are bounded, live events reach internal sockets only; and the deal-strategy
// page template.
import type { Socket } from "socket.io-client";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { addParticipant, roomWithCast, type TestUser } from "../support/factories.ts";
import { relaxPerIpLimits } from "../support/matrix-fixtures.ts";
import { FrameLog, recordedSocket } from "../support/recording.ts";
import { startTestServer, type TestServer } from "../support/server.ts";

let server: TestServer;
let cast: Awaited<ReturnType<typeof roomWithCast>>;
let roomId: string;
let admin: TestUser;
const sockets: Socket[] = [];

beforeAll(async () => {
  server = await startTestServer();
  relaxPerIpLimits(server);
  cast = await roomWithCast(server);
  roomId = cast.room.id;
  // An admin of the organization who is not in the room reads like an internal viewer.
  admin = await addParticipant(server, cast.owner, cast.otherRoom.id, "internal", "viewer");
  await server.sql`update memberships set role = 'admin' where organization_id = ${cast.organization.id} and user_id = ${admin.id}`;
});
afterEach(() => {
  for (const s of sockets.splice(0)) s.disconnect();
});
afterAll(async () => {
  await server.close();
});

const api = (user: TestUser, path: string, body?: unknown, method?: string) =>
  server.api(`/api/v1${path}`, { token: user.token, body, method: method ?? (body === undefined ? "GET" : "POST") });

async function stakeholder(body: Record<string, unknown>, user = cast.owner) {
  const res = await api(user, `/rooms/${roomId}/stakeholders`, body);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
}

describe("the stakeholder map", () => {
  it("exists only for the seller's side: 404 for externals and outsiders, 403 for internal viewers writing", async () => {
    const cfo = await stakeholder({ name: "Priya Raman SECRET-CFO", title: "CFO", decisionRole: "economic_buyer", influence: "high", stance: "skeptic", notes: "Wants payback < 12 months" });
    expect(cfo).toMatchObject({ name: "Priya Raman SECRET-CFO", decisionRole: "economic_buyer", influence: "high", stance: "skeptic", user: null });

    for (const reader of [cast.owner, cast.internalEditor, cast.internalViewer, admin]) {
      const list = await api(reader, `/rooms/${roomId}/stakeholders`);
      expect(list.status).toBe(200);
      expect(list.body.items.map((s: any) => s.id)).toContain(cfo.id);
    }
    expect((await api(cast.internalViewer, `/rooms/${roomId}/stakeholders`)).body.abilities).toEqual({ edit: false });
    expect((await api(cast.internalEditor, `/rooms/${roomId}/stakeholders`)).body.abilities).toEqual({ edit: true });

    for (const nobody of [cast.externalEditor, cast.externalViewer, cast.orgMember, cast.outsider]) {
      const answers = [
        await api(nobody, `/rooms/${roomId}/stakeholders`),
        await api(nobody, `/rooms/${roomId}/stakeholders`, { name: "Mallory" }),
        await api(nobody, `/stakeholders/${cfo.id}`, { stance: "supporter" }, "PATCH"),
        await api(nobody, `/stakeholders/${cfo.id}`, undefined, "DELETE"),
      ];
      expect(answers.map((a) => a.status)).toEqual([404, 404, 404, 404]);
      for (const a of answers) {
        expect(a.body.error.code).toBe("not_found");
        expect(JSON.stringify(a.body)).not.toContain("SECRET");
      }
    }
    for (const viewer of [cast.internalViewer, admin]) {
      expect((await api(viewer, `/rooms/${roomId}/stakeholders`, { name: "Someone" })).status).toBe(403);
      expect((await api(viewer, `/stakeholders/${cfo.id}`, { stance: "supporter" }, "PATCH")).status).toBe(403);
      expect((await api(viewer, `/stakeholders/${cfo.id}`, undefined, "DELETE")).status).toBe(403);
    }
    const unchanged = (await api(cast.owner, `/rooms/${roomId}/stakeholders`)).body.items.find((s: any) => s.id === cfo.id);
    expect(unchanged.stance).toBe("skeptic");
  });

  it("is edited by internal editors, grouped by decision role, and links only to guests of the room", async () => {
    const champion = await stakeholder({ name: "Jordan", decisionRole: "champion", stance: "supporter", userId: cast.externalEditor.id }, cast.internalEditor);
    expect(champion.user).toEqual({ id: cast.externalEditor.id, name: cast.externalEditor.name });
    const eb = await stakeholder({ name: "Eve Buyer", decisionRole: "economic_buyer" });
    const list = (await api(cast.owner, `/rooms/${roomId}/stakeholders`)).body.items;
    const roles = list.map((s: any) => s.decisionRole);
    expect(roles.indexOf("economic_buyer")).toBeLessThan(roles.indexOf("champion"));
    expect(list.findIndex((s: any) => s.id === eb.id)).toBeLessThan(list.findIndex((s: any) => s.id === champion.id));

    const edited = await api(cast.internalEditor, `/stakeholders/${champion.id}`, { stance: "neutral", notes: "Cooling off", userId: null }, "PATCH");
    expect(edited.status).toBe(200);
    expect(edited.body).toMatchObject({ stance: "neutral", notes: "Cooling off", user: null });

    for (const userId of [cast.internalViewer.id, cast.orgMember.id, "00000000-0000-4000-8000-000000000000"]) {
      const res = await api(cast.owner, `/rooms/${roomId}/stakeholders`, { name: "Linked", userId });
      expect(res.status).toBe(400);
      expect(res.body.error.fields).toHaveProperty("userId");
    }
    expect((await api(cast.internalEditor, `/stakeholders/${eb.id}`, undefined, "DELETE")).status).toBe(204);
    expect((await api(cast.internalEditor, `/stakeholders/${eb.id}`, undefined, "DELETE")).status).toBe(404);
    expect((await api(cast.internalEditor, `/stakeholders/not-an-id`, { name: "x" }, "PATCH")).status).toBe(404);
  });

  it("refuses bad input with 400 naming the fields", async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ name: "" }, "name"],
      [{}, "name"],
      [{ name: "x".repeat(201) }, "name"],
      [{ name: "ok", title: "t".repeat(201) }, "title"],
      [{ name: "ok", decisionRole: "king" }, "decisionRole"],
      [{ name: "ok", influence: "huge" }, "influence"],
      [{ name: "ok", stance: "hostile" }, "stance"],
      [{ name: "ok", notes: "n".repeat(5001) }, "notes"],
      [{ name: "ok", userId: "jordan" }, "userId"],
    ];
    for (const [body, field] of cases) {
      const res = await api(cast.owner, `/rooms/${roomId}/stakeholders`, body);
      expect([field, res.status]).toEqual([field, 400]);
      expect(Object.keys(res.body.error.fields)).toContain(field);
    }
  });
});

describe("the qualification checklist", () => {
  it("lists seven items, counts the qualified ones, and keeps the required-by date on its own item", async () => {
    const before = await api(cast.internalViewer, `/rooms/${roomId}/qualification`);
    expect(before.status).toBe(200);
    expect(before.body.items.map((i: any) => i.item)).toEqual([
      "identified_project", "budget", "compelling_event", "decision_process", "influencers_known", "competition", "required_by",
    ]);
    expect(before.body).toMatchObject({ qualified: 0, total: 7, abilities: { edit: false } });
    expect(before.body.items.every((i: any) => i.status === "unknown")).toBe(true);

    expect((await api(cast.owner, `/rooms/${roomId}/qualification/budget`, { status: "yes", note: "SECRET-BUDGET 180k approved" }, "PUT")).status).toBe(200);
    expect((await api(cast.internalEditor, `/rooms/${roomId}/qualification/competition`, { status: "no" }, "PUT")).status).toBe(200);
    const date = await api(cast.owner, `/rooms/${roomId}/qualification/required_by`, { status: "yes", requiredBy: "2031-06-30" }, "PUT");
    expect(date.status).toBe(200);
    expect(date.body).toMatchObject({ item: "required_by", status: "yes", requiredBy: "2031-06-30", updatedBy: { id: cast.owner.id } });
    // A later answer without note or date keeps them.
    const kept = await api(cast.owner, `/rooms/${roomId}/qualification/budget`, { status: "yes" }, "PUT");
    expect(kept.body.note).toBe("SECRET-BUDGET 180k approved");

    const after = (await api(admin, `/rooms/${roomId}/qualification`)).body;
    expect(after.qualified).toBe(2);
    expect(after.items.find((i: any) => i.item === "competition").status).toBe("no");

    const cases: [string, Record<string, unknown>, string][] = [
      ["budget", { status: "maybe" }, "status"],
      ["budget", {}, "status"],
      ["budget", { status: "yes", note: "n".repeat(2001) }, "note"],
      ["budget", { status: "yes", requiredBy: "2031-06-30" }, "requiredBy"],
      ["required_by", { status: "yes", requiredBy: "June" }, "requiredBy"],
    ];
    for (const [item, body, field] of cases) {
      const res = await api(cast.owner, `/rooms/${roomId}/qualification/${item}`, body, "PUT");
      expect([item, field, res.status]).toEqual([item, field, 400]);
      expect(Object.keys(res.body.error.fields)).toContain(field);
    }
    expect((await api(cast.owner, `/rooms/${roomId}/qualification/bank_balance`, { status: "yes" }, "PUT")).status).toBe(404);
  });

  it("is 404 for externals and outsiders, 403 for internal viewers writing", async () => {
    for (const nobody of [cast.externalEditor, cast.externalViewer, cast.orgMember, cast.outsider]) {
      const read = await api(nobody, `/rooms/${roomId}/qualification`);
      const write = await api(nobody, `/rooms/${roomId}/qualification/budget`, { status: "no" }, "PUT");
      expect([read.status, write.status]).toEqual([404, 404]);
      expect(JSON.stringify(read.body) + JSON.stringify(write.body)).not.toContain("SECRET");
    }
    for (const viewer of [cast.internalViewer, admin]) {
      expect((await api(viewer, `/rooms/${roomId}/qualification/budget`, { status: "no" }, "PUT")).status).toBe(403);
    }
    expect((await api(cast.owner, `/rooms/${roomId}/qualification`)).body.items.find((i: any) => i.item === "budget").status).toBe("yes");
  });
});

describe("live events of internal planning", () => {
  it("reach internal sockets only: an external socket receives nothing about stakeholders or qualification", async () => {
    const join = async (user: TestUser) => {
      const log = new FrameLog();
      const { socket, events } = recordedSocket(server.url, user.token, log);
      sockets.push(socket);
      await new Promise<void>((resolve, reject) => {
        socket.once("connect", () => resolve());
        socket.once("connect_error", reject);
      });
      expect(await socket.timeout(5000).emitWithAck("room:join", { roomId })).toEqual({ ok: true });
      return { log, events };
    };
    const buyer = await join(cast.externalEditor);
    const seller = await join(cast.internalViewer);

    const s = await stakeholder({ name: "LIVE-SECRET Dana", decisionRole: "blocker", stance: "opponent" });
    await api(cast.owner, `/stakeholders/${s.id}`, { notes: "LIVE-SECRET notes" }, "PATCH");
    await api(cast.owner, `/rooms/${roomId}/qualification/decision_process`, { status: "yes", note: "LIVE-SECRET process" }, "PUT");
    await api(cast.owner, `/stakeholders/${s.id}`, undefined, "DELETE");
    // A shared barrier both sockets must receive, after which nothing is in flight.
    const barrier = await api(cast.owner, `/rooms/${roomId}/plan`, { title: "BARRIER" });
    expect(barrier.status).toBe(201);
    for (const who of [buyer, seller]) {
      for (let i = 0; i < 100 && !who.events.some((e) => e.name === "plan.step_added"); i++) await new Promise((r) => setTimeout(r, 50));
    }

    expect(seller.events.map((e) => e.name)).toEqual(["stakeholder.added", "stakeholder.updated", "qualification.updated", "stakeholder.removed", "plan.step_added"]);
    expect(buyer.events.map((e) => e.name)).toEqual(["plan.step_added"]);
    for (const secret of ["LIVE-SECRET", s.id, "stakeholder", "qualification"]) expect(buyer.log.containing(secret), `leaked ${secret}`).toEqual([]);
    // The activity feed agrees.
    const feed = await api(cast.externalEditor, `/rooms/${roomId}/activity`);
    expect(feed.body.items.some((a: any) => a.type.startsWith("stakeholder") || a.type.startsWith("qualification"))).toBe(false);
    const ownFeed = await api(cast.internalViewer, `/rooms/${roomId}/activity`);
    expect(ownFeed.body.items.some((a: any) => a.type === "stakeholder.added")).toBe(true);
  });
});

describe("the deal-strategy page template", () => {
  it("makes an internal page with the three headings, whatever visibility is asked, unless markdown is given", async () => {
    const res = await api(cast.internalEditor, `/rooms/${roomId}/pages`, { template: "deal-strategy", visibility: "shared" });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toMatchObject({ title: "Deal strategy", visibility: "internal" });
    const page = await api(cast.internalEditor, `/pages/${res.body.id}`);
    for (const heading of ["Factors in our favour", "Factors against", "Strategy"]) expect(page.body.markdown).toContain(`## ${heading}`);
    expect((await api(cast.externalEditor, `/pages/${res.body.id}`)).status).toBe(404);

    const own = await api(cast.owner, `/rooms/${roomId}/pages`, { template: "deal-strategy", title: "Strategy v2", markdown: "# Our own words" });
    expect(own.status).toBe(201);
    expect(own.body).toMatchObject({ title: "Strategy v2", visibility: "internal" });
    expect((await api(cast.owner, `/pages/${own.body.id}`)).body.markdown).toContain("Our own words");
  });

  it("is refused to external participants like any internal page, and an unknown template is a 400", async () => {
    const external = await api(cast.externalEditor, `/rooms/${roomId}/pages`, { template: "deal-strategy" });
    expect(external.status).toBe(403);
    expect((await api(cast.internalViewer, `/rooms/${roomId}/pages`, { template: "deal-strategy" })).status).toBe(403);
    const unknown = await api(cast.owner, `/rooms/${roomId}/pages`, { template: "battle-card", title: "x", visibility: "internal" });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.fields).toHaveProperty("template");
  });
});
