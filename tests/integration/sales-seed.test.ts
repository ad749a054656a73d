import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_PASSWORD, seedDemo } from "../../server/seed.ts";
import { startTestServer, type TestServer } from "../support/server.ts";

// The demo's sales process: Priya on the delivery team, a hand-off form on leaving Closing.
let server: TestServer;
let dataDir: string;
beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), "dealroom-sales-seed-"));
  server = await startTestServer({ env: { DATA_DIR: dataDir } });
});
afterAll(async () => {
  await server?.close();
  await rm(dataDir, { recursive: true, force: true });
});

describe("the demo's sales process", () => {
  it("has Priya on the delivery team and a Closing form, seeded once", async () => {
    const demo = await seedDemo(server.app);
    await seedDemo(server.app);
    expect(demo.users.map((u) => u.email)).toContain("priya.raman@northwind.example");
    const login = async (email: string) => (await server.api("/api/v1/login", { body: { email, password: DEMO_PASSWORD } })).body.token as string;
    const seller = await login("maya.chen@northwind.example");
    const priya = await login("priya.raman@northwind.example");
    const room = await server.api(`/api/v1/rooms/${demo.roomId}`, { token: seller });
    const team = await server.api(`/api/v1/organizations/${room.body.organizationId}/delivery-team`, { token: seller });
    expect(team.body.items.map((m: { name: string }) => m.name)).toEqual(["Priya Raman"]);
    const stages = await server.api(`/api/v1/organizations/${room.body.organizationId}/stages`, { token: seller });
    const closing = stages.body.items.find((s: { name: string }) => s.name === "Closing");
    expect(closing.form.map((f: { key: string }) => f.key)).toEqual(["contractSigned", "goLive", "deliveryScope", "champion", "risks"]);
    const [memberships] = await server.sql<{ count: number }[]>`
      select count(*)::int as count from memberships m join users u on u.id = m.user_id where u.email = 'priya.raman@northwind.example'`;
    expect(memberships!.count).toBe(1);
    // Not in the room until it is handed off.
    expect((await server.api(`/api/v1/rooms/${demo.roomId}`, { token: priya })).status).toBe(404);
  });
});
