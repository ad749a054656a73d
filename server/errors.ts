/**
 * The one error type services throw. The API turns it into
 * `{ error: { code, message, fields? } }` with `status`; the UI shows `message` (and `fields`).
 */
export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly fields?: Record<string, string>,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = "AppError";
  }
}

export const notFound = (what = "That") => new AppError(404, "not_found", `${what} does not exist or is not visible to you.`);
export const forbidden = (message = "You do not have permission to do this.") => new AppError(403, "forbidden", message);
export const unauthenticated = (message = "Sign in to continue.") => new AppError(401, "unauthenticated", message);
export const conflict = (code: string, message: string) => new AppError(409, code, message);
export const invalid = (message: string, fields?: Record<string, string>) =>
  new AppError(400, "invalid_input", message, fields);
export const tooManyRequests = (retryAfterSeconds: number) =>
  new AppError(429, "rate_limited", `Too many attempts. Try again in ${retryAfterSeconds} seconds.`, undefined, retryAfterSeconds);

export function errorBody(error: AppError) {
  return {
    error: {
      code: error.code,
      message: error.message,
      ...(error.fields ? { fields: error.fields } : {}),
    },
  };
}
