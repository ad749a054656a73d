import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addParticipant, roomWithCast, type TestUser } from "../support/factories.ts";
import { startTestServer, type TestServer } from "../support/server.ts";

let server: TestServer;
let cast: Awaited<ReturnType<typeof roomWithCast>>;
let externalCommenter: TestUser;
let roomId: string;

beforeAll(async () => {
  server = await startTestServer();
  cast = await roomWithCast(server);
  roomId = cast.room.id;
  externalCommenter = await addParticipant(server, cast.owner, roomId, "external", "commenter");
});
afterAll(async () => {
  await server.close();
});

const api = (token: string, path: string, body?: unknown, method?: string) =>
  server.api(`/api/v1${path}`, { token, body, method: method ?? (body === undefined ? "GET" : "POST") });

async function startThread(user: TestUser, fields: { title?: string; visibility: "internal" | "shared"; body?: string; pageId?: string }) {
  const res = await api(user.token, `/rooms/${roomId}/threads`, { title: fields.title ?? "A question", body: fields.body ?? "First message", ...fields });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
}

describe("threads API (docs/api.md)", () => {
  it("starts a thread with its first message, lists it with messageCount and lastMessageAt, and takes replies", async () => {
    const thread = await startThread(cast.owner, { title: "Security review", visibility: "shared", body: "Who owns the **SOC 2** questions?" });
    expect(thread).toMatchObject({ roomId, title: "Security review", visibility: "shared", status: "open", messageCount: 1 });
    expect(thread.messages).toHaveLength(1);
    expect(thread.messages[0]).toMatchObject({ author: { id: cast.owner.id, name: cast.owner.name }, body: "Who owns the **SOC 2** questions?" });
    expect(thread.messages[0].html).toContain("<strong>SOC 2</strong>");

    const reply = await api(externalCommenter.token, `/threads/${thread.id}/messages`, { body: "Our CISO, Dana." });
    expect(reply.status).toBe(201);
    expect(Object.keys(reply.body)).toEqual(expect.arrayContaining(["id", "author", "body", "createdAt"]));
    expect(reply.body).toMatchObject({ threadId: thread.id, author: { id: externalCommenter.id, name: externalCommenter.name }, body: "Our CISO, Dana." });

    const list = await api(cast.externalViewer.token, `/rooms/${roomId}/threads`);
    expect(list.status).toBe(200);
    const listed = list.body.items.find((t: any) => t.id === thread.id);
    expect(listed).toMatchObject({ messageCount: 2, lastMessageAt: reply.body.createdAt });

    const messages = await api(cast.externalViewer.token, `/threads/${thread.id}/messages`);
    expect(messages.status).toBe(200);
    expect(messages.body.items.map((m: any) => m.body)).toEqual(["Who owns the **SOC 2** questions?", "Our CISO, Dana."]);
    for (const m of messages.body.items) {
      expect(m).toEqual(expect.objectContaining({ id: expect.any(String), author: expect.objectContaining({ id: expect.any(String), name: expect.any(String) }), createdAt: expect.any(String) }));
    }
  });

  it("keeps internal threads from external participants: 404 for messages, posting and the thread, absent from lists", async () => {
    const internal = await startThread(cast.internalEditor, { title: "Discount ceiling", visibility: "internal", body: "We can go to 18%." });
    for (const user of [cast.externalEditor, cast.externalViewer, externalCommenter]) {
      const messages = await api(user.token, `/threads/${internal.id}/messages`);
      expect(messages.status).toBe(404);
      expect(messages.body.error.code).toBe("not_found");
      const post = await api(user.token, `/threads/${internal.id}/messages`, { body: "let me in" });
      expect(post.status).toBe(404);
      expect((await api(user.token, `/threads/${internal.id}`)).status).toBe(404);
      expect((await api(user.token, `/threads/${internal.id}/resolve`, {})).status).toBe(404);
      const list = await api(user.token, `/rooms/${roomId}/threads`);
      expect(list.body.items.map((t: any) => t.id)).not.toContain(internal.id);
      expect(JSON.stringify(list.body)).not.toContain("Discount ceiling");
    }
    // The answer is the same as for an id that does not exist.
    const missing = await api(cast.externalEditor.token, `/threads/00000000-0000-4000-8000-000000000000/messages`);
    expect(missing.status).toBe(404);
    expect(missing.body.error.message).toBe((await api(cast.externalEditor.token, `/threads/${internal.id}/messages`)).body.error.message);
    // Outsiders get 404 for every thread, shared or not.
    expect((await api(cast.outsider.token, `/threads/${internal.id}/messages`)).status).toBe(404);
    expect((await api(cast.orgMember.token, `/rooms/${roomId}/threads`)).status).toBe(404);
    // Internal participants (and readers) see it.
    expect((await api(cast.internalViewer.token, `/threads/${internal.id}/messages`)).status).toBe(200);
  });

  it("lets commenters and up post, answers 403 to viewers, and only internal participants start internal threads", async () => {
    const shared = await startThread(externalCommenter, { visibility: "shared", title: "Pilot dates" });
    const viewerPost = await api(cast.internalViewer.token, `/threads/${shared.id}/messages`, { body: "me too" });
    expect(viewerPost.status).toBe(403);
    expect((await api(cast.externalViewer.token, `/threads/${shared.id}/messages`, { body: "me too" })).status).toBe(403);
    expect((await api(cast.externalViewer.token, `/rooms/${roomId}/threads`, { title: "x", visibility: "shared", body: "y" })).status).toBe(403);

    const externalInternal = await api(cast.externalEditor.token, `/rooms/${roomId}/threads`, { title: "Sneaky", visibility: "internal", body: "hi" });
    expect(externalInternal.status).toBe(403);
    const list = await api(cast.owner.token, `/rooms/${roomId}/threads`);
    expect(list.body.items.map((t: any) => t.title)).not.toContain("Sneaky");
  });

  it("rejects empty (400), oversized (413) and malformed input", async () => {
    const thread = await startThread(cast.owner, { visibility: "shared", title: "Bounds" });
    const path = `/threads/${thread.id}/messages`;
    for (const body of ["", "   \n\t "]) {
      const res = await api(cast.owner.token, path, { body });
      expect(res.status).toBe(400);
      expect(res.body.error.fields.body).toBeDefined();
    }
    const tooLong = await api(cast.owner.token, path, { body: "x".repeat(10_001) });
    expect(tooLong.status).toBe(413);
    expect(tooLong.body.error.code).toBe("message_too_large");
    expect((await api(cast.owner.token, path, { body: "y".repeat(10_000) })).status).toBe(201);
    expect((await api(cast.owner.token, path, { text: "wrong field" })).status).toBe(400);
    expect((await api(cast.owner.token, path, { body: 42 })).status).toBe(400);

    const longTitle = await api(cast.owner.token, `/rooms/${roomId}/threads`, { title: "t".repeat(201), visibility: "shared", body: "x" });
    expect(longTitle.status).toBe(400);
    expect(longTitle.body.error.fields.title).toBeDefined();
    const badVisibility = await api(cast.owner.token, `/rooms/${roomId}/threads`, { title: "ok", visibility: "public", body: "x" });
    expect(badVisibility.status).toBe(400);
    expect(badVisibility.body.error.fields.visibility).toBeDefined();
    const emptyFirst = await api(cast.owner.token, `/rooms/${roomId}/threads`, { title: "ok", visibility: "shared", body: "" });
    expect(emptyFirst.status).toBe(400);
    const bigFirst = await api(cast.owner.token, `/rooms/${roomId}/threads`, { title: "ok", visibility: "shared", body: "z".repeat(10_001) });
    expect(bigFirst.status).toBe(413);
    expect((await api(cast.owner.token, `/threads/not-an-id/messages`)).status).toBe(404);
  });

  it("renders markdown inert: no script, no event handlers, no javascript: links", async () => {
    const body = [
      "<script>alert('x')</script>",
      '<img src=x onerror="alert(1)">',
      "[click](javascript:alert(1)) [data](data:text/html;base64,PHNjcmlwdD4=) [ok](https://example.com/a)",
      "<a href=\"javascript:alert(2)\" onclick=\"alert(3)\">raw</a>",
      "- **bold** _it_ `code`",
    ].join("\n\n");
    const thread = await startThread(cast.owner, { visibility: "shared", title: "Markdown", body });
    const html: string = thread.messages[0].html;
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<img/i);
    expect(html).not.toMatch(/<a [^>]*href="(javascript|data):/i);
    expect(html).not.toMatch(/<[^>]+\son\w+=/i);
    expect(html).toContain("&lt;script&gt;");
    expect(html).toContain('<a href="https://example.com/a" rel="noopener noreferrer nofollow" target="_blank">ok</a>');
    expect(html).toContain("<strong>bold</strong>");
    expect(html).toContain("<em>it</em>");
    expect(html).toContain("<code>code</code>");
    // The source is kept as written.
    const messages = await api(cast.externalViewer.token, `/threads/${thread.id}/messages`);
    expect(messages.body.items[0].body).toBe(body);
  });

  it("answers a flood of messages with 429 and Retry-After", async () => {
    const thread = await startThread(cast.internalEditor, { visibility: "shared", title: "Flood" });
    // All at once, so the burst window cannot pass while they are sent.
    const responses = await Promise.all(
      Array.from({ length: 14 }, (_, i) => api(cast.internalEditor.token, `/threads/${thread.id}/messages`, { body: `message ${i}` })),
    );
    const statuses = responses.map((r) => r.status).sort();
    expect(statuses).toEqual([...Array(10).fill(201), ...Array(4).fill(429)]);
    const limited = responses.find((r) => r.status === 429)!;
    expect(limited.body.error.code).toBe("rate_limited");
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    // Another person in the same thread is not slowed down.
    expect((await api(cast.owner.token, `/threads/${thread.id}/messages`, { body: "calm" })).status).toBe(201);
  });

  it("edits and deletes only one's own messages; a deleted message shows as deleted", async () => {
    const thread = await startThread(externalCommenter, { visibility: "shared", title: "Edits", body: "Original" });
    const messageId = thread.messages[0].id;
    expect((await api(cast.owner.token, `/messages/${messageId}`, { body: "hijack" }, "PATCH")).status).toBe(403);
    expect((await api(cast.owner.token, `/messages/${messageId}`, undefined, "DELETE")).status).toBe(403);

    const edited = await api(externalCommenter.token, `/messages/${messageId}`, { body: "Edited *text*" }, "PATCH");
    expect(edited.status).toBe(200);
    expect(edited.body).toMatchObject({ body: "Edited *text*", deleted: false });
    expect(edited.body.editedAt).toEqual(expect.any(String));
    expect(edited.body.html).toContain("<em>text</em>");
    expect((await api(externalCommenter.token, `/messages/${messageId}`, { body: "" }, "PATCH")).status).toBe(400);

    expect((await api(externalCommenter.token, `/messages/${messageId}`, undefined, "DELETE")).status).toBe(204);
    const after = await api(cast.owner.token, `/threads/${thread.id}/messages`);
    expect(after.body.items[0]).toMatchObject({ id: messageId, deleted: true, body: "", html: "" });
    expect((await api(externalCommenter.token, `/messages/${messageId}`, { body: "back" }, "PATCH")).status).toBe(409);
    const listed = (await api(cast.owner.token, `/rooms/${roomId}/threads`)).body.items.find((t: any) => t.id === thread.id);
    expect(listed.messageCount).toBe(0);

    // Someone else's message in an internal thread is a 404 to externals, not a 403.
    const internal = await startThread(cast.owner, { visibility: "internal", title: "Private" });
    expect((await api(cast.externalEditor.token, `/messages/${internal.messages[0].id}`, { body: "x" }, "PATCH")).status).toBe(404);
    expect((await api(cast.externalEditor.token, `/messages/${internal.messages[0].id}`, undefined, "DELETE")).status).toBe(404);
  });

  it("resolves and reopens a thread (commenters and up)", async () => {
    const thread = await startThread(cast.owner, { visibility: "shared", title: "Resolve me" });
    expect((await api(cast.externalViewer.token, `/threads/${thread.id}/resolve`, {})).status).toBe(403);
    const resolved = await api(externalCommenter.token, `/threads/${thread.id}/resolve`, {});
    expect(resolved.status).toBe(200);
    expect(resolved.body).toMatchObject({ status: "resolved", resolvedBy: { id: externalCommenter.id } });
    const reopened = await api(cast.owner.token, `/threads/${thread.id}/reopen`, {});
    expect(reopened.body).toMatchObject({ status: "open", resolvedAt: null, resolvedBy: null });
  });

  it("links a thread to a page without revealing an internal page to external participants", async () => {
    const internalPage = await api(cast.owner.token, `/rooms/${roomId}/pages`, { title: "Pricing strategy", visibility: "internal" });
    expect(internalPage.status).toBe(201);
    const sharedPage = await api(cast.owner.token, `/rooms/${roomId}/pages`, { title: "Mutual plan", visibility: "shared" });
    const onInternal = await startThread(cast.owner, { visibility: "shared", title: "About pricing", pageId: internalPage.body.id });
    const onShared = await startThread(cast.owner, { visibility: "shared", title: "About the plan", pageId: sharedPage.body.id });
    expect(onInternal.page).toEqual({ id: internalPage.body.id, title: "Pricing strategy" });

    const seen = await api(cast.externalEditor.token, `/rooms/${roomId}/threads`);
    const a = seen.body.items.find((t: any) => t.id === onInternal.id);
    const b = seen.body.items.find((t: any) => t.id === onShared.id);
    expect(a.page).toBeNull();
    expect(b.page).toEqual({ id: sharedPage.body.id, title: "Mutual plan" });
    expect(JSON.stringify(seen.body)).not.toContain(internalPage.body.id);
    expect(JSON.stringify((await api(cast.externalEditor.token, `/threads/${onInternal.id}`)).body)).not.toContain("Pricing strategy");

    // An external participant cannot link to a page they cannot see: it does not exist for them.
    const probe = await api(cast.externalEditor.token, `/rooms/${roomId}/threads`, { title: "probe", visibility: "shared", body: "x", pageId: internalPage.body.id });
    expect(probe.status).toBe(404);
    expect(probe.body.error.message).toContain("Page");
  });

  it("shows the activity feed newest first, without internal activity for external participants", async () => {
    const internal = await startThread(cast.owner, { visibility: "internal", title: "Internal only" });
    const shared = await startThread(cast.owner, { visibility: "shared", title: "Everyone" });
    await api(cast.owner.token, `/threads/${internal.id}/messages`, { body: "internal reply" });
    await api(cast.owner.token, `/threads/${shared.id}/messages`, { body: "shared reply" });

    const internalFeed = await api(cast.internalViewer.token, `/rooms/${roomId}/activity`);
    expect(internalFeed.status).toBe(200);
    const ids = internalFeed.body.items.map((i: any) => Number(i.id));
    expect(ids).toEqual([...ids].sort((x, y) => y - x));
    expect(internalFeed.body.items.some((i: any) => i.objectId === internal.id)).toBe(true);
    const first = internalFeed.body.items[0];
    expect(Object.keys(first)).toEqual(expect.arrayContaining(["id", "type", "actor", "objectType", "objectId", "at"]));
    expect(first).toMatchObject({ type: "message.created", objectType: "message", actor: { id: cast.owner.id } });

    const externalFeed = await api(cast.externalViewer.token, `/rooms/${roomId}/activity`);
    expect(externalFeed.status).toBe(200);
    const text = JSON.stringify(externalFeed.body);
    expect(text).not.toContain(internal.id);
    expect(text).not.toContain(internal.messages[0].id);
    expect(text).not.toContain("Internal only");
    expect(externalFeed.body.items.some((i: any) => i.objectId === shared.id && i.type === "thread.created")).toBe(true);

    expect((await api(cast.outsider.token, `/rooms/${roomId}/activity`)).status).toBe(404);
    expect((await api(cast.owner.token, `/rooms/${roomId}/activity?limit=0`)).status).toBe(400);
    const paged = await api(cast.owner.token, `/rooms/${roomId}/activity?limit=2&before=${ids[0]}`);
    expect(paged.body.items.map((i: any) => Number(i.id))).toEqual(ids.slice(1, 3));
  });

  it("hides activity about a page made internal afterwards from external participants", async () => {
    const page = await api(cast.owner.token, `/rooms/${roomId}/pages`, { title: "Soon private", visibility: "shared" });
    const before = await api(cast.externalViewer.token, `/rooms/${roomId}/activity`);
    expect(before.body.items.some((i: any) => i.objectId === page.body.id)).toBe(true);
    expect((await api(cast.owner.token, `/pages/${page.body.id}`, { visibility: "internal" }, "PATCH")).status).toBe(200);
    const after = await api(cast.externalViewer.token, `/rooms/${roomId}/activity`);
    expect(JSON.stringify(after.body)).not.toContain(page.body.id);
  });
});
