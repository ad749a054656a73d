import type { TestServer } from "./server.ts";

let counter = 0;
const unique = () => `${Date.now().toString(36)}${(counter++).toString(36)}${Math.random().toString(36).slice(2, 6)}`;

export interface TestUser {
  id: string;
  email: string;
  name: string;
  password: string;
  token: string;
}

/** Signs up a new user (and with them a new organization, of which they are admin). */
export async function signupUser(server: TestServer, overrides: Partial<{ name: string; organization: string }> = {}) {
  const email = `user-${unique()}@example.test`;
  const password = "correct horse battery";
  const name = overrides.name ?? `User ${unique()}`;
  const res = await server.api("/api/v1/signup", {
    body: { email, password, name, organization: overrides.organization ?? `Org ${unique()}` },
  });
  if (res.status !== 201) throw new Error(`signup failed: ${res.status} ${JSON.stringify(res.body)}`);
  const user: TestUser = { id: res.body.user.id, email, name, password, token: res.body.token };
  return { user, organization: res.body.organization as { id: string; name: string } };
}

export async function createRoom(server: TestServer, owner: TestUser, body: Record<string, unknown> = {}) {
  const res = await server.api("/api/v1/rooms", {
    token: owner.token,
    body: { name: `Room ${unique()}`, account: "Acme Corp", ...body },
  });
  if (res.status !== 201) throw new Error(`create room failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as { id: string; name: string };
}

/** Invites a brand-new person and accepts as them; returns the new participant. */
export async function addParticipant(
  server: TestServer,
  owner: TestUser,
  roomId: string,
  side: "internal" | "external",
  role: "editor" | "commenter" | "viewer",
): Promise<TestUser> {
  const email = `${side}-${role}-${unique()}@example.test`;
  const invite = await server.api(`/api/v1/rooms/${roomId}/invitations`, { token: owner.token, body: { email, side, role } });
  if (invite.status !== 201) throw new Error(`invite failed: ${invite.status} ${JSON.stringify(invite.body)}`);
  const name = `${side} ${role} ${unique()}`;
  const password = "correct horse battery";
  const accepted = await server.api(`/api/v1/invitations/${invite.body.token}/accept`, { body: { name, password } });
  if (accepted.status !== 200) throw new Error(`accept failed: ${accepted.status} ${JSON.stringify(accepted.body)}`);
  return { id: accepted.body.user.id, email, name, password, token: accepted.body.token };
}

/**
 * A room with one actor of every kind the permission tests need: owner, internal editor and
 * viewer, external editor and viewer, a member of the same organization outside the room, and
 * a user of another organization.
 */
export async function roomWithCast(server: TestServer) {
  const { user: owner, organization } = await signupUser(server, { name: "Olivia Owner" });
  const room = await createRoom(server, owner);
  const internalEditor = await addParticipant(server, owner, room.id, "internal", "editor");
  const internalViewer = await addParticipant(server, owner, room.id, "internal", "viewer");
  const externalEditor = await addParticipant(server, owner, room.id, "external", "editor");
  const externalViewer = await addParticipant(server, owner, room.id, "external", "viewer");
  // A member of the organization who is not in this room: invited internally to another room.
  const otherRoom = await createRoom(server, owner);
  const orgMember = await addParticipant(server, owner, otherRoom.id, "internal", "editor");
  const { user: outsider } = await signupUser(server);
  return { owner, organization, room, otherRoom, internalEditor, internalViewer, externalEditor, externalViewer, orgMember, outsider };
}
