import { z } from "zod";
import { transaction, type Tx } from "../../db/client.ts";
import { authorize, can, isId, loadStanding, type ParticipantRole, type Side, type Standing } from "../access/index.ts";
import { noteRefusal } from "../access/refusals.ts";
import { consume } from "../auth/rate-limits.ts";
import { createSession, generateToken, hashToken, type Session } from "../auth/sessions.ts";
import type { ActorContext, AppContext } from "../context.ts";
import { AppError, notFound } from "../errors.ts";
import { publicBaseUrl } from "../links.ts";
import { sendMail } from "../mail/outbox.ts";
import { mailText, secret } from "../mail/body.ts";
import { Email, InviteRole, Name, Password, Side as SideSchema, parseInput } from "../validation.ts";
import { insertUser, type PublicUser, type RequestMeta } from "./accounts.ts";
import { recordActivity } from "./activity.ts";

const INVITATION_LIFETIME_MS = 7 * 24 * 60 * 60 * 1000;

export const CreateInvitationInput = z.object({ email: Email, side: SideSchema, role: InviteRole });
/** A guest may join with a name only: later visits use the one-time sign-in link (docs/api.md). */
export const AcceptAsNewUserInput = z.object({ name: Name, password: Password.optional() });

export type InvitationStatus = "pending" | "accepted" | "revoked" | "expired";
export interface InvitationView {
  id: string;
  email: string;
  side: Side;
  role: Exclude<ParticipantRole, "owner">;
  status: InvitationStatus;
  expiresAt: string;
  createdAt: string;
  /** Pending invitations only, for those who may manage them: the link to pass on again. */
  url: string | null;
  sentCount: number;
  lastSentAt: string | null;
}

export interface CreatedInvitation {
  id: string;
  token: string;
  url: string;
  expiresAt: string;
  /** True when an open invitation for the address was renewed instead of a new one made. */
  renewed: boolean;
}

export function invitationUrl(app: Pick<AppContext, "config" | "listenAddress">, token: string) {
  return `${publicBaseUrl(app)}/invite/${token}`;
}

/**
 * Owner only. Invites an address to the room and e-mails the link (through the outbox, and over
 * SMTP when it is set). An address with an open invitation to the room gets that one renewed —
 * same id, same link, a new expiry and the side and role asked for now — rather than a second.
 * The token is kept (next to its hash, which lookups use) only while the invitation is open, so
 * whoever may manage invitations can show the link again.
 */
export async function createInvitation(ctx: ActorContext, roomId: string | undefined, raw: unknown): Promise<CreatedInvitation> {
  const standing = await loadStanding(ctx.sql, ctx.actor, roomId);
  authorize(standing, "room.invite");
  const input = parseInput(CreateInvitationInput, raw);
  const [existing] = await ctx.sql`
    select 1 from participants p join users u on u.id = p.user_id
    where p.room_id = ${standing.roomId} and u.email = ${input.email}`;
  if (existing) throw new AppError(409, "already_participant", `${input.email} already takes part in this room.`);
  const fresh = generateToken();
  const expiresAt = new Date(Date.now() + INVITATION_LIFETIME_MS);
  const made = await transaction(ctx.sql, async (sql) => {
    // One open invitation per address and room (invitations_open_key): renew it if there is one.
    const [row] = await sql<{ id: string; token: string; renewed: boolean }[]>`
      insert into invitations (room_id, email, side, role, token, token_hash, expires_at, created_by)
      values (${standing.roomId}, ${input.email}, ${input.side}, ${input.role}, ${fresh}, ${hashToken(fresh)}, ${expiresAt}, ${ctx.actor.userId})
      on conflict (room_id, email) where accepted_at is null and revoked_at is null do update
        set side = excluded.side, role = excluded.role, expires_at = excluded.expires_at,
            token = coalesce(invitations.token, excluded.token),
            token_hash = case when invitations.token is null then excluded.token_hash else invitations.token_hash end
      returning id, token, (xmax <> 0) as renewed`;
    await recordActivity(sql, {
      roomId: standing.roomId, organizationId: standing.organizationId, actorId: ctx.actor.userId,
      type: row!.renewed ? "invitation.renewed" : "participant.invited", objectType: "invitation", objectId: row!.id, visibility: "internal",
      data: { email: input.email, side: input.side, role: input.role }, ip: ctx.ip,
    });
    return row!;
  });
  const url = invitationUrl(ctx, made.token);
  await mailInvitation(ctx, made.id, url);
  return { id: made.id, token: made.token, url, expiresAt: expiresAt.toISOString(), renewed: made.renewed };
}

/**
 * Sends a pending invitation's e-mail again, with the same link and a new expiry. Invitations are
 * internal to the seller's side: an external participant gets 404 as for an id that does not
 * exist; internal participants who may not manage invitations get 403.
 */
