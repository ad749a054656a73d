import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RoomEvent } from "../../server/realtime/bus.ts";
import { markdownToNode } from "../../server/wiki/markdown.ts";
import { makeVersionsForRoom } from "../../server/wiki/versions.ts";
import { createRoom, roomWithCast, type TestUser } from "../support/factories.ts";
import { startTestServer, type TestServer } from "../support/server.ts";

let server: TestServer;
let cast: Awaited<ReturnType<typeof roomWithCast>>;

beforeAll(async () => {
  server = await startTestServer();
  cast = await roomWithCast(server);
});
afterAll(async () => {
  await server.close();
});

async function newPage(user: TestUser, body: Record<string, unknown>) {
  const res = await server.api(`/api/v1/rooms/${cast.room.id}/pages`, { token: user.token, body });
  if (res.status !== 201) throw new Error(`create page failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as { id: string };
}
async function edit(user: TestUser, pageId: string, markdown: string) {
  const res = await server.api(`/api/v1/pages/${pageId}`, { method: "PATCH", token: user.token, body: { markdown } });
  expect(res.status).toBe(200);
}
const checkpoint = (user: TestUser, pageId: string, body: unknown = {}) =>
  server.api(`/api/v1/pages/${pageId}/versions`, { method: "POST", token: user.token, body });
const versions = async (user: TestUser, pageId: string) => {
  const res = await server.api(`/api/v1/pages/${pageId}/versions`, { token: user.token });
  expect(res.status).toBe(200);
  return res.body.items as { number: number; reason: string; label: string | null; createdAt: string; authors: { id: string; name: string }[]; restoredFrom: number | null }[];
};
/** Sets when the page's quiet-period version is due, `seconds` from now. */
const setDue = (pageId: string, seconds: number) => server.sql`
  insert into page_version_marks (page_id, due_at) values (${pageId}, now() + make_interval(secs => ${seconds}))
  on conflict (page_id) do update set due_at = excluded.due_at`;
const sameDocument = (a: string, b: string) => expect(markdownToNode(a).toJSON()).toEqual(markdownToNode(b).toJSON());

async function waitFor<T>(probe: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("manual versions", () => {
  it("makes a version (201) credited to everyone who edited since the last one", async () => {
    const page = await newPage(cast.owner, { title: "Proposal", visibility: "shared", markdown: "Price: $200k" });
    await edit(cast.internalEditor, page.id, "Price: $190k");
    const made = await checkpoint(cast.owner, page.id, { label: "Sent to the CFO" });
    expect(made.status).toBe(201);
    expect(made.body).toMatchObject({ number: 1, reason: "manual", label: "Sent to the CFO" });
    expect(made.body.authors.map((a: { id: string }) => a.id).sort()).toEqual([cast.owner.id, cast.internalEditor.id].sort());
    expect(made.body.authors.find((a: { id: string }) => a.id === cast.owner.id).name).toBe(cast.owner.name);

    // Only who edited after version 1 is credited in version 2.
    await edit(cast.externalEditor, page.id, "Price: $185k");
    const second = await checkpoint(cast.internalEditor, page.id);
    expect(second.status).toBe(201);
    expect(second.body.authors).toEqual([{ id: cast.externalEditor.id, name: cast.externalEditor.name }]);

    const list = await versions(cast.externalViewer, page.id);
    expect(list.map((v) => v.number)).toEqual([2, 1]);
    expect(list[1]).toMatchObject({ number: 1, reason: "manual", label: "Sent to the CFO" });
    expect(new Date(list[0]!.createdAt).toISOString()).toBe(list[0]!.createdAt);

    const v1 = await server.api(`/api/v1/pages/${page.id}/versions/1`, { token: cast.externalViewer.token });
    expect(v1.status).toBe(200);
    expect(v1.body).toMatchObject({ number: 1, createdAt: list[1]!.createdAt });
    expect(v1.body.markdown.trim()).toBe("Price: $190k");
    expect(v1.body.authors).toHaveLength(2);
    expect(v1.body.html).toBe("<p>Price: $190k</p>");
  });

  it("skips a version identical to the last one (200 with the latest) and clears the due mark", async () => {
    const page = await newPage(cast.owner, { title: "Unchanged", visibility: "internal", markdown: "Same text" });
    expect((await checkpoint(cast.owner, page.id)).status).toBe(201);
    await setDue(page.id, 3600);
    const again = await checkpoint(cast.internalEditor, page.id, { label: "Nothing new" });
    expect(again.status).toBe(200);
    expect(again.body.number).toBe(1);
    expect(await versions(cast.owner, page.id)).toHaveLength(1);
    const [row] = await server.sql<{ due: Date | null }[]>`select due_at as due from page_version_marks where page_id = ${page.id}`;
    expect(row!.due).toBeNull();
  });

  it("viewers cannot make versions (403); bad labels are 400", async () => {
    const page = await newPage(cast.owner, { title: "Checkpoints", visibility: "shared" });
    expect((await checkpoint(cast.internalViewer, page.id)).status).toBe(403);
    expect((await checkpoint(cast.externalViewer, page.id)).status).toBe(403);
    const long = await checkpoint(cast.owner, page.id, { label: "x".repeat(201) });
    expect(long.status).toBe(400);
    expect(long.body.error.fields.label).toBeDefined();
  });

  it("publishes page.version.created with the page's visibility", async () => {
    const page = await newPage(cast.owner, { title: "Announced version", visibility: "internal", markdown: "x" });
    const events: RoomEvent[] = [];
    const off = server.app.bus.onEvent((e) => events.push(e));
    try {
      expect((await checkpoint(cast.owner, page.id)).status).toBe(201);
    } finally {
      off();
    }
    expect(events).toContainEqual({
      roomId: cast.room.id, type: "page.version.created", visibility: "internal",
      payload: { pageId: page.id, number: 1, reason: "manual" },
    });
  });

  it("unknown version numbers are 404", async () => {
    const page = await newPage(cast.owner, { title: "No versions", visibility: "shared" });
    for (const n of ["1", "0", "-1", "abc", "1.5", "99999999999"]) {
      const res = await server.api(`/api/v1/pages/${page.id}/versions/${n}`, { token: cast.owner.token });
      expect(res.status, n).toBe(404);
    }
  });
});

describe("restore", () => {
  it("brings back old content as a new version; history keeps every version", async () => {
    const original = "# Terms\n\n- Net 30 payment\n- [ ] Signed by the CFO\n";
    const page = await newPage(cast.owner, { title: "Terms", visibility: "shared", markdown: original });
    expect((await checkpoint(cast.owner, page.id)).status).toBe(201);
    await edit(cast.externalEditor, page.id, "# Terms\n\n- Net 60 payment\n");
    expect((await checkpoint(cast.owner, page.id)).status).toBe(201);

    const restored = await server.api(`/api/v1/pages/${page.id}/versions/1/restore`, { method: "POST", token: cast.internalEditor.token });
    expect(restored.status).toBe(201);
    expect(restored.body).toMatchObject({ number: 3, reason: "restore", restoredFrom: 1 });
    expect(restored.body.authors.map((a: { id: string }) => a.id)).toContain(cast.internalEditor.id);

    const current = await server.api(`/api/v1/pages/${page.id}`, { token: cast.owner.token });
    sameDocument(current.body.markdown, original);
    const v3 = await server.api(`/api/v1/pages/${page.id}/versions/3`, { token: cast.owner.token });
    const v1 = await server.api(`/api/v1/pages/${page.id}/versions/1`, { token: cast.owner.token });
    expect(v3.body.markdown).toBe(v1.body.markdown);
    expect(v3.body.html).toBe(v1.body.html);

    const list = await versions(cast.owner, page.id);
    expect(list.map((v) => [v.number, v.reason])).toEqual([[3, "restore"], [2, "manual"], [1, "manual"]]);
    const v2 = await server.api(`/api/v1/pages/${page.id}/versions/2`, { token: cast.owner.token });
    expect(v2.body.markdown).toContain("Net 60");
  });

  it("applies the restore as a CRDT change to the current document, not a replacement", async () => {
    const page = await newPage(cast.owner, { title: "CRDT restore", visibility: "shared", markdown: "Keep me\n\nChange me" });
    expect((await checkpoint(cast.owner, page.id)).status).toBe(201);
    await edit(cast.owner, page.id, "Keep me\n\nChanged");
    const before = await server.app.documents.encodeState(page.id);
    expect((await server.api(`/api/v1/pages/${page.id}/versions/1/restore`, { method: "POST", token: cast.owner.token })).status).toBe(201);
    const after = await server.app.documents.encodeState(page.id);
    // Everything that was in the document before is still part of its history (state vectors only grow).
    const Y = await import("yjs");
    const beforeVector = Y.decodeStateVector(Y.encodeStateVectorFromUpdate(before));
    const afterVector = Y.decodeStateVector(Y.encodeStateVectorFromUpdate(after));
    for (const [client, clock] of beforeVector) expect(afterVector.get(client)).toBeGreaterThanOrEqual(clock);
    expect((await server.api(`/api/v1/pages/${page.id}`, { token: cast.owner.token })).body.markdown.trim()).toBe("Keep me\n\nChange me");
    // Restoring again changes nothing: no new version (200 with the latest).
    const again = await server.api(`/api/v1/pages/${page.id}/versions/1/restore`, { method: "POST", token: cast.owner.token });
    expect(again.status).toBe(200);
    expect(again.body.number).toBe(2);
  });

  it("viewers cannot restore (403); unknown versions are 404", async () => {
    const page = await newPage(cast.owner, { title: "Restore rights", visibility: "shared", markdown: "v1" });
    expect((await checkpoint(cast.owner, page.id)).status).toBe(201);
    expect((await server.api(`/api/v1/pages/${page.id}/versions/1/restore`, { method: "POST", token: cast.externalViewer.token })).status).toBe(403);
    expect((await server.api(`/api/v1/pages/${page.id}/versions/7/restore`, { method: "POST", token: cast.owner.token })).status).toBe(404);
  });
});

describe("diff", () => {
  it("shows what changed between two versions, word by word per block", async () => {
    const page = await newPage(cast.owner, { title: "Diffed", visibility: "shared", markdown: "# Plan\n\nWe go live in March.\n\nUnchanged line." });
    expect((await checkpoint(cast.owner, page.id)).status).toBe(201);
    await edit(cast.owner, page.id, "# Plan\n\nWe go live in April.\n\nUnchanged line.\n\nA new paragraph.");
    expect((await checkpoint(cast.owner, page.id)).status).toBe(201);

    const res = await server.api(`/api/v1/pages/${page.id}/versions/1/diff/2`, { token: cast.externalViewer.token });
    expect(res.status).toBe(200);
    expect(res.body.from).toBe(1);
    expect(res.body.to).toBe(2);
    expect(res.body.blocks).toEqual([
      { change: "same", segments: [{ type: "same", text: "# Plan" }] },
      {
        change: "changed",
        segments: [
          { type: "same", text: "We go live in " },
          { type: "removed", text: "March" },
          { type: "added", text: "April" },
          { type: "same", text: "." },
        ],
      },
      { change: "same", segments: [{ type: "same", text: "Unchanged line." }] },
      { change: "added", segments: [{ type: "added", text: "A new paragraph." }] },
    ]);
    const backwards = await server.api(`/api/v1/pages/${page.id}/versions/2/diff/1`, { token: cast.owner.token });
    expect(backwards.body.blocks.at(-1)).toEqual({ change: "removed", segments: [{ type: "removed", text: "A new paragraph." }] });
    expect((await server.api(`/api/v1/pages/${page.id}/versions/1/diff/9`, { token: cast.owner.token })).status).toBe(404);
  });
});

describe("the quiet-period version", () => {
  it("is made by the sweeper once the due time has passed, crediting the pending authors", async () => {
    const page = await newPage(cast.internalEditor, { title: "Quiet period", visibility: "shared", markdown: "Draft" });
    await edit(cast.externalEditor, page.id, "Draft, reviewed");
    const [marked] = await server.sql<{ due: Date | null }[]>`select due_at as due from page_version_marks where page_id = ${page.id}`;
    expect(marked!.due).not.toBeNull();
    expect(await versions(cast.owner, page.id)).toEqual([]);

    await setDue(page.id, -1);
    const [auto] = await waitFor(async () => {
      const list = await versions(cast.owner, page.id);
      return list.length ? list : undefined;
    });
    expect(auto).toMatchObject({ number: 1, reason: "auto" });
    expect(auto!.authors.map((a) => a.id).sort()).toEqual([cast.internalEditor.id, cast.externalEditor.id].sort());
    // Credited and due no more: the page has no mark until its next edit.
    expect(await server.sql`select 1 from page_version_marks where page_id = ${page.id}`).toHaveLength(0);
  });

  it("does not make a version before the due time", async () => {
    const page = await newPage(cast.owner, { title: "Not yet", visibility: "shared", markdown: "Draft" });
    await setDue(page.id, 3600);
    // A page due in the past made alongside proves a sweep ran in between.
    const due = await newPage(cast.owner, { title: "Due now", visibility: "shared", markdown: "Draft" });
    await setDue(due.id, -1);
    await waitFor(async () => ((await versions(cast.owner, due.id)).length ? true : undefined));
    expect(await versions(cast.owner, page.id)).toEqual([]);
  });

  it("a page whose version fails does not hold up the others and is tried again later", async () => {
    const broken = await newPage(cast.owner, { title: "Broken state", visibility: "shared", markdown: "x" });
    const healthy = await newPage(cast.owner, { title: "Healthy", visibility: "shared", markdown: "y" });
    // Its next version number would overflow the column: making its version fails.
    await server.sql`
      insert into page_versions (page_id, number, state, content_text, content_html, title, reason)
      values (${broken.id}, 2147483647, ${Buffer.from([0, 0])}, '', '<p>other</p>', 'Broken state', 'manual')`;
    // The broken page is due first, so a sweep meets it before the healthy one.
    await setDue(broken.id, -2);
    await setDue(healthy.id, -1);
    await waitFor(async () => ((await versions(cast.owner, healthy.id)).length ? true : undefined));
    const [row] = await server.sql<{ later: boolean }[]>`
      select due_at > now() + interval '1 minute' as later from page_version_marks where page_id = ${broken.id}`;
    expect(row!.later).toBe(true);
    expect((await versions(cast.owner, broken.id)).map((v) => v.number)).toEqual([2147483647]);
  });
});

describe("room-wide versions (stage changes, hand-off)", () => {
  it("makes a version of every live page of the room", async () => {
    const room = await createRoom(server, cast.owner, { name: "Hand-off room" });
    const make = async (title: string) =>
      (await server.api(`/api/v1/rooms/${room.id}/pages`, { token: cast.owner.token, body: { title, visibility: "shared", markdown: title } })).body.id as string;
    const a = await make("One");
    const b = await make("Two");
    const archived = await make("Gone");
    await server.api(`/api/v1/pages/${archived}/archive`, { method: "POST", token: cast.owner.token });
    const made = await makeVersionsForRoom(server.app, room.id, "handoff", { createdBy: cast.owner.id });
    expect(made.map((m) => m.pageId).sort()).toEqual([a, b].sort());
    for (const m of made) expect(m.version).toMatchObject({ number: 1, reason: "handoff", createdBy: { id: cast.owner.id } });
  });
});
