// The mutual action plan over the real API and socket.io: what each side sees, who may change
// what, input bounds, reordering around hidden steps, and live events scoped like threads'.
import type { Socket } from "socket.io-client";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { addParticipant, createRoom, roomWithCast, type TestUser } from "../support/factories.ts";
import { relaxPerIpLimits } from "../support/matrix-fixtures.ts";
import { FrameLog, recordedSocket } from "../support/recording.ts";
import { startTestServer, type TestServer } from "../support/server.ts";

let server: TestServer;
let cast: Awaited<ReturnType<typeof roomWithCast>>;
let exCom: TestUser;
const sockets: Socket[] = [];

beforeAll(async () => {
  server = await startTestServer();
  // Every test joins the cast to a room of its own: many invitation acceptances from 127.0.0.1.
  relaxPerIpLimits(server);
  cast = await roomWithCast(server);
  exCom = await addParticipant(server, cast.owner, cast.room.id, "external", "commenter");
});
afterEach(() => {
  for (const s of sockets.splice(0)) s.disconnect();
});
afterAll(async () => {
  await server.close();
});

const api = (user: TestUser, path: string, body?: unknown, method?: string) =>
  server.api(`/api/v1${path}`, { token: user.token, body, method: method ?? (body === undefined ? "GET" : "POST") });

/** A room of its own per test, with the same cast in it, so plans never mix. */
async function freshRoom() {
  const room = await createRoom(server, cast.owner, { expectedCloseDate: "2031-03-31" });
  const join = async (user: TestUser, side: "internal" | "external", role: "editor" | "commenter" | "viewer") => {
    const invite = await api(cast.owner, `/rooms/${room.id}/invitations`, { email: user.email, side, role });
    expect(invite.status).toBe(201);
    expect((await api(user, `/invitations/${invite.body.token}/accept`, {})).status).toBe(200);
  };
  await join(cast.internalEditor, "internal", "editor");
  await join(cast.internalViewer, "internal", "viewer");
  await join(cast.externalEditor, "external", "editor");
  await join(cast.externalViewer, "external", "viewer");
  await join(exCom, "external", "commenter");
  return room.id;
}

async function step(user: TestUser, roomId: string, body: Record<string, unknown>) {
  const res = await api(user, `/rooms/${roomId}/plan`, body);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
}

describe("the plan as each side sees it", () => {
  it("hides internal steps from external participants, and the projected close ignores them", async () => {
    const roomId = await freshRoom();
    const shared = await step(cast.owner, roomId, { title: "Security review", dueDate: "2031-02-01", ownerId: cast.externalEditor.id });
    const internal = await step(cast.internalEditor, roomId, { title: "Get discount approval INTERNAL-STEP", dueDate: "2031-06-30", visibility: "internal" });
    const late = await step(cast.externalEditor, roomId, { title: "Sign order form", dueDate: "2031-03-15" });

    const seller = await api(cast.internalViewer, `/rooms/${roomId}/plan`);
    expect(seller.status).toBe(200);
    expect(seller.body.items.map((s: any) => s.id)).toEqual([shared.id, internal.id, late.id]);
    expect(seller.body.projectedCloseDate).toBe("2031-06-30");
    expect(seller.body.expectedCloseDate).toBe("2031-03-31");
    expect(seller.body.items[0].owner).toEqual({ id: cast.externalEditor.id, name: cast.externalEditor.name, side: "external" });

    for (const buyer of [cast.externalEditor, cast.externalViewer, exCom]) {
      const plan = await api(buyer, `/rooms/${roomId}/plan`);
      expect(plan.status).toBe(200);
      expect(plan.body.items.map((s: any) => s.id)).toEqual([shared.id, late.id]);
      expect(plan.body.projectedCloseDate).toBe("2031-03-15");
      expect(JSON.stringify(plan.body)).not.toContain("INTERNAL-STEP");
      expect(JSON.stringify(plan.body)).not.toContain(internal.id);
    }
    // Outsiders see no plan at all.
    expect((await api(cast.orgMember, `/rooms/${roomId}/plan`)).status).toBe(404);
    expect((await api(cast.outsider, `/rooms/${roomId}/plan`)).status).toBe(404);
  });

  it("flags open and blocked steps due before today as overdue, never done ones", async () => {
    const roomId = await freshRoom();
    const open = await step(cast.owner, roomId, { title: "Pilot kickoff", dueDate: "2020-01-10" });
    const blocked = await step(cast.owner, roomId, { title: "Legal review", dueDate: "2020-01-11", status: "blocked" });
    const done = await step(cast.owner, roomId, { title: "Discovery call", dueDate: "2020-01-12", status: "done" });
    const future = await step(cast.owner, roomId, { title: "Go live", dueDate: "2099-01-01" });
    const undated = await step(cast.owner, roomId, { title: "Reference call" });
    const plan = (await api(cast.externalViewer, `/rooms/${roomId}/plan`)).body;
    const overdue = Object.fromEntries(plan.items.map((s: any) => [s.id, s.overdue]));
    expect(overdue).toEqual({ [open.id]: true, [blocked.id]: true, [done.id]: false, [future.id]: false, [undated.id]: false });
    expect(plan.items.find((s: any) => s.id === done.id).completedAt).toEqual(expect.any(String));
  });
});

