// The permission matrix: every API endpoint and every page route, asked by every kind of actor
// about an internal and a shared target, against the real server. The expected answers are
// written out by hand per endpoint (never computed from server/access), so a change of rule
// shows up here as a changed table. How to add an endpoint: docs/access.md.
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { execSync } from "node:child_process";
import type { RouteConfigEntry } from "@react-router/dev/routes";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiV1 } from "../../server/api/v1.ts";
import { createSession, hashToken, publicSessionId } from "../../server/auth/sessions.ts";
import { SESSION_COOKIE } from "../../server/auth/cookies.ts";
import {
  buildFixtures,
  commentAnchor,
  freshFile,
  freshFolder,
  freshInvitation,
  freshMember,
  freshOwnerMessage,
  freshPage,
  freshParticipant,
  freshRoom,
  freshRoomWithHeir,
  freshStage,
  freshStakeholder,
  freshStep,
  freshTemplate,
  freshToken,
  historyFixture,
  uniqueLabel,
  uploadFile,
  versionedPage,
  type Fixtures,
  type ItemSet,
  type Visibility,
} from "../support/matrix-fixtures.ts";
import {
  ACTORS,
  describeMismatch,
  isSuccess,
  listPagePaths,
  listRoutes,
  parseTable,
  patternRegExp,
  runLimited,
  type ActorName,
  type Expected,
} from "../support/matrix.ts";
import { startTestServer, type TestServer } from "../support/server.ts";
import type { TestUser } from "../support/factories.ts";

const ROOT = path.resolve(import.meta.dirname, "../..");
/** Cells of one endpoint run this many at a time: enough to be quick, few enough for 2 cores. */
const CONCURRENCY = 6;

interface Cell {
  f: Fixtures;
  row: string;
  actor: ActorName;
  user: TestUser | null;
  /** The items the row is about (internal or shared). */
  item: ItemSet;
  /** What `fresh` made for this cell (only for cells expected to succeed). */
  fresh: Record<string, any>;
}

interface ApiRequest {
  path: string;
  body?: unknown;
  /** A multipart upload instead of a JSON body. */
  upload?: { fields: Record<string, string>; name: string; content: string };
  /** Overrides the actor's own token (a throwaway session). */
  token?: string;
}

interface ApiEntry {
  /** "METHOD /path" exactly as the router registers it (below /api/v1). */
  endpoint: string;
  expect: string;
  request(c: Cell): ApiRequest;
  /** Makes a target of its own for each cell expected to succeed (the write would change a shared fixture). */
  fresh?(c: Cell): Promise<Record<string, any>>;
  /** Rows whose items are not the ones their name starts with. */
  items?: Record<string, Visibility>;
  /** Runs after every other entry (it ends the actors' sessions). */
  last?: boolean;
}

const title = () => uniqueLabel("renamed");

/**
 * Rows about the items with an internal past (Fixtures.history, docs/access.md "History across
 * visibility changes"): "history" for the item itself, "history@N" for its version N,
 * "history@A-B" for a diff. The shared item set stands in as `item` for them.
 */
const isHistory = (row: string) => row === "history" || row.startsWith("history@");
const historyAt = (row: string) => row.slice("history@".length);

