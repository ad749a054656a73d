import { z } from "zod";
import { invalid } from "../errors.ts";
import { IsoDate } from "../validation.ts";

/**
 * Hand-off forms: the fields a stage asks for when a room leaves it forward, so what sales
 * learned reaches whoever comes next. Definitions are validated when an admin saves them;
 * values when the owner moves the room on.
 */

export const FIELD_TYPES = ["text", "number", "date", "choice", "person"] as const;
export type FieldType = (typeof FIELD_TYPES)[number];

export const MAX_FIELDS = 30;
export const MAX_TEXT_VALUE = 2000;

export interface FormField {
  key: string;
  label: string;
  type: FieldType;
  required: boolean;
  options?: string[];
}
export type FormValue = string | number;
export type FormValues = Record<string, FormValue>;

/** A filled form as recorded on a move: what was asked, and what was answered. */
export interface FilledForm {
  fields: FormField[];
  values: FormValues;
}

const FieldSchema = z
  .object({
    key: z
      .string({ error: "is required" })
      .regex(/^[a-zA-Z][a-zA-Z0-9_]{0,39}$/, "must be 1 to 40 letters, digits or _, starting with a letter"),
    label: z.string({ error: "is required" }).trim().min(1, "is required").max(120, "must be at most 120 characters"),
    type: z.enum(FIELD_TYPES, { error: `must be one of ${FIELD_TYPES.join(", ")}` }),
    required: z.boolean({ error: "must be true or false" }).default(false),
    options: z
      .array(z.string({ error: "must be text" }).trim().min(1, "must not be empty").max(120, "must be at most 120 characters"), { error: "must be a list" })
      .max(50, "must be at most 50 options")
      .optional(),
  })
  .strict()
  .superRefine((field, ctx) => {
    if (field.type === "choice" && !field.options?.length) ctx.addIssue({ code: "custom", path: ["options"], message: "a choice needs options" });
    if (field.type !== "choice" && field.options !== undefined) ctx.addIssue({ code: "custom", path: ["options"], message: "only a choice has options" });
    if (field.options && new Set(field.options).size !== field.options.length) {
      ctx.addIssue({ code: "custom", path: ["options"], message: "must not repeat an option" });
    }
  });

export const FormDefinition = z
  .array(FieldSchema, { error: "must be a list of fields" })
  .max(MAX_FIELDS, `must have at most ${MAX_FIELDS} fields`)
  .superRefine((fields, ctx) => {
    const seen = new Set<string>();
    fields.forEach((f, i) => {
      if (seen.has(f.key)) ctx.addIssue({ code: "custom", path: [i, "key"], message: `repeats the key ${f.key}` });
      seen.add(f.key);
    });
  });

const NUMBER_TEXT = /^-?\d{1,15}(\.\d{1,6})?$/;
const isBlank = (v: unknown) => v === undefined || v === null || (typeof v === "string" && v.trim() === "");

/** One value checked against its field: the normalised value, or the message naming what is wrong. */
function checkValue(field: FormField, raw: unknown, participantIds: ReadonlySet<string>): { value: FormValue } | { error: string } {
  switch (field.type) {
    case "text":
      if (typeof raw !== "string") return { error: "must be text" };
      if (raw.trim().length > MAX_TEXT_VALUE) return { error: `must be at most ${MAX_TEXT_VALUE} characters` };
      return { value: raw.trim() };
    case "number": {
      const n = typeof raw === "number" ? raw : typeof raw === "string" && NUMBER_TEXT.test(raw.trim()) ? Number(raw.trim()) : NaN;
      if (!Number.isFinite(n) || Math.abs(n) > Number.MAX_SAFE_INTEGER) return { error: "must be a number" };
      return { value: n };
    }
    case "date":
      return typeof raw === "string" && IsoDate.safeParse(raw.trim()).success ? { value: raw.trim() } : { error: "must be a date as YYYY-MM-DD" };
    case "choice":
      return typeof raw === "string" && field.options?.includes(raw) ? { value: raw } : { error: `must be one of ${field.options?.join(", ")}` };
    case "person":
      return typeof raw === "string" && participantIds.has(raw) ? { value: raw } : { error: "must be a participant of this room" };
  }
}

/**
 * Checks `raw` (an object of key → value) against the fields. Throws 400 `invalid_input` whose
 * `fields` names every missing, ill-typed or unknown key; nothing is half-accepted.
 */
export function validateFormValues(fields: FormField[], raw: unknown, participantIds: ReadonlySet<string>): FormValues {
  if (raw !== undefined && raw !== null && (typeof raw !== "object" || Array.isArray(raw))) {
    throw invalid("The form must be an object of field keys and values.", { form: "must be an object" });
  }
  const given = (raw ?? {}) as Record<string, unknown>;
  // Bounded before anything names its keys back.
  if (Object.keys(given).length > MAX_FIELDS * 2) throw invalid("The form has far more fields than any form asks for.", { form: "has too many fields" });
  const errors: Record<string, string> = {};
  const values: FormValues = {};
  const known = new Set(fields.map((f) => f.key));
  for (const key of Object.keys(given)) if (!known.has(key)) errors[key.slice(0, 60)] = "is not a field of this form";
  for (const field of fields) {
    const raw = given[field.key];
    if (isBlank(raw)) {
      if (field.required) errors[field.key] = "is required";
      continue;
    }
    const checked = checkValue(field, raw, participantIds);
    if ("error" in checked) errors[field.key] = checked.error;
    else values[field.key] = checked.value;
  }
  if (Object.keys(errors).length) {
    const missing = fields.filter((f) => errors[f.key] === "is required").map((f) => f.label);
    const message = missing.length
      ? `Fill in the hand-off form before moving on: ${missing.join(", ")}.`
      : `Please check the hand-off form: ${Object.keys(errors).join(", ")}.`;
    throw invalid(message, errors);
  }
  return values;
}