describe("who may change what", () => {
  it("answers 404 to external participants for internal steps, whatever they ask", async () => {
    const roomId = await freshRoom();
    const internal = await step(cast.owner, roomId, { title: "Margin floor", visibility: "internal" });
    for (const buyer of [cast.externalEditor, exCom, cast.externalViewer]) {
      const patch = await api(buyer, `/plan-steps/${internal.id}`, { status: "done" }, "PATCH");
      expect(patch.status).toBe(404);
      expect(patch.body.error.code).toBe("not_found");
      expect(JSON.stringify(patch.body)).not.toContain("Margin floor");
      expect((await api(buyer, `/plan-steps/${internal.id}`, { title: "x" }, "PATCH")).status).toBe(404);
      expect((await api(buyer, `/plan-steps/${internal.id}`, undefined, "DELETE")).status).toBe(404);
    }
    // Same answer as a step that does not exist.
    const missing = await api(cast.externalEditor, `/plan-steps/00000000-0000-4000-8000-000000000000`, { status: "done" }, "PATCH");
    expect(missing.status).toBe(404);
    expect(missing.body.error.message).toBe((await api(cast.externalEditor, `/plan-steps/${internal.id}`, { status: "done" }, "PATCH")).body.error.message);
    // Still there, unchanged.
    const plan = (await api(cast.owner, `/rooms/${roomId}/plan`)).body;
    expect(plan.items.find((s: any) => s.id === internal.id)).toMatchObject({ title: "Margin floor", status: "open" });
  });

  it("lets external editors work shared steps but never create internal ones or change visibility", async () => {
    const roomId = await freshRoom();
    const internalAsk = await api(cast.externalEditor, `/rooms/${roomId}/plan`, { title: "Sneaky", visibility: "internal" });
    expect(internalAsk.status).toBe(403);
    const shared = await step(cast.externalEditor, roomId, { title: "Provide SSO metadata" });
    expect(shared.visibility).toBe("shared");
    const edited = await api(cast.externalEditor, `/plan-steps/${shared.id}`, { title: "Provide SSO metadata XML", dueDate: "2031-01-05", notes: "From Azure AD" }, "PATCH");
    expect(edited.status).toBe(200);
    expect(edited.body).toMatchObject({ title: "Provide SSO metadata XML", dueDate: "2031-01-05", notes: "From Azure AD" });
    expect((await api(cast.externalEditor, `/plan-steps/${shared.id}`, { visibility: "internal" }, "PATCH")).status).toBe(403);
    // Internal viewers read but do not write; external viewers likewise.
    expect((await api(cast.internalViewer, `/rooms/${roomId}/plan`, { title: "x" })).status).toBe(403);
    expect((await api(cast.internalViewer, `/plan-steps/${shared.id}`, { status: "done" }, "PATCH")).status).toBe(403);
    expect((await api(cast.externalViewer, `/plan-steps/${shared.id}`, { status: "done" }, "PATCH")).status).toBe(403);
    // An internal editor makes it internal: gone for the buyer.
    expect((await api(cast.internalEditor, `/plan-steps/${shared.id}`, { visibility: "internal" }, "PATCH")).status).toBe(200);
    expect((await api(cast.externalEditor, `/plan-steps/${shared.id}`, { title: "again" }, "PATCH")).status).toBe(404);
    expect((await api(cast.externalEditor, `/rooms/${roomId}/plan`)).body.items).toEqual([]);
    // Removal
    const doomed = await step(cast.externalEditor, roomId, { title: "Remove me" });
    expect((await api(cast.externalViewer, `/plan-steps/${doomed.id}`, undefined, "DELETE")).status).toBe(403);
    expect((await api(cast.externalEditor, `/plan-steps/${doomed.id}`, undefined, "DELETE")).status).toBe(204);
    expect((await api(cast.externalEditor, `/plan-steps/${doomed.id}`, undefined, "DELETE")).status).toBe(404);
  });

  it("lets a commenter change the status of a step assigned to them, and nothing else", async () => {
    const roomId = await freshRoom();
    const mine = await step(cast.owner, roomId, { title: "Send the signed NDA", ownerId: exCom.id });
    const theirs = await step(cast.owner, roomId, { title: "Book the workshop", ownerId: cast.externalEditor.id });
    expect(mine.abilities["item.setStatus"]).toBe(true);
    const asCommenter = (await api(exCom, `/rooms/${roomId}/plan`)).body.items;
    expect(asCommenter.find((s: any) => s.id === mine.id).abilities).toMatchObject({ "item.setStatus": true, "item.edit": false });
    expect(asCommenter.find((s: any) => s.id === theirs.id).abilities).toMatchObject({ "item.setStatus": false, "item.edit": false });

    const done = await api(exCom, `/plan-steps/${mine.id}`, { status: "done" }, "PATCH");
    expect(done.status).toBe(200);
    expect(done.body.status).toBe("done");
    expect((await api(exCom, `/plan-steps/${mine.id}`, { status: "open", title: "Renamed" }, "PATCH")).status).toBe(403);
    expect((await api(exCom, `/plan-steps/${theirs.id}`, { status: "done" }, "PATCH")).status).toBe(403);
    expect((await api(exCom, `/rooms/${roomId}/plan`, { title: "New" })).status).toBe(403);
    const activity = await server.sql<{ type: string; visibility: string }[]>`
      select type, visibility from activities where object_id = ${mine.id} order by id`;
    expect(activity).toEqual([{ type: "plan.step_added", visibility: "shared" }, { type: "plan.step_done", visibility: "shared" }]);
  });

  it("takes owners only from the room's participants, and internal steps only from the seller's team", async () => {
    const roomId = await freshRoom();
    const stranger = await api(cast.owner, `/rooms/${roomId}/plan`, { title: "x", ownerId: cast.orgMember.id });
    expect(stranger.status).toBe(400);
    expect(stranger.body.error.fields).toHaveProperty("ownerId");
    const nobody = await api(cast.owner, `/rooms/${roomId}/plan`, { title: "x", ownerId: "00000000-0000-4000-8000-000000000000" });
    expect(nobody.status).toBe(400);
    expect(nobody.body.error.fields).toHaveProperty("ownerId");
    const notId = await api(cast.owner, `/rooms/${roomId}/plan`, { title: "x", ownerId: "jordan" });
    expect(notId.status).toBe(400);
    expect(notId.body.error.fields).toHaveProperty("ownerId");
    const guestOnInternal = await api(cast.owner, `/rooms/${roomId}/plan`, { title: "x", ownerId: cast.externalEditor.id, visibility: "internal" });
    expect(guestOnInternal.status).toBe(400);
    expect(guestOnInternal.body.error.fields).toHaveProperty("ownerId");
    const s = await step(cast.owner, roomId, { title: "Owned", ownerId: cast.externalEditor.id });
    const hide = await api(cast.owner, `/plan-steps/${s.id}`, { visibility: "internal" }, "PATCH");
    expect(hide.status).toBe(400);
    expect(hide.body.error.fields).toHaveProperty("ownerId");
    const reassign = await api(cast.owner, `/plan-steps/${s.id}`, { ownerId: cast.internalViewer.id }, "PATCH");
    expect(reassign.status).toBe(200);
    expect(reassign.body.owner).toMatchObject({ id: cast.internalViewer.id, side: "internal" });
    const unassign = await api(cast.owner, `/plan-steps/${s.id}`, { ownerId: null }, "PATCH");
    expect(unassign.body.owner).toBeNull();
  });

  it("refuses bad input with 400 naming the fields, and bounds every size", async () => {
    const roomId = await freshRoom();
    const cases: [Record<string, unknown>, string][] = [
      [{ title: "" }, "title"],
      [{ title: "   " }, "title"],
      [{ title: "x".repeat(301) }, "title"],
      [{}, "title"],
      [{ title: "ok", status: "finished" }, "status"],
      [{ title: "ok", dueDate: "2031-02-30" }, "dueDate"],
      [{ title: "ok", dueDate: "next week" }, "dueDate"],
      [{ title: "ok", notes: "n".repeat(5001) }, "notes"],
      [{ title: "ok", visibility: "public" }, "visibility"],
      [{ title: "ok", colour: "red" }, "body"],
    ];
    for (const [body, field] of cases) {
      const res = await api(cast.owner, `/rooms/${roomId}/plan`, body);
      expect([JSON.stringify(body).slice(0, 60), res.status]).toEqual([JSON.stringify(body).slice(0, 60), 400]);
      expect(res.body.error.code).toBe("invalid_input");
      expect(Object.keys(res.body.error.fields)).toContain(field);
    }
    expect((await step(cast.owner, roomId, { title: "x".repeat(300), notes: "n".repeat(5000) })).title).toHaveLength(300);
    const s = await step(cast.owner, roomId, { title: "Fine" });
    const bad = await api(cast.owner, `/plan-steps/${s.id}`, { status: "finished", dueDate: "31/01/2031" }, "PATCH");
    expect(bad.status).toBe(400);
    expect(Object.keys(bad.body.error.fields).sort()).toEqual(["dueDate", "status"]);
    expect((await api(cast.owner, `/plan-steps/not-an-id`, { status: "done" }, "PATCH")).status).toBe(404);
    expect((await api(cast.owner, `/rooms/${roomId}/plan`)).body.items).toHaveLength(2);
  });
});

