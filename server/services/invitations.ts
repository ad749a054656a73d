import { z } from "zod";
import { transaction, type Tx } from "../../db/client.ts";
import { authorize, isId, loadStanding, type ParticipantRole, type Side } from "../access/index.ts";
import { noteRefusal } from "../access/refusals.ts";
import { consume } from "../auth/rate-limits.ts";
import { createSession, generateToken, hashToken, type Session } from "../auth/sessions.ts";
import type { ActorContext, AppContext } from "../context.ts";
import { AppError, notFound } from "../errors.ts";
import { publicBaseUrl } from "../links.ts";
import { Email, InviteRole, Name, Password, Side as SideSchema, parseInput } from "../validation.ts";
import { insertUser, type PublicUser, type RequestMeta } from "./accounts.ts";
import { recordActivity } from "./activity.ts";

const INVITATION_LIFETIME_MS = 7 * 24 * 60 * 60 * 1000;

export const CreateInvitationInput = z.object({ email: Email, side: SideSchema, role: InviteRole });
export const AcceptAsNewUserInput = z.object({ name: Name, password: Password });

export type InvitationStatus = "pending" | "accepted" | "revoked" | "expired";
export interface InvitationView {
  id: string;
  email: string;
  side: Side;
  role: Exclude<ParticipantRole, "owner">;
  status: InvitationStatus;
  expiresAt: string;
  createdAt: string;
}

export function invitationUrl(app: Pick<AppContext, "config" | "listenAddress">, token: string) {
  return `${publicBaseUrl(app)}/invite/${token}`;
}

/**
 * Owner only. The token is returned once, to the inviter, who passes it on (no e-mail is sent);
 * only its hash is kept. It cannot sign anybody in: accepting as a new user creates an account
 * only for an address that has none, and an existing account must be signed in to accept.
 */
export async function createInvitation(ctx: ActorContext, roomId: string | undefined, raw: unknown) {
  const standing = await loadStanding(ctx.sql, ctx.actor, roomId);
  authorize(standing, "room.invite");
  const input = parseInput(CreateInvitationInput, raw);
  const [existing] = await ctx.sql`
    select 1 from participants p join users u on u.id = p.user_id
    where p.room_id = ${standing.roomId} and u.email = ${input.email}`;
  if (existing) throw new AppError(409, "already_participant", `${input.email} already takes part in this room.`);
  const token = generateToken();
  const expiresAt = new Date(Date.now() + INVITATION_LIFETIME_MS);
  const id = await transaction(ctx.sql, async (sql) => {
    const [row] = await sql<{ id: string }[]>`
      insert into invitations (room_id, email, side, role, token_hash, expires_at, created_by)
      values (${standing.roomId}, ${input.email}, ${input.side}, ${input.role}, ${hashToken(token)}, ${expiresAt}, ${ctx.actor.userId})
      returning id`;
    await recordActivity(sql, {
      roomId: standing.roomId, organizationId: standing.organizationId, actorId: ctx.actor.userId,
      type: "participant.invited", objectType: "invitation", objectId: row!.id, visibility: "internal",
      data: { email: input.email, side: input.side, role: input.role }, ip: ctx.ip,
    });
    return row!.id;
  });
  return { id, token, url: invitationUrl(ctx, token), expiresAt: expiresAt.toISOString() };
}

const statusOf = (r: { acceptedAt: Date | null; revokedAt: Date | null; expiresAt: Date }): InvitationStatus =>
  r.revokedAt ? "revoked" : r.acceptedAt ? "accepted" : r.expiresAt.getTime() <= Date.now() ? "expired" : "pending";

export async function listInvitations(ctx: ActorContext, roomId: string | undefined): Promise<InvitationView[]> {
  const standing = await loadStanding(ctx.sql, ctx.actor, roomId);
  authorize(standing, "invitation.manage");
  const rows = await ctx.sql<
    { id: string; email: string; side: Side; role: InvitationView["role"]; expiresAt: Date; createdAt: Date; acceptedAt: Date | null; revokedAt: Date | null }[]
  >`select id, email, side, role, expires_at as "expiresAt", created_at as "createdAt", accepted_at as "acceptedAt", revoked_at as "revokedAt"
    from invitations where room_id = ${standing.roomId} order by created_at desc`;
  return rows.map((r) => ({
    id: r.id, email: r.email, side: r.side, role: r.role, status: statusOf(r),
    expiresAt: r.expiresAt.toISOString(), createdAt: r.createdAt.toISOString(),
  }));
}

export async function revokeInvitation(ctx: ActorContext, roomId: string | undefined, invitationId: string | undefined) {
  const standing = await loadStanding(ctx.sql, ctx.actor, roomId);
  authorize(standing, "invitation.manage");
  if (!isId(invitationId)) throw notFound("Invitation");
  await transaction(ctx.sql, async (sql) => {
    const [row] = await sql<{ email: string }[]>`
      update invitations set revoked_at = now()
      where id = ${invitationId} and room_id = ${standing.roomId} and accepted_at is null and revoked_at is null
      returning email`;
    if (!row) throw notFound("Pending invitation");
    await recordActivity(sql, {
      roomId: standing.roomId, organizationId: standing.organizationId, actorId: ctx.actor.userId,
      type: "invitation.revoked", objectType: "invitation", objectId: invitationId, visibility: "internal",
      data: { email: row.email }, ip: ctx.ip,
    });
  });
}