export async function resendInvitation(ctx: ActorContext, roomId: string | undefined, invitationId: string | undefined): Promise<CreatedInvitation> {
  const standing = await loadStanding(ctx.sql, ctx.actor, roomId);
  authorize(standing, "item.read", { visibility: "internal" }, "Invitation");
  authorize(standing, "invitation.manage");
  if (!isId(invitationId)) throw notFound("Invitation");
  const fresh = generateToken();
  const expiresAt = new Date(Date.now() + INVITATION_LIFETIME_MS);
  const row = await transaction(ctx.sql, async (sql) => {
    const [row] = await sql<{ id: string; token: string; email: string }[]>`
      update invitations
        set expires_at = ${expiresAt},
            token = coalesce(token, ${fresh}),
            token_hash = case when token is null then ${hashToken(fresh)} else token_hash end
      where id = ${invitationId} and room_id = ${standing.roomId} and accepted_at is null and revoked_at is null
      returning id, token, email`;
    if (!row) throw notFound("Pending invitation");
    await recordActivity(sql, {
      roomId: standing.roomId, organizationId: standing.organizationId, actorId: ctx.actor.userId,
      type: "invitation.resent", objectType: "invitation", objectId: row.id, visibility: "internal",
      data: { email: row.email }, ip: ctx.ip,
    });
    return row;
  });
  const url = invitationUrl(ctx, row.token);
  await mailInvitation(ctx, row.id, url);
  return { id: row.id, token: row.token, url, expiresAt: expiresAt.toISOString(), renewed: true };
}

/** The invitation e-mail, addressed to the invitee alone. */
async function mailInvitation(ctx: ActorContext, invitationId: string, url: string): Promise<void> {
  const [inv] = await ctx.sql<{ email: string; side: Side; role: string; expiresAt: Date; roomName: string; account: string; inviterName: string }[]>`
    select i.email, i.side, i.role, i.expires_at as "expiresAt", r.name as "roomName", r.account, u.name as "inviterName"
    from invitations i join rooms r on r.id = i.room_id join users u on u.id = ${ctx.actor.userId}
    where i.id = ${invitationId}`;
  if (!inv) return;
  const what = inv.side === "external" ? "You will see what the team shares with you." : "You will join the internal team.";
  await sendMail(ctx, {
    to: inv.email,
    subject: `${inv.inviterName} invited you to ${inv.roomName} on Dealroom`,
    // The link lets whoever holds it join the room as this invitee: a credential, the recipient's alone.
    body: mailText`Hello,\n\n${inv.inviterName} invited you to the deal room "${inv.roomName}" for ${inv.account} on Dealroom. ${what}\n\nOpen this link to join (it works once, until ${inv.expiresAt.toUTCString()}):\n\n${secret(url, "invitation link")}\n\nNo password is needed to start; to come back later, ask for a one-time sign-in link on the sign-in page.\n`,
  });
  await ctx.sql`update invitations set sent_count = sent_count + 1, last_sent_at = now() where id = ${invitationId}`;
}

const statusOf = (r: { acceptedAt: Date | null; revokedAt: Date | null; expiresAt: Date }): InvitationStatus =>
  r.revokedAt ? "revoked" : r.acceptedAt ? "accepted" : r.expiresAt.getTime() <= Date.now() ? "expired" : "pending";

/** The room's invitations (owner only); `withLinks`: pending ones carry their link again. */
export async function listInvitations(ctx: ActorContext, roomId: string | undefined, withLinks = false): Promise<InvitationView[]> {
  const standing = await loadStanding(ctx.sql, ctx.actor, roomId);
  authorize(standing, "invitation.manage");
  return invitationViews(ctx, standing, withLinks);
}

async function invitationViews(ctx: ActorContext, standing: Standing, withLinks: boolean): Promise<InvitationView[]> {
  const rows = await ctx.sql<
    {
      id: string; email: string; side: Side; role: InvitationView["role"]; expiresAt: Date; createdAt: Date;
      acceptedAt: Date | null; revokedAt: Date | null; token: string | null; sentCount: number; lastSentAt: Date | null;
    }[]
  >`select id, email, side, role, expires_at as "expiresAt", created_at as "createdAt", accepted_at as "acceptedAt", revoked_at as "revokedAt",
           token, sent_count as "sentCount", last_sent_at as "lastSentAt"
    from invitations where room_id = ${standing.roomId} order by created_at desc`;
  // The link is a credential: only for those the policy lets manage invitations (the room's owner).
  const showLinks = withLinks && can(standing, "invitation.manage");
  return rows.map((r) => {
    const status = statusOf(r);
    return {
      id: r.id, email: r.email, side: r.side, role: r.role, status,
      expiresAt: r.expiresAt.toISOString(), createdAt: r.createdAt.toISOString(),
      url: showLinks && status === "pending" && r.token ? invitationUrl(ctx, r.token) : null,
      sentCount: r.sentCount, lastSentAt: r.lastSentAt?.toISOString() ?? null,
    };
  });
}

export async function revokeInvitation(ctx: ActorContext, roomId: string | undefined, invitationId: string | undefined) {
  const standing = await loadStanding(ctx.sql, ctx.actor, roomId);
  authorize(standing, "invitation.manage");
  if (!isId(invitationId)) throw notFound("Invitation");
  await transaction(ctx.sql, async (sql) => {
    const [row] = await sql<{ email: string }[]>`
      update invitations set revoked_at = now(), token = null
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
    await sql`update invitations set accepted_at = now(), accepted_by = ${user.id}, token = null where id = ${row.id}`;
    // Any other open invitation for the same address and room is closed by this one.
    await sql`update invitations set revoked_at = now(), token = null
      where room_id = ${row.roomId} and email = ${row.email} and id <> ${row.id} and accepted_at is null and revoked_at is null`;
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

