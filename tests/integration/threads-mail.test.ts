import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { plainText } from "../../server/mail/body.ts";
import { closeMail, createMailTransport, flushOutbox, sendMail } from "../../server/mail/outbox.ts";
import { startTestServer, type TestServer } from "../support/server.ts";

/**
 * A minimal SMTP server on a free port: enough of RFC 5321 for nodemailer to deliver one
 * message per connection. `accept` decides whether MAIL FROM is taken (550 otherwise).
 */
async function smtpServer() {
  const received: string[] = [];
  const state = { accept: true };
  const server = net.createServer((socket) => {
    socket.write("220 test.local ESMTP\r\n");
    let buffer = "";
    let data: string | null = null;
    socket.on("data", (chunk) => {
      buffer += chunk.toString("utf8");
      let end: number;
      while ((end = buffer.indexOf("\r\n")) >= 0) {
        const line = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        if (data !== null) {
          if (line === ".") {
            received.push(data);
            data = null;
            socket.write("250 2.0.0 queued\r\n");
          } else data += `${line}\n`;
          continue;
        }
        const verb = line.slice(0, 4).toUpperCase();
        if (verb === "EHLO" || verb === "HELO") socket.write("250 test.local\r\n");
        else if (verb === "MAIL") socket.write(state.accept ? "250 OK\r\n" : "550 5.7.1 not today\r\n");
        else if (verb === "DATA") {
          data = "";
          socket.write("354 go ahead\r\n");
        } else if (verb === "QUIT") {
          socket.write("221 bye\r\n");
          socket.end();
        } else socket.write("250 OK\r\n");
      }
    });
    socket.on("error", () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  return { url: `smtp://127.0.0.1:${port}`, received, state, close: () => new Promise<void>((r) => server.close(() => r())) };
}

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

describe("mail outbox", () => {
  it("keeps mail in the outbox and only logs it when SMTP_URL is not set", async () => {
    expect(server.app.config.smtpUrl).toBeUndefined();
    const result = await sendMail(server.app, { to: "nobody@example.test", subject: "Kept", body: plainText("Only in the outbox") });
    expect(result.sent).toBe(false);
    const [row] = await server.sql<{ to: string; subject: string; text: string; sentAt: Date | null; createdAt: Date }[]>`
      select "to", subject, text, sent_at as "sentAt", created_at as "createdAt" from mail_outbox where id = ${result.id}`;
    expect(row).toMatchObject({ to: "nobody@example.test", subject: "Kept", text: "Only in the outbox", sentAt: null });
    expect(await flushOutbox(server.app)).toBe(0);
  });

  it("sends over SMTP when configured, keeps a refused message unsent, and sends it on the next flush", async () => {
    const smtp = await smtpServer();
    const config = { ...server.app.config, smtpUrl: smtp.url, mailFrom: "Dealroom <deals@example.test>" };
    // The transport is part of the app context (built once at start): a new configuration, a new one.
    const app = { ...server.app, config, mail: createMailTransport(config) };
    try {
      const ok = await sendMail(app, { to: "jordan@example.test", subject: "Your digest", body: plainText("Hello Jordan") });
      expect(ok.sent).toBe(true);
      expect(smtp.received).toHaveLength(1);
      expect(smtp.received[0]).toContain("Subject: Your digest");
      expect(smtp.received[0]).toContain("To: jordan@example.test");
      expect(smtp.received[0]).toContain("Hello Jordan");
      const [sent] = await server.sql<{ sentAt: Date | null }[]>`select sent_at as "sentAt" from mail_outbox where id = ${ok.id}`;
      expect(sent!.sentAt).toBeInstanceOf(Date);

      smtp.state.accept = false;
      const refused = await sendMail(app, { to: "later@example.test", subject: "Try again", body: plainText("Second") });
      expect(refused.sent).toBe(false);
      const [kept] = await server.sql<{ sentAt: Date | null; error: string | null }[]>`select sent_at as "sentAt", error from mail_outbox where id = ${refused.id}`;
      expect(kept).toMatchObject({ sentAt: null });
      expect(kept!.error).toMatch(/not today/);

      smtp.state.accept = true;
      expect(await flushOutbox(app)).toBeGreaterThanOrEqual(1);
      expect(smtp.received.some((m) => m.includes("Subject: Try again"))).toBe(true);
      const [flushed] = await server.sql<{ sentAt: Date | null; error: string | null }[]>`select sent_at as "sentAt", error from mail_outbox where id = ${refused.id}`;
      expect(flushed!.sentAt).toBeInstanceOf(Date);
      expect(flushed!.error).toBeNull();
    } finally {
      closeMail(app);
      await smtp.close();
    }
  });
});
