import nodemailer, { type Transporter } from "nodemailer";
import type { Config } from "../config.ts";
import type { Tx } from "../../db/client.ts";
import type { AppContext } from "../context.ts";
import type { MailBody } from "./body.ts";

export interface MailMessage {
  to: string;
  subject: string;
  /** Built with `mailText`: credentials marked, so only the recipient ever reads them. */
  body: MailBody;
}

/** What the outbox holds: the whole text (for the recipient) and the redacted one (for anybody else). */
interface StoredMessage {
  to: string;
  subject: string;
  text: string;
  redactedText: string;
}

// A request's context (sql typed as Tx) sends mail too, e.g. an invitation.
type MailContext = Pick<AppContext, "config" | "log" | "mail"> & { sql: Tx };

/** The process's SMTP transport (one connection pool), `AppContext.mail`: opened on first use. */
export interface MailTransport {
  /** The transport, or null when SMTP_URL is not set. */
  get(): Transporter | null;
  /** Closes pooled SMTP connections (shutdown); the next `get()` opens a new pool. */
  close(): void;
}

/** Built once at start (server/boot.ts). */
export function createMailTransport(config: Pick<Config, "smtpUrl">): MailTransport {
  let transport: Transporter | undefined;
  return {
    get: () => (config.smtpUrl ? (transport ??= nodemailer.createTransport(config.smtpUrl)) : null),
    close() {
      transport?.close();
      transport = undefined;
    },
  };
}

/**
 * Every e-mail lands in the outbox first, then goes out over SMTP when SMTP_URL is set;
 * without it the message is only kept in the outbox (the default for a local start) and its
 * redacted text is logged. A failed send stays unsent with its error, for `flushOutbox` to try
 * again. Credentials never reach the log or anyone but the recipient (docs/access.md, "Credentials").
 */
export async function sendMail(app: MailContext, message: MailMessage): Promise<{ id: string; sent: boolean }> {
  const stored: StoredMessage = { to: message.to, subject: message.subject, text: message.body.text, redactedText: message.body.redacted };
  const [row] = await app.sql<{ id: string }[]>`
    insert into mail_outbox ("to", subject, text, redacted_text)
    values (${stored.to}, ${stored.subject}, ${stored.text}, ${stored.redactedText}) returning id`;
  return { id: row!.id, sent: await deliver(app, row!.id, stored) };
}

async function deliver(app: MailContext, id: string, message: StoredMessage): Promise<boolean> {
  const transport = app.mail.get();
  if (!transport) {
    // Only the redacted text: a log is read by operators and log pipelines, never only by the recipient.
    app.log.info({ outboxId: id, to: message.to, subject: message.subject, text: message.redactedText }, "e-mail kept in the outbox (SMTP_URL is not set)");
    return false;
  }
  try {
    await transport.sendMail({ from: app.config.mailFrom, to: message.to, subject: message.subject, text: message.text });
    await app.sql`update mail_outbox set sent_at = now(), error = null where id = ${id}`;
    return true;
  } catch (error) {
    const reason = (error as Error).message.slice(0, 500);
    await app.sql`update mail_outbox set error = ${reason} where id = ${id}`;
    app.log.warn({ outboxId: id, err: error }, "e-mail could not be sent; it stays in the outbox");
    return false;
  }
}

/** Tries again to send what is still unsent (only when SMTP is configured). */
export async function flushOutbox(app: MailContext, limit = 100): Promise<number> {
  if (!app.config.smtpUrl) return 0;
  const rows = await app.sql<(StoredMessage & { id: string })[]>`
    select id, "to", subject, text, redacted_text as "redactedText" from mail_outbox where sent_at is null order by created_at limit ${limit}`;
  let sent = 0;
  for (const row of rows) if (await deliver(app, row.id, row)) sent++;
  return sent;
}

/** Closes pooled SMTP connections (shutdown). */
export function closeMail(app: MailContext): void {
  app.mail.close();
}
