/** Longest display name kept, in characters (the database checks the same bound). */
export const MAX_NAME_LENGTH = 255;
const MAX_KEPT_EXTENSION = 16;

// Control and format characters (including bidi overrides that disguise an extension) and line/paragraph separators.
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu;

/**
 * A file name fit for display: the last path segment only (browsers and old clients may
 * send `C:\dir\x` or `../../x`), no control or bidi characters, collapsed whitespace,
 * at most 255 characters with the extension kept. Never used to build a storage key.
 */
export function sanitizeFileName(raw: string | undefined | null, fallback = "untitled"): string {
  let name = (raw ?? "").normalize("NFC");
  name = name.split(/[/\\]/).pop() ?? "";
  // Tabs and line breaks become spaces; other invisible characters go.
  name = name.replace(/\s+/g, " ").replace(INVISIBLE, "").replace(/ {2,}/g, " ").trim();
  if (/^\.*$/.test(name)) return fallback;
  return truncateKeepingExtension(name, MAX_NAME_LENGTH);
}

function truncateKeepingExtension(name: string, max: number): string {
  const chars = Array.from(name);
  if (chars.length <= max) return name;
  const dot = name.lastIndexOf(".");
  const extension = dot > 0 ? Array.from(name.slice(dot)) : [];
  if (extension.length > 1 && extension.length <= MAX_KEPT_EXTENSION) {
    return chars.slice(0, max - extension.length).join("").trimEnd() + extension.join("");
  }
  return chars.slice(0, max).join("").trimEnd();
}

/**
 * A Content-Disposition header value: an ASCII-only `filename` for old clients and the
 * exact name as RFC 5987 `filename*` (UTF-8, percent-encoded).
 */
export function contentDisposition(kind: "inline" | "attachment", name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\%]/g, "_");
  const encoded = encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `${kind}; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}
