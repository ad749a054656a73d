import { data } from "react-router";
import type { AppError } from "../../server/errors.ts";
import type { FormError } from "./form-error.ts";

// Services throw AppError; routes turn them into something a page can show. Route modules
// import nothing from server/ at run time (docs/decisions/015-one-domain.md), so the class
// is recognised by its shape: the services' one copy of it is not this bundle's to import.
// Actions: action data `{ error }` with the error's status, shown next to the fields.
// Loaders: a thrown response, so the route's error boundary shows a 404 (or 403) page.

export interface FailureOptions {
  /** Which form on the page the error belongs to. */
  intent?: string;
  /** What was typed (never passwords), so a page rendered without JavaScript keeps it. */
  values?: Record<string, string>;
}

/** An error a service threw on purpose (server/errors.ts), as opposed to a bug or an outage. */
export function isAppError(error: unknown): error is AppError {
  return (
    error instanceof Error &&
    error.name === "AppError" &&
    typeof (error as Partial<AppError>).status === "number" &&
    typeof (error as Partial<AppError>).code === "string"
  );
}

/** Action data for a refused submission. */
export function failure(error: AppError, { intent, values }: FailureOptions = {}) {
  const body: FormError = {
    code: error.code,
    message: error.message,
    ...(error.fields ? { fields: error.fields } : {}),
  };
  const headers: HeadersInit = error.retryAfterSeconds ? { "Retry-After": String(error.retryAfterSeconds) } : {};
  return data({ ok: false as const, intent: intent ?? null, error: body, values: values ?? {} }, { status: error.status, headers });
}

/**
 * Runs an action's work; an AppError becomes `failure(...)` action data, anything else
 * (a bug, the database down) goes on to the error boundary. `options` may be just the intent.
 */
export async function attempt<T>(work: () => Promise<T>, options: FailureOptions | string = {}) {
  try {
    return await work();
  } catch (error) {
    if (isAppError(error)) return failure(error, typeof options === "string" ? { intent: options } : options);
    throw error;
  }
}

/** Runs a loader's service calls; an AppError becomes a thrown response for the error boundary. */
export async function orErrorPage<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (isAppError(error)) {
      throw data({ code: error.code, message: error.message }, { status: error.status });
    }
    throw error;
  }
}

/** The submitted form as plain strings (files are not expected here and are dropped). */
export async function formFields(request: Request): Promise<Record<string, string>> {
  const form = await request.formData();
  const fields: Record<string, string> = {};
  for (const [key, value] of form) if (typeof value === "string") fields[key] = value;
  return fields;
}

/** The submitted values minus secrets, to refill a form rendered again after a refusal. */
export function echo(fields: Record<string, string>, ...omit: string[]): Record<string, string> {
  return Object.fromEntries(Object.entries(fields).filter(([key]) => !omit.includes(key) && !/password/i.test(key)));
}

/** An optional form value: blank means "not given". */
export const optional = (value: string | undefined): string | undefined => (value?.trim() ? value.trim() : undefined);
