import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_PASSWORD, seedDemo } from "../../server/seed.ts";
import { startTestServer, type TestServer } from "../support/server.ts";

// The demo room `npm start` seeds: realistic content on every tab, each side seeing its own
// share of it, and a second start seeding nothing twice.
let server: TestServer;
let dataDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), "dealroom-seed-"));
  server = await startTestServer({ env: { DATA_DIR: dataDir } });
});
afterAll(async () => {
  await server?.close();
  await rm(dataDir, { recursive: true, force: true });
});

async function signIn(email: string): Promise<string> {
  const res = await server.api("/api/v1/login", { body: { email, password: DEMO_PASSWORD } });
  expect(res.status).toBe(200);
  return res.body.token;
}

describe("the demo room", () => {
  it("is seeded once, with pages, threads and files for each side", async () => {
    const first = await seedDemo(server.app);
    const counts = async () => {
      const [row] = await server.sql`
        select (select count(*)::int from users) as users, (select count(*)::int from memberships) as memberships,
          (select count(*)::int from participants) as participants, (select count(*)::int from pages) as pages,
          (select count(*)::int from threads) as threads, (select count(*)::int from messages) as messages,
          (select count(*)::int from files) as files, (select count(*)::int from plan_steps) as steps,
          (select count(*)::int from activities) as activities, (select count(*)::int from sessions) as sessions,
          (select count(*)::int from invitations) as invitations`;
      return row!;
    };
    const afterFirst = await counts();
    const second = await seedDemo(server.app);
    expect(second.roomId).toBe(first.roomId);
    // Seeding again changes nothing, and seeding signs nobody in.
    expect(await counts()).toEqual(afterFirst);
    expect(afterFirst).toMatchObject({ users: 4, memberships: 3, sessions: 0 });
    const [inDemoRoom] = await server.sql<{ n: number }[]>`select count(*)::int as n from participants where room_id = ${first.roomId}`;
    expect(inDemoRoom!.n).toBe(3);
    const [team] = await server.sql<{ n: number }[]>`select count(*)::int as n from memberships where delivery_team`;
    expect(team!.n).toBe(1);
    const [closing] = await server.sql<{ fields: number }[]>`select jsonb_array_length(form)::int as fields from stages where name = 'Closing'`;
    expect(closing!.fields).toBe(5);
    const [count] = await server.sql<{ rooms: number }[]>`select count(*)::int as rooms from rooms`;
    // The demo room, and the year of other deals the pipeline page shows (server/sales/demo-pipeline.ts).
    expect(count?.rooms).toBe(17);
    const [history] = await server.sql<{ won: number; lost: number; open: number; currencies: number; oldest: number }[]>`
      select count(*) filter (where status = 'won')::int as won, count(*) filter (where status = 'lost')::int as lost,
        count(*) filter (where status = 'open')::int as open, count(distinct value_currency)::int as currencies,
        max(extract(day from now() - created_at))::int as oldest
      from rooms where id <> ${first.roomId}`;
    expect(history).toMatchObject({ won: 6, lost: 5, open: 5, currencies: 2 });
    expect(history!.oldest).toBeGreaterThanOrEqual(299);

    const seller = await signIn("maya.chen@northwind.example");
    const prospect = await signIn("jordan.lee@acme.example");
    const list = async (token: string, what: string) => {
      const res = await server.api(`/api/v1/rooms/${first.roomId}/${what}`, { token });
      expect(res.status).toBe(200);
      return res.body.items as { title?: string; name?: string; visibility: string }[];
    };

    const sellerThreads = await list(seller, "threads");
    const prospectThreads = await list(prospect, "threads");
    expect(sellerThreads.map((t) => t.visibility).sort()).toEqual(["internal", "shared", "shared"]);
    expect(prospectThreads).toHaveLength(2);
    expect(prospectThreads.every((t) => t.visibility === "shared")).toBe(true);

    const sellerFiles = await list(seller, "files");
    const prospectFiles = await list(prospect, "files");
    expect(sellerFiles).toHaveLength(3);
    expect(prospectFiles.map((f) => f.name).sort()).toEqual(["Acme security questionnaire.csv", "Northwind proposal for Acme.md"]);

    const prospectPages = await list(prospect, "pages");
    expect(prospectPages.length).toBeGreaterThan(0);
    expect(prospectPages.every((p) => p.visibility === "shared")).toBe(true);
    expect((await list(seller, "pages")).some((p) => p.visibility === "internal")).toBe(true);

    // The seeded bytes are really there: the proposal downloads as written.
    const proposal = prospectFiles.find((f) => f.name === "Northwind proposal for Acme.md") as unknown as { id: string };
    const download = await fetch(`${server.url}/api/v1/files/${proposal.id}/download`, { headers: { authorization: `Bearer ${prospect}` } });
    expect(download.status).toBe(200);
    expect(await download.text()).toContain("# Northwind proposal for Acme Corp");
  });
});
