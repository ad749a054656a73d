import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { InvalidationScope, RoomEvent } from "../../server/realtime/bus.ts";
import { markdownToNode } from "../../server/wiki/markdown.ts";
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

async function newPage(user: TestUser, body: Record<string, unknown>, roomId = cast.room.id) {
  const res = await server.api(`/api/v1/rooms/${roomId}/pages`, { token: user.token, body });
  if (res.status !== 201) throw new Error(`create page failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as { id: string; title: string; visibility: string; parentId: string | null; markdown: string };
}

const listTitles = async (user: TestUser, query = "") => {
  const res = await server.api(`/api/v1/rooms/${cast.room.id}/pages${query}`, { token: user.token });
  expect(res.status).toBe(200);
  return res.body.items as { id: string; title: string; visibility: string; parentId: string | null; updatedAt: string }[];
};

/** The same document, whatever whitespace the markdown writer chose. */
const sameDocument = (a: string, b: string) => expect(markdownToNode(a).toJSON()).toEqual(markdownToNode(b).toJSON());

const RICH_MARKDOWN = `# Rollout plan

Some **bold**, *italic*, ~~struck~~ and \`inline code\`, with a [link](https://example.com/guide).

- first
- second
  - nested

1. one
2. two

- [ ] open task
- [x] done task

\`\`\`sql
select 1;
\`\`\`

> A quote.

| Region | Users |
| --- | --- |
| EU | 85 |

---

The end.
`;

describe("creating and reading pages", () => {
  it("creates a page from markdown and answers the same document back", async () => {
    const created = await server.api(`/api/v1/rooms/${cast.room.id}/pages`, {
      token: cast.owner.token,
      body: { title: "Rollout plan", visibility: "shared", markdown: RICH_MARKDOWN },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ roomId: cast.room.id, title: "Rollout plan", visibility: "shared", parentId: null });
    expect(created.body.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(new Date(created.body.updatedAt).toISOString()).toBe(created.body.updatedAt);

    const res = await server.api(`/api/v1/pages/${created.body.id}`, { token: cast.externalViewer.token });
    expect(res.status).toBe(200);
    expect(Object.keys(res.body)).toEqual(expect.arrayContaining(["id", "roomId", "title", "visibility", "parentId", "markdown", "updatedAt"]));
    sameDocument(res.body.markdown, RICH_MARKDOWN);
    expect(res.body.markdown).toContain("- [x] done task");
    expect(res.body.markdown).toContain("```sql");
    expect(res.body.markdown).toContain("[link](https://example.com/guide)");
  });

  it("stores the content as the page's Yjs state and its rendered HTML and text", async () => {
    const page = await newPage(cast.internalEditor, { title: "Rendered", visibility: "internal", markdown: "Hello **world**" });
    const [row] = await server.sql<{ contentText: string; contentHtml: string; updates: number }[]>`
      select content_text as "contentText", content_html as "contentHtml",
             (select count(*)::int from page_updates u where u.page_id = p.id) +
             (select count(*)::int from page_states s where s.page_id = p.id) as updates
      from pages p where p.id = ${page.id}`;
    expect(row!.contentText).toBe("Hello world");
    expect(row!.contentHtml).toBe("<p>Hello <strong>world</strong></p>");
    expect(row!.updates).toBeGreaterThan(0);
  });

  it("creates an empty page without markdown", async () => {
    const page = await newPage(cast.internalEditor, { title: "Blank", visibility: "shared" });
    expect(page.markdown).toBe("");
  });

  it("never lets raw HTML in markdown through as HTML", async () => {
    const page = await newPage(cast.owner, {
      title: "Hostile",
      visibility: "shared",
      markdown: '<script>alert(1)</script>\n\n<img src=x onerror="alert(2)"> and [click](javascript:alert(3))',
    });
    const [row] = await server.sql<{ contentHtml: string }[]>`select content_html as "contentHtml" from pages where id = ${page.id}`;
    expect(row!.contentHtml).not.toMatch(/<script|<img|javascript:/i);
    expect(row!.contentHtml).toContain("&lt;script&gt;");
    const res = await server.api(`/api/v1/pages/${page.id}`, { token: cast.owner.token });
    expect(res.body.markdown).not.toContain("<script>");
    expect(res.body.markdown).not.toContain("javascript:");
  });

  it("publishes page.created with the page's visibility", async () => {
    const events: RoomEvent[] = [];
    const off = server.app.bus.onEvent((e) => events.push(e));
    try {
      const page = await newPage(cast.internalEditor, { title: "Announced", visibility: "internal" });
      const event = events.find((e) => e.type === "page.created" && e.payload.pageId === page.id);
      expect(event).toMatchObject({ roomId: cast.room.id, visibility: "internal", payload: { title: "Announced" } });
    } finally {
      off();
    }
  });

  it("records page.created in the activity log with the page's visibility", async () => {
    const page = await newPage(cast.owner, { title: "Logged", visibility: "internal" });
    const rows = await server.sql<{ type: string; visibility: string }[]>`
      select type, visibility from activities where object_id = ${page.id}`;
    expect(rows).toEqual([{ type: "page.created", visibility: "internal" }]);
  });
});

describe("who may create and change pages", () => {
  it("viewers and commenters cannot create pages (403)", async () => {
    for (const user of [cast.internalViewer, cast.externalViewer]) {
      const res = await server.api(`/api/v1/rooms/${cast.room.id}/pages`, { token: user.token, body: { title: "No", visibility: "shared" } });
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe("forbidden");
    }
  });

  it("viewers cannot change pages (403)", async () => {
    const page = await newPage(cast.owner, { title: "Read only for viewers", visibility: "shared" });
    for (const user of [cast.internalViewer, cast.externalViewer]) {
      const res = await server.api(`/api/v1/pages/${page.id}`, { method: "PATCH", token: user.token, body: { title: "Changed" } });
      expect(res.status).toBe(403);
      const archive = await server.api(`/api/v1/pages/${page.id}/archive`, { method: "POST", token: user.token });
      expect(archive.status).toBe(403);
    }
  });

  it("an external editor creates shared pages but not internal ones", async () => {
    const shared = await server.api(`/api/v1/rooms/${cast.room.id}/pages`, {
      token: cast.externalEditor.token,
      body: { title: "Our questions", visibility: "shared", markdown: "What about SSO?" },
    });
    expect(shared.status).toBe(201);
    const internal = await server.api(`/api/v1/rooms/${cast.room.id}/pages`, {
      token: cast.externalEditor.token,
      body: { title: "Sneaky", visibility: "internal" },
    });
    expect(internal.status).toBe(403);
    expect(internal.body.error.message).toMatch(/shared/);
  });

  it("an external editor edits a shared page but cannot change its visibility (403)", async () => {
    const page = await newPage(cast.owner, { title: "Joint notes", visibility: "shared" });
    const renamed = await server.api(`/api/v1/pages/${page.id}`, { method: "PATCH", token: cast.externalEditor.token, body: { title: "Joint notes (Acme)" } });
    expect(renamed.status).toBe(200);
    expect(renamed.body.title).toBe("Joint notes (Acme)");
    const hidden = await server.api(`/api/v1/pages/${page.id}`, { method: "PATCH", token: cast.externalEditor.token, body: { visibility: "internal" } });
    expect(hidden.status).toBe(403);
    const still = await server.api(`/api/v1/pages/${page.id}`, { token: cast.externalEditor.token });
    expect(still.body.visibility).toBe("shared");
  });

  it("an internal viewer cannot change visibility either (403)", async () => {
    const page = await newPage(cast.owner, { title: "Viewer visibility", visibility: "shared" });
    const res = await server.api(`/api/v1/pages/${page.id}`, { method: "PATCH", token: cast.internalViewer.token, body: { visibility: "internal" } });
    expect(res.status).toBe(403);
  });

  it("replaces content with markdown through PATCH, as a change to the document", async () => {
    const page = await newPage(cast.owner, { title: "Editable", visibility: "shared", markdown: "First draft" });
    const res = await server.api(`/api/v1/pages/${page.id}`, {
      method: "PATCH", token: cast.externalEditor.token, body: { markdown: "Second draft with **more**" },
    });
    expect(res.status).toBe(200);
    expect(res.body.markdown.trim()).toBe("Second draft with **more**");
    const [row] = await server.sql<{ pendingAuthors: string[] }[]>`select pending_authors as "pendingAuthors" from page_version_marks where page_id = ${page.id}`;
    expect(row!.pendingAuthors).toEqual(expect.arrayContaining([cast.owner.id, cast.externalEditor.id]));
  });
});

describe("internal pages do not exist for external participants", () => {
  let internal: { id: string };
  beforeAll(async () => {
    internal = await newPage(cast.owner, { title: "Discount floor", visibility: "internal", markdown: "Floor is 18%." });
    await server.api(`/api/v1/pages/${internal.id}/versions`, { method: "POST", token: cast.owner.token, body: {} });
  });

  it("answers 404 on every page surface, like an id that does not exist", async () => {
    const requests: [string, string, unknown?][] = [
      ["GET", `/api/v1/pages/${internal.id}`],
      ["PATCH", `/api/v1/pages/${internal.id}`, { title: "Mine now" }],
      ["POST", `/api/v1/pages/${internal.id}/archive`],
      ["POST", `/api/v1/pages/${internal.id}/unarchive`],
      ["GET", `/api/v1/pages/${internal.id}/versions`],
      ["POST", `/api/v1/pages/${internal.id}/versions`, {}],
      ["GET", `/api/v1/pages/${internal.id}/versions/1`],
      ["POST", `/api/v1/pages/${internal.id}/versions/1/restore`],
      ["GET", `/api/v1/pages/${internal.id}/versions/1/diff/1`],
    ];
    const missing = "00000000-0000-4000-8000-000000000000";
    for (const user of [cast.externalEditor, cast.externalViewer]) {
      for (const [method, path, body] of requests) {
        const res = await server.api(path, { method, token: user.token, body });
        expect(res.status, `${method} ${path}`).toBe(404);
        const unknown = await server.api(path.replace(internal.id, missing), { method, token: user.token, body });
        expect(res.body, `${method} ${path}`).toEqual(unknown.body);
      }
    }
  });

  it("leaves it out of the external page list", async () => {
    const titles = (await listTitles(cast.externalViewer)).map((p) => p.title);
    expect(titles).not.toContain("Discount floor");
    expect((await listTitles(cast.internalViewer)).map((p) => p.title)).toContain("Discount floor");
  });

  it("cannot be used as a parent by an external editor", async () => {
    const res = await server.api(`/api/v1/rooms/${cast.room.id}/pages`, {
      token: cast.externalEditor.token,
      body: { title: "Child", visibility: "shared", parentId: internal.id },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.fields.parentId).toBe("is not a page of this room");
  });

  it("pages of a room one is not in answer 404 to outsiders and organization members alike", async () => {
    for (const user of [cast.outsider, cast.orgMember]) {
      expect((await server.api(`/api/v1/pages/${internal.id}`, { token: user.token })).status).toBe(404);
      expect((await server.api(`/api/v1/rooms/${cast.room.id}/pages`, { token: user.token })).status).toBe(404);
    }
  });
});

describe("visibility changes", () => {
  it("making a page internal invalidates live access to it, hides it from externals and is logged as internal", async () => {
    const page = await newPage(cast.owner, { title: "Going internal", visibility: "shared" });
    const scopes: InvalidationScope[] = [];
    const events: RoomEvent[] = [];
    const offScopes = server.app.bus.onInvalidate((s) => scopes.push(s));
    const offEvents = server.app.bus.onEvent((e) => events.push(e));
    try {
      const res = await server.api(`/api/v1/pages/${page.id}`, { method: "PATCH", token: cast.internalEditor.token, body: { visibility: "internal" } });
      expect(res.status).toBe(200);
      expect(res.body.visibility).toBe("internal");
    } finally {
      offScopes();
      offEvents();
    }
    expect(scopes).toContainEqual({ pageIds: [page.id] });
    const updated = events.find((e) => e.type === "page.updated" && e.payload.pageId === page.id);
    expect(updated?.visibility).toBe("internal");
    // Shared events about it tell externals only that it is gone (and there is such an event).
    const shared = events.filter((e) => e.visibility === "shared");
    expect(shared.length).toBeGreaterThan(0);
    for (const e of shared) expect(e).toMatchObject({ type: "page.removed", payload: { pageId: page.id } });

    expect((await server.api(`/api/v1/pages/${page.id}`, { token: cast.externalEditor.token })).status).toBe(404);
    const [activity] = await server.sql<{ visibility: string }[]>`
      select visibility from activities where object_id = ${page.id} and type = 'page.visibility_changed'`;
    expect(activity!.visibility).toBe("internal");
  });

  it("making a page shared shows it to externals, without an invalidation", async () => {
    const page = await newPage(cast.owner, { title: "Going shared", visibility: "internal" });
    const scopes: InvalidationScope[] = [];
    const off = server.app.bus.onInvalidate((s) => scopes.push(s));
    try {
      const res = await server.api(`/api/v1/pages/${page.id}`, { method: "PATCH", token: cast.owner.token, body: { visibility: "shared" } });
      expect(res.status).toBe(200);
    } finally {
      off();
    }
    expect(scopes).toEqual([]);
    expect((await server.api(`/api/v1/pages/${page.id}`, { token: cast.externalViewer.token })).status).toBe(200);
  });
});

describe("the page tree", () => {
  it("lists visible pages in tree order with their parents", async () => {
    const owner = cast.owner;
    const treeRoom = await createRoom(server, owner, { name: "Tree room" });
    const make = (title: string, parentId?: string) => newPage(owner, { title, visibility: "shared", parentId }, treeRoom.id);
    const a = await make("A");
    const b = await make("B");
    const a1 = await make("A1", a.id);
    const a2 = await make("A2", a.id);
    const a1x = await make("A1x", a1.id);
    const res = await server.api(`/api/v1/rooms/${treeRoom.id}/pages`, { token: owner.token });
    expect(res.status).toBe(200);
    expect(res.body.items.map((p: any) => [p.title, p.parentId])).toEqual([
      ["A", null], ["A1", a.id], ["A1x", a1.id], ["A2", a.id], ["B", null],
    ]);
    for (const item of res.body.items) expect(Object.keys(item)).toEqual(expect.arrayContaining(["id", "title", "visibility", "parentId", "updatedAt"]));

    // Reorder: B first, then A2 before A1.
    expect((await server.api(`/api/v1/pages/${b.id}`, { method: "PATCH", token: owner.token, body: { sortOrder: -1 } })).status).toBe(200);
    expect((await server.api(`/api/v1/pages/${a2.id}`, { method: "PATCH", token: owner.token, body: { sortOrder: 0 } })).status).toBe(200);
    // Move A1x to the top level (it goes last).
    const moved = await server.api(`/api/v1/pages/${a1x.id}`, { method: "PATCH", token: owner.token, body: { parentId: null } });
    expect(moved.status).toBe(200);
    expect(moved.body.parentId).toBeNull();
    const after = await server.api(`/api/v1/rooms/${treeRoom.id}/pages`, { token: owner.token });
    expect(after.body.items.map((p: any) => p.title)).toEqual(["B", "A", "A2", "A1", "A1x"]);
  });

  it("shows a shared page under an internal one at its nearest visible ancestor for externals", async () => {
    const top = await newPage(cast.owner, { title: "Shared top", visibility: "shared" });
    const hidden = await newPage(cast.owner, { title: "Internal middle", visibility: "internal", parentId: top.id });
    const leaf = await newPage(cast.owner, { title: "Shared leaf", visibility: "shared", parentId: hidden.id });
    const orphan = await newPage(cast.owner, { title: "Internal root", visibility: "internal" });
    const orphanChild = await newPage(cast.owner, { title: "Shared under internal root", visibility: "shared", parentId: orphan.id });

    const external = await listTitles(cast.externalEditor);
    expect(external.find((p) => p.id === leaf.id)?.parentId).toBe(top.id);
    expect(external.find((p) => p.id === orphanChild.id)?.parentId).toBeNull();
    expect(external.some((p) => p.id === hidden.id || p.id === orphan.id)).toBe(false);
    expect((await server.api(`/api/v1/pages/${leaf.id}`, { token: cast.externalEditor.token })).body.parentId).toBe(top.id);

    const internal = await listTitles(cast.internalViewer);
    expect(internal.find((p) => p.id === leaf.id)?.parentId).toBe(hidden.id);
    expect((await server.api(`/api/v1/pages/${leaf.id}`, { token: cast.owner.token })).body.parentId).toBe(hidden.id);

    // An external editor renaming the page and sending back the parent they were shown does not move it.
    const res = await server.api(`/api/v1/pages/${leaf.id}`, {
      method: "PATCH", token: cast.externalEditor.token, body: { title: "Shared leaf (renamed)", parentId: top.id },
    });
    expect(res.status).toBe(200);
    const [row] = await server.sql<{ parentId: string }[]>`select parent_id as "parentId" from pages where id = ${leaf.id}`;
    expect(row!.parentId).toBe(hidden.id);
  });

  it("archives and brings back a page; archived pages leave the list unless asked for", async () => {
    const page = await newPage(cast.internalEditor, { title: "Old idea", visibility: "shared" });
    const archived = await server.api(`/api/v1/pages/${page.id}/archive`, { method: "POST", token: cast.internalEditor.token });
    expect(archived.status).toBe(200);
    expect(archived.body.archivedAt).not.toBeNull();
    expect((await listTitles(cast.owner)).map((p) => p.id)).not.toContain(page.id);
    expect((await listTitles(cast.owner, "?archived=true")).map((p) => p.id)).toContain(page.id);
    expect((await server.api(`/api/v1/pages/${page.id}`, { token: cast.externalViewer.token })).status).toBe(200);
    const [activity] = await server.sql<{ visibility: string }[]>`select visibility from activities where object_id = ${page.id} and type = 'page.archived'`;
    expect(activity!.visibility).toBe("shared");

    const back = await server.api(`/api/v1/pages/${page.id}/unarchive`, { method: "POST", token: cast.externalEditor.token });
    expect(back.status).toBe(200);
    expect(back.body.archivedAt).toBeNull();
    expect((await listTitles(cast.owner)).map((p) => p.id)).toContain(page.id);
  });
});

describe("bad input", () => {
  const create = (body: unknown) => server.api(`/api/v1/rooms/${cast.room.id}/pages`, { token: cast.owner.token, body });

  it("a missing or too long title is a 400 naming the field", async () => {
    const missing = await create({ visibility: "shared" });
    expect(missing.status).toBe(400);
    expect(missing.body.error.fields.title).toBeDefined();
    const blank = await create({ title: "   ", visibility: "shared" });
    expect(blank.status).toBe(400);
    const long = await create({ title: "x".repeat(201), visibility: "shared" });
    expect(long.status).toBe(400);
    expect(long.body.error.fields.title).toMatch(/200/);
  });

  it("a bad visibility is a 400 naming the field", async () => {
    const res = await create({ title: "Hmm", visibility: "public" });
    expect(res.status).toBe(400);
    expect(res.body.error.fields.visibility).toMatch(/internal|shared/);
    const none = await create({ title: "Hmm" });
    expect(none.status).toBe(400);
    expect(none.body.error.fields.visibility).toBeDefined();
  });

  it("markdown over 1 MB is a 413; just under is accepted", async () => {
    const tooBig = await create({ title: "Huge", visibility: "shared", markdown: "a".repeat(1_000_001) });
    expect(tooBig.status).toBe(413);
    expect(tooBig.body.error.code).toBe("payload_too_large");
    const bodyTooBig = await create({ title: "Huger", visibility: "shared", markdown: "a".repeat(3_000_000) });
    expect(bodyTooBig.status).toBe(413);
    const fits = await create({ title: "Big", visibility: "shared", markdown: "word ".repeat(199_000) });
    expect(fits.status).toBe(201);
    const page = fits.body.id;
    const patchTooBig = await server.api(`/api/v1/pages/${page}`, { method: "PATCH", token: cast.owner.token, body: { markdown: "é".repeat(500_001) } });
    expect(patchTooBig.status).toBe(413);
  });

  it("markdown that is not a string is a 400", async () => {
    const res = await create({ title: "Odd", visibility: "shared", markdown: 42 });
    expect(res.status).toBe(400);
    expect(res.body.error.fields.markdown).toBeDefined();
  });

  it("a parent that does not exist, or is in another room, is a 400", async () => {
    const none = await create({ title: "Lost", visibility: "shared", parentId: "00000000-0000-4000-8000-000000000000" });
    expect(none.status).toBe(400);
    expect(none.body.error.fields.parentId).toBeDefined();
    const elsewhere = await newPage(cast.owner, { title: "Elsewhere", visibility: "shared" }, cast.otherRoom.id);
    const other = await create({ title: "Cross-room", visibility: "shared", parentId: elsewhere.id });
    expect(other.status).toBe(400);
    const notId = await create({ title: "Junk", visibility: "shared", parentId: "not-an-id" });
    expect(notId.status).toBe(400);
  });

  it("moving a page under itself or its own sub-page is a 400 and changes nothing", async () => {
    const top = await newPage(cast.owner, { title: "Cycle top", visibility: "shared" });
    const child = await newPage(cast.owner, { title: "Cycle child", visibility: "shared", parentId: top.id });
    const grandchild = await newPage(cast.owner, { title: "Cycle grandchild", visibility: "shared", parentId: child.id });
    for (const parentId of [top.id, grandchild.id, child.id]) {
      const res = await server.api(`/api/v1/pages/${top.id}`, { method: "PATCH", token: cast.owner.token, body: { parentId } });
      expect(res.status, parentId).toBe(400);
      expect(res.body.error.fields.parentId).toBeDefined();
    }
    const [row] = await server.sql<{ parentId: string | null }[]>`select parent_id as "parentId" from pages where id = ${top.id}`;
    expect(row!.parentId).toBeNull();
  });

  it("unknown fields in PATCH, bad JSON and unknown ids are refused", async () => {
    const page = await newPage(cast.owner, { title: "Strict", visibility: "shared" });
    const unknown = await server.api(`/api/v1/pages/${page.id}`, { method: "PATCH", token: cast.owner.token, body: { colour: "red" } });
    expect(unknown.status).toBe(400);
    const badJson = await server.api(`/api/v1/pages/${page.id}`, { method: "PATCH", token: cast.owner.token, rawBody: "{nope" });
    expect(badJson.status).toBe(400);
    expect(badJson.body.error.code).toBe("invalid_json");
    expect((await server.api("/api/v1/pages/not-a-page", { token: cast.owner.token })).status).toBe(404);
    expect((await server.api(`/api/v1/pages/${page.id}`, { method: "PATCH", token: cast.owner.token, body: { visibility: "everyone" } })).status).toBe(400);
  });

  it("requires authentication", async () => {
    const res = await server.api(`/api/v1/rooms/${cast.room.id}/pages`);
    expect(res.status).toBe(401);
  });
});
