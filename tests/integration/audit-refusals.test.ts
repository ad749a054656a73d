import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SESSION_COOKIE } from "../../server/auth/cookies.ts";
import { createSession } from "../../server/auth/sessions.ts";
import { addParticipant, roomWithCast, type TestUser } from "../support/factories.ts";
import { upload } from "./files-support.ts";
import { startTestServer, type TestServer } from "../support/server.ts";

// A person trying what they may not — guessing an internal item's id, editing as a viewer,
// opening another organization's room, replaying a withdrawn invitation — is refused, and the
// attempt lands in the room's audit trail for its owner (never in anyone's activity feed).
let server: TestServer;
let cast: Awaited<ReturnType<typeof roomWithCast>>;
let dataDir: string;
let internalPage: string;
let sharedPage: string;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), "dealroom-refusals-"));
  // The built app, so page routes (a second copy of server/access in the build) are covered too.
  server = await startTestServer({ web: "production", env: { DATA_DIR: dataDir } });
  cast = await roomWithCast(server);
  const page = async (visibility: string) => {
    const res = await server.api(`/api/v1/rooms/${cast.room.id}/pages`, { token: cast.owner.token, body: { title: `Pricing ${visibility}`, visibility, markdown: "floor 12%" } });
    expect(res.status).toBe(201);
    return res.body.id as string;
  };
  internalPage = await page("internal");
  sharedPage = await page("shared");
});
afterAll(async () => {
  await server?.close();
  await rm(dataDir, { recursive: true, force: true });
});

interface AuditItem { type: string; actor: { id: string } | null; data: Record<string, unknown>; ip: string | null }

async function audit(type?: string): Promise<AuditItem[]> {
  const res = await server.api(`/api/v1/rooms/${cast.room.id}/audit${type ? `?type=${type}` : ""}`, { token: cast.owner.token });
  expect(res.status).toBe(200);
  return res.body.items;
}

/** The refusal is written after the answer is sent: wait for it rather than sleeping. */
async function eventually<T>(probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error("the refused attempt never reached the audit trail");
    await new Promise((r) => setTimeout(r, 50));
  }
}
const deniedFor = (user: TestUser, status: number, extra: (item: AuditItem) => boolean = () => true) =>
  eventually(async () => (await audit("access")).find((i) => i.actor?.id === user.id && i.data.status === status && extra(i)));