describe("reordering", () => {
  it("puts the steps in the order given, and an external reorder leaves internal steps in their places", async () => {
    const roomId = await freshRoom();
    const a = await step(cast.owner, roomId, { title: "A" });
    const secret = await step(cast.owner, roomId, { title: "S", visibility: "internal" });
    const b = await step(cast.owner, roomId, { title: "B" });
    const c = await step(cast.owner, roomId, { title: "C" });

    const reordered = await api(cast.externalEditor, `/rooms/${roomId}/plan/order`, { stepIds: [c.id, a.id, b.id] });
    expect(reordered.status).toBe(200);
    expect(reordered.body.items.map((s: any) => s.title)).toEqual(["C", "A", "B"]);
    const seller = (await api(cast.owner, `/rooms/${roomId}/plan`)).body.items.map((s: any) => s.title);
    expect(seller).toEqual(["C", "S", "A", "B"]);

    const inside = await api(cast.internalEditor, `/rooms/${roomId}/plan/order`, { stepIds: [secret.id, a.id, b.id, c.id] });
    expect(inside.body.items.map((s: any) => s.title)).toEqual(["S", "A", "B", "C"]);

    // Every visible step exactly once; an internal step's id from outside is just not a step of the plan.
    for (const stepIds of [[a.id, b.id], [a.id, b.id, c.id, c.id], [a.id, b.id, c.id, secret.id], ["nope"]]) {
      const res = await api(cast.externalEditor, `/rooms/${roomId}/plan/order`, { stepIds });
      expect(res.status).toBe(400);
      expect(res.body.error.fields).toHaveProperty(stepIds[0] === "nope" ? "stepIds.0" : "stepIds");
    }
    expect((await api(cast.externalViewer, `/rooms/${roomId}/plan/order`, { stepIds: [a.id, b.id, c.id] })).status).toBe(403);
    expect((await api(cast.owner, `/rooms/${roomId}/plan`)).body.items.map((s: any) => s.title)).toEqual(["S", "A", "B", "C"]);
  });
});

