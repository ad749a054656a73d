import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withActor } from "../../server/context.ts";
import { participantActions } from "../../server/services/participants.ts";
import { createRoom, roomWithCast, type TestUser } from "../support/factories.ts";
import { relaxPerIpLimits } from "../support/matrix-fixtures.ts";
import { startTestServer, type TestServer } from "../support/server.ts";

// Organization rules are org.* actions of the access policy (server/access/policy.ts): their
// refusals reach the audit trail like room refusals, recorded against the organization. And the
// UI's answers that used to be re-derived in the browser (which moves ask for a form, who can be
// made owner) come from the server, computed by the same rule the service enforces.

let server: TestServer;
let cast: Awaited<ReturnType<typeof roomWithCast>>;

beforeAll(async () => {
  server = await startTestServer();
  relaxPerIpLimits(server);
  cast = await roomWithCast(server);
});
afterAll(async () => {
  await server?.close();
});

const api = (who: TestUser, path: string, body?: unknown, method?: string) =>
  server.api(`/api/v1${path}`, { token: who.token, body, method: method ?? (body === undefined ? "GET" : "POST") });

interface OrgRefusal { organizationId: string; roomId: string | null; data: Record<string, unknown> }

/** The refusal is written after the answer is sent: wait for it rather than sleeping. */
async function refusalOf(user: TestUser, status: number, action: string): Promise<OrgRefusal> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const [row] = await server.sql<OrgRefusal[]>`
      select organization_id as "organizationId", room_id as "roomId", data from activities
      where actor_id = ${user.id} and type = 'access.denied' and object_type = 'organization'
        and (data->>'status')::int = ${status} and data->>'action' = ${action}
      order by id desc limit 1`;
    if (row) return row;
    if (Date.now() > deadline) throw new Error(`no ${status} refusal of ${action} recorded for ${user.name}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("organization refusals are recorded", () => {
  it("a member asking for the member list gets 403, recorded against the organization with the action", async () => {
    const res = await api(cast.orgMember, `/organizations/${cast.organization.id}/members`);
    expect(res.status).toBe(403);
    expect(res.body.error.message).toBe("Only organization admins can manage members.");
    const refusal = await refusalOf(cast.orgMember, 403, "org.manageMembers");
    expect(refusal).toMatchObject({ organizationId: cast.organization.id, roomId: null });
    expect(refusal.data).toMatchObject({ method: "GET", path: `/api/v1/organizations/${cast.organization.id}/members` });
  });

  it("a member changing the sales cycle gets 403 saying so, recorded", async () => {
    const stages = await api(cast.owner, `/organizations/${cast.organization.id}/stages`);
    expect(stages.status).toBe(200);
    const first = stages.body.items[0].id as string;
    const res = await api(cast.internalEditor, `/organizations/${cast.organization.id}/stages/${first}`, { name: "Mine" }, "PATCH");
    expect(res.status).toBe(403);
    expect(res.body.error.message).toBe("Only organization admins can change the sales cycle.");
    await refusalOf(cast.internalEditor, 403, "org.manageSales");
  });

  it("a guest and an outsider asking for the outbox get 404, recorded; an unknown organization records nothing", async () => {
    for (const who of [cast.externalEditor, cast.outsider]) {
      const res = await api(who, `/organizations/${cast.organization.id}/outbox`);
      expect(res.status).toBe(404);
      expect(await refusalOf(who, 404, "org.readOutbox")).toMatchObject({ organizationId: cast.organization.id });
    }
    const unknown = crypto.randomUUID();
    expect((await api(cast.outsider, `/organizations/${unknown}/outbox`)).status).toBe(404);
    await new Promise((r) => setTimeout(r, 300));
    const [row] = await server.sql<{ n: number }[]>`
      select count(*)::int as n from activities where actor_id = ${cast.outsider.id} and type = 'access.denied' and object_type = 'organization'`;
    expect(row!.n).toBe(1);
  });

  it("the admin is answered, and nothing is recorded for them", async () => {
    expect((await api(cast.owner, `/organizations/${cast.organization.id}/members`)).status).toBe(200);
    expect((await api(cast.owner, `/organizations/${cast.organization.id}/outbox`)).status).toBe(200);
    const rows = await server.sql`select 1 from activities where actor_id = ${cast.owner.id} and type = 'access.denied'`;
    expect(rows).toHaveLength(0);
  });
});

describe("the UI's answers come from the server", () => {
  it("which moves ask for a hand-off form: the timeline says so, and the move service agrees", async () => {
    const orgId = cast.organization.id;
    const cycle = (await api(cast.owner, `/organizations/${orgId}/stages`)).body.items as { id: string; name: string }[];
    const pricing = cycle.find((s) => s.name === "Pricing")!;
    const set = await api(cast.owner, `/organizations/${orgId}/stages/${pricing.id}`, { form: [{ key: "discount", label: "Discount", type: "text", required: true }] }, "PATCH");
    expect(set.status, JSON.stringify(set.body)).toBe(200);
    const room = await createRoom(server, cast.owner);

    const timeline = async () => (await api(cast.owner, `/rooms/${room.id}/stages`)).body as { stages: { id: string; name: string; formsAsked: string[] }[]; winFormsAsked: string[] };
    const asked = (t: Awaited<ReturnType<typeof timeline>>) => Object.fromEntries(t.stages.map((s) => [s.name, s.formsAsked]));
    const inProspecting = await timeline();
    expect(inProspecting.stages).toHaveLength(cycle.length);
    // From Prospecting: up to Pricing nothing is passed that has a form; beyond it, Pricing's form is asked.
    expect(asked(inProspecting)).toMatchObject({ Prospecting: [], Qualifying: [], Pricing: [], Proposing: [pricing.id], Closing: [pricing.id] });
    expect(inProspecting.winFormsAsked).toEqual([]);

    expect((await api(cast.owner, `/rooms/${room.id}/stage`, { stage: "Pricing" })).status).toBe(200);
    const inPricing = await timeline();
    expect(asked(inPricing)).toMatchObject({ Prospecting: [], Qualifying: [], Pricing: [], Proposing: [pricing.id] });
    expect(inPricing.winFormsAsked).toEqual([pricing.id]);
    // The service asks for exactly what the timeline said: refused without it, accepted with it.
    const refused = await api(cast.owner, `/rooms/${room.id}/stage`, { stage: "Proposing" });
    expect(refused.status).toBe(400);
    expect(Object.keys(refused.body.error.fields ?? {})).toEqual(["discount"]);
    expect((await api(cast.owner, `/rooms/${room.id}/stage`, { stage: "Qualifying" })).status).toBe(200);
  });

  it("who can be managed and made owner: participantActions, by the policy", async () => {
    const actionsOf = async (who: TestUser) => participantActions(withActor(server.app, { userId: who.id, name: who.name, email: who.email }), cast.room.id);
    const owner = await actionsOf(cast.owner);
    const none = { manage: false, makeOwner: false };
    expect(owner).toEqual({
      [cast.owner.id]: none,
      [cast.internalEditor.id]: { manage: true, makeOwner: true },
      [cast.internalViewer.id]: { manage: true, makeOwner: true },
      [cast.externalEditor.id]: { manage: true, makeOwner: false },
      [cast.externalViewer.id]: { manage: true, makeOwner: false },
    });
    for (const who of [cast.internalEditor, cast.externalEditor]) {
      const theirs = await actionsOf(who);
      expect(Object.keys(theirs).sort()).toEqual(Object.keys(owner).sort());
      for (const a of Object.values(theirs)) expect(a).toEqual(none);
    }
    await expect(actionsOf(cast.outsider)).rejects.toMatchObject({ status: 404 });
  });
});
