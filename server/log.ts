import pino from "pino";

export type Logger = pino.Logger;

/**
 * JSON logs on stdout (or `destination`). No credential is ever logged: mail is logged redacted
 * (server/mail/outbox.ts) and the keys below are censored wherever they appear
 * (docs/access.md, "Credentials").
 */
export function createLogger(level = process.env.LOG_LEVEL ?? "info", destination?: pino.DestinationStream): Logger {
  const options = {
    level,
    base: undefined,
    redact: ["password", "*.password", "token", "*.token", "currentPassword", "*.currentPassword", "newPassword", "*.newPassword", "req.headers.authorization", "req.headers.cookie"],
  };
  return destination ? pino(options, destination) : pino(options);
}