const API: ApiEntry[] = [
  // ── Accounts ────────────────────────────────────────────────────────────────────────────
  {
    endpoint: "POST /signup",
    request: () => ({ path: "/signup", body: { email: `${uniqueLabel("signup")}@example.test`, password: "correct horse battery", name: "New Person", organization: "New Org" } }),
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      public 201 201 201  201  201  201  201  201  201  201`,
  },
  {
    endpoint: "POST /login",
    // The anonymous caller signs in with the credentials of someone in no shared room.
    request: ({ f, user }) => ({ path: "/login", body: { email: (user ?? f.spareMember).email, password: (user ?? f.spareMember).password } }),
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      self  200   200  200    200  200   200    200   200    200   200`,
  },
  {
    endpoint: "POST /logout",
    fresh: async ({ f, user }) => ({ token: await freshToken(f, user!) }),
    request: ({ fresh }) => ({ path: "/logout", token: fresh.token }),
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      self  204   204  204    204  204   204    204   204    204   401`,
  },
  {
    // Same answer whether or not the address has an account: the form reveals nothing.
    endpoint: "POST /sign-in-links",
    request: () => ({ path: "/sign-in-links", body: { email: `${uniqueLabel("link")}@example.test` } }),
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      public 202 202 202  202  202  202  202  202  202  202`,
  },
  {
    endpoint: "POST /sign-in-links/:token/consume",
    request: () => ({ path: "/sign-in-links/abcdefghijklmnopqrstuvwxyz234567/consume" }),
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      public 404 404 404  404  404  404  404  404  404  404`,
  },
  {
    endpoint: "GET /me",
    request: () => ({ path: "/me" }),
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      self  200   200  200    200  200   200    200   200    200   401`,
  },
  {
    endpoint: "POST /me/password",
    last: true,
    request: ({ user }) => ({ path: "/me/password", body: { currentPassword: user?.password ?? "x", newPassword: "another horse battery staple" } }),
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      self  200   200  200    200  200   200    200   200    200   401`,
  },
  {
    endpoint: "GET /me/sessions",
    request: () => ({ path: "/me/sessions" }),
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      self  200   200  200    200  200   200    200   200    200   401`,
  },
  {
    // self: a throwaway session of the actor's own; others: a session of someone in none of the columns.
    endpoint: "DELETE /me/sessions/:sessionId",
    fresh: async ({ f, user }) => ({ id: publicSessionId(hashToken(await freshToken(f, user!))) }),
    request: ({ f, row, fresh }) => ({
      path: `/me/sessions/${row === "others" ? publicSessionId(hashToken(f.spareMember.token)) : (fresh.id ?? "0".repeat(32))}`,
    }),
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      self   204  204  204    204  204   204    204   204    204   401
      others 404  404  404    404  404   404    404   404    404   401`,
  },
  {
    // "Sign out everywhere else", asked from a throwaway session: it ends the actor's other sessions.
    endpoint: "DELETE /me/sessions",
    last: true,
    fresh: async ({ f, user }) => ({ token: await freshToken(f, user!) }),
    request: ({ fresh }) => ({ path: "/me/sessions?others=1", token: fresh.token }),
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      self  200   200  200    200  200   200    200   200    200   401`,
  },

  // ── Rooms, invitations, participants ───────────────────────────────────────────────────
  {
    // Rooms are created in one's own organization; buyers (no organization) cannot.
    endpoint: "POST /rooms",
    request: () => ({ path: "/rooms", body: { name: uniqueLabel("room"), account: "Acme Corp" } }),
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      own-org 201 201  201    403  403   403    201   201    201   401`,
  },
  {
    endpoint: "GET /rooms",
    request: () => ({ path: "/rooms" }),
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      self  200   200  200    200  200   200    200   200    200   401`,
  },
  {
    endpoint: "GET /rooms/:roomId",
    request: ({ f }) => ({ path: `/rooms/${f.roomId}` }),
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      room  200   200  200    200  200   200    200   404    404   401`,
  },
  {
    endpoint: "PATCH /rooms/:roomId",
    request: ({ f }) => ({ path: `/rooms/${f.roomId}`, body: { account: "Acme Corp" } }),
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      room  200   200  403    403  403   403    403   404    404   401`,
  },
  {
    endpoint: "POST /rooms/:roomId/invitations",
    request: ({ f }) => ({ path: `/rooms/${f.roomId}/invitations`, body: { email: `${uniqueLabel("invitee")}@example.test`, side: "external", role: "viewer" } }),
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      room  201   403  403    403  403   403    403   404    404   401`,
  },
  {
    endpoint: "GET /rooms/:roomId/invitations",
    request: ({ f }) => ({ path: `/rooms/${f.roomId}/invitations` }),
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      room  200   403  403    403  403   403    403   404    404   401`,
  },
  {
    endpoint: "DELETE /rooms/:roomId/invitations/:invitationId",
    fresh: async ({ f }) => ({ invitation: await freshInvitation(f) }),
    request: ({ f, fresh }) => ({ path: `/rooms/${f.roomId}/invitations/${(fresh.invitation ?? f.invitation).id}` }),
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      room  204   403  403    403  403   403    403   404    404   401`,
  },
  {
    // Re-sending a pending invitation (issue 16): the owner; invitations do not exist for the buyer's side.
    endpoint: "POST /rooms/:roomId/invitations/:invitationId/resend",
    fresh: async ({ f }) => ({ invitation: await freshInvitation(f) }),
    request: ({ f, fresh }) => ({ path: `/rooms/${f.roomId}/invitations/${(fresh.invitation ?? f.invitation).id}/resend`, body: {} }),
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      pending 200 403  403    404  404   404    403   404    404   401`,
  },
  {
    // Signed in as someone else than the invited address: refused; a newcomer accepts.
    endpoint: "POST /invitations/:token/accept",
    fresh: async ({ f }) => ({ invitation: await freshInvitation(f) }),
    request: ({ f, fresh, user }) => ({
      path: `/invitations/${(fresh.invitation ?? f.invitation).token}/accept`,
      body: user ? {} : { name: "Newcomer", password: "correct horse battery" },
    }),
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      pending 403 403  403    403  403   403    403   403    403   200`,
  },
  {
    endpoint: "GET /rooms/:roomId/participants",
    request: ({ f }) => ({ path: `/rooms/${f.roomId}/participants` }),
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      room  200   200  200    200  200   200    200   404    404   401`,
  },
  {
    endpoint: "PATCH /rooms/:roomId/participants/:userId",
    request: ({ f }) => ({ path: `/rooms/${f.roomId}/participants/${f.victim.id}`, body: { role: "viewer" } }),
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      room  200   403  403    403  403   403    403   404    404   401`,
  },
  {
    endpoint: "DELETE /rooms/:roomId/participants/:userId",
    fresh: async ({ f }) => ({ participant: await freshParticipant(f) }),
    request: ({ f, fresh }) => ({ path: `/rooms/${f.roomId}/participants/${(fresh.participant ?? f.victim).id}` }),
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      room  204   403  403    403  403   403    403   404    404   401`,
  },
  {
    // The owner and organization admins hand a room on (in a room of its own when it succeeds).
    endpoint: "POST /rooms/:roomId/owner",
    fresh: ({ f }) => freshRoomWithHeir(f),
    request: ({ f, fresh }) => ({ path: `/rooms/${fresh.roomId ?? f.roomId}/owner`, body: { userId: fresh.heirId ?? f.users.inEd.id } }),
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      room  200   403  403    403  403   403    200   404    404   401`,
  },
  {
    endpoint: "GET /rooms/:roomId/audit",
    request: ({ f }) => ({ path: `/rooms/${f.roomId}/audit` }),
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      room  200   403  403    403  403   403    200   404    404   401`,
  },
  {
    // Organization business: admins only; members are refused, non-members learn nothing.
    endpoint: "GET /organizations/:organizationId/members",
    request: ({ f }) => ({ path: `/organizations/${f.organizationId}/members` }),
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      org   200   403  403    404  404   404    200   403    404   401`,
  },
  {
    endpoint: "GET /organizations/:organizationId/outbox",
    request: ({ f }) => ({ path: `/organizations/${f.organizationId}/outbox` }),
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      org   200   403  403    404  404   404    200   403    404   401`,
  },
  {
    endpoint: "POST /organizations/:organizationId/members/:userId/deactivate",
    fresh: async ({ f }) => ({ member: await freshMember(f) }),
    request: ({ f, fresh }) => ({ path: `/organizations/${f.organizationId}/members/${(fresh.member ?? f.spareMember).id}/deactivate` }),
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      member 204  403  403    404  404   404    204   403    404   401`,
  },
  {
    endpoint: "POST /organizations/:organizationId/members/:userId/reactivate",
    request: ({ f }) => ({ path: `/organizations/${f.organizationId}/members/${f.deactivatedMember.id}/reactivate` }),
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      member 204  403  403    404  404   404    204   403    404   401`,
  },

  // ── Pages, versions, search ─────────────────────────────────────────────────────────────
  {
    // The row is the visibility asked for: only internal participants create internal pages.
    endpoint: "POST /rooms/:roomId/pages",
    request: ({ f, row }) => ({ path: `/rooms/${f.roomId}/pages`, body: { title: uniqueLabel("new-page"), visibility: row, markdown: "Hello." } }),
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      internal 201 201 403    403  403   403    403   404    404   401
      shared   201 201 403    201  403   403    403   404    404   401`,
  },
  {
    endpoint: "GET /rooms/:roomId/pages",
    request: ({ f }) => ({ path: `/rooms/${f.roomId}/pages` }),
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      room  200   200  200    200  200   200    200   404    404   401`,
  },
  {
    endpoint: "GET /pages/:pageId",
    request: ({ item }) => ({ path: `/pages/${item.page}` }),
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      internal 200 200 200    404  404   404    200   404    404   401
      shared   200 200 200    200  200   200    200   404    404   401`,
  },
  {
    // make-internal / make-shared: a visibility change, which only internal editors may make.
    endpoint: "PATCH /pages/:pageId",
    items: { "make-internal": "shared", "make-shared": "internal" },
    fresh: async ({ f, item }) => ({ page: await freshPage(f, item.visibility) }),
    request: ({ item, fresh, row }) => ({
      path: `/pages/${fresh.page ?? item.page}`,
      body: row === "make-internal" ? { visibility: "internal" } : row === "make-shared" ? { visibility: "shared" } : { title: title() },
    }),
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      internal      200 200 403 404 404 404 403 404 404 401
      shared        200 200 403 200 403 403 403 404 404 401
      make-internal 200 200 403 403 403 403 403 404 404 401
      make-shared   200 200 403 404 404 404 403 404 404 401`,
  },
  {
    endpoint: "POST /pages/:pageId/archive",
    fresh: async ({ f, item }) => ({ page: await freshPage(f, item.visibility) }),
    request: ({ item, fresh }) => ({ path: `/pages/${fresh.page ?? item.page}/archive` }),
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      internal 200 200 403    404  404   404    403   404    404   401
      shared   200 200 403    200  403   403    403   404    404   401`,
  },
  {
    endpoint: "POST /pages/:pageId/unarchive",
    fresh: async ({ f, item }) => ({ page: await freshPage(f, item.visibility, { archived: true }) }),
    request: ({ item, fresh }) => ({ path: `/pages/${fresh.page ?? item.page}/unarchive` }),
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      internal 200 200 403    404  404   404    403   404    404   401
      shared   200 200 403    200  403   403    403   404    404   401`,
  },
  {
    // history: the list, without the versions of the page's internal period for externals.
    endpoint: "GET /pages/:pageId/versions",
    request: ({ f, item, row }) => ({ path: `/pages/${isHistory(row) ? f.history.page : item.page}/versions` }),
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      internal 200 200 200    404  404   404    200   404    404   401
      shared   200 200 200    200  200   200    200   404    404   401
      history  200 200 200    200  200   200    200   404    404   401`,
  },
  {
    endpoint: "POST /pages/:pageId/versions",
    fresh: async ({ f, item }) => ({ page: await freshPage(f, item.visibility) }),
    request: ({ item, fresh }) => ({ path: `/pages/${fresh.page ?? item.page}/versions`, body: { label: "checkpoint" } }),
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      internal 201 201 403    404  404   404    403   404    404   401
      shared   201 201 403    201  403   403    403   404    404   401`,
  },
  {
    // history@1, @2: made while the page was internal, 404 for externals; @4: made while shared.
    endpoint: "GET /pages/:pageId/versions/:number",
    request: ({ f, item, row }) => ({ path: isHistory(row) ? `/pages/${f.history.page}/versions/${historyAt(row)}` : `/pages/${item.page}/versions/1` }),
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      internal  200 200 200    404  404   404    200   404    404   401
      shared    200 200 200    200  200   200    200   404    404   401
      history@1 200 200 200    404  404   404    200   404    404   401
      history@2 200 200 200    404  404   404    200   404    404   401
      history@4 200 200 200    200  200   200    200   404    404   401`,
  },
  {
    // history@1: internal editors still restore an internal-era version; the external editor gets
    // 404 (commenters and viewers may not restore anything: 403). history@3: made while shared.
    endpoint: "POST /pages/:pageId/versions/:number/restore",
    fresh: async ({ f, item, row }) => ({
      page: isHistory(row) ? (await historyFixture(f.server, f.users.owner, f.roomId)).page : await versionedPage(f.server, f.users.owner, f.roomId, item.visibility),
    }),
    request: ({ f, item, fresh, row }) => ({
      path: isHistory(row)
        ? `/pages/${fresh.page ?? f.history.page}/versions/${historyAt(row)}/restore`
        : `/pages/${fresh.page ?? item.page}/versions/1/restore`,
    }),
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      internal  201 201 403    404  404   404    403   404    404   401
      shared    201 201 403    201  403   403    403   404    404   401
      history@1 201 201 403    404  403   403    403   404    404   401
      history@3 201 201 403    201  403   403    403   404    404   401`,
  },
  {
    // A diff with an internal-era version at either end is 404 for externals.
    endpoint: "GET /pages/:pageId/versions/:from/diff/:to",
    request: ({ f, item, row }) => ({
      path: isHistory(row) ? `/pages/${f.history.page}/versions/${historyAt(row).replace("-", "/diff/")}` : `/pages/${item.page}/versions/1/diff/2`,
    }),
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      internal    200 200 200    404  404   404    200   404    404   401
      shared      200 200 200    200  200   200    200   404    404   401
      history@1-4 200 200 200    404  404   404    200   404    404   401
      history@4-2 200 200 200    404  404   404    200   404    404   401
      history@3-4 200 200 200    200  200   200    200   404    404   401`,
  },
  {
    // What the results may contain is checked for every answer (see checkAnswer).
    endpoint: "GET /rooms/:roomId/search",
    request: ({ f }) => ({ path: `/rooms/${f.roomId}/search?q=MATRIX` }),
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      room  200   200  200    200  200   200    200   404    404   401`,
  },

  // ── Files and folders ───────────────────────────────────────────────────────────────────
  {
    // The row is what is uploaded: a new internal or shared file, or a new version of one.
    // Commenters and viewers are refused before the file is looked at (403 either way).
    endpoint: "POST /rooms/:roomId/files",
    request: ({ f, row, item }) => ({
      path: `/rooms/${f.roomId}/files`,
      upload: {
        fields: row.endsWith("-version") ? { fileId: item.file } : { visibility: item.visibility },
        name: row.endsWith("-version") ? item.fileName : `${uniqueLabel("upload")}.txt`,
        content: `uploaded by a matrix cell (${row})`,
      },
    }),
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      internal         201 201 403 403 403 403 403 404 404 401
      shared           201 201 403 201 403 403 403 404 404 401
      internal-version 201 201 403 404 403 403 403 404 404 401
      shared-version   201 201 403 201 403 403 403 404 404 401`,
  },
  {
    endpoint: "GET /rooms/:roomId/files",
    request: ({ f }) => ({ path: `/rooms/${f.roomId}/files` }),
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      room  200   200  200    200  200   200    200   404    404   401`,
  },
  {
    // A card of a file the reader may not see is answered 200 { id, available: false }, exactly
    // like a card of an id that does not exist; what the answer may contain is checked as always.
    endpoint: "GET /rooms/:roomId/file-cards",
    request: ({ f, item }) => ({ path: `/rooms/${f.roomId}/file-cards?ids=${item.file}` }),
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      internal 200 200 200    200  200   200    200   404    404   401
      shared   200 200 200    200  200   200    200   404    404   401`,
  },
  {
    endpoint: "GET /rooms/:roomId/folders",
    request: ({ f }) => ({ path: `/rooms/${f.roomId}/folders` }),
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      room  200   200  200    200  200   200    200   404    404   401`,
  },
  {
    endpoint: "POST /rooms/:roomId/folders",
    request: ({ f, row }) => ({ path: `/rooms/${f.roomId}/folders`, body: { name: uniqueLabel("folder"), visibility: row } }),
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      internal 201 201 403    403  403   403    403   404    404   401
      shared   201 201 403    201  403   403    403   404    404   401`,
  },
  {
    endpoint: "PATCH /folders/:folderId",
    fresh: async ({ f, item }) => ({ folder: await freshFolder(f, item.visibility) }),
    request: ({ item, fresh }) => ({ path: `/folders/${fresh.folder ?? item.folder}`, body: { name: title() } }),
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      internal 200 200 403    404  404   404    403   404    404   401
      shared   200 200 403    200  403   403    403   404    404   401`,
  },
  {
    endpoint: "DELETE /folders/:folderId",
    fresh: async ({ f, item }) => ({ folder: await freshFolder(f, item.visibility) }),
    request: ({ item, fresh }) => ({ path: `/folders/${fresh.folder ?? item.folder}` }),
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      internal 204 204 403    404  404   404    403   404    404   401
      shared   204 204 403    204  403   403    403   404    404   401`,
  },
  {
    // history: a file shared after internal work; its internal-era versions and names are checked absent.
    endpoint: "GET /files/:fileId",
    request: ({ f, item, row }) => ({ path: `/files/${isHistory(row) ? f.history.file : item.file}` }),
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      internal 200 200 200    404  404   404    200   404    404   401
      shared   200 200 200    200  200   200    200   404    404   401
      history  200 200 200    200  200   200    200   404    404   401`,
  },
  {
    endpoint: "PATCH /files/:fileId",
    items: { "make-internal": "shared", "make-shared": "internal" },
    fresh: async ({ f, item }) => ({ file: await freshFile(f, item.visibility) }),
    request: ({ item, fresh, row }) => ({
      path: `/files/${fresh.file ?? item.file}`,
      body: row === "make-internal" ? { visibility: "internal" } : row === "make-shared" ? { visibility: "shared" } : { name: `${title()}.txt` },
    }),
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      internal      200 200 403 404 404 404 403 404 404 401
      shared        200 200 403 200 403 403 403 404 404 401
      make-internal 200 200 403 403 403 403 403 404 404 401
      make-shared   200 200 403 404 404 404 403 404 404 401`,
  },
  {
    endpoint: "DELETE /files/:fileId",
    fresh: async ({ f, item }) => ({ file: await freshFile(f, item.visibility) }),
    request: ({ item, fresh }) => ({ path: `/files/${fresh.file ?? item.file}` }),
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      internal 204 204 403    404  404   404    403   404    404   401
      shared   204 204 403    204  403   403    403   404    404   401`,
  },
  {
    endpoint: "GET /files/:fileId/versions",
    request: ({ f, item, row }) => ({ path: `/files/${isHistory(row) ? f.history.file : item.file}/versions` }),
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      internal 200 200 200    404  404   404    200   404    404   401
      shared   200 200 200    200  200   200    200   404    404   401
      history  200 200 200    200  200   200    200   404    404   401`,
  },
  {
    // Who opened a file is the seller's business: externals may see the file, not its log.
    endpoint: "GET /files/:fileId/access-log",
    request: ({ item }) => ({ path: `/files/${item.file}/access-log` }),
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      internal 200 200 200    404  404   404    200   404    404   401
      shared   200 200 200    403  403   403    200   404    404   401`,
  },
  {
    // @v1: an older file version (?version=1).
    endpoint: "GET /files/:fileId/download",
    // history@v1: uploaded while the file was internal (404 for externals); @v2: what it was shared with.
    request: ({ f, item, row }) => ({
      path: isHistory(row)
        ? `/files/${f.history.file}/download?version=${historyAt(row).slice(1)}`
        : `/files/${item.file}/download${row.endsWith("@v1") ? "?version=1" : ""}`,
    }),
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      internal    200 200 200 404 404 404 200 404 404 401
      shared      200 200 200 200 200 200 200 404 404 401
      internal@v1 200 200 200 404 404 404 200 404 404 401
      shared@v1   200 200 200 200 200 200 200 404 404 401
      history@v1  200 200 200 404 404 404 200 404 404 401
      history@v2  200 200 200 200 200 200 200 404 404 401`,
  },
  {
    endpoint: "GET /files/:fileId/preview",
    // history@v1: uploaded while the file was internal (404 for externals); @v2: what it was shared with.
    request: ({ f, item, row }) => ({
      path: isHistory(row)
        ? `/files/${f.history.file}/preview?version=${historyAt(row).slice(1)}`
        : `/files/${item.file}/preview${row.endsWith("@v1") ? "?version=1" : ""}`,
    }),
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      internal    200 200 200 404 404 404 200 404 404 401
      shared      200 200 200 200 200 200 200 404 404 401
      internal@v1 200 200 200 404 404 404 200 404 404 401
      shared@v1   200 200 200 200 200 200 200 404 404 401
      history@v1  200 200 200 404 404 404 200 404 404 401
      history@v2  200 200 200 200 200 200 200 404 404 401`,
  },

  // ── Threads, messages, activity, notifications ──────────────────────────────────────────
  {
    endpoint: "POST /rooms/:roomId/threads",
    request: ({ f, row }) => ({ path: `/rooms/${f.roomId}/threads`, body: { title: uniqueLabel("thread"), visibility: row, body: "A question." } }),
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      internal 201 201 403    403  403   403    403   404    404   401
      shared   201 201 403    201  201   403    403   404    404   401`,
  },
  {
    endpoint: "GET /rooms/:roomId/threads",
    request: ({ f }) => ({ path: `/rooms/${f.roomId}/threads` }),
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      room  200   200  200    200  200   200    200   404    404   401`,
  },
  {
    endpoint: "GET /threads/:threadId",
    request: ({ item }) => ({ path: `/threads/${item.thread}` }),
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      internal 200 200 200    404  404   404    200   404    404   401
      shared   200 200 200    200  200   200    200   404    404   401`,
  },
  {
    // The thread's creator (the owner) or an editor who can see it.
    endpoint: "PATCH /threads/:threadId",
    request: ({ item }) => ({ path: `/threads/${item.thread}`, body: { title: item.threadTitle } }),
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      internal 200 200 403    404  404   404    403   404    404   401
      shared   200 200 403    200  403   403    403   404    404   401`,
  },
  {
    endpoint: "GET /threads/:threadId/messages",
    request: ({ item }) => ({ path: `/threads/${item.thread}/messages` }),
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      internal 200 200 200    404  404   404    200   404    404   401
      shared   200 200 200    200  200   200    200   404    404   401`,
  },
  {
    endpoint: "POST /threads/:threadId/messages",
    request: ({ item, actor }) => ({ path: `/threads/${item.thread}/messages`, body: { body: `A message from ${actor}.` } }),
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      internal 201 201 403    404  404   404    403   404    404   401
      shared   201 201 403    201  201   403    403   404    404   401`,
  },
  {
    endpoint: "POST /threads/:threadId/resolve",
    request: ({ item }) => ({ path: `/threads/${item.thread}/resolve` }),
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      internal 200 200 403    404  404   404    403   404    404   401
      shared   200 200 403    200  200   403    403   404    404   401`,
  },
  {
    endpoint: "POST /threads/:threadId/reopen",
    request: ({ item }) => ({ path: `/threads/${item.thread}/reopen` }),
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      internal 200 200 403    404  404   404    403   404    404   401
      shared   200 200 403    200  200   403    403   404    404   401`,
  },
  {
    // Comments anchored to text (decision 028): commenters and up on pages they see; "shared-internal"
    // is an internal comment on a shared page, which only internal commenters may make.
    endpoint: "POST /pages/:pageId/comments",
    items: { "shared-internal": "shared" },
    fresh: async ({ f, item }) => {
      const page = await freshPage(f, item.visibility);
      return { page, anchor: await commentAnchor(f.server, page) };
    },
    request: ({ item, fresh, row, actor }) => ({
      path: `/pages/${fresh.page ?? item.page}/comments`,
      body: { body: `A comment from ${actor}.`, quote: "First", anchor: fresh.anchor ?? item.commentAnchor, ...(row === "shared-internal" ? { visibility: "internal" } : {}) },
    }),
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      internal        201 201 403    404  404   404    403   404    404   401
      shared          201 201 403    201  201   403    403   404    404   401
      shared-internal 201 201 403    403  403   403    403   404    404   401`,
  },
  {
    endpoint: "GET /pages/:pageId/comments",
    request: ({ item }) => ({ path: `/pages/${item.page}/comments` }),
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      internal 200 200 200    404  404   404    200   404    404   401
      shared   200 200 200    200  200   200    200   404    404   401`,
  },
  {
    endpoint: "POST /threads/:threadId/read",
    request: ({ item }) => ({ path: `/threads/${item.thread}/read` }),
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      internal 200 200 200    404  404   404    200   404    404   401
      shared   200 200 200    200  200   200    200   404    404   401`,
  },
  {
    // The target is the owner's message: only its author changes it.
    endpoint: "PATCH /messages/:messageId",
    request: ({ item }) => ({ path: `/messages/${item.message}`, body: { body: item.messageBody } }),
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      internal 200 403 403    404  404   404    403   404    404   401
      shared   200 403 403    403  403   403    403   404    404   401`,
  },
  {
    endpoint: "DELETE /messages/:messageId",
    fresh: async ({ f, item }) => ({ message: await freshOwnerMessage(f, item.visibility) }),
    request: ({ item, fresh }) => ({ path: `/messages/${fresh.message ?? item.message}` }),
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      internal 204 403 403    404  404   404    403   404    404   401
      shared   204 403 403    403  403   403    403   404    404   401`,
  },
  {
    endpoint: "GET /rooms/:roomId/unread",
    request: ({ f }) => ({ path: `/rooms/${f.roomId}/unread` }),
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      room  200   200  200    200  200   200    200   404    404   401`,
  },
  {
    // The row is the visibility of the item being written: who could be @mentioned in it.
    endpoint: "GET /rooms/:roomId/mentionable",
    request: ({ f, row }) => ({ path: `/rooms/${f.roomId}/mentionable?visibility=${row}` }),
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      internal 200 200 200    404  404   404    200   404    404   401
      shared   200 200 200    200  200   200    200   404    404   401`,
  },
  {
    endpoint: "GET /rooms/:roomId/activity",
    request: ({ f }) => ({ path: `/rooms/${f.roomId}/activity` }),
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      room  200   200  200    200  200   200    200   404    404   401`,
  },
  {
    endpoint: "PUT /rooms/:roomId/notification-preference",
    request: ({ f }) => ({ path: `/rooms/${f.roomId}/notification-preference`, body: { level: "everything" } }),
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      room  200   200  200    200  200   200    200   404    404   401`,
  },
  {
    endpoint: "GET /notifications",
    request: () => ({ path: "/notifications" }),
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      self  200   200  200    200  200   200    200   200    200   401`,
  },
  {
    endpoint: "POST /notifications/read-all",
    request: () => ({ path: "/notifications/read-all" }),
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      self  200   200  200    200  200   200    200   200    200   401`,
  },
  {
    // A notification is its recipient's alone: anyone else gets 404.
    endpoint: "POST /notifications/:notificationId/read",
    request: ({ f }) => ({ path: `/notifications/${f.ownerNotification}/read` }),
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      owners 200  404  404    404  404   404    404   404    404   401`,
  },
  {
    endpoint: "GET /notifications/preferences",
    request: () => ({ path: "/notifications/preferences" }),
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      self  200   200  200    200  200   200    200   200    200   401`,
  },
  {
    endpoint: "PUT /notifications/digest",
    request: () => ({ path: "/notifications/digest", body: { enabled: true } }),
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      self  200   200  200    200  200   200    200   200    200   401`,
  },

  // ── Sales process: stages, timeline, the cycle, the delivery team (decision 008) ────────
  {
    // The owner moves the stage (in a room of its own when it succeeds: a move makes page versions).
    endpoint: "POST /rooms/:roomId/stage",
    fresh: async ({ f }) => ({ roomId: await freshRoom(f) }),
    request: ({ f, fresh }) => ({ path: `/rooms/${fresh.roomId ?? f.roomId}/stage`, body: { stage: "Qualifying" } }),
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      room  200   403  403    403  403   403    403   404    404   401`,
  },
  {
    endpoint: "POST /rooms/:roomId/close",
    fresh: async ({ f }) => ({ roomId: await freshRoom(f) }),
    request: ({ f, fresh }) => ({ path: `/rooms/${fresh.roomId ?? f.roomId}/close`, body: { outcome: "lost", reason: "No budget this year" } }),
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      room  200   403  403    403  403   403    403   404    404   401`,
  },
  {
    endpoint: "POST /rooms/:roomId/reopen",
    fresh: async ({ f }) => ({ roomId: await freshRoom(f, { closed: true }) }),
    request: ({ f, fresh }) => ({ path: `/rooms/${fresh.roomId ?? f.roomId}/reopen`, body: {} }),
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      room  200   403  403    403  403   403    403   404    404   401`,
  },
  {
    // Everyone in the room reads the timeline; internal forms in it follow their visibility (sales-stages.test.ts).
    endpoint: "GET /rooms/:roomId/stages",
    request: ({ f }) => ({ path: `/rooms/${f.roomId}/stages` }),
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      room  200   200  200    200  200   200    200   404    404   401`,
  },
  {
    // The hand-off record: everyone in the room, scoped (externals: shared items only, no
    // stakeholders or qualification; handoff-record.test.ts checks Markdown, PDF and zip too).
    endpoint: "GET /rooms/:roomId/handoff",
    request: ({ f }) => ({ path: `/rooms/${f.roomId}/handoff` }),
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      room  200   200  200    200  200   200    200   404    404   401`,
  },
  {
    // The room archive holds only what the reader may read item by item, so everyone in the room may export it.
    endpoint: "GET /rooms/:roomId/export",
    request: ({ f }) => ({ path: `/rooms/${f.roomId}/export` }),
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      room  200   200  200    200  200   200    200   404    404   401`,
  },
  {
    // Rooms by external id (decision 022): whoever may create rooms in the organization; guests
    // (in no organization) 404. Each cell its own CRM id, so every success is a creation.
    endpoint: "PUT /rooms/by-external-id/:externalId",
    request: () => ({
      path: `/rooms/by-external-id/${uniqueLabel("opp").replace(/[^A-Za-z0-9._:-]/g, "-").slice(0, 100)}`,
      body: { name: "CRM opportunity", account: "Globex" },
    }),
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      self  201   201  201    404  404   404    201   201    201   401`,
  },
  {
    // Webhooks (decision 022): admins of the organization; members 403; guests and others 404.
    // 203.0.113.10 (TEST-NET-3) passes the SSRF check without DNS; it only hears of hand-offs.
    endpoint: "POST /webhooks",
    request: ({ f, row }) => ({
      path: row === "org" ? `/webhooks?organizationId=${f.organizationId}` : "/webhooks",
      body: { url: "https://203.0.113.10/hooks", events: ["room.handed_off"] },
    }),
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      self  201   403  403    404  404   404    201   403    201   401
      org   201   403  403    404  404   404    201   403    404   401`,
  },
  {
    endpoint: "GET /webhooks",
    request: ({ f, row }) => ({ path: row === "org" ? `/webhooks?organizationId=${f.organizationId}` : "/webhooks" }),
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      self  200   403  403    404  404   404    200   403    200   401
      org   200   403  403    404  404   404    200   403    404   401`,
  },
  {
    endpoint: "DELETE /webhooks/:webhookId",
    fresh: async ({ f }) => {
      const res = await f.server.api(`/api/v1/webhooks?organizationId=${f.organizationId}`, {
        token: f.users.owner.token, body: { url: "https://203.0.113.10/hooks", events: ["room.handed_off"] },
      });
      return { webhookId: res.body.id };
    },
    request: ({ f, fresh }) => ({ path: `/webhooks/${fresh.webhookId ?? "00000000-0000-4000-8000-000000000000"}?organizationId=${f.organizationId}` }),
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      org   204   403  403    404  404   404    204   403    404   401`,
  },
  {
    // The pipeline (decision 021): every member of the organization, over the rooms they may see;
    // guests are in no organization of the seller's: 404. self: the reader's own first
    // organization (the outsider has one of their own, guests none); org: the owner's, by id.
    endpoint: "GET /pipeline",
    request: ({ f, row }) => ({ path: row === "org" ? `/pipeline?organizationId=${f.organizationId}` : "/pipeline" }),
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      self  200   200  200    404  404   404    200   200    200   401
      org   200   200  200    404  404   404    200   200    404   401`,
  },
  {
    endpoint: "GET /pipeline/export",
    request: ({ f, row }) => ({ path: row === "org" ? `/pipeline/export?table=stages&organizationId=${f.organizationId}` : "/pipeline/export?table=stages" }),
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      self  200   200  200    404  404   404    200   200    200   401
      org   200   200  200    404  404   404    200   200    404   401`,
  },
  {
    // Targets (decision 021): admins set and read them; members are refused, others learn nothing.
    endpoint: "GET /organizations/:organizationId/targets",
    request: ({ f }) => ({ path: `/organizations/${f.organizationId}/targets` }),
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      org   200   403  403    404  404   404    200   403    404   401`,
  },
  {
    endpoint: "PUT /organizations/:organizationId/targets",
    request: ({ f }) => ({
      path: `/organizations/${f.organizationId}/targets`,
      body: { userId: f.users.inEd.id, periodStart: "2031-01-01", periodEnd: "2031-03-31", kind: "wins", amount: 3 },
    }),
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      org   200   403  403    404  404   404    200   403    404   401`,
  },
  {
    endpoint: "DELETE /organizations/:organizationId/targets/:targetId",
    fresh: async ({ f }) => {
      // A period of its own (a day in 2040–2067), so each cell deletes a target of its own.
      const day = new Date(Date.UTC(2040, 0, 1) + Math.floor(Math.random() * 10_000) * 86_400_000).toISOString().slice(0, 10);
      const res = await f.server.api(`/api/v1/organizations/${f.organizationId}/targets`, {
        token: f.users.owner.token, method: "PUT",
        body: { userId: f.users.inEd.id, periodStart: day, periodEnd: day, kind: "value", currency: "USD", amount: 100 },
      });
      return { targetId: res.body.id };
    },
    request: ({ f, fresh }) => ({ path: `/organizations/${f.organizationId}/targets/${fresh.targetId ?? "00000000-0000-4000-8000-000000000000"}` }),
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      org   204   403  403    404  404   404    204   403    404   401`,
  },
  {
    // Team credit (decision 021): whether won rooms are credited to their deal team; set with the targets, by admins.
    endpoint: "PUT /organizations/:organizationId/team-credit",
    request: ({ f }) => ({ path: `/organizations/${f.organizationId}/team-credit`, body: { creditDealTeam: false } }),
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      org   200   403  403    404  404   404    200   403    404   401`,
  },
  {
    // The forecast's statuses and matrices (decision 027): members read them, admins edit them; guests learn nothing.
    endpoint: "GET /organizations/:organizationId/forecast",
    request: ({ f }) => ({ path: `/organizations/${f.organizationId}/forecast` }),
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      org   200   200  200    404  404   404    200   200    404   401`,
  },
  {
    endpoint: "PUT /organizations/:organizationId/forecast",
    request: ({ f }) => ({
      path: `/organizations/${f.organizationId}/forecast`,
      body: { buying: [{ label: "Budget confirmed" }], sales: [{ label: "Qualified" }], probability: [[0.1, 0.5], [0.4, 0.9]], days: [[90, 60], [30, 10]] },
    }),
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      org   200   403  403    404  404   404    200   403    404   401`,
  },
  {
    // Engagement tracking for all rooms and the "gone quiet" threshold (decision 025): admins only; guests learn nothing.
    endpoint: "GET /organizations/:organizationId/engagement",
    request: ({ f }) => ({ path: `/organizations/${f.organizationId}/engagement` }),
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      org   200   403  403    404  404   404    200   403    404   401`,
  },
  {
    // The values the fixture already has: a success changes nothing later cells see.
    endpoint: "PUT /organizations/:organizationId/engagement",
    request: ({ f }) => ({ path: `/organizations/${f.organizationId}/engagement`, body: { tracking: true, quietAfterDays: 14 } }),
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      org   200   403  403    404  404   404    200   403    404   401`,
  },
  {
    // Members of the organization read its cycle (they create rooms in it); admins change it.
    endpoint: "GET /organizations/:organizationId/stages",
    request: ({ f }) => ({ path: `/organizations/${f.organizationId}/stages` }),
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      org   200   200  200    404  404   404    200   200    404   401`,
  },
  {
    endpoint: "POST /organizations/:organizationId/stages",
    request: ({ f }) => ({ path: `/organizations/${f.organizationId}/stages`, body: { name: uniqueLabel("stage") } }),
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      org   201   403  403    404  404   404    201   403    404   401`,
  },
  {
    endpoint: "PATCH /organizations/:organizationId/stages/:stageId",
    fresh: async ({ f }) => ({ stageId: await freshStage(f) }),
    request: ({ f, fresh }) => ({ path: `/organizations/${f.organizationId}/stages/${fresh.stageId ?? f.stageId}`, body: { name: uniqueLabel("renamed-stage") } }),
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      org   200   403  403    404  404   404    200   403    404   401`,
  },
  {
    endpoint: "DELETE /organizations/:organizationId/stages/:stageId",
    fresh: async ({ f }) => ({ stageId: await freshStage(f) }),
    request: ({ f, fresh }) => ({ path: `/organizations/${f.organizationId}/stages/${fresh.stageId ?? f.stageId}` }),
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      org   204   403  403    404  404   404    204   403    404   401`,
  },
  {
    endpoint: "GET /organizations/:organizationId/delivery-team",
    request: ({ f }) => ({ path: `/organizations/${f.organizationId}/delivery-team` }),
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      org   200   403  403    404  404   404    200   403    404   401`,
  },
  {
    endpoint: "PUT /organizations/:organizationId/delivery-team/:userId",
    fresh: async ({ f }) => ({ member: await freshMember(f) }),
    request: ({ f, fresh }) => ({ path: `/organizations/${f.organizationId}/delivery-team/${(fresh.member ?? f.spareMember).id}` }),
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      member 200  403  403    404  404   404    200   403    404   401`,
  },
  {
    endpoint: "DELETE /organizations/:organizationId/delivery-team/:userId",
    request: ({ f }) => ({ path: `/organizations/${f.organizationId}/delivery-team/${f.spareMember.id}` }),
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      member 204  403  403    404  404   404    204   403    404   401`,
  },

  // ── Room templates (decision 020) ─────────────────────────────────────────────────────
  {
    // Members read the organization's templates (they start rooms from them); guests and outsiders learn of none.
    endpoint: "GET /organizations/:organizationId/room-templates",
    request: ({ f }) => ({ path: `/organizations/${f.organizationId}/room-templates` }),
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      org   200   200  200    404  404   404    200   200    404   401`,
  },
  {
    endpoint: "GET /organizations/:organizationId/room-templates/:templateId",
    request: ({ f }) => ({ path: `/organizations/${f.organizationId}/room-templates/${f.templateId}` }),
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      org   200   200  200    404  404   404    200   200    404   401`,
  },
  {
    // Admins save a room's pages (internal ones too) as a template; members may not; nobody else learns of it.
    endpoint: "POST /organizations/:organizationId/room-templates",
    request: ({ f }) => ({ path: `/organizations/${f.organizationId}/room-templates`, body: { name: uniqueLabel("template"), roomId: f.templateRoomId } }),
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      org   201   403  403    404  404   404    201   403    404   401`,
  },
  {
    endpoint: "DELETE /organizations/:organizationId/room-templates/:templateId",
    fresh: async ({ f }) => ({ templateId: await freshTemplate(f) }),
    request: ({ f, fresh }) => ({ path: `/organizations/${f.organizationId}/room-templates/${fresh.templateId ?? f.templateId}` }),
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      org   204   403  403    404  404   404    204   403    404   401`,
  },

  // ── Mutual action plan, stakeholder map, qualification (decision 009) ───────────────────
  {
    endpoint: "GET /rooms/:roomId/plan",
    request: ({ f }) => ({ path: `/rooms/${f.roomId}/plan` }),
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      room  200   200  200    200  200   200    200   404    404   401`,
  },
  {
    // The row is the visibility asked for: editors of both sides add shared steps, only internal editors internal ones.
    endpoint: "POST /rooms/:roomId/plan",
    request: ({ f, row }) => ({ path: `/rooms/${f.roomId}/plan`, body: { title: uniqueLabel("new-step"), visibility: row } }),
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      internal 201 201 403    403  403   403    403   404    404   401
      shared   201 201 403    201  403   403    403   404    404   401`,
  },
  {
    // Success cells send the plan as they see it, reversed; refused cells are refused before the list is read.
    endpoint: "POST /rooms/:roomId/plan/order",
    fresh: async ({ f, user }) => {
      const plan = await f.server.api(`/api/v1/rooms/${f.roomId}/plan`, { token: user!.token });
      return { stepIds: (plan.body.items as { id: string }[]).map((s) => s.id).reverse() };
    },
    request: ({ f, fresh }) => ({ path: `/rooms/${f.roomId}/plan/order`, body: { stepIds: fresh.stepIds ?? [f.items.shared.step] } }),
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      room  200   200  403    200  403   403    403   404    404   401`,
  },
  {
    // make-internal / make-shared: visibility, internal editors only. assigned: a shared step's
    // status, asked for by everyone, the step being assigned to the external commenter.
    endpoint: "PATCH /plan-steps/:stepId",
    items: { "make-internal": "shared", "make-shared": "internal", assigned: "shared" },
    fresh: async ({ f, item, row }) => ({ step: await freshStep(f, item.visibility, row === "assigned" ? f.users.exCom.id : undefined) }),
    request: ({ item, fresh, row }) => ({
      path: `/plan-steps/${fresh.step ?? item.step}`,
      body: row === "make-internal" ? { visibility: "internal" } : row === "make-shared" ? { visibility: "shared" } : row === "assigned" ? { status: "done" } : { title: title() },
    }),
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      internal      200 200 403 404 404 404 403 404 404 401
      shared        200 200 403 200 403 403 403 404 404 401
      make-internal 200 200 403 403 403 403 403 404 404 401
      make-shared   200 200 403 404 404 404 403 404 404 401
      assigned      200 200 403 200 200 403 403 404 404 401`,
  },
  {
    endpoint: "DELETE /plan-steps/:stepId",
    fresh: async ({ f, item }) => ({ step: await freshStep(f, item.visibility) }),
    request: ({ item, fresh }) => ({ path: `/plan-steps/${fresh.step ?? item.step}` }),
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      internal 204 204 403    404  404   404    403   404    404   401
      shared   204 204 403    204  403   403    403   404    404   401`,
  },
  {
    // Internal by construction: the buyer's side gets 404, internal readers read, internal editors write.
    endpoint: "GET /rooms/:roomId/stakeholders",
    request: ({ f }) => ({ path: `/rooms/${f.roomId}/stakeholders` }),
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      internal 200 200 200    404  404   404    200   404    404   401`,
  },
  {
    endpoint: "POST /rooms/:roomId/stakeholders",
    request: ({ f }) => ({ path: `/rooms/${f.roomId}/stakeholders`, body: { name: uniqueLabel("stakeholder"), decisionRole: "user" } }),
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      internal 201 201 403    404  404   404    403   404    404   401`,
  },
  {
    endpoint: "PATCH /stakeholders/:stakeholderId",
    fresh: async ({ f }) => ({ stakeholder: await freshStakeholder(f) }),
    request: ({ f, fresh }) => ({ path: `/stakeholders/${fresh.stakeholder ?? f.stakeholder}`, body: { stance: "supporter" } }),
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      internal 200 200 403    404  404   404    403   404    404   401`,
  },
  {
    endpoint: "DELETE /stakeholders/:stakeholderId",
    fresh: async ({ f }) => ({ stakeholder: await freshStakeholder(f) }),
    request: ({ f, fresh }) => ({ path: `/stakeholders/${fresh.stakeholder ?? f.stakeholder}` }),
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      internal 204 204 403    404  404   404    403   404    404   401`,
  },
  {
    endpoint: "GET /rooms/:roomId/qualification",
    request: ({ f }) => ({ path: `/rooms/${f.roomId}/qualification` }),
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      internal 200 200 200    404  404   404    200   404    404   401`,
  },
  {
    // The event-based forecast (decision 027): internal by construction, like the qualification.
    endpoint: "GET /rooms/:roomId/forecast",
    request: ({ f }) => ({ path: `/rooms/${f.roomId}/forecast` }),
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      internal 200 200 200    404  404   404    200   404    404   401`,
  },
  {
    // The deal team's roles (decision 021, team selling): internal readers see them; the owner and admins set them.
    endpoint: "GET /rooms/:roomId/deal-team",
    request: ({ f }) => ({ path: `/rooms/${f.roomId}/deal-team` }),
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      internal 200 200 200    404  404   404    200   404    404   401`,
  },
  {
    // Clearing a role nobody set: a success never changes what later cells see.
    endpoint: "PUT /rooms/:roomId/deal-team/:userId",
    request: ({ f }) => ({ path: `/rooms/${f.roomId}/deal-team/${f.users.inView.id}`, body: { dealRole: null } }),
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      internal 200 403 403    404  404   404    200   404    404   401`,
  },
  {
    // An empty list of marks: a success never changes what later cells see.
    endpoint: "PUT /rooms/:roomId/forecast",
    request: ({ f }) => ({ path: `/rooms/${f.roomId}/forecast`, body: { statuses: [] } }),
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      internal 200 200 403    404  404   404    403   404    404   401`,
  },
  {
    // Another item than the fixture's noted one: a success never changes what later cells see.
    endpoint: "PUT /rooms/:roomId/qualification/:item",
    request: ({ f }) => ({ path: `/rooms/${f.roomId}/qualification/competition`, body: { status: "yes" } }),
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      internal 200 200 403    404  404   404    403   404    404   401`,
  },
  // ── Engagement (decision 025) ─────────────────────────────────────────────────────────────
  {
    // Everyone's reading time: the seller's side only; for the buyer's side it does not exist.
    endpoint: "GET /rooms/:roomId/engagement",
    request: ({ f }) => ({ path: `/rooms/${f.roomId}/engagement` }),
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      internal 200 200 200    404  404   404    200   404    404   401`,
  },
  {
    // One's own figures: everyone in the room.
    endpoint: "GET /rooms/:roomId/engagement/me",
    request: ({ f }) => ({ path: `/rooms/${f.roomId}/engagement/me` }),
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      room  200   200  200    200  200   200    200   404    404   401`,
  },
  {
    // One room's off switch: its owner and internal editors; for the buyer's side it does not exist. Kept on here.
    endpoint: "PUT /rooms/:roomId/engagement/settings",
    request: ({ f }) => ({ path: `/rooms/${f.roomId}/engagement/settings`, body: { tracking: true } }),
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      internal 200 200 403    404  404   404    403   404    404   401`,
  },
  {
    // A heartbeat: anyone who may read the item; for an internal item the buyer's side gets 404 (dropped, nothing stored).
    endpoint: "POST /engagement/beats",
    request: ({ f, item }) => ({ path: "/engagement/beats", body: { roomId: f.roomId, itemType: "page", itemId: item.page, seconds: 0 } }),
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      internal 200 200 200    404  404   404    200   404    404   401
      shared   200 200 200    200  200   200    200   404    404   401`,
  },
];

