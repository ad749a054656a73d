import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadStanding } from "../../server/access/index.ts";
import { sendDigests } from "../../server/notifications/digest.ts";
import { searchMessages } from "../../server/threads/search.ts";
import { addParticipant, roomWithCast, type TestUser } from "../support/factories.ts";
import { startTestServer, type TestServer } from "../support/server.ts";

let server: TestServer;
let cast: Awaited<ReturnType<typeof roomWithCast>>;
let roomId: string;

beforeAll(async () => {
  server = await startTestServer();
  cast = await roomWithCast(server);
  roomId = cast.room.id;
});
afterAll(async () => {
  await server.close();
});

const api = (token: string, path: string, body?: unknown, method?: string) =>
  server.api(`/api/v1${path}`, { token, body, method: method ?? (body === undefined ? "GET" : "POST") });
const mention = (u: TestUser) => `@[${u.name}](${u.id})`;

async function thread(user: TestUser, visibility: "internal" | "shared", title: string, body = "first", room = roomId) {
  const res = await api(user.token, `/rooms/${room}/threads`, { title, visibility, body });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
}
async function post(user: TestUser, threadId: string, body: string) {
  const res = await api(user.token, `/threads/${threadId}/messages`, { body });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
}
async function notifications(user: TestUser) {
  const res = await api(user.token, "/notifications");
  expect(res.status).toBe(200);
  return res.body as { items: any[]; unreadCount: number };
}

