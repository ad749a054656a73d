import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TEMPLATE_LIMITS } from "../../server/services/room-templates.ts";
import { createRoom, roomWithCast, signupUser, type TestUser } from "../support/factories.ts";
import { must, relaxPerIpLimits, uniqueLabel, uploadFile } from "../support/matrix-fixtures.ts";
import { startTestServer, type TestServer } from "../support/server.ts";

// Room templates (decision 020) over the real API: a new room starts from the built-in set or
// from one of its organization's templates, with the template's tree and visibility; admins save
// a room's pages as a template and delete it; nobody outside the organization, guests included,
// learns that a template exists.

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

interface ListedPage { id: string; title: string; visibility: string; parentId: string | null }
const pagesOf = async (who: TestUser, roomId: string) => (await api(who, `/rooms/${roomId}/pages`)).body.items as ListedPage[];
const shape = (pages: ListedPage[]) => {
  const title = new Map(pages.map((p) => [p.id, p.title]));
  return pages.map((p) => [p.title, p.visibility, p.parentId ? title.get(p.parentId) : null]);
};
const markdownOf = async (who: TestUser, pageId: string) => (await api(who, `/pages/${pageId}`)).body.markdown as string;

/** Pages as the seller leaves them in a room worth reusing: a shared tree, an internal page with a file card. */
async function playbookRoom(owner: TestUser) {
  const room = await createRoom(server, owner);
  const file = await uploadFile(server, owner.token, room.id, "price-list.txt", "bytes", { visibility: "internal" });
  const scope = await must(server, owner, `/rooms/${room.id}/pages`, { body: { title: "Scope", visibility: "shared", markdown: "# Scope\n\nWhat the pilot covers." } }, 201);
  await must(server, owner, `/rooms/${room.id}/pages`, { body: { title: "Sites", visibility: "shared", parentId: scope.id, markdown: "- Lisbon\n- Porto" } }, 201);
  await must(server, owner, `/rooms/${room.id}/pages`, {
    body: { title: "Pricing", visibility: "internal", markdown: `# Pricing\n\nFloor: 18%.\n\n[[file:${file.body.id}]]\n\nAsk the CFO below it.` },
  }, 201);
  return room;
}

