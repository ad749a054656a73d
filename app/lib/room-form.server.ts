import type { z } from "zod";
import type { Services } from "../../server/services/index.ts";
import { isAppError, optional } from "./actions.server.ts";
import { parseMoneyInput } from "./money.ts";

/**
 * The room fields of the "New room" and "Edit details" forms, as the room services take them.
 * The amount is typed in major units; the services take minor units. Creating leaves blank
 * fields out; editing sends null so a cleared field clears the value.
 *
 * When the amount cannot be read, the rest is still checked against the service's own schema
 * so the page shows every problem at once.
 */
export function roomInputFromForm(
  { errors, validation }: Pick<Services, "errors" | "validation">,
  fields: Record<string, string>,
  mode: "create" | "update",
  schema: z.ZodType,
) {
  const blank = mode === "update" ? null : undefined;
  const input: Record<string, unknown> = {
    name: fields.name ?? "",
    account: fields.account ?? "",
    expectedCloseDate: optional(fields.expectedCloseDate) ?? blank,
  };
  if (mode === "create" && optional(fields.stage)) input.stage = fields.stage;
  // "Start with": a template's id, or nothing for a blank room.
  if (mode === "create" && optional(fields.templateId)) input.templateId = fields.templateId;
  if (mode === "update" && fields.description !== undefined) input.description = fields.description;
  for (const key of Object.keys(input)) if (input[key] === undefined) delete input[key];

  const money = parseMoneyInput(fields.amount, fields.currency);
  if (money.ok) {
    if (money.value !== null || mode === "update") input.value = money.value;
    return input;
  }
  const problems: Record<string, string> = { value: money.message };
  try {
    validation.parseInput(schema, input);
  } catch (error) {
    if (!isAppError(error)) throw error;
    Object.assign(problems, error.fields);
  }
  throw errors.invalid(`Please check ${Object.keys(problems).join(", ")}.`, problems);
}