interface PageEntry {
  /** The route's URL pattern as app/routes.ts builds it. */
  path: string;
  url(f: Fixtures, row: string, item: ItemSet): string;
  expect: string;
}

/**
 * Page routes as a browser with the session cookie asks for them. "login" is a redirect to
 * /login; 302 any other redirect (signed-in users leave the sign-in pages; the Pages tab opens
 * the first visible page).
 */
const PAGES: PageEntry[] = [
  {
    path: "/",
    url: () => "/",
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      public 302  302  302    302  302   302    302   302    302   200`,
  },
  {
    path: "/signup",
    url: () => "/signup",
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      public 302  302  302    302  302   302    302   302    302   200`,
  },
  {
    path: "/login",
    url: () => "/login",
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      public 302  302  302    302  302   302    302   302    302   200`,
  },
  {
    path: "/logout",
    url: () => "/logout",
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      public 302  302  302    302  302   302    302   302    302   302`,
  },
  {
    path: "/rooms",
    url: () => "/rooms",
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      self  200   200  200    200  200   200    200   200    200   login`,
  },
  {
    path: "/rooms/:roomId",
    url: (f) => `/rooms/${f.roomId}`,
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      room  200   200  200    200  200   200    200   404    404   login`,
  },
  {
    path: "/rooms/:roomId/edit",
    url: (f) => `/rooms/${f.roomId}/edit`,
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      room  200   200  403    403  403   403    403   404    404   login`,
  },
  {
    path: "/rooms/:roomId/pages",
    url: (f) => `/rooms/${f.roomId}/pages`,
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      room  302   302  302    302  302   302    302   404    404   login`,
  },
  {
    path: "/rooms/:roomId/pages/:pageId",
    url: (f, _row, item) => `/rooms/${f.roomId}/pages/${item.page}`,
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      internal 200 200 200    404  404   404    200   404    404   login
      shared   200 200 200    200  200   200    200   404    404   login`,
  },
  {
    // history: the list; history@1 one internal-era version (?v=1); history@A-B a comparison (?from=A&to=B).
    path: "/rooms/:roomId/pages/:pageId/history",
    url: (f, row, item) => {
      if (!isHistory(row)) return `/rooms/${f.roomId}/pages/${item.page}/history`;
      const at = row === "history" ? "" : historyAt(row);
      const query = at === "" ? "" : at.includes("-") ? `?from=${at.split("-")[0]}&to=${at.split("-")[1]}` : `?v=${at}`;
      return `/rooms/${f.roomId}/pages/${f.history.page}/history${query}`;
    },
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      internal    200 200 200    404  404   404    200   404    404   login
      shared      200 200 200    200  200   200    200   404    404   login
      history     200 200 200    200  200   200    200   404    404   login
      history@1   200 200 200    404  404   404    200   404    404   login
      history@4   200 200 200    200  200   200    200   404    404   login
      history@1-4 200 200 200    404  404   404    200   404    404   login
      history@3-4 200 200 200    200  200   200    200   404    404   login`,
  },
  {
    path: "/rooms/:roomId/threads",
    url: (f) => `/rooms/${f.roomId}/threads`,
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      room  200   200  200    200  200   200    200   404    404   login`,
  },
  {
    path: "/rooms/:roomId/threads/:threadId",
    url: (f, _row, item) => `/rooms/${f.roomId}/threads/${item.thread}`,
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      internal 200 200 200    404  404   404    200   404    404   login
      shared   200 200 200    200  200   200    200   404    404   login`,
  },
  {
    // room: the library; internal / shared: the library opened at a folder (?folder=).
    path: "/rooms/:roomId/files",
    url: (f, row, item) => `/rooms/${f.roomId}/files${row === "room" ? "" : `?folder=${item.folder}`}`,
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      room     200 200 200    200  200   200    200   404    404   login
      internal 200 200 200    404  404   404    200   404    404   login
      shared   200 200 200    200  200   200    200   404    404   login`,
  },
  {
    path: "/rooms/:roomId/files/:fileId",
    url: (f, row, item) => `/rooms/${f.roomId}/files/${isHistory(row) ? f.history.file : item.file}`,
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      internal 200 200 200    404  404   404    200   404    404   login
      shared   200 200 200    200  200   200    200   404    404   login
      history  200 200 200    200  200   200    200   404    404   login`,
  },
  {
    path: "/rooms/:roomId/activity",
    url: (f) => `/rooms/${f.roomId}/activity`,
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      room  200   200  200    200  200   200    200   404    404   login`,
  },
  {
    path: "/rooms/:roomId/plan",
    url: (f) => `/rooms/${f.roomId}/plan`,
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      room  200   200  200    200  200   200    200   404    404   login`,
  },
  {
    // The hand-off record as a page: everyone in the room, each reading only what they may see.
    path: "/rooms/:roomId/handoff",
    url: (f) => `/rooms/${f.roomId}/handoff`,
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      room  200   200  200    200  200   200    200   404    404   login`,
  },
  {
    // The stakeholder map and qualification: internal readers only; for the buyer's side the tab does not exist.
    path: "/rooms/:roomId/planning",
    url: (f) => `/rooms/${f.roomId}/planning`,
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      internal 200 200 200  404  404   404    200   404    404   login`,
  },
  {
    // The Engagement tab: internal readers only; for the buyer's side the tab does not exist.
    path: "/rooms/:roomId/engagement",
    url: (f) => `/rooms/${f.roomId}/engagement`,
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      internal 200 200 200  404  404   404    200   404    404   login`,
  },
  {
    // "What the seller sees about me": everyone in the room.
    path: "/rooms/:roomId/engagement/me",
    url: (f) => `/rooms/${f.roomId}/engagement/me`,
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      room  200   200  200    200  200   200    200   404    404   login`,
  },
  {
    // The stage timeline: everyone in the room (as GET /rooms/:roomId/stages; the service scopes forms and reasons).
    path: "/rooms/:roomId/timeline",
    url: (f) => `/rooms/${f.roomId}/timeline`,
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      room  200   200  200    200  200   200    200   404    404   login`,
  },
  {
    // Moving the stage and its hand-off forms: the owner only (room.moveStage); others who see the room are refused.
    path: "/rooms/:roomId/stage",
    url: (f) => `/rooms/${f.roomId}/stage`,
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      room  200   403  403    403  403   403    403   404    404   login`,
  },
  {
    // The audit trail: the owner and organization admins (as GET /rooms/:roomId/audit).
    path: "/rooms/:roomId/audit",
    url: (f) => `/rooms/${f.roomId}/audit`,
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      room  200   403  403    403  403   403    200   404    404   login`,
  },
  {
    // Whoever holds the link sees whom it invites to which room; an unknown token is a 404.
    path: "/invite/:token",
    url: (f, row) => `/invite/${row === "pending" ? f.invitation.token : "a".repeat(32)}`,
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      pending 200 200  200    200  200   200    200   200    200   200
      unknown 404 404  404    404  404   404    404   404    404   404`,
  },
  {
    // The page only offers "Continue"; the link is used by its POST, never by opening it.
    path: "/sign-in/:token",
    url: () => `/sign-in/${"a".repeat(32)}`,
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      public 200  200  200    200  200   200    200   200    200   200`,
  },
  {
    // The pipeline page, like GET /pipeline: members of the organization; guests 404.
    path: "/pipeline",
    url: (f, row) => (row === "org" ? `/pipeline?org=${f.organizationId}` : "/pipeline"),
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      self  200   200  200    404  404   404    200   200    200   login
      org   200   200  200    404  404   404    200   200    404   login`,
  },
  {
    // Each admin reads their own organization's outbox (the outsider administers their own).
    path: "/outbox",
    url: () => "/outbox",
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      org   200   403  403    403  403   403    200   403    200   login`,
  },
  {
    // Organization settings. self: the first organization the user administers (the outsider
    // administers their own; members are refused about theirs; guests have none). org: the
    // owner's organization asked for by id, answered like GET /organizations/:id/members.
    path: "/settings",
    url: (f, row) => (row === "org" ? `/settings?org=${f.organizationId}` : "/settings"),
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      self  302   403  403    403  403   403    302   403    302   login
      org   302   403  403    404  404   404    302   403    404   login`,
  },
  {
    path: "/settings/members",
    url: (f, row) => (row === "org" ? `/settings/members?org=${f.organizationId}` : "/settings/members"),
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      self  200   403  403    403  403   403    200   403    200   login
      org   200   403  403    404  404   404    200   403    404   login`,
  },
  {
    // The sales cycle and the delivery team: like the members tab (server/sales/stages.ts, delivery-team.ts decide).
    path: "/settings/stages",
    url: (f, row) => (row === "org" ? `/settings/stages?org=${f.organizationId}` : "/settings/stages"),
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      self  200   403  403    403  403   403    200   403    200   login
      org   200   403  403    404  404   404    200   403    404   login`,
  },
  {
    path: "/settings/delivery-team",
    url: (f, row) => (row === "org" ? `/settings/delivery-team?org=${f.organizationId}` : "/settings/delivery-team"),
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      self  200   403  403    403  403   403    200   403    200   login
      org   200   403  403    404  404   404    200   403    404   login`,
  },
  {
    // Room templates (decision 020): like the members tab.
    path: "/settings/templates",
    url: (f, row) => (row === "org" ? `/settings/templates?org=${f.organizationId}` : "/settings/templates"),
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      self  200   403  403    403  403   403    200   403    200   login
      org   200   403  403    404  404   404    200   403    404   login`,
  },
  {
    // The forecast's statuses and matrices (decision 027): the settings page, admins only.
    path: "/settings/forecast",
    url: (f, row) => (row === "org" ? `/settings/forecast?org=${f.organizationId}` : "/settings/forecast"),
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      self  200   403  403    403  403   403    200   403    200   login
      org   200   403  403    404  404   404    200   403    404   login`,
  },
  {
    // Targets and team credit (decision 021): the settings page, admins only.
    path: "/settings/targets",
    url: (f, row) => (row === "org" ? `/settings/targets?org=${f.organizationId}` : "/settings/targets"),
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      self  200   403  403    403  403   403    200   403    200   login
      org   200   403  403    404  404   404    200   403    404   login`,
  },
  {
    // Engagement tracking and the "gone quiet" threshold (decision 025): the settings page, admins only.
    path: "/settings/engagement",
    url: (f, row) => (row === "org" ? `/settings/engagement?org=${f.organizationId}` : "/settings/engagement"),
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      self  200   403  403    403  403   403    200   403    200   login
      org   200   403  403    404  404   404    200   403    404   login`,
  },
  {
    // The webhooks page (decision 022): admins, like the other settings tabs.
    path: "/settings/webhooks",
    url: (f, row) => (row === "org" ? `/settings/webhooks?org=${f.organizationId}` : "/settings/webhooks"),
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      self  200   403  403    403  403   403    200   403    200   login
      org   200   403  403    404  404   404    200   403    404   login`,
  },
  {
    path: "/notifications",
    url: () => "/notifications",
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      self  200   200  200    200  200   200    200   200    200   login`,
  },
  {
    path: "/notifications/count",
    url: () => "/notifications/count",
    expect: `
      owner inEd inView exEd exCom exView admin member other anon
      self  200   200  200    200  200   200    200   200    200   200`,
  },
];

/** Actors that must never read an internal item's title, text or id, in any answer. */
const BLIND_TO_INTERNAL = new Set<ActorName>(["exEd", "exCom", "exView", "member", "other", "anon"]);
/** Actors outside the room: nothing of the room's items reaches them. */
const OUTSIDE_ROOM = new Set<ActorName>(["member", "other", "anon"]);

function secretsOf(items: ItemSet): string[] {
  return [items.pageTitle, items.threadTitle, items.messageBody, items.fileName, items.folderName, items.page, items.thread, items.message, items.file, items.folder, items.stepTitle, items.step];
}

/**
 * The texts an answer to `actor` must not contain. An id the request itself carries may come
 * back (a 404 page shows the address asked for; the sign-in redirect returns to it).
 */
function forbiddenTexts(f: Fixtures, actor: ActorName, requestUrl: string): string[] {
  const out: string[] = [];
  if (BLIND_TO_INTERNAL.has(actor)) {
    out.push(...secretsOf(f.items.internal));
    // Internal by construction, not by visibility.
    out.push(f.stakeholder, f.stakeholderName, f.qualificationNote);
    // What was written while the history items were internal (docs/access.md "History across visibility changes").
    out.push(...f.history.secrets);
    // Externals see internal participants' names, never their e-mail addresses (docs/api.md).
    out.push(f.users.owner.email, f.users.inEd.email, f.users.inView.email);
    // A room of the organization they are not in.
    if (actor !== "member") out.push(f.otherRoomId);
  }
  if (OUTSIDE_ROOM.has(actor)) out.push(...secretsOf(f.items.shared));
  return out.filter((s) => !requestUrl.includes(s));
}

function itemsFor(f: Fixtures, row: string, override?: Record<string, Visibility>): ItemSet {
  const visibility = override?.[row] ?? (row.startsWith("internal") ? "internal" : "shared");
  return f.items[visibility];
}

let server: TestServer;
let fixtures: Fixtures;
let dataDir: string;

beforeAll(async () => {
  // The page routes need the production build (npm test builds first; a fresh checkout may not have it).
  if (!existsSync(path.join(ROOT, "build/server/index.js"))) execSync("npx react-router build", { cwd: ROOT, stdio: "ignore" });
  dataDir = await mkdtemp(path.join(os.tmpdir(), "dealroom-matrix-"));
  server = await startTestServer({ web: "production", env: { DATA_DIR: dataDir } });
  fixtures = await buildFixtures(server);
}, 120_000);

afterAll(async () => {
  await server?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe("the matrix covers every surface", () => {
  it("has an entry for every API endpoint the server registers, and none for an endpoint that is gone", () => {
    const registered = listRoutes(apiV1(server.app) as unknown as Parameters<typeof listRoutes>[0]).filter((r) => !r.startsWith("HEAD "));
    const entries = API.map((e) => e.endpoint);
    expect(new Set(entries).size, "an endpoint has two entries").toBe(entries.length);
    expect({ missing: registered.filter((r) => !entries.includes(r)), gone: entries.filter((e) => !registered.includes(e)) }).toEqual({ missing: [], gone: [] });
    // Enough endpoints to mean something (the walk itself could break silently).
    expect(registered.length).toBeGreaterThanOrEqual(60);
  });

  it("has an entry for every page route in app/routes.ts, and none for a route that is gone", async () => {
    const routes = (await import("../../app/routes.ts")).default as RouteConfigEntry[];
    const paths = listPagePaths(routes);
    const entries = PAGES.map((p) => p.path);
    expect({ missing: paths.filter((p) => !entries.includes(p)), gone: entries.filter((e) => !paths.includes(e)) }).toEqual({ missing: [], gone: [] });
  });

  it("every table is well formed and every request hits the endpoint its entry names", () => {
    for (const entry of API) {
      const table = parseTable(entry.expect);
      for (const row of table.keys()) {
        for (const actor of ACTORS) {
          const cell: Cell = { f: fixtures, row, actor, user: actor === "anon" ? null : fixtures.users[actor], item: itemsFor(fixtures, row, entry.items), fresh: {} };
          const requested = entry.request(cell).path.split("?")[0]!;
          expect(patternRegExp(entry.endpoint.split(" ")[1]!).test(requested), `${entry.endpoint} requests ${requested}`).toBe(true);
        }
      }
    }
    for (const page of PAGES) parseTable(page.expect);
  });

  it("the search for leaked text can find it: internal answers carry what external answers must not", async () => {
    const internal = fixtures.items.internal;
    const asOwner = await server.api(`/api/v1/rooms/${fixtures.roomId}/search?q=MATRIX`, { token: fixtures.users.owner.token });
    expect(JSON.stringify(asOwner.body)).toContain(internal.pageTitle);
    const { token } = await createSession(server.sql, fixtures.users.inView.id, "cookie");
    const page = await askPage(`/rooms/${fixtures.roomId}/pages/${internal.page}`, "document", `${SESSION_COOKIE}=${token}`);
    expect(page.got).toBe("200");
    expect(page.body).toContain(internal.pageTitle);
    const data = await askPage(`/rooms/${fixtures.roomId}/threads/${internal.thread}`, "data", `${SESSION_COOKIE}=${token}`);
    expect(data.body).toContain(internal.threadTitle);
  });
});

describe("page routes, with the session cookie", () => {
  const cookies = new Map<ActorName, string>();
  beforeAll(async () => {
    for (const actor of ACTORS) {
      if (actor === "anon") continue;
      const { token } = await createSession(server.sql, fixtures.users[actor].id, "cookie");
      cookies.set(actor, `${SESSION_COOKIE}=${token}`);
    }
  });

  for (const page of PAGES) {
    it(`GET ${page.path}`, async () => {
      const table = parseTable(page.expect);
      const tasks: (() => Promise<string | null>)[] = [];
      for (const [row, expected] of table) {
        for (const actor of ACTORS) {
          // The document, and the same loaders as client-side navigation fetches them (.data).
          for (const kind of ["document", "data"] as const) {
            tasks.push(async () => {
              const url = page.url(fixtures, row, itemsFor(fixtures, row));
              const answer = await askPage(url, kind, cookies.get(actor));
              const want = expected[actor];
              const where = `GET ${page.path}${kind === "data" ? " (.data)" : ""}`;
              if (answer.got !== String(want)) return describeMismatch(where, row, actor, want, answer.got === "login" ? `a redirect to ${answer.location}` : answer.got);
              const leaked = forbiddenTexts(fixtures, actor, url).filter((s) => answer.body.includes(s) || answer.location.includes(s));
              if (leaked.length) return describeMismatch(where, row, actor, want, answer.got, `the answer contains ${leaked.join(", ")}`);
              return null;
            });
          }
        }
      }
      const mismatches = (await runLimited(tasks, CONCURRENCY)).filter((m): m is string => m !== null);
      expect(mismatches).toEqual([]);
    });
  }
});

describe("API endpoints, with a bearer token", () => {
  // Entries that end sessions run after all others (vitest runs tests in the order declared).
  const ordered = [...API.filter((e) => !e.last), ...API.filter((e) => e.last)];
  for (const entry of ordered) {
    it(entry.endpoint, async () => {
      const table = parseTable(entry.expect);
      const tasks: (() => Promise<string | null>)[] = [];
      for (const [row, expected] of table) {
        for (const actor of ACTORS) tasks.push(() => runApiCell(entry, row, actor, expected[actor]));
      }
      const mismatches = (await runLimited(tasks, CONCURRENCY)).filter((m): m is string => m !== null);
      expect(mismatches).toEqual([]);
    });
  }
});

/**
 * Asks for a page route as a browser would: the HTML document, or the loader data of a
 * client-side navigation (`<path>.data`, where a redirect is a 202 carrying it in the body).
 * `got` is the status, "login" for a redirect to /login, or "302" for any other redirect.
 */
async function askPage(url: string, kind: "document" | "data", cookie: string | undefined) {
  const [pathname, search = ""] = url.split("?");
  const target = kind === "document" ? url : `${pathname === "/" ? "/_root" : pathname}.data${search ? `?${search}` : ""}`;
  const res = await fetch(`${server.url}${target}`, { redirect: "manual", headers: cookie ? { cookie } : {} });
  const body = await res.text();
  let location = res.headers.get("location") ?? "";
  let redirected = res.status >= 300 && res.status < 400;
  if (kind === "data" && res.status === 202 && body.includes('"SingleFetchRedirect"')) {
    redirected = true;
    location = (JSON.parse(body) as unknown[]).find((v): v is string => typeof v === "string" && v.startsWith("/")) ?? "";
  }
  const got = redirected ? (location.startsWith("/login") ? "login" : "302") : String(res.status);
  return { got, location, body };
}

async function runApiCell(entry: ApiEntry, row: string, actor: ActorName, expected: Expected): Promise<string | null> {
  const f = fixtures;
  const user = actor === "anon" ? null : f.users[actor];
  const cell: Cell = { f, row, actor, user, item: itemsFor(f, row, entry.items), fresh: {} };
  if (entry.fresh && isSuccess(expected)) cell.fresh = await entry.fresh(cell);
  const request = entry.request(cell);
  const method = entry.endpoint.split(" ")[0]!;
  const token = request.token ?? user?.token;

  let status: number;
  let text: string;
  if (request.upload) {
    const res = await uploadFile(f.server, token, f.roomId, request.upload.name, request.upload.content, request.upload.fields);
    status = res.status;
    text = typeof res.body === "string" ? res.body : JSON.stringify(res.body);
  } else {
    const headers: Record<string, string> = {};
    if (token) headers.authorization = `Bearer ${token}`;
    let body: string | undefined;
    if (request.body !== undefined) {
      body = JSON.stringify(request.body);
      headers["content-type"] = "application/json";
    }
    const res = await fetch(`${f.server.url}/api/v1${request.path}`, { method, headers, body });
    status = res.status;
    // A download's file name travels in a header: it is part of the answer searched for leaks.
    text = `${decodeURIComponent(res.headers.get("content-disposition") ?? "")}\n${await res.text()}`;
  }

  if (status !== expected) return describeMismatch(entry.endpoint, row, actor, expected, String(status), text.slice(0, 160));
  if (!isSuccess(expected)) {
    let code: unknown;
    try {
      code = JSON.parse(text)?.error?.code;
    } catch {}
    if (typeof code !== "string") return describeMismatch(entry.endpoint, row, actor, expected, `${status} without an error body`, text.slice(0, 160));
  }
  const leaked = forbiddenTexts(f, actor, request.path).filter((s) => text.includes(s));
  if (leaked.length) return describeMismatch(entry.endpoint, row, actor, expected, String(status), `the answer contains ${leaked.join(", ")}`);
  return null;
}
