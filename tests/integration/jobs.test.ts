import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jobLockKey, JOBS, startJobs } from "../../server/jobs.ts";
import { roomWithCast } from "../support/factories.ts";
import { startTestServer, type TestServer } from "../support/server.ts";

// Background work runs from one module (server/jobs.ts), each tick under a PostgreSQL advisory
// lock: while another process holds a job's lock, this one skips the job; once it is free, the
// job runs. The "other process" here is a second connection holding the lock, as a second
// server on the same database would.

let server: TestServer;
let pageId: string;

beforeAll(async () => {
  server = await startTestServer();
  const cast = await roomWithCast(server);
  const res = await server.api(`/api/v1/rooms/${cast.room.id}/pages`, { token: cast.owner.token, body: { title: "Plan", visibility: "shared", markdown: "first" } });
  expect(res.status).toBe(201);
  pageId = res.body.id;
});
afterAll(async () => {
  await server?.close();
});

const dueAt = async () => {
  const [mark] = await server.sql<{ dueAt: Date | null }[]>`select due_at as "dueAt" from page_version_marks where page_id = ${pageId}`;
  return mark?.dueAt ?? null;
};

describe("background jobs", () => {
  it("the jobs are the version sweeper, the file sweep, the digest, the gone-quiet notices and the webhook outbox", () => {
    expect(JOBS.map((j) => j.name).sort()).toEqual(["digests", "engagement-quiet", "file-sweep", "page-versions", "webhook-prune", "webhooks"]);
  });

  it("skips a job while another process holds its lock, and runs it once the lock is free", async () => {
    const other = await server.sql.reserve();
    try {
      await other`select pg_advisory_lock(hashtextextended(${jobLockKey("page-versions")}, 0))`;
      await server.sql`
        insert into page_version_marks (page_id, due_at) values (${pageId}, now() - interval '1 minute')
        on conflict (page_id) do update set due_at = excluded.due_at`;
      // The server's own sweeper ticks every 2 s: several ticks pass, none of them runs.
      await new Promise((r) => setTimeout(r, 4500));
      expect(await server.jobs.runNow("page-versions")).toBe(false);
      expect(await dueAt()).not.toBeNull();
    } finally {
      await other`select pg_advisory_unlock(hashtextextended(${jobLockKey("page-versions")}, 0))`;
      other.release();
    }
    expect(await server.jobs.runNow("page-versions")).toBe(true);
    expect(await dueAt()).toBeNull();
  });

  it("stop() waits for the running tick, and nothing runs after it", async () => {
    let finished = false;
    let runs = 0;
    const jobs = startJobs(server.app, {
      jobs: [{ name: "digests", everyMs: 60_000, run: async () => { runs++; await new Promise((r) => setTimeout(r, 300)); finished = true; } }],
    });
    const tick = jobs.runNow("digests");
    await new Promise((r) => setTimeout(r, 50));
    await jobs.stop();
    expect(finished).toBe(true);
    expect(await tick).toBe(true);
    expect(await jobs.runNow("digests")).toBe(false);
    expect(runs).toBe(1);
  });
});