interface InvitationRow {
  id: string;
  roomId: string;
  organizationId: string;
  roomName: string;
  account: string;
  inviterName: string;
  email: string;
  side: Side;
  role: InvitationView["role"];
  expiresAt: Date;
  acceptedAt: Date | null;
  revokedAt: Date | null;
}

async function findByToken(sql: Tx, token: string | undefined, lock = false): Promise<InvitationRow> {
  if (!token || !/^[a-z2-7]{32}$/.test(token)) throw notFound("Invitation");
  const [row] = await sql<InvitationRow[]>`
    select i.id, i.room_id as "roomId", r.organization_id as "organizationId", r.name as "roomName", r.account,
           u.name as "inviterName", i.email, i.side, i.role, i.expires_at as "expiresAt",
           i.accepted_at as "acceptedAt", i.revoked_at as "revokedAt"
    from invitations i join rooms r on r.id = i.room_id join users u on u.id = i.created_by
    where i.token_hash = ${hashToken(token)}
    ${lock ? sql`for update of i` : sql``}`;
  if (!row) throw notFound("Invitation");
  return row;
}

function assertUsable(row: InvitationRow): void {
  const status = statusOf(row);
  // A used, withdrawn or expired link being opened again is worth the owner's attention.
  if (status !== "pending") {
    noteRefusal({ roomId: row.roomId, organizationId: row.organizationId, type: "access.invitation_refused", status: 409, objectType: "invitation", data: { invitationId: row.id, reason: status } });
  }
  if (status === "accepted") throw new AppError(409, "invitation_used", "This invitation has already been used. Sign in to open the room.");
  if (status === "revoked") throw new AppError(409, "invitation_revoked", "This invitation was withdrawn by the room owner.");
  if (status === "expired") throw new AppError(409, "invitation_expired", "This invitation has expired. Ask the room owner for a new one.");
}

/** What the invitation page shows before accepting: the room's name and who invited, nothing more. */
export async function previewInvitation(app: AppContext, token: string | undefined) {
  const row = await findByToken(app.sql, token);
  const [existingUser] = await app.sql`select 1 from users where email = ${row.email}`;
  return {
    roomName: row.roomName,
    account: row.account,
    inviterName: row.inviterName,
    email: row.email,
    side: row.side,
    role: row.role,
    status: statusOf(row),
    hasAccount: Boolean(existingUser),
  };
}

/**
 * Accepts an invitation: as the signed-in user (whose e-mail must be the invited one) or as a
 * new user with a name and password. Single use: the row is locked and marked in one transaction.
 */
export async function acceptInvitation(
  app: AppContext,
  token: string | undefined,
  actor: { userId: string; email: string } | null,
  raw: unknown,
  kind: Session["kind"],
  meta: RequestMeta = {},
): Promise<{ token: string | null; session: Session | null; user: PublicUser; roomId: string }> {
  if (meta.ip) await consume(app.rateLimits.invitationPerIp, meta.ip);
  return app.sql.begin(async (sql) => {
    const row = await findByToken(sql, token, true);
    assertUsable(row);
    let user: PublicUser;
    let session: { token: string; session: Session } | null = null;
    if (actor) {
      if (actor.email !== row.email) {
        throw new AppError(403, "invitation_email_mismatch", `This invitation was sent to ${row.email}. Sign in as that person to accept it.`);
      }
      const [u] = await sql<PublicUser[]>`select id, email, name from users where id = ${actor.userId}`;
      user = u!;
    } else {
      const input = parseInput(AcceptAsNewUserInput, raw ?? {});
      const [taken] = await sql`select 1 from users where email = ${row.email}`;
      if (taken) throw new AppError(409, "email_taken", `An account for ${row.email} exists. Sign in, then open the invitation link again.`);
      user = await insertUser(sql, { email: row.email, name: input.name, password: input.password });
      session = await createSession(sql, user.id, kind, meta);
    }
    // Someone this organization deactivated comes back only when an admin reactivates them.
    const [deactivated] = await sql`select 1 from memberships
      where organization_id = ${row.organizationId} and user_id = ${user.id} and deactivated_at is not null`;
    if (deactivated) {
      throw new AppError(403, "member_deactivated", "You were deactivated in this organization. Ask one of its admins to reactivate you.");
    }
    await sql`update invitations set accepted_at = now(), accepted_by = ${user.id} where id = ${row.id}`;
    await sql`insert into participants (room_id, user_id, side, role) values (${row.roomId}, ${user.id}, ${row.side}, ${row.role})
      on conflict (room_id, user_id) do nothing`;
    // Internal participants are on the seller's team: they join the organization as members.
    if (row.side === "internal") {
      await sql`insert into memberships (organization_id, user_id, role) values (${row.organizationId}, ${user.id}, 'member')
        on conflict do nothing`;
    }
    await recordActivity(sql, {
      roomId: row.roomId, organizationId: row.organizationId, actorId: user.id, type: "participant.joined",
      objectType: "user", objectId: user.id, visibility: row.side === "external" ? "shared" : "internal",
      data: { side: row.side, role: row.role, invitationId: row.id }, ip: meta.ip,
    });
    return { token: session?.token ?? null, session: session?.session ?? null, user, roomId: row.roomId };
  });
}

