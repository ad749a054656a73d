// Money is stored and sent as integer minor units (docs/api.md); people type major units.
// One fixed locale on server and client so server-rendered text hydrates unchanged.
export const LOCALE = "en-US";

export const CURRENCIES = ["USD", "EUR", "GBP", "CHF", "CAD", "AUD", "JPY", "SEK", "NOK", "DKK", "SGD", "INR"] as const;

export interface Money {
  amount: number;
  currency: string;
}

/** Digits after the decimal point for a currency: 2 for USD, 0 for JPY. */
export function minorDigits(currency: string): number {
  try {
    return new Intl.NumberFormat(LOCALE, { style: "currency", currency }).resolvedOptions().maximumFractionDigits ?? 2;
  } catch {
    return 2;
  }
}

/** "$186,000" for whole amounts, "$1,250.50" otherwise. */
export function formatMoney(value: Money | null | undefined): string {
  if (!value) return "—";
  const digits = minorDigits(value.currency);
  const scale = 10 ** digits;
  const whole = value.amount % scale === 0;
  try {
    return new Intl.NumberFormat(LOCALE, {
      style: "currency",
      currency: value.currency,
      minimumFractionDigits: whole ? 0 : digits,
      maximumFractionDigits: digits,
    }).format(value.amount / scale);
  } catch {
    return `${(value.amount / scale).toFixed(digits)} ${value.currency}`;
  }
}

/** The amount as a person would type it back into the form ("186000", "1250.50"). */
export function majorUnitsText(value: Money | null | undefined): string {
  if (!value) return "";
  const digits = minorDigits(value.currency);
  const scale = 10 ** digits;
  const whole = Math.floor(value.amount / scale);
  const fraction = value.amount % scale;
  return fraction === 0 ? String(whole) : `${whole}.${String(fraction).padStart(digits, "0")}`;
}

export type MoneyInput = { ok: true; value: Money | null } | { ok: false; message: string };

/**
 * Reads the amount typed into a form ("186,000.50") with its currency into minor units.
 * Blank means no value. Thousands separators and spaces are allowed; anything else is refused
 * with a message that completes the field's label ("Value must be …").
 */
export function parseMoneyInput(amountText: string | undefined, currency: string | undefined): MoneyInput {
  const text = (amountText ?? "").replace(/[\s,_']/g, "");
  if (text === "") return { ok: true, value: null };
  const code = (currency ?? "").trim().toUpperCase();
  if (!/^[A-Z]{3}$/.test(code)) return { ok: false, message: "needs a currency" };
  const match = /^(\d+)(?:\.(\d*))?$/.exec(text);
  if (!match) return { ok: false, message: "must be an amount such as 125000 or 1250.50" };
  const digits = minorDigits(code);
  const fraction = match[2] ?? "";
  if (fraction.length > digits) {
    return { ok: false, message: digits === 0 ? `must be a whole number in ${code}` : `must have at most ${digits} decimal places` };
  }
  const minor = Number(match[1]) * 10 ** digits + Number(fraction.padEnd(digits, "0") || "0");
  if (!Number.isSafeInteger(minor)) return { ok: false, message: "is too large" };
  return { ok: true, value: { amount: minor, currency: code } };
}
