// The world the permission matrix asks about: one room with an actor of every kind, and an
// internal and a shared item of every kind, all made through the public API as the owner.
import { RateLimiterMemory } from "rate-limiter-flexible";
import * as Y from "yjs";
import { createSession } from "../../server/auth/sessions.ts";
import { addParticipant, createRoom, roomWithCast, type TestUser } from "./factories.ts";
import type { ActorName } from "./matrix.ts";
import type { TestServer } from "./server.ts";

export type Visibility = "internal" | "shared";

/** One item of every kind, all of one visibility, in the matrix room. */
export interface ItemSet {
  visibility: Visibility;
  page: string;
  pageTitle: string;
  /** A range of the page's first words, as a comment anchors to it (POST /pages/:pageId/comments). */
  commentAnchor: { from: string; to: string };
  thread: string;
  threadTitle: string;
  /** The thread's first message, written by the owner. */
  message: string;
  messageBody: string;
  file: string;
  fileName: string;
  folder: string;
  folderName: string;
  /** A step of the mutual action plan, owned by the owner. */
  step: string;
  stepTitle: string;
}

/**
 * Items across time (docs/access.md "History across visibility changes"): a page and a file
 * written while internal and shared since. External readers may read them now, but nothing of
 * their internal period: `secrets` must never be in an answer to anyone blind to internal items.
 */
export interface HistoryFixture {
  /** Shared now. Versions 1 and 2 were made while internal, 3 and 4 while shared; the content changed after 4. */
  page: string;
  /** Shared now. Version 1 was uploaded while internal; 2 (uploaded while internal) is what it was shared with; 3 was uploaded while shared. */
  file: string;
  /** The internal period's page titles, text and version label, and the file's original names and first bytes. */
  secrets: string[];
}

export interface Fixtures {
  server: TestServer;
  users: Record<Exclude<ActorName, "anon">, TestUser>;
  roomId: string;
  otherRoomId: string;
  organizationId: string;
  items: Record<Visibility, ItemSet>;
  history: HistoryFixture;
  /** A pending invitation (external viewer) nobody accepts: the target of refused accept/withdraw cells. */
  invitation: { id: string; token: string };
  /** An external viewer in the room whose role the owner may change. */
  victim: TestUser;
  /** Active member of the organization, in no room the cast shares: refused deactivations aim at them. */
  spareMember: TestUser;
  /** A member the owner deactivated during setup: the target of reactivation. */
  deactivatedMember: TestUser;
  /** A notification of the owner's (a reply in the owner's thread). */
  ownerNotification: string;
  /** A stage of the organization's cycle no room is in (Servicing): the target of refused stage edits. */
  stageId: string;
  /** A person of the stakeholder map and a qualification note: internal by construction. */
  stakeholder: string;
  stakeholderName: string;
  qualificationNote: string;
  /**
   * A room of the owner's whose pages are saved as room templates, and one such template. Not
   * the fixture room: saving a template publishes a room's pages to every member of the
   * organization (decision 020), so a template of the fixture room would hand its secrets to
   * the member outside it by design.
   */
  templateRoomId: string;
  templateId: string;
}

let counter = 0;
export const uniqueLabel = (prefix: string) => `${prefix}-${Date.now().toString(36)}${(counter++).toString(36)}${Math.random().toString(36).slice(2, 6)}`;

