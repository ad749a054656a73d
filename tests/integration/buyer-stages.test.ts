import { io as connect } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { roomWithCast, type TestUser } from "../support/factories.ts";
import { relaxPerIpLimits } from "../support/matrix-fixtures.ts";
import { startTestServer, type TestServer } from "../support/server.ts";

// The buyer sees a buyer's journey, not the seller's pipeline (issue 16): every answer to an
// external participant names stages by their buyer-facing labels (server/sales/buyer-stages.ts).

const SELLER_NAMES = ["Prospecting", "Qualifying", "Pricing", "Proposing", "Negotiating", "Closing", "Delivering", "Servicing"];
const JOURNEY = ["Discovery", "Evaluation", "Proposal", "Contract", "Onboarding", "Live"];

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
const withoutSellerNames = (what: string, text: string) => {
  for (const name of SELLER_NAMES) expect(text, `${what} names ${name}`).not.toMatch(new RegExp(`\\b${name}\\b`, "i"));
};

describe("stages as the buyer's side sees them", () => {
  it("room, room list, timeline, hand-off record and its exports carry buyer-facing labels only", async () => {
    const cast = await roomWithCast(server);
    const { owner, room, externalEditor, internalViewer } = cast;
    expect((await api(owner, `/rooms/${room.id}/stage`, { stage: "Pricing" })).status).toBe(200);

    expect((await api(internalViewer, `/rooms/${room.id}`)).body.stage).toBe("Pricing");
    const asGuest = await api(externalEditor, `/rooms/${room.id}`);
    expect(asGuest.body.stage).toBe("Evaluation");
    withoutSellerNames("GET /rooms/:id", JSON.stringify(asGuest.body));
    const list = await api(externalEditor, "/rooms");
    expect(list.body.items.map((r: { stage: string }) => r.stage)).toEqual(["Evaluation"]);

    const timeline = await api(externalEditor, `/rooms/${room.id}/stages`);
    expect(timeline.status).toBe(200);
    expect(timeline.body.stages.map((s: { name: string }) => s.name)).toEqual(JOURNEY);
    expect(timeline.body.stages.find((s: { current: boolean }) => s.current).name).toBe("Evaluation");
    expect(timeline.body.moves.map((m: { from: string; to: string }) => `${m.from}→${m.to}`)).toEqual(["Discovery→Evaluation"]);
    withoutSellerNames("the timeline", JSON.stringify(timeline.body));
    // Insiders keep the seller's own cycle.
    const inside = await api(internalViewer, `/rooms/${room.id}/stages`);
    expect(inside.body.stages.map((s: { name: string }) => s.name)).toEqual(SELLER_NAMES);

    for (const format of ["json", "markdown"]) {
      const record = await api(externalEditor, `/rooms/${room.id}/handoff?format=${format}`);
      expect(record.status).toBe(200);
      const text = typeof record.body === "string" ? record.body : JSON.stringify(record.body);
      expect(text).toContain("Evaluation");
      withoutSellerNames(`the hand-off record (${format})`, text);
    }
    const zip = await fetch(`${server.url}/api/v1/rooms/${room.id}/export`, { headers: { authorization: `Bearer ${externalEditor.token}` } });
    expect(zip.status).toBe(200);
    withoutSellerNames("the archive", Buffer.from(await zip.arrayBuffer()).toString("latin1"));
  });

  it("a hidden stage shows the nearest visible label before it; labels are set per stage by admins", async () => {
    const cast = await roomWithCast(server);
    const { owner, organization, room, externalViewer, internalEditor } = cast;
    const stages = (await api(owner, `/organizations/${organization.id}/stages`)).body.items as { id: string; name: string; buyerLabel: string | null }[];
    expect(stages.map((s) => s.buyerLabel)).toEqual(["Discovery", "Discovery", "Evaluation", "Proposal", "Contract", "Contract", "Onboarding", "Live"]);
    const pricing = stages.find((s) => s.name === "Pricing")!;
    const proposing = stages.find((s) => s.name === "Proposing")!;
    expect((await api(owner, `/organizations/${organization.id}/stages/${pricing.id}`, { buyerLabel: null }, "PATCH")).body.buyerLabel).toBeNull();
    expect((await api(owner, `/organizations/${organization.id}/stages/${proposing.id}`, { buyerLabel: "Your proposal" }, "PATCH")).status).toBe(200);
    const bad = await api(owner, `/organizations/${organization.id}/stages/${proposing.id}`, { buyerLabel: "x".repeat(61) }, "PATCH");
    expect(bad.status).toBe(400);
    expect(Object.keys(bad.body.error.fields)).toEqual(["buyerLabel"]);
    expect((await api(internalEditor, `/organizations/${organization.id}/stages/${proposing.id}`, { buyerLabel: "Mine" }, "PATCH")).status).toBe(403);

    expect((await api(owner, `/rooms/${room.id}/stage`, { stage: "Pricing" })).status).toBe(200);
    expect((await api(externalViewer, `/rooms/${room.id}`)).body.stage).toBe("Discovery");
    const timeline = await api(externalViewer, `/rooms/${room.id}/stages`);
    expect(timeline.body.stages.map((s: { name: string }) => s.name)).toEqual(["Discovery", "Your proposal", "Contract", "Onboarding", "Live"]);
    // Within one step of the journey a move is no news to the buyer.
    expect(timeline.body.moves).toEqual([]);
    expect((await api(owner, `/rooms/${room.id}/stage`, { stage: "Proposing" })).status).toBe(200);
    expect((await api(externalViewer, `/rooms/${room.id}`)).body.stage).toBe("Your proposal");
  });

  it("the live stage event reaches guests with labels and insiders with the seller's names", async () => {
    const cast = await roomWithCast(server);
    const { owner, room, externalViewer, internalViewer } = cast;
    const listen = async (who: TestUser) => {
      const socket = connect(server.url, { auth: { token: who.token }, transports: ["websocket"], forceNew: true, reconnection: false });
      await new Promise<void>((resolve, reject) => (socket.once("connect", () => resolve()), socket.once("connect_error", reject)));
      expect(await socket.timeout(5000).emitWithAck("room:join", { roomId: room.id })).toEqual({ ok: true });
      const events: any[] = [];
      socket.on("stage.changed", (p) => events.push(p));
      return { socket, events };
    };
    const guest = await listen(externalViewer);
    const insider = await listen(internalViewer);
    expect((await api(owner, `/rooms/${room.id}/stage`, { stage: "Negotiating" })).status).toBe(200);
    const deadline = Date.now() + 5000;
    while ((guest.events.length === 0 || insider.events.length === 0) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    // A barrier: a second move; each socket gets exactly one event per move.
    expect((await api(owner, `/rooms/${room.id}/stage`, { stage: "Closing" })).status).toBe(200);
    while ((guest.events.length < 2 || insider.events.length < 2) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(guest.events.map((e) => `${e.previousStage}→${e.stage}`)).toEqual(["Discovery→Contract", "Contract→Contract"]);
    expect(insider.events.map((e) => `${e.previousStage}→${e.stage}`)).toEqual(["Prospecting→Negotiating", "Negotiating→Closing"]);
    guest.socket.disconnect();
    insider.socket.disconnect();
  });
});
