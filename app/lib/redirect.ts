export const DEFAULT_AFTER_LOGIN = "/rooms";

/**
 * A `redirectTo` value we may follow: a path on this site only. Anything else
 * (absolute URLs, protocol-relative `//evil`, backslash tricks) falls back to the default.
 */
export function safeRedirect(to: FormDataEntryValue | string | null | undefined, fallback = DEFAULT_AFTER_LOGIN): string {
  if (typeof to !== "string" || !to.startsWith("/") || to.startsWith("//") || to.startsWith("/\\")) return fallback;
  if (/[\u0000-\u001f\\]/.test(to)) return fallback;
  try {
    const url = new URL(to, "http://dealroom.invalid");
    if (url.origin !== "http://dealroom.invalid") return fallback;
    return `${url.pathname}${url.search}${url.hash}`;
  } catch {
    return fallback;
  }
}

/** The sign-in page, coming back to `redirectTo` afterwards. */
export function loginUrl(redirectTo: string): string {
  return `/login?${new URLSearchParams({ redirectTo: safeRedirect(redirectTo) })}`;
}