/** Calls the API as `user` and insists on the expected status (fixtures must not half-fail). */
export async function must(server: TestServer, user: TestUser, path: string, init: { method?: string; body?: unknown }, status: number) {
  const res = await server.api(`/api/v1${path}`, { token: user.token, method: init.method ?? "POST", body: init.body });
  if (res.status !== status) throw new Error(`${init.method ?? "POST"} ${path} as ${user.name}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** A multipart upload as an integration partner sends it (no bearer header without a token). */
export async function uploadFile(server: TestServer, token: string | undefined, roomId: string, name: string, content: string, fields: Record<string, string>) {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  form.append("file", new Blob([content], { type: "text/plain" }), name);
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  const res = await fetch(`${server.url}/api/v1/rooms/${roomId}/files`, { method: "POST", headers, body: form });
  const text = await res.text();
  let body: any = text;
  try {
    body = JSON.parse(text);
  } catch {}
  return { status: res.status, headers: res.headers, body };
}

/**
 * Every matrix actor comes from 127.0.0.1, so the per-IP limits on signup, login and invitation
 * acceptance (meant for one person at one address) would answer 429 halfway through. The
 * matrix is about access, not rate limits (tests/integration/api-accounts.test.ts covers
 * those): its server gets roomy per-IP limits. Per-account limits stay as they are.
 */
export function relaxPerIpLimits(server: TestServer) {
  const roomy = () => new RateLimiterMemory({ points: 100_000, duration: 60 });
  server.app.rateLimits.signupPerIp = roomy();
  server.app.rateLimits.loginPerIp = roomy();
  server.app.rateLimits.invitationPerIp = roomy();
}

export async function buildFixtures(server: TestServer): Promise<Fixtures> {
  relaxPerIpLimits(server);
  const cast = await roomWithCast(server);
  const { owner, room } = cast;
  const exCom = await addParticipant(server, owner, room.id, "external", "commenter");
  // An admin of the owner's organization who is not in the room: joins through the other room,
  // then is made admin (there is no API for organization roles yet).
  const admin = await addParticipant(server, owner, cast.otherRoom.id, "internal", "viewer");
  await server.sql`update memberships set role = 'admin' where organization_id = ${cast.organization.id} and user_id = ${admin.id}`;
  const victim = await addParticipant(server, owner, room.id, "external", "viewer");
  const spareMember = await addParticipant(server, owner, cast.otherRoom.id, "internal", "viewer");
  const deactivatedMember = await addParticipant(server, owner, cast.otherRoom.id, "internal", "viewer");
  await must(server, owner, `/organizations/${cast.organization.id}/members/${deactivatedMember.id}/deactivate`, {}, 204);

  const f: Omit<Fixtures, "items" | "history" | "invitation" | "ownerNotification" | "stakeholder" | "stakeholderName" | "qualificationNote" | "templateRoomId" | "templateId"> = {
    server,
    users: {
      owner,
      inEd: cast.internalEditor,
      inView: cast.internalViewer,
      exEd: cast.externalEditor,
      exCom,
      exView: cast.externalViewer,
      admin,
      member: cast.orgMember,
      other: cast.outsider,
    },
    roomId: room.id,
    otherRoomId: cast.otherRoom.id,
    organizationId: cast.organization.id,
    victim,
    spareMember,
    deactivatedMember,
    stageId: (await must(server, owner, `/organizations/${cast.organization.id}/stages`, { method: "GET" }, 200)).items.find((s: { name: string }) => s.name === "Servicing").id,
  };
  const internal = await itemSet(server, owner, room.id, "internal");
  const shared = await itemSet(server, owner, room.id, "shared");
  const history = await historyFixture(server, owner, room.id);
  const invitation = await must(server, owner, `/rooms/${room.id}/invitations`, { body: { email: `${uniqueLabel("pending")}@example.test`, side: "external", role: "viewer" } }, 201);

  // A reply in the owner's internal thread notifies the owner.
  await must(server, cast.internalEditor, `/threads/${internal.thread}/messages`, { body: { body: "A reply for the owner" } }, 201);
  const [notification] = await server.sql<{ id: string }[]>`select id from notifications where user_id = ${owner.id} limit 1`;
  if (!notification) throw new Error("the owner got no notification from a reply in their thread");

  const stakeholderName = uniqueLabel("MATRIX-INTERNAL-STAKEHOLDER");
  const stakeholder = await must(server, owner, `/rooms/${room.id}/stakeholders`, { body: { name: stakeholderName, decisionRole: "economic_buyer" } }, 201);
  const qualificationNote = uniqueLabel("MATRIX-INTERNAL-QUALIFICATION");
  await must(server, owner, `/rooms/${room.id}/qualification/budget`, { method: "PUT", body: { status: "yes", note: qualificationNote } }, 200);

  const templateRoom = await createRoom(server, owner, { name: uniqueLabel("template-source") });
  await must(server, owner, `/rooms/${templateRoom.id}/pages`, { body: { title: "Kick-off", visibility: "internal", markdown: "# Kick-off\n\nAgenda." } }, 201);
  const template = await must(server, owner, `/organizations/${cast.organization.id}/room-templates`, { body: { name: uniqueLabel("template"), roomId: templateRoom.id } }, 201);

  return {
    ...f, items: { internal, shared }, history, invitation: { id: invitation.id, token: invitation.token }, ownerNotification: notification.id,
    stakeholder: stakeholder.id, stakeholderName, qualificationNote, templateRoomId: templateRoom.id, templateId: template.id,
  };
}

/** A page (with versions 1 and 2), a thread with the owner's message, a file (two versions) and a folder. */
async function itemSet(server: TestServer, owner: TestUser, roomId: string, visibility: Visibility): Promise<ItemSet> {
  const tag = visibility.toUpperCase();
  const pageTitle = uniqueLabel(`MATRIX-${tag}-PAGE`);
  const page = await versionedPage(server, owner, roomId, visibility, pageTitle);
  const threadTitle = uniqueLabel(`MATRIX-${tag}-THREAD`);
  const messageBody = uniqueLabel(`MATRIX-${tag}-MESSAGE`);
  const thread = await must(server, owner, `/rooms/${roomId}/threads`, { body: { title: threadTitle, visibility, body: messageBody } }, 201);
  const folderName = uniqueLabel(`MATRIX-${tag}-FOLDER`);
  const folder = await must(server, owner, `/rooms/${roomId}/folders`, { body: { name: folderName, visibility } }, 201);
  const fileName = `${uniqueLabel(`MATRIX-${tag}-FILE`)}.txt`;
  const file = await uploadFile(server, owner.token, roomId, fileName, `first version of a ${visibility} file`, { visibility });
  if (file.status !== 201) throw new Error(`upload failed: ${file.status} ${JSON.stringify(file.body)}`);
  const second = await uploadFile(server, owner.token, roomId, fileName, `second version of a ${visibility} file`, { fileId: file.body.id });
  if (second.status !== 201) throw new Error(`new version failed: ${second.status} ${JSON.stringify(second.body)}`);
  const stepTitle = uniqueLabel(`MATRIX-${tag}-STEP`);
  const step = await must(server, owner, `/rooms/${roomId}/plan`, { body: { title: stepTitle, visibility, ownerId: owner.id, dueDate: "2031-01-31" } }, 201);
  return {
    visibility,
    page,
    pageTitle,
    commentAnchor: await commentAnchor(server, page),
    thread: thread.id,
    threadTitle,
    message: thread.messages[0].id,
    messageBody,
    file: file.body.id,
    fileName,
    folder: folder.id,
    folderName,
    step: step.id,
    stepTitle,
  };
}

/**
 * Relative positions around the first word of a page's document as the server holds it, encoded
 * as the editor sends them (docs/decisions/028-comments-anchored-to-text.md).
 */
export async function commentAnchor(server: TestServer, pageId: string): Promise<{ from: string; to: string }> {
  const doc = new Y.Doc();
  Y.applyUpdate(doc, await server.app.documents.encodeState(pageId));
  const paragraph = doc.getXmlFragment("default").get(0) as Y.XmlElement;
  const text = paragraph.get(0) as Y.XmlText;
  const at = (index: number) => Buffer.from(Y.encodeRelativePosition(Y.createRelativePositionFromTypeIndex(text, index))).toString("base64");
  const anchor = { from: at(0), to: at(Math.min(5, text.length)) };
  doc.destroy();
  return anchor;
}

/** A page whose versions 1 and 2 differ (so restore and diff have something to do). */
export async function versionedPage(server: TestServer, owner: TestUser, roomId: string, visibility: Visibility, title = uniqueLabel("page")) {
  const page = await must(server, owner, `/rooms/${roomId}/pages`, { body: { title, visibility, markdown: "First words." } }, 201);
  await must(server, owner, `/pages/${page.id}/versions`, {}, 201);
  await must(server, owner, `/pages/${page.id}`, { method: "PATCH", body: { markdown: "First words.\n\nSecond thoughts." } }, 200);
  await must(server, owner, `/pages/${page.id}/versions`, {}, 201);
  return page.id as string;
}

/** A page and a file with an internal past (HistoryFixture); fresh ones for restores that succeed. */
export async function historyFixture(server: TestServer, owner: TestUser, roomId: string): Promise<HistoryFixture> {
  const secret = {
    title: uniqueLabel("MATRIX-HISTORY-INTERNAL-TITLE"),
    text: uniqueLabel("MATRIX-HISTORY-INTERNAL-TEXT"),
    revision: uniqueLabel("MATRIX-HISTORY-INTERNAL-REVISION"),
    label: uniqueLabel("MATRIX-HISTORY-INTERNAL-LABEL"),
    fileName: uniqueLabel("MATRIX-HISTORY-INTERNAL-FILE"),
    fileBytes: uniqueLabel("MATRIX-HISTORY-INTERNAL-BYTES"),
    sharedWithName: uniqueLabel("MATRIX-HISTORY-INTERNAL-SECOND-NAME"),
  };
  const page = await must(server, owner, `/rooms/${roomId}/pages`, { body: { title: secret.title, visibility: "internal", markdown: secret.text } }, 201);
  await must(server, owner, `/pages/${page.id}/versions`, { body: { label: secret.label } }, 201);
  await must(server, owner, `/pages/${page.id}`, { method: "PATCH", body: { markdown: secret.revision } }, 200);
  await must(server, owner, `/pages/${page.id}/versions`, {}, 201);
  await must(server, owner, `/pages/${page.id}`, { method: "PATCH", body: { title: uniqueLabel("MATRIX-HISTORY-NOW"), markdown: "Shared words." } }, 200);
  await must(server, owner, `/pages/${page.id}`, { method: "PATCH", body: { visibility: "shared" } }, 200);
  await must(server, owner, `/pages/${page.id}/versions`, {}, 201);
  await must(server, owner, `/pages/${page.id}`, { method: "PATCH", body: { markdown: "Shared words.\n\nMore shared words." } }, 200);
  await must(server, owner, `/pages/${page.id}/versions`, {}, 201);
  await must(server, owner, `/pages/${page.id}`, { method: "PATCH", body: { markdown: "Shared words, edited since version 4." } }, 200);

  const first = await uploadFile(server, owner.token, roomId, `${secret.fileName}.txt`, secret.fileBytes, { visibility: "internal" });
  if (first.status !== 201) throw new Error(`history upload failed: ${first.status} ${JSON.stringify(first.body)}`);
  const second = await uploadFile(server, owner.token, roomId, `${secret.sharedWithName}.txt`, "The content it was shared with.", { fileId: first.body.id });
  if (second.status !== 201) throw new Error(`history upload failed: ${second.status}`);
  await must(server, owner, `/files/${first.body.id}`, { method: "PATCH", body: { name: `${uniqueLabel("MATRIX-HISTORY-FILE-NOW")}.txt` } }, 200);
  await must(server, owner, `/files/${first.body.id}`, { method: "PATCH", body: { visibility: "shared" } }, 200);
  const third = await uploadFile(server, owner.token, roomId, "shared-since.txt", "Uploaded while shared.", { fileId: first.body.id });
  if (third.status !== 201) throw new Error(`history upload failed: ${third.status}`);
  return { page: page.id, file: first.body.id, secrets: Object.values(secret) };
}

// Fresh targets for cells that are expected to succeed and would change a shared fixture.

export async function freshPage(f: Fixtures, visibility: Visibility, options: { archived?: boolean } = {}) {
  const page = await must(f.server, f.users.owner, `/rooms/${f.roomId}/pages`, { body: { title: uniqueLabel("fresh-page"), visibility, markdown: "Fresh." } }, 201);
  if (options.archived) await must(f.server, f.users.owner, `/pages/${page.id}/archive`, {}, 200);
  return page.id as string;
}

export async function freshOwnerMessage(f: Fixtures, visibility: Visibility) {
  const message = await must(f.server, f.users.owner, `/threads/${f.items[visibility].thread}/messages`, { body: { body: uniqueLabel("fresh-message") } }, 201);
  return message.id as string;
}

export async function freshFolder(f: Fixtures, visibility: Visibility) {
  const folder = await must(f.server, f.users.owner, `/rooms/${f.roomId}/folders`, { body: { name: uniqueLabel("fresh-folder"), visibility } }, 201);
  return folder.id as string;
}

export async function freshFile(f: Fixtures, visibility: Visibility) {
  const res = await uploadFile(f.server, f.users.owner.token, f.roomId, `${uniqueLabel("fresh-file")}.txt`, "fresh", { visibility });
  if (res.status !== 201) throw new Error(`fresh upload failed: ${res.status}`);
  return res.body.id as string;
}

/** A plan step of the owner's; `ownerId` assigns it to someone else. */
export async function freshStep(f: Fixtures, visibility: Visibility, ownerId = f.users.owner.id) {
  const step = await must(f.server, f.users.owner, `/rooms/${f.roomId}/plan`, { body: { title: uniqueLabel("fresh-step"), visibility, ownerId } }, 201);
  return step.id as string;
}

export async function freshStakeholder(f: Fixtures) {
  const person = await must(f.server, f.users.owner, `/rooms/${f.roomId}/stakeholders`, { body: { name: uniqueLabel("fresh-stakeholder") } }, 201);
  return person.id as string;
}

/** A new room of the owner's organization (stage moves there leave the matrix room as it is); `closed` closes it as lost. */
export async function freshRoom(f: Fixtures, options: { closed?: boolean } = {}) {
  const room = await createRoom(f.server, f.users.owner);
  if (options.closed) await must(f.server, f.users.owner, `/rooms/${room.id}/close`, { body: { outcome: "lost", reason: "No budget" } }, 200);
  return room.id;
}

/** A new room template of the organization, saved from the template room. */
export async function freshTemplate(f: Fixtures) {
  const template = await must(f.server, f.users.owner, `/organizations/${f.organizationId}/room-templates`, { body: { name: uniqueLabel("fresh-template"), roomId: f.templateRoomId } }, 201);
  return template.id as string;
}

/** A new stage at the end of the organization's cycle. */
export async function freshStage(f: Fixtures) {
  const stage = await must(f.server, f.users.owner, `/organizations/${f.organizationId}/stages`, { body: { name: uniqueLabel("fresh-stage") } }, 201);
  return stage.id as string;
}

export async function freshInvitation(f: Fixtures) {
  const body = await must(f.server, f.users.owner, `/rooms/${f.roomId}/invitations`, { body: { email: `${uniqueLabel("fresh")}@example.test`, side: "external", role: "viewer" } }, 201);
  return { id: body.id as string, token: body.token as string };
}

export const freshParticipant = (f: Fixtures) => addParticipant(f.server, f.users.owner, f.roomId, "external", "viewer");

/** A new member of the owner's organization (joined through the other room). */
export const freshMember = (f: Fixtures) => addParticipant(f.server, f.users.owner, f.otherRoomId, "internal", "viewer");

/**
 * A new room of the owner's organization with the internal editor in it: ownership can move
 * there without changing the matrix room (the owner and the admin stand there as in the room).
 */
export async function freshRoomWithHeir(f: Fixtures) {
  const room = await createRoom(f.server, f.users.owner);
  const invitation = await must(f.server, f.users.owner, `/rooms/${room.id}/invitations`, { body: { email: f.users.inEd.email, side: "internal", role: "editor" } }, 201);
  await must(f.server, f.users.inEd, `/invitations/${invitation.token}/accept`, {}, 200);
  return { roomId: room.id, heirId: f.users.inEd.id };
}

/** A throwaway bearer session of the same user (for cells that end their session). */
export async function freshToken(f: Fixtures, user: TestUser) {
  return (await createSession(f.server.sql, user.id, "bearer")).token;
}
