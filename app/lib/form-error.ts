/** What a refused form submission carries back to the page (the AppError, minus the status). */
export interface FormError {
  code: string;
  message: string;
  fields?: Record<string, string>;
}

/**
 * The message for one input. Services name nested fields with dots (`value.amount`);
 * the form shows them under the input they came from (`value`).
 */
export function fieldError(error: FormError | null | undefined, name: string): string | undefined {
  const fields = error?.fields;
  if (!fields) return undefined;
  if (fields[name]) return fields[name];
  const nested = Object.keys(fields).find((key) => key.startsWith(`${name}.`));
  return nested ? fields[nested] : undefined;
}

/**
 * The form-level message. When every problem is shown next to its field, a short summary
 * is enough; problems with no field on the form are spelled out.
 */
export function formMessage(error: FormError | null | undefined, shownFields: readonly string[]): string | undefined {
  if (!error) return undefined;
  const fields = Object.keys(error.fields ?? {});
  if (fields.length === 0) return error.message;
  const unshown = fields.filter((key) => !shownFields.some((name) => key === name || key.startsWith(`${name}.`)));
  if (unshown.length === 0) return "Please correct the fields marked below.";
  return unshown.map((key) => `${key} ${error.fields![key]}`).join(". ");
}
