import nodemailer, { type Transporter } from "nodemailer";
import type { Tx } from "../../db/client.ts";
import type { AppContext } from "../context.ts";

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
}

// A request's context (sql typed as Tx) sends mail too, e.g. an invitation.
type MailContext = Pick<AppContext, "config" | "log"> & { sql: Tx };

// One SMTP transport (connection pool) per configuration.
const transports = new WeakMap<object, Transporter>();

function transportFor(app: MailContext): Transporter | null {
  if (!app.config.smtpUrl) return null;
  let transport = transports.get(app.config);
  if (!transport) {
    transport = nodemailer.createTransport(app.config.smtpUrl);
    transports.set(app.config, transport);
  }
  return transport;
}

/**
 * Every e-mail lands in the outbox first, then goes out over SMTP when SMTP_URL is set;
 * without it the message is only logged and kept in the outbox (the default for a local start).
 * A failed send stays unsent with its error, for `flushOutbox` to try again.
 */
export async function sendMail(app: MailContext, message: MailMessage): Promise<{ id: string; sent: boolean }> {
  const [row] = await app.sql<{ id: string }[]>`
    insert into mail_outbox ("to", subject, text) values (${message.to}, ${message.subject}, ${message.text}) returning id`;
  return { id: row!.id, sent: await deliver(app, row!.id, message) };
}

async function deliver(app: MailContext, id: string, message: MailMessage): Promise<boolean> {
  const transport = transportFor(app);
  if (!transport) {
    // Without mail infrastructure the log is the delivery: print the whole message.
    app.log.info({ outboxId: id, to: message.to, subject: message.subject, text: message.text }, "e-mail kept in the outbox (SMTP_URL is not set)");
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
  const rows = await app.sql<(MailMessage & { id: string })[]>`
    select id, "to", subject, text from mail_outbox where sent_at is null order by created_at limit ${limit}`;
  let sent = 0;
  for (const row of rows) if (await deliver(app, row.id, row)) sent++;
  return sent;
}

/** Closes pooled SMTP connections (shutdown). */
export function closeMail(app: MailContext): void {
  transports.get(app.config)?.close();
  transports.delete(app.config);
}
