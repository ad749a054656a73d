/**
 * The text of an e-mail with its credentials marked (docs/access.md, "Credentials").
 *
 * A mail body is only ever built with the `mailText` tag, and every credential in it (a
 * sign-in link, an invitation link, anything that signs a person in) goes in as `secret(...)`.
 * The outbox stores two texts: the whole one, delivered to the recipient only, and the redacted
 * one, which is all that anybody else (an admin's outbox, the log) ever gets to read. A new kind
 * of e-mail cannot forget this: `sendMail` takes a `MailBody`, never a plain string.
 */

const SECRET = Symbol("secret");

export interface Secret {
  readonly [SECRET]: true;
  readonly value: string;
  /** What the redacted text says in its place, e.g. "sign-in link". */
  readonly label: string;
}

/** Marks a credential inside `mailText`. */
export const secret = (value: string, label: string): Secret => ({ [SECRET]: true, value, label });

const isSecret = (value: unknown): value is Secret => typeof value === "object" && value !== null && SECRET in value;

export const redactionOf = (label: string) => `[${label}: only its recipient can see it]`;

export class MailBody {
  /** Use `mailText`; the constructor is not for callers. */
  constructor(
    /** The whole text, for the recipient. */
    readonly text: string,
    /** The text with every credential replaced, for anybody else. */
    readonly redacted: string,
  ) {
    Object.freeze(this);
  }
}

type Part = string | number | Secret | MailBody;

/** Builds a mail body from a template; `secret(...)` values appear only in the recipient's text. */
export function mailText(strings: TemplateStringsArray, ...values: Part[]): MailBody {
  let text = strings[0]!;
  let redacted = strings[0]!;
  const secrets: string[] = [];
  values.forEach((value, i) => {
    if (isSecret(value)) {
      text += value.value;
      redacted += redactionOf(value.label);
      secrets.push(value.value);
    } else if (value instanceof MailBody) {
      text += value.text;
      redacted += value.redacted;
    } else {
      text += String(value);
      redacted += String(value);
    }
    text += strings[i + 1]!;
    redacted += strings[i + 1]!;
  });
  // A credential repeated as plain text elsewhere in the template would survive redaction.
  for (const value of secrets) if (value && redacted.includes(value)) throw new Error("a secret of this e-mail also appears unmarked");
  return new MailBody(text, redacted);
}

/** Plain text without any credential (a digest, a notice). */
export const plainText = (text: string): MailBody => new MailBody(text, text);
