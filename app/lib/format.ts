import { LOCALE } from "./money.ts";

// Display helpers shared by server rendering and the browser. Dates are shown in UTC with a
// fixed locale so the server's HTML and the hydrated page always agree.

const dateFormat = new Intl.DateTimeFormat(LOCALE, { dateStyle: "medium", timeZone: "UTC" });

/** "2026-01-07" or an ISO timestamp → "Jan 7, 2026". */
export function formatDate(value: string | null | undefined): string {
  if (!value) return "—";
  const date = new Date(/^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : value);
  return Number.isNaN(date.getTime()) ? value : dateFormat.format(date);
}

const shortDateFormat = new Intl.DateTimeFormat(LOCALE, { month: "short", day: "numeric", timeZone: "UTC" });

/** An ISO timestamp → "Nov 30", for dates that are always near. */
export function formatShortDate(value: string): string {
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? value : shortDateFormat.format(date);
}

/** "Maya Chen" → "MC"; "jordan" → "J". */
export function initials(name: string): string {
  const words = name.trim().split(/\s+/).filter(Boolean);
  const first = words[0]?.[0] ?? "?";
  const last = words.length > 1 ? (words[words.length - 1]?.[0] ?? "") : "";
  return `${first}${last}`.toUpperCase();
}

// Avatar colours: readable with white text, far apart in hue, none close to the accent blue.
const AVATAR_COLOURS = ["#0f766e", "#6d28d9", "#b45309", "#db2777", "#15803d", "#0369a1", "#c2410c", "#4d7c0f"];

/** The same person always gets the same colour, on every page and for everyone. */
export function avatarColour(key: string): string {
  let hash = 0;
  for (let i = 0; i < key.length; i++) hash = (hash * 31 + key.charCodeAt(i)) >>> 0;
  return AVATAR_COLOURS[hash % AVATAR_COLOURS.length]!;
}

export const ROLE_LABELS = { owner: "Owner", editor: "Editor", commenter: "Commenter", viewer: "Viewer" } as const;
export const SIDE_LABELS = { internal: "Internal", external: "Guest" } as const;
export const STATUS_LABELS = { open: "Open", won: "Won", lost: "Lost" } as const;

export const roleLabel = (role: string) => ROLE_LABELS[role as keyof typeof ROLE_LABELS] ?? role;
export const sideLabel = (side: string) => SIDE_LABELS[side as keyof typeof SIDE_LABELS] ?? side;
export const statusLabel = (status: string) => STATUS_LABELS[status as keyof typeof STATUS_LABELS] ?? status;
