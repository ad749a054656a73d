import { ensureForecastDefaults } from "../sales/forecast.ts";
import { z } from "zod";
import type { Tx } from "../../db/client.ts";
import { chooseOrganization, orgAbilities, type Actor, type OrgAbilities, type OrgAction } from "../access/index.ts";
import { hashPassword, verifyAgainstNothing, verifyPassword } from "../auth/passwords.ts";
import { consume } from "../auth/rate-limits.ts";
import { createSession, type Session } from "../auth/sessions.ts";
import type { ActorContext, AppContext } from "../context.ts";
import { AppError, conflict } from "../errors.ts";
import { Email, Name, Password, parseInput } from "../validation.ts";
import { recordActivity } from "./activity.ts";

export interface PublicUser {
  id: string;
  email: string;
  name: string;
}
export interface OrganizationSummary {
  id: string;
  name: string;
  role: "admin" | "member";
}
export interface RequestMeta {
  ip?: string | undefined;
  userAgent?: string | undefined;
}

export const SignupInput = z.object({ email: Email, password: Password, name: Name, organization: Name });
export const LoginInput = z.object({
  email: Email,
  password: z.string({ error: "is required" }).min(1, "is required").max(256, "must be at most 256 characters"),
});

export async function findUserByEmail(sql: Tx, email: string) {
  const [user] = await sql<(PublicUser & { passwordHash: string | null; deactivatedAt: Date | null })[]>`
    select id, email, name, password_hash as "passwordHash", deactivated_at as "deactivatedAt"
    from users where email = ${email.toLowerCase()}`;
  return user;
}

/** Without a password (a guest joining by invitation), the user signs in with one-time links. */
export async function insertUser(sql: Tx, input: { email: string; name: string; password?: string | undefined }): Promise<PublicUser> {
  if (await findUserByEmail(sql, input.email)) {
    throw conflict("email_taken", "An account with this e-mail already exists. Sign in instead.");
  }
  const passwordHash = input.password === undefined ? null : await hashPassword(input.password);
  const [user] = await sql<PublicUser[]>`
    insert into users (email, name, password_hash) values (${input.email}, ${input.name}, ${passwordHash})
    on conflict do nothing
    returning id, email, name`;
  if (!user) throw conflict("email_taken", "An account with this e-mail already exists. Sign in instead.");
  return user;
}

/** Creates an organization with the new user as its admin, and a session for them. */
export async function signup(app: AppContext, raw: unknown, kind: Session["kind"], meta: RequestMeta = {}) {
  if (meta.ip) await consume(app.rateLimits.signupPerIp, meta.ip);
  const input = parseInput(SignupInput, raw);
  return app.sql.begin(async (sql) => {
    const user = await insertUser(sql, input);
    const [organization] = await sql<{ id: string; name: string }[]>`
      insert into organizations (name) values (${input.organization}) returning id, name`;
    await sql`insert into memberships (organization_id, user_id, role) values (${organization!.id}, ${user.id}, 'admin')`;
    await ensureForecastDefaults(sql, organization!.id);
    const { token, session } = await createSession(sql, user.id, kind, meta);
    await recordActivity(sql, {
      organizationId: organization!.id, actorId: user.id, type: "account.signed_up", visibility: "internal", ip: meta.ip,
    });
    return { token, session, user, organization: { ...organization!, role: "admin" as const } };
  });
}

/** Never says which of e-mail or password was wrong. Rate-limited per account and per IP. */
export async function login(app: AppContext, raw: unknown, kind: Session["kind"], meta: RequestMeta = {}) {
  const input = parseInput(LoginInput, raw);
  if (meta.ip) await consume(app.rateLimits.loginPerIp, meta.ip);
  await consume(app.rateLimits.loginPerAccount, input.email);
  const user = await findUserByEmail(app.sql, input.email);
  const ok = user && !user.deactivatedAt
    ? await verifyPassword(user.passwordHash, input.password)
    : await verifyAgainstNothing(input.password);
  if (!user || !ok) {
    throw new AppError(401, "invalid_credentials", "That e-mail and password do not match an account.");
  }
  await app.rateLimits.loginPerAccount.delete(input.email);
  const { token, session } = await createSession(app.sql, user.id, kind, meta);
  await recordActivity(app.sql, { actorId: user.id, type: "account.signed_in", visibility: "internal", ip: meta.ip, data: { kind } });
  return { token, session, user: { id: user.id, email: user.email, name: user.name } };
}

export async function organizationsOf(sql: Tx, userId: string): Promise<OrganizationSummary[]> {
  return sql<OrganizationSummary[]>`
    select o.id, o.name, m.role from memberships m join organizations o on o.id = m.organization_id
    where m.user_id = ${userId} and m.deactivated_at is null order by o.name`;
}

export interface OrganizationWithAbilities extends OrganizationSummary {
  /** What the user may do in it, from the access policy: the UI shows actions from this. */
  abilities: OrgAbilities;
}

/** The user's organizations, each with their abilities in it (the root loader serializes these). */
export async function organizationsWithAbilities(sql: Tx, userId: string): Promise<OrganizationWithAbilities[]> {
  return (await organizationsOf(sql, userId)).map((o) => ({
    ...o,
    abilities: orgAbilities({ userId, organizationId: o.id, orgRole: o.role }),
  }));
}

/**
 * The organization a page about one organization is for (`?org=` when asked, else the first
 * where `action` is allowed), decided by the policy (chooseOrganization: 404 outside it, 403
 * for a member who may not), and the user's organizations where `action` is allowed.
 */
export async function organizationFor(ctx: ActorContext, action: OrgAction, requested?: string | null) {
  const standing = await chooseOrganization(ctx.sql, ctx.actor, action, requested);
  const organizations = await organizationsWithAbilities(ctx.sql, ctx.actor.userId);
  return {
    organization: organizations.find((o) => o.id === standing.organizationId)!,
    allowed: organizations.filter((o) => o.abilities[action]),
  };
}

export async function me(sql: Tx, actor: Actor) {
  return {
    user: { id: actor.userId, email: actor.email, name: actor.name },
    organizations: await organizationsOf(sql, actor.userId),
  };
}