describe("notifications", () => {
  it("notifies mentions and replies in threads one wrote in, and new content one may see", async () => {
    const prospect = await addParticipant(server, cast.owner, roomId, "external", "commenter");
    const t = await thread(prospect, "shared", "Data residency");
    const reply = await post(cast.owner, t.id, "EU only, yes.");
    const ping = await post(cast.internalEditor, t.id, `${mention(prospect)} can you confirm the region?`);

    const mine = await notifications(prospect);
    const reply1 = mine.items.find((n) => n.messageId === reply.id);
    const mention1 = mine.items.find((n) => n.messageId === ping.id);
    expect(reply1).toMatchObject({ kind: "reply", threadId: t.id, title: "Data residency", actor: { id: cast.owner.id }, url: `/rooms/${roomId}/threads/${t.id}` });
    expect(mention1).toMatchObject({ kind: "mention", excerpt: `@${prospect.name} can you confirm the region?` });
    // The owner wrote in the thread: the internal editor's message is a reply for them.
    expect((await notifications(cast.owner)).items.some((n) => n.messageId === ping.id && n.kind === "reply")).toBe(true);

    // New content: a shared page reaches the prospect, an internal one does not.
    const sharedPage = await api(cast.owner.token, `/rooms/${roomId}/pages`, { title: "Rollout plan", visibility: "shared" });
    const internalPage = await api(cast.owner.token, `/rooms/${roomId}/pages`, { title: "Pricing floor", visibility: "internal" });
    const after = await notifications(prospect);
    expect(after.items.some((n) => n.kind === "content" && n.objectId === sharedPage.body.id && n.type === "page.created")).toBe(true);
    expect(JSON.stringify(after)).not.toContain(internalPage.body.id);
    expect(JSON.stringify(after)).not.toContain("Pricing floor");
    expect((await notifications(cast.internalViewer)).items.some((n) => n.objectId === internalPage.body.id)).toBe(true);
    // One's own content is no news.
    expect((await notifications(cast.owner)).items.some((n) => n.objectId === sharedPage.body.id)).toBe(false);

    // Reading the thread reads its notifications; the rest can be read one by one or all at once.
    expect(after.unreadCount).toBeGreaterThanOrEqual(3);
    await api(prospect.token, `/threads/${t.id}/read`, {});
    const afterRead = await notifications(prospect);
    expect(afterRead.items.filter((n) => n.threadId === t.id && n.readAt === null)).toEqual([]);
    const content = afterRead.items.find((n) => n.objectId === sharedPage.body.id);
    const one = await api(prospect.token, `/notifications/${content.id}/read`, {});
    expect(one.status).toBe(200);
    expect(one.body.unreadCount).toBe(afterRead.unreadCount - 1);
    expect((await api(cast.owner.token, `/notifications/${content.id}/read`, {})).status).toBe(404);
    expect((await api(prospect.token, `/notifications/read-all`, {})).body.unreadCount).toBe(0);
  });

  it("follows the per-room level: mentions only, then nothing", async () => {
    const buyer = await addParticipant(server, cast.owner, roomId, "external", "commenter");
    expect((await api(buyer.token, `/rooms/${roomId}/notification-preference`, { level: "mentions" }, "PUT")).status).toBe(200);
    const t = await thread(buyer, "shared", "Levels");
    const plainReply = await post(cast.owner, t.id, "a reply");
    const mentioned = await post(cast.owner, t.id, `hey ${mention(buyer)}`);
    let items = (await notifications(buyer)).items;
    expect(items.some((n) => n.messageId === plainReply.id)).toBe(false);
    expect(items.some((n) => n.messageId === mentioned.id && n.kind === "mention")).toBe(true);

    expect((await api(buyer.token, `/rooms/${roomId}/notification-preference`, { level: "nothing" }, "PUT")).status).toBe(200);
    const silenced = await post(cast.owner, t.id, `again ${mention(buyer)}`);
    await api(cast.owner.token, `/rooms/${roomId}/pages`, { title: "Quiet page", visibility: "shared" });
    items = (await notifications(buyer)).items;
    expect(items.some((n) => n.messageId === silenced.id)).toBe(false);
    expect(JSON.stringify(items)).not.toContain("Quiet page");

    const prefs = await api(buyer.token, "/notifications/preferences");
    expect(prefs.body.rooms).toEqual([{ roomId, roomName: cast.room.name, level: "nothing" }]);
    expect((await api(buyer.token, `/rooms/${roomId}/notification-preference`, { level: "loud" }, "PUT")).status).toBe(400);
    expect((await api(buyer.token, `/rooms/${cast.otherRoom.id}/notification-preference`, { level: "nothing" }, "PUT")).status).toBe(404);
  });

  it("offers for @mentions only the participants who may see the thread", async () => {
    const shared = await api(cast.owner.token, `/rooms/${roomId}/mentionable?visibility=shared`);
    const internal = await api(cast.owner.token, `/rooms/${roomId}/mentionable?visibility=internal`);
    const ids = (r: any) => r.body.items.map((p: any) => p.id);
    expect(ids(shared)).toEqual(expect.arrayContaining([cast.externalEditor.id, cast.internalEditor.id]));
    expect(ids(internal)).toContain(cast.internalEditor.id);
    expect(ids(internal)).not.toContain(cast.externalEditor.id);
    expect(ids(internal)).not.toContain(cast.externalViewer.id);
    expect(ids(shared)).not.toContain(cast.owner.id);
    expect(JSON.stringify(shared.body)).not.toContain("@");
    expect((await api(cast.externalEditor.token, `/rooms/${roomId}/mentionable?visibility=internal`)).status).toBe(404);
    expect((await api(cast.externalEditor.token, `/rooms/${roomId}/mentionable?visibility=secret`)).status).toBe(400);
  });

  it("mails a daily digest listing only what the recipient may still see", async () => {
    const reader = await addParticipant(server, cast.owner, roomId, "external", "commenter");
    const elsewhere = await addParticipant(server, cast.owner, cast.otherRoom.id, "external", "commenter");
    // The same person in a second room, which they will be removed from.
    const invite = await api(cast.owner.token, `/rooms/${cast.otherRoom.id}/invitations`, { email: reader.email, side: "external", role: "commenter" });
    expect((await api(reader.token, `/invitations/${invite.body.token}/accept`, {})).status).toBe(200);
    expect((await api(reader.token, "/notifications/digest", { enabled: true }, "PUT")).body).toEqual({ enabled: true });
    expect((await api(elsewhere.token, "/notifications/digest", { enabled: true }, "PUT")).status).toBe(200);
    expect((await api(reader.token, "/notifications/digest", { enabled: "yes" }, "PUT")).status).toBe(400);

    const visible = await thread(cast.owner, "shared", "DIGEST-VISIBLE thread", `Please review ${mention(reader)}`);
    await thread(cast.owner, "internal", "DIGEST-INTERNAL thread", `Not for ${mention(reader)}`);
    const page = await api(cast.owner.token, `/rooms/${roomId}/pages`, { title: "DIGEST-PAGE soon internal", visibility: "shared" });
    const gone = await thread(cast.owner, "shared", "DIGEST-LEFT-ROOM thread", `Hi ${mention(reader)}`, cast.otherRoom.id);
    await post(cast.owner, gone.id, `And ${mention(elsewhere)}`);
    // Collected while still visible, then access changes before the digest is built.
    expect(JSON.stringify(await notifications(reader))).toContain("DIGEST-PAGE");
    expect((await api(cast.owner.token, `/pages/${page.body.id}`, { visibility: "internal" }, "PATCH")).status).toBe(200);
    expect((await api(cast.owner.token, `/rooms/${cast.otherRoom.id}/participants/${reader.id}`, undefined, "DELETE")).status).toBe(204);

    const now = new Date(Date.now() + 1000);
    const result = await sendDigests(server.app, now);
    expect(result.sent).toBeGreaterThanOrEqual(2);
    const [mail] = await server.sql<{ subject: string; text: string; sentAt: Date | null }[]>`
      select subject, text, sent_at as "sentAt" from mail_outbox
      where "to" = ${reader.email} and subject not like '%invited you%' order by created_at desc`;
    expect(mail).toBeDefined();
    expect(mail!.sentAt).toBeNull(); // no SMTP_URL here: kept in the outbox
    expect(mail!.text).toContain("DIGEST-VISIBLE thread");
    expect(mail!.text).toContain(`/rooms/${roomId}/threads/${visible.id}`);
    expect(mail!.text).not.toContain("DIGEST-INTERNAL");
    expect(mail!.text).not.toContain("DIGEST-PAGE");
    expect(mail!.text).not.toContain("DIGEST-LEFT-ROOM");
    expect(mail!.text).not.toContain(cast.otherRoom.name);
    const [other] = await server.sql<{ text: string }[]>`select text from mail_outbox where "to" = ${elsewhere.email} and subject not like '%invited you%'`;
    expect(other!.text).toContain("DIGEST-LEFT-ROOM");

    // Once a day: a second run right after sends nothing new.
    expect((await sendDigests(server.app, new Date(now.getTime() + 60_000))).sent).toBe(0);
    const count = await server.sql`select 1 from mail_outbox where "to" = ${reader.email} and subject not like '%invited you%'`;
    expect(count.length).toBe(1);
    // Those who did not opt in get nothing.
    expect((await server.sql`select 1 from mail_outbox where "to" = ${cast.externalEditor.email} and subject not like '%invited you%'`).length).toBe(0);
  });
});