describe("live plan events", () => {
  async function joinedRecorder(user: TestUser, roomId: string) {
    const log = new FrameLog();
    const { socket, events } = recordedSocket(server.url, user.token, log);
    sockets.push(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once("connect", () => resolve());
      socket.once("connect_error", reject);
    });
    expect(await socket.timeout(5000).emitWithAck("room:join", { roomId })).toEqual({ ok: true });
    const waitFor = async (name: string, predicate: (p: any) => boolean) => {
      for (let i = 0; i < 100; i++) {
        const hit = events.find((e) => e.name === name && predicate(e.payload));
        if (hit) return hit.payload as any;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`no ${name}; got ${events.map((e) => e.name).join(", ")}`);
    };
    return { log, events, waitFor };
  }

  it("never sends an external socket anything about internal steps; internal sockets get everything", async () => {
    const roomId = await freshRoom();
    const buyer = await joinedRecorder(cast.externalEditor, roomId);
    const seller = await joinedRecorder(cast.internalViewer, roomId);

    const internal = await step(cast.owner, roomId, { title: "SECRET-STEP walk-away price", notes: "SECRET-NOTES", visibility: "internal", dueDate: "2040-12-31" });
    await api(cast.owner, `/plan-steps/${internal.id}`, { title: "SECRET-STEP renamed", status: "blocked" }, "PATCH");
    const shared = await step(cast.owner, roomId, { title: "Shared kickoff", ownerId: cast.externalEditor.id });
    await api(cast.owner, `/rooms/${roomId}/plan/order`, { stepIds: [shared.id, internal.id] });
    const hidden = await step(cast.owner, roomId, { title: "Soon-hidden step" });
    await api(cast.owner, `/plan-steps/${hidden.id}`, { visibility: "internal" }, "PATCH");
    await api(cast.owner, `/plan-steps/${hidden.id}`, { title: "SECRET-AFTER-HIDING" }, "PATCH");
    await api(cast.owner, `/plan-steps/${internal.id}`, undefined, "DELETE");
    const sentinel = await step(cast.owner, roomId, { title: "END-OF-SESSION" });

    // The internal reader saw the internal work (so the recorder could have).
    await seller.waitFor("plan.step_added", (p) => p.step.id === sentinel.id);
    expect(seller.events.some((e) => e.name === "plan.step_added" && (e.payload as any).step.id === internal.id)).toBe(true);
    expect(seller.events.some((e) => e.name === "plan.step_removed" && (e.payload as any).stepId === internal.id)).toBe(true);
    expect(seller.events.filter((e) => e.name === "plan.reordered").map((e) => (e.payload as any).stepIds)).toEqual([[shared.id, internal.id]]);

    await buyer.waitFor("plan.step_added", (p) => p.step.id === sentinel.id);
    expect(buyer.events.some((e) => e.name === "plan.step_added" && (e.payload as any).step.id === shared.id)).toBe(true);
    expect(buyer.events.filter((e) => e.name === "plan.reordered").map((e) => (e.payload as any).stepIds)).toEqual([[shared.id]]);
    // The step made internal disappears for the buyer...
    expect(buyer.events.some((e) => e.name === "plan.step_removed" && (e.payload as any).stepId === hidden.id)).toBe(true);
    // ...and nothing about internal steps ever reached the buyer's socket, in any frame.
    for (const secret of ["SECRET", internal.id, "2040-12-31"]) expect(buyer.log.containing(secret), `leaked ${secret}`).toEqual([]);
    expect(buyer.log.containing("Shared kickoff").length).toBeGreaterThan(0);
  });
});
