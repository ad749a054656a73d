import { randomInt } from "node:crypto";
import { z } from "zod";
import { transaction } from "../../db/client.ts";
import { consume } from "../auth/rate-limits.ts";
import { createSession, generateToken, hashToken, type Session } from "../auth/sessions.ts";
import { requireOrg } from "../access/index.ts";
import type { ActorContext, AppContext } from "../context.ts";
import { AppError } from "../errors.ts";
import { publicBaseUrl } from "../links.ts";
import { mailText, secret } from "../mail/body.ts";
import { sendMail } from "../mail/outbox.ts";
import { Email, parseInput } from "../validation.ts";
import type { RequestMeta } from "./accounts.ts";
import { recordActivity } from "./activity.ts";

const LINK_LIFETIME_MS = 15 * 60 * 1000;
/** The link is stored and mailed this long (ms, drawn at random) after the answer. */
const BACKGROUND_DELAY_MS = [100, 400] as const;
export const RequestSignInLinkInput = z.object({ email: Email });

/**
 * E-mails a one-time sign-in link. Answers the same whether or not the address has an
 * account, so the form cannot be used to find out who is a customer, and in the same time:
 * the caller's answer does not wait for the link or the e-mail (`finishSignInLink`), and both
 * cases do the same work before it (one lookup, one token, one hash).
 */
export async function requestSignInLink(app: AppContext, raw: unknown, meta: RequestMeta = {}): Promise<void> {
  const { email } = parseInput(RequestSignInLinkInput, raw);
  if (meta.ip) await consume(app.rateLimits.signInLinkPerIp, meta.ip);
  await consume(app.rateLimits.signInLinkPerEmail, email);
  const [user] = await app.sql<{ id: string; name: string }[]>`
    select id, name from users where email = ${email} and deactivated_at is null`;
  const token = generateToken();
  const tokenHash = hashToken(token);
  if (!user) return;
  // Stored and mailed a random moment after the answer has left, so that neither the answer
  // nor the load that follows it tells who has an account; a failure is logged (without the link).
  setTimeout(() => {
    finishSignInLink(app, user, email, token, tokenHash, meta).catch((error: unknown) =>
      app.log.error({ err: error, userId: user.id }, "the sign-in link could not be stored or mailed"),
    );
  }, randomInt(BACKGROUND_DELAY_MS[0], BACKGROUND_DELAY_MS[1]));
}

async function finishSignInLink(app: AppContext, user: { id: string; name: string }, email: string, token: string, tokenHash: string, meta: RequestMeta) {
  await app.sql`insert into sign_in_links (token_hash, user_id, expires_at, ip)
    values (${tokenHash}, ${user.id}, ${new Date(Date.now() + LINK_LIFETIME_MS)}, ${meta.ip ?? null})`;
  await sendMail(app, {
    to: email,
    subject: "Your Dealroom sign-in link",
    body: mailText`Hello ${user.name},\n\nUse this link within 15 minutes to sign in to Dealroom. It works once.\n\n${secret(
      `${publicBaseUrl(app)}/sign-in/${token}`,
      "sign-in link",
    )}\n\nIf you did not ask for it, ignore this e-mail; nobody can sign in without the link.\n`,
  });
}

/** Exchanges a sign-in link for a session. Single use: the link is marked used in the same transaction. */
export async function consumeSignInLink(app: AppContext, token: string | undefined, kind: Session["kind"], meta: RequestMeta = {}) {
  if (meta.ip) await consume(app.rateLimits.signInLinkPerIp, meta.ip);
  const invalid = new AppError(404, "sign_in_link_invalid", "This sign-in link is invalid, expired or already used. Ask for a new one.");
  if (!token || !/^[a-z2-7]{32}$/.test(token)) throw invalid;
  return transaction(app.sql, async (sql) => {
    const [link] = await sql<{ userId: string; email: string; name: string }[]>`
      update sign_in_links l set used_at = now()
      from users u
      where l.token_hash = ${hashToken(token)} and u.id = l.user_id
        and l.used_at is null and l.expires_at > now() and u.deactivated_at is null
      returning l.user_id as "userId", u.email, u.name`;
    if (!link) throw invalid;
    const session = await createSession(sql, link.userId, kind, meta);
    await recordActivity(sql, { actorId: link.userId, type: "account.signed_in", visibility: "internal", ip: meta.ip, data: { kind, via: "link" } });
    return { ...session, user: { id: link.userId, email: link.email, name: link.name } };
  });
}

/**
 * The outbox as an organization admin reads it: mail to the organization's members and to the
 * participants of its rooms (so a seller without mail infrastructure can see what went out).
 * A message's whole text is shown only to its recipient; everyone else gets the text with its
 * credentials replaced (docs/decisions/011-credentials-in-the-outbox.md).
 */
export async function listOutbox(ctx: ActorContext, organizationId: string | undefined, limit = 100) {
  const { organizationId: orgId } = await requireOrg(ctx.sql, ctx.actor, organizationId, "org.readOutbox");
  const rows = await ctx.sql<{ id: string; to: string; subject: string; text: string; redacted: boolean; createdAt: Date; sentAt: Date | null }[]>`
    select o.id, o."to", o.subject,
      case when o."to" = ${ctx.actor.email} then o.text else o.redacted_text end as text,
      o."to" <> ${ctx.actor.email} and o.text <> o.redacted_text as redacted,
      o.created_at as "createdAt", o.sent_at as "sentAt"
    from mail_outbox o
    where o."to" in (
      select u.email from users u join memberships m on m.user_id = u.id where m.organization_id = ${orgId}
      union
      select u.email from users u join participants p on p.user_id = u.id join rooms r on r.id = p.room_id
      where r.organization_id = ${orgId}
    )
    order by o.created_at desc limit ${limit}`;
  return rows.map((r) => ({ ...r, createdAt: r.createdAt.toISOString(), sentAt: r.sentAt?.toISOString() ?? null }));
}