describe("message search", () => {
  it("finds messages in threads the reader may see, never internal ones for external participants", async () => {
    const internal = await thread(cast.owner, "internal", "Searchable internal", "The zeppelin discount is approved");
    const shared = await thread(cast.owner, "shared", "Searchable shared", "The zeppelin rollout starts in May");
    const deleted = await post(cast.owner, shared.id, "zeppelin deleted words");
    await api(cast.owner.token, `/messages/${deleted.id}`, undefined, "DELETE");
    const ext = await loadStanding(server.sql, { userId: cast.externalViewer.id, name: "", email: "" }, roomId);
    const int = await loadStanding(server.sql, { userId: cast.internalViewer.id, name: "", email: "" }, roomId);

    const externalHits = await searchMessages({ sql: server.sql }, ext, "zeppelin");
    expect(externalHits.map((h) => h.id)).toEqual([shared.messages[0].id]);
    expect(externalHits[0]).toMatchObject({ type: "message", title: "Searchable shared", threadId: shared.id });
    expect(externalHits[0]!.snippet).toContain("zeppelin rollout");
    const internalHits = await searchMessages({ sql: server.sql }, int, "zeppelin");
    expect(internalHits.map((h) => h.id).sort()).toEqual([internal.messages[0].id, shared.messages[0].id].sort());
    expect(await searchMessages({ sql: server.sql }, ext, "   ")).toEqual([]);
  });
});