describe("refused attempts in the audit trail", () => {
  it("an external participant guessing an internal page's id gets 404, and the attempt is recorded", async () => {
    const res = await server.api(`/api/v1/pages/${internalPage}`, { token: cast.externalEditor.token });
    expect(res.status).toBe(404);
    const entry = await deniedFor(cast.externalEditor, 404);
    expect(entry.type).toBe("access.denied");
    expect(entry.data.method).toBe("GET");
    expect(entry.data.path).toBe(`/api/v1/pages/${internalPage}`);
    expect(entry.ip).toBeTruthy();
  });

  it("an internal viewer trying to rename a page gets 403, recorded with the action", async () => {
    const res = await server.api(`/api/v1/pages/${sharedPage}`, { method: "PATCH", token: cast.internalViewer.token, body: { title: "Mine now" } });
    expect(res.status).toBe(403);
    const entry = await deniedFor(cast.internalViewer, 403);
    expect(entry.data.method).toBe("PATCH");
    expect(typeof entry.data.action).toBe("string");
  });

  it("a user of another organization opening the room's address is recorded in that room", async () => {
    const res = await server.api(`/api/v1/rooms/${cast.room.id}`, { token: cast.outsider.token });
    expect(res.status).toBe(404);
    await deniedFor(cast.outsider, 404);
  });

  it("page routes record too: an external participant opening an internal page in the browser", async () => {
    const { token } = await createSession(server.sql, cast.externalViewer.id, "cookie");
    const res = await fetch(`${server.url}/rooms/${cast.room.id}/pages/${internalPage}`, { headers: { cookie: `${SESSION_COOKIE}=${token}` }, redirect: "manual" });
    expect(res.status).toBe(404);
    const entry = await deniedFor(cast.externalViewer, 404);
    expect(entry.data.path).toBe(`/rooms/${cast.room.id}/pages/${internalPage}`);
  });

  it("people reading what they may read leave no refusal behind: every room page, for a guest and an internal viewer", async () => {
    const token = cast.owner.token;
    const file = await upload(server, token, cast.room.id, "shared bytes", { visibility: "shared", name: "architecture.txt" });
    expect(file.status).toBe(201);
    const thread = await server.api(`/api/v1/rooms/${cast.room.id}/threads`, { token, body: { title: "Questions", visibility: "shared", body: "First question." } });
    expect(thread.status).toBe(201);
    const room = `/rooms/${cast.room.id}`;
    const guest = await addParticipant(server, cast.owner, cast.room.id, "external", "editor");
    const viewer = await addParticipant(server, cast.owner, cast.room.id, "internal", "viewer");
    const readable = [
      room, `${room}/pages`, `${room}/pages/${sharedPage}`, `${room}/pages/${sharedPage}/history`, `${room}/threads`,
      `${room}/threads/${thread.body.id}`, `${room}/activity`, `${room}/timeline`, `${room}/plan`, `${room}/handoff`,
      `${room}/files`, `${room}/files/${file.body.id}`,
    ];
    for (const user of [guest, viewer]) {
      const { token: cookie } = await createSession(server.sql, user.id, "cookie");
      for (const path of readable) {
        for (const url of [path, `${path}.data`]) {
          const res = await fetch(`${server.url}${url}`, { headers: { cookie: `${SESSION_COOKIE}=${cookie}` }, redirect: "manual" });
          expect(res.status, `${url} as ${user.name}`).toBeLessThan(400);
          await res.arrayBuffer();
        }
      }
      // A real refusal last: once it is in the trail, everything before it has been written too.
      const barrier = user === guest ? `/api/v1/pages/${internalPage}` : `/api/v1/rooms/${cast.room.id}/audit`;
      expect((await server.api(barrier, { token: user.token })).status).toBeGreaterThanOrEqual(403);
      await deniedFor(user, user === guest ? 404 : 403, (i) => i.data.path === barrier);
      const refusals = (await audit("access")).filter((i) => i.actor?.id === user.id);
      expect(refusals.map((i) => i.data.path)).toEqual([barrier]);
    }
  });

  it("an autosave is the system's, and names whose edits it saved", async () => {
    const edit = await server.api(`/api/v1/pages/${sharedPage}`, { method: "PATCH", token: cast.internalEditor.token, body: { markdown: "floor 14%, revised" } });
    expect(edit.status).toBe(200);
    // The quiet period is over at once; the server's own sweeper makes the version.
    await server.sql`update page_version_marks set due_at = now() where page_id = ${sharedPage}`;
    const entry = await eventually(async () =>
      (await audit("page.version.created")).find((i) => (i as AuditItem & { objectId: string }).objectId === sharedPage && i.data.reason === "auto"),
    );
    expect(entry.actor).toBeNull();
    expect(entry.data.authorIds).toEqual(expect.arrayContaining([cast.internalEditor.id]));
  });

  it("a withdrawn invitation opened again is refused and recorded", async () => {
    const invite = await server.api(`/api/v1/rooms/${cast.room.id}/invitations`, { token: cast.owner.token, body: { email: "late@buyer.test", side: "external", role: "viewer" } });
    expect(invite.status).toBe(201);
    expect((await server.api(`/api/v1/rooms/${cast.room.id}/invitations/${invite.body.id}`, { method: "DELETE", token: cast.owner.token })).status).toBe(204);
    const replay = await server.api(`/api/v1/invitations/${invite.body.token}/accept`, { body: { name: "Late Larry", password: "correct horse battery" } });
    expect(replay.status).toBe(409);
    const entry = await eventually(async () => (await audit("access")).find((i) => i.type === "access.invitation_refused"));
    expect(entry.data.reason).toBe("revoked");
    expect(entry.data.invitationId).toBe(invite.body.id);
  });

  it("refusals stay out of every activity feed, and a guessing loop writes a bounded number of rows", async () => {
    for (let i = 0; i < 60; i++) await server.api(`/api/v1/pages/${internalPage}`, { token: cast.externalViewer.token });
    await deniedFor(cast.externalViewer, 404, (i) => i.data.path === `/api/v1/pages/${internalPage}`);
    // Give the last writes time to land, then count: the per-person limit is 30 a minute.
    await new Promise((r) => setTimeout(r, 300));
    const rows = (await audit("access")).filter((i) => i.actor?.id === cast.externalViewer.id);
    expect(rows.length).toBeLessThanOrEqual(30);
    for (const user of [cast.owner, cast.internalEditor, cast.externalEditor]) {
      const feed = await server.api(`/api/v1/rooms/${cast.room.id}/activity`, { token: user.token });
      expect(feed.status).toBe(200);
      expect((feed.body.items as { type: string }[]).some((i) => i.type.startsWith("access."))).toBe(false);
    }
  });

  it("the trail shows when the room's participants signed in, and nobody else's sign-ins", async () => {
    for (const user of [cast.externalEditor, cast.outsider]) {
      const res = await server.api("/api/v1/login", { body: { email: user.email, password: user.password } });
      expect(res.status).toBe(200);
    }
    const signIns = await audit("account.signed_in");
    expect(signIns.some((i) => i.actor?.id === cast.externalEditor.id && i.ip)).toBe(true);
    expect(signIns.some((i) => i.actor?.id === cast.outsider.id)).toBe(false);
  });

  it("external participants cannot read the audit trail at all", async () => {
    const res = await server.api(`/api/v1/rooms/${cast.room.id}/audit`, { token: cast.externalEditor.token });
    expect(res.status).toBe(403);
  });
});
