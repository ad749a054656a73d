import { z } from "zod";
import { passwordWeakness } from "./auth/password-strength.ts";
import { invalid } from "./errors.ts";

/** Parses `input` with `schema`, or throws a 400 that names every bad field. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const fields: Record<string, string> = {};
  for (const issue of result.error.issues) {
    const key = issue.path.length ? issue.path.join(".") : "body";
    fields[key] ??= issue.message;
  }
  const names = Object.keys(fields).join(", ");
  throw invalid(`Please check ${names}.`, fields);
}

export const Email = z
  .string({ error: "is required" })
  .trim()
  .toLowerCase()
  .max(254, "is too long")
  .pipe(z.email({ error: "must be an e-mail address" }));
/** A new password: long enough and not a common or easily guessed one (server/auth/password-strength.ts). */
export const Password = z
  .string({ error: "is required" })
  .min(8, "must be at least 8 characters")
  .max(256, "must be at most 256 characters")
  .check((ctx) => {
    if (ctx.issues.length) return;
    const weakness = passwordWeakness(ctx.value);
    if (weakness) ctx.issues.push({ code: "custom", message: weakness, input: ctx.value });
  });
export const Name = z.string({ error: "is required" }).trim().min(1, "is required").max(200, "must be at most 200 characters");
export const Id = z.uuid();
export const Side = z.enum(["internal", "external"], { error: 'must be "internal" or "external"' });
export const InviteRole = z.enum(["editor", "commenter", "viewer"], { error: 'must be "editor", "commenter" or "viewer"' });
export const Visibility = z.enum(["internal", "shared"], { error: 'must be "internal" or "shared"' });
export const Money = z.object(
  {
    amount: z.number({ error: "must be a whole number of minor units" }).int("must be a whole number of minor units").min(0, "must not be negative").max(Number.MAX_SAFE_INTEGER),
    currency: z.string().regex(/^[A-Z]{3}$/, "must be a three-letter ISO currency code such as USD"),
  },
  { error: "must be { amount, currency }" },
);
export const IsoDate = z.iso.date({ error: "must be a date as YYYY-MM-DD" });