describe("room templates", () => {
  it("a new room starts from the built-in set: its pages, tree and visibility; the guest reads only the shared ones", async () => {
    const listed = (await api(cast.orgMember, `/organizations/${cast.organization.id}/room-templates`)).body.items;
    const builtIn = listed.find((t: any) => t.id === "builtin:deal-room");
    expect(builtIn).toMatchObject({ name: "Deal room", builtIn: true });
    expect(builtIn.pages.map((p: any) => [p.title, p.visibility, p.depth])).toEqual([
      ["Welcome", "shared", 0], ["Business case", "shared", 0], ["Requirements", "shared", 0],
      ["Deal strategy", "internal", 0], ["Pricing notes", "internal", 1], ["Hand-off notes", "internal", 0],
    ]);

    const room = await must(server, cast.orgMember, "/rooms", { body: { name: uniqueLabel("from-built-in"), account: "Globex", templateId: "builtin:deal-room" } }, 201);
    const pages = await pagesOf(cast.orgMember, room.id);
    expect(shape(pages)).toEqual([
      ["Welcome", "shared", null], ["Business case", "shared", null], ["Requirements", "shared", null],
      ["Deal strategy", "internal", null], ["Pricing notes", "internal", "Deal strategy"], ["Hand-off notes", "internal", null],
    ]);
    expect(await markdownOf(cast.orgMember, pages.find((p) => p.title === "Deal strategy")!.id)).toContain("## Factors in our favour");
    // Nothing of the demo's customer in it.
    for (const page of pages) expect(await markdownOf(cast.orgMember, page.id)).not.toMatch(/Acme|Northwind|Jordan|Maya/);

    const invite = await must(server, cast.orgMember, `/rooms/${room.id}/invitations`, { body: { email: `${uniqueLabel("guest")}@example.test`, side: "external", role: "viewer" } }, 201);
    const guest = await server.api(`/api/v1/invitations/${invite.token}/accept`, { body: { name: "Gina Guest" } });
    expect(guest.status).toBe(200);
    const theirs = (await server.api(`/api/v1/rooms/${room.id}/pages`, { token: guest.body.token })).body.items as ListedPage[];
    expect(theirs.map((p) => p.title)).toEqual(["Welcome", "Business case", "Requirements"]);
  });

  it("an admin saves a room's pages as a template; a member starts a room from it, internal pages kept internal", async () => {
    const source = await playbookRoom(cast.owner);
    const name = uniqueLabel("Rollout playbook");
    const saved = await api(cast.owner, `/organizations/${cast.organization.id}/room-templates`, { name: `  ${name} `, roomId: source.id });
    expect(saved.status, JSON.stringify(saved.body)).toBe(201);
    expect(saved.body).toMatchObject({ name, builtIn: false, description: "3 pages, 1 internal", createdBy: { id: cast.owner.id } });
    expect(saved.body.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(saved.body.pages).toEqual([
      { title: "Scope", visibility: "shared", depth: 0 }, { title: "Sites", visibility: "shared", depth: 1 }, { title: "Pricing", visibility: "internal", depth: 0 },
    ]);
    // Listed for every member, after the built-in ones; one template with its Markdown.
    const listed = (await api(cast.orgMember, `/organizations/${cast.organization.id}/room-templates`)).body.items as any[];
    expect(listed.map((t) => t.id)).toEqual(["builtin:deal-room", saved.body.id]);
    const one = (await api(cast.orgMember, `/organizations/${cast.organization.id}/room-templates/${saved.body.id}`)).body;
    expect(one.pages[2]).toMatchObject({ title: "Pricing", visibility: "internal", parent: null });
    expect(one.pages[1]).toMatchObject({ title: "Sites", parent: 0 });

    const room = await must(server, cast.orgMember, "/rooms", { body: { name: uniqueLabel("from-playbook"), account: "Initech", templateId: saved.body.id } }, 201);
    const pages = await pagesOf(cast.orgMember, room.id);
    expect(shape(pages)).toEqual([["Scope", "shared", null], ["Sites", "shared", "Scope"], ["Pricing", "internal", null]]);
    const pricing = await markdownOf(cast.orgMember, pages.find((p) => p.title === "Pricing")!.id);
    // The file card named a file of the source room: left out, the text around it kept.
    expect(pricing).toContain("Floor: 18%.");
    expect(pricing).toContain("Ask the CFO below it.");
    expect(pricing).not.toContain("[[file:");
    // The room's activity: created, then its pages by their creator.
    const activity = (await api(cast.orgMember, `/rooms/${room.id}/activity`)).body.items as any[];
    expect(activity.filter((a) => a.type === "page.created")).toHaveLength(3);

    // The source room's internal readers see in its activity that it was saved (an internal entry).
    const sourceFeed = (await api(cast.owner, `/rooms/${source.id}/activity`)).body.items as any[];
    expect(sourceFeed.some((a) => a.type === "room_template.saved")).toBe(true);
  });

  it("guests and other organizations never see a template: 404 everywhere, and no room is made", async () => {
    const source = await playbookRoom(cast.owner);
    const saved = await must(server, cast.owner, `/organizations/${cast.organization.id}/room-templates`, { body: { name: uniqueLabel("Secret playbook"), roomId: source.id } }, 201);
    const org = cast.organization.id;
    for (const guest of [cast.externalEditor, cast.externalViewer, cast.outsider]) {
      expect((await api(guest, `/organizations/${org}/room-templates`)).status).toBe(404);
      expect((await api(guest, `/organizations/${org}/room-templates/${saved.id}`)).status).toBe(404);
      expect((await api(guest, `/organizations/${org}/room-templates/builtin:deal-room`)).status).toBe(404);
      expect((await api(guest, `/organizations/${org}/room-templates`, { name: uniqueLabel("x"), roomId: cast.room.id })).status).toBe(404);
      expect((await api(guest, `/organizations/${org}/room-templates/${saved.id}`, undefined, "DELETE")).status).toBe(404);
    }
    // Another organization's admin: their own organization's path does not reach it, nor does a new room.
    const { user: rival, organization: rivalOrg } = await signupUser(server);
    expect((await api(rival, `/organizations/${rivalOrg.id}/room-templates/${saved.id}`)).status).toBe(404);
    const before = (await api(rival, "/rooms")).body.items.length;
    const refused = await api(rival, "/rooms", { name: "Copycat", account: "Rival", templateId: saved.id });
    expect(refused.status).toBe(404);
    expect(refused.body.error.code).toBe("not_found");
    expect(JSON.stringify(refused.body)).not.toContain("Secret playbook");
    expect((await api(rival, "/rooms")).body.items).toHaveLength(before);
    // Their own list has the built-in set only.
    expect((await api(rival, `/organizations/${rivalOrg.id}/room-templates`)).body.items.map((t: any) => t.id)).toEqual(["builtin:deal-room"]);
    // A room of another organization cannot be saved into this one.
    const rivalRoom = await playbookRoom(rival);
    expect((await api(cast.owner, `/organizations/${org}/room-templates`, { name: uniqueLabel("theirs"), roomId: rivalRoom.id })).status).toBe(404);
    expect((await api(rival, `/organizations/${rivalOrg.id}/room-templates`, { name: uniqueLabel("mine"), roomId: source.id })).status).toBe(404);
  });

  it("members use templates but only admins save and delete them; built-in ones are not deleted", async () => {
    const source = await playbookRoom(cast.owner);
    const org = cast.organization.id;
    const save = (who: TestUser, name = uniqueLabel("Playbook")) => api(who, `/organizations/${org}/room-templates`, { name, roomId: source.id });
    for (const member of [cast.internalEditor, cast.orgMember]) {
      const res = await save(member);
      expect(res.status).toBe(403);
      expect(res.body.error.message).toBe("Only organization admins can manage room templates.");
    }
    const saved = (await save(cast.owner)).body;
    expect((await api(cast.orgMember, `/organizations/${org}/room-templates/${saved.id}`, undefined, "DELETE")).status).toBe(403);
    expect((await api(cast.owner, `/organizations/${org}/room-templates/builtin:deal-room`, undefined, "DELETE")).status).toBe(403);
    expect((await api(cast.owner, `/organizations/${org}/room-templates/${saved.id}`, undefined, "DELETE")).status).toBe(204);
    expect((await api(cast.owner, `/organizations/${org}/room-templates/${saved.id}`, undefined, "DELETE")).status).toBe(404);
    expect((await api(cast.orgMember, "/rooms", { name: "Late", account: "Late", templateId: saved.id })).status).toBe(404);
  });

  it("refuses bad input with the field named, and keeps every bound", async () => {
    const org = cast.organization.id;
    const source = await playbookRoom(cast.owner);
    const newRoom = (templateId: unknown) => api(cast.owner, "/rooms", { name: uniqueLabel("bad"), account: "Bad", templateId });
    for (const bad of ["nope", "builtin:", "builtin:Deal Room", 42, "x".repeat(101)]) {
      const res = await newRoom(bad);
      expect(res.status, String(bad)).toBe(400);
      expect(Object.keys(res.body.error.fields)).toEqual(["templateId"]);
    }
    expect((await newRoom("builtin:no-such-template")).status).toBe(404);
    expect((await newRoom("00000000-0000-4000-8000-000000000000")).status).toBe(404);

    const save = (body: unknown) => api(cast.owner, `/organizations/${org}/room-templates`, body);
    expect(Object.keys((await save({ name: "   ", roomId: source.id })).body.error.fields)).toEqual(["name"]);
    expect(Object.keys((await save({ name: "x".repeat(101), roomId: source.id })).body.error.fields)).toEqual(["name"]);
    expect(Object.keys((await save({ name: "Fine", roomId: source.id, pages: [] })).body.error.fields)).toEqual(["body"]);
    expect((await save({ name: "Fine" })).status).toBe(400);
    expect((await save({ name: "Fine", roomId: "not-a-room" })).status).toBe(404);
    const name = uniqueLabel("Once");
    expect((await save({ name, roomId: source.id })).status).toBe(201);
    const twice = await save({ name: name.toUpperCase(), roomId: source.id });
    expect([twice.status, twice.body.error.code]).toEqual([409, "template_exists"]);
    const empty = await createRoom(server, cast.owner);
    expect((await save({ name: uniqueLabel("Empty"), roomId: empty.id })).body.error.code).toBe("room_has_no_pages");

    // More pages than a template holds.
    const big = await createRoom(server, cast.owner);
    for (let i = 0; i <= TEMPLATE_LIMITS.pages; i++) await must(server, cast.owner, `/rooms/${big.id}/pages`, { body: { title: `Page ${i}`, visibility: "shared" } }, 201);
    const tooMany = await save({ name: uniqueLabel("Big"), roomId: big.id });
    expect([tooMany.status, tooMany.body.error.code]).toEqual([409, "template_too_large"]);

    // An organization keeps a bounded number of templates.
    const { user: admin, organization } = await signupUser(server);
    const room = await playbookRoom(admin);
    await server.sql`
      insert into room_templates (organization_id, name, created_by)
      select ${organization.id}, 'Filler ' || n, ${admin.id} from generate_series(1, ${TEMPLATE_LIMITS.perOrganization}) n`;
    const full = await api(admin, `/organizations/${organization.id}/room-templates`, { name: "One more", roomId: room.id });
    expect([full.status, full.body.error.code]).toEqual([409, "templates_full"]);
  });
});
