import { describe, expect, it } from "vitest";
import { fieldError, formMessage } from "../../app/lib/form-error.ts";
import { avatarColour, formatDate, initials } from "../../app/lib/format.ts";
import { formatMoney, majorUnitsText, parseMoneyInput } from "../../app/lib/money.ts";
import { loginUrl, safeRedirect } from "../../app/lib/redirect.ts";
import { SESSION_COOKIE, readCookie } from "../../server/auth/cookies.ts";
import { actorless, auditWords } from "../../app/components/audit-text.ts";
import { nestHeadings } from "../../shared/headings.ts";

describe("safeRedirect", () => {
  it("keeps paths on this site, with their query", () => {
    expect(safeRedirect("/rooms/abc?tab=1")).toBe("/rooms/abc?tab=1");
    expect(safeRedirect("/invite/abcdef")).toBe("/invite/abcdef");
  });
  it.each([
    ["https://evil.example/x"],
    ["//evil.example/x"],
    ["/\\evil.example"],
    ["javascript:alert(1)"],
    ["rooms"],
    [""],
    [null],
    [undefined],
    ["/\t/evil.example"],
  ])("refuses %j and falls back to /rooms", (to) => {
    expect(safeRedirect(to)).toBe("/rooms");
  });
  it("builds a sign-in link that comes back, and never off-site", () => {
    expect(loginUrl("/invite/abc")).toBe("/login?redirectTo=%2Finvite%2Fabc");
    expect(loginUrl("//evil.example")).toBe("/login?redirectTo=%2Frooms");
  });
});

describe("money in forms", () => {
  it("reads major units into minor units for the currency", () => {
    expect(parseMoneyInput("186,000", "USD")).toEqual({ ok: true, value: { amount: 18_600_000, currency: "USD" } });
    expect(parseMoneyInput(" 1250.5 ", "EUR")).toEqual({ ok: true, value: { amount: 125_050, currency: "EUR" } });
    expect(parseMoneyInput("5000", "JPY")).toEqual({ ok: true, value: { amount: 5000, currency: "JPY" } });
    expect(parseMoneyInput("", "USD")).toEqual({ ok: true, value: null });
  });
  it("refuses what is not an amount, too precise, or too large", () => {
    expect(parseMoneyInput("12.345", "USD")).toEqual({ ok: false, message: "must have at most 2 decimal places" });
    expect(parseMoneyInput("12.5", "JPY")).toEqual({ ok: false, message: "must be a whole number in JPY" });
    expect(parseMoneyInput("-5", "USD").ok).toBe(false);
    expect(parseMoneyInput("1e9", "USD").ok).toBe(false);
    expect(parseMoneyInput("99999999999999999999", "USD")).toEqual({ ok: false, message: "is too large" });
    expect(parseMoneyInput("10", "usd dollars")).toEqual({ ok: false, message: "needs a currency" });
  });
  it("formats minor units, dropping cents only when there are none", () => {
    expect(formatMoney({ amount: 18_600_000, currency: "USD" })).toBe("$186,000");
    expect(formatMoney({ amount: 125_050, currency: "EUR" })).toBe("€1,250.50");
    expect(formatMoney({ amount: 5000, currency: "JPY" })).toBe("¥5,000");
    expect(formatMoney(null)).toBe("—");
  });
  it("round-trips the stored value into the edit form", () => {
    expect(majorUnitsText({ amount: 125_005, currency: "USD" })).toBe("1250.05");
    expect(majorUnitsText({ amount: 18_600_000, currency: "USD" })).toBe("186000");
    expect(parseMoneyInput(majorUnitsText({ amount: 125_005, currency: "USD" }), "USD")).toEqual({
      ok: true,
      value: { amount: 125_005, currency: "USD" },
    });
  });
});

describe("display helpers", () => {
  it("shows dates the same on server and client (UTC, one locale)", () => {
    expect(formatDate("2030-03-31")).toBe("Mar 31, 2030");
    expect(formatDate("2030-03-31T23:30:00.000Z")).toBe("Mar 31, 2030");
    expect(formatDate(null)).toBe("—");
  });
  it("gives initials and a colour that stays with the person", () => {
    expect(initials("Maya Chen")).toBe("MC");
    expect(initials("  jordan  ")).toBe("J");
    expect(initials("Ana María de la Cruz")).toBe("AC");
    expect(avatarColour("user-1")).toBe(avatarColour("user-1"));
    expect(avatarColour("user-1")).toMatch(/^#[0-9a-f]{6}$/);
  });
});

describe("form errors", () => {
  const error = { code: "invalid_input", message: "Please check name, value.amount.", fields: { name: "is required", "value.amount": "must not be negative" } };
  it("puts nested service fields under the input they came from", () => {
    expect(fieldError(error, "name")).toBe("is required");
    expect(fieldError(error, "value")).toBe("must not be negative");
    expect(fieldError(error, "account")).toBeUndefined();
  });
  it("summarises when every problem has a field, and spells out the others", () => {
    expect(formMessage(error, ["name", "value"])).toBe("Please correct the fields marked below.");
    expect(formMessage(error, ["name"])).toBe("value.amount must not be negative");
    expect(formMessage({ code: "invalid_credentials", message: "No match." }, ["email"])).toBe("No match.");
  });
});

describe("readCookie", () => {
  it("treats a malformed escape as no cookie instead of throwing", () => {
    expect(readCookie(`${SESSION_COOKIE}=%E0%A4%A`, SESSION_COOKIE)).toBeUndefined();
    expect(readCookie(`a=%E0; ${SESSION_COOKIE}=abc`, SESSION_COOKIE)).toBe("abc");
  });
});

describe("audit entries without a person", () => {
  const names: Record<string, string> = { "u-1": "Sam Okafor", "u-2": "Jordan Lee" };
  const nameOf = (id: string) => names[id];
  it("shows an autosave as Dealroom's, with the authors whose edits it saved", () => {
    expect(actorless({ type: "page.version.created", data: { reason: "auto", authorIds: ["u-1", "u-2", "u-1"] } }, nameOf)).toEqual({
      name: "Dealroom (autosave)",
      detail: "edits by Sam Okafor, Jordan Lee",
    });
    expect(actorless({ type: "page.version.created", data: { reason: "handoff", authorIds: [] } }, nameOf)).toEqual({ name: "Dealroom (system)" });
  });
  it("keeps a refused attempt without a session as someone not signed in", () => {
    expect(actorless({ type: "access.denied", data: { status: 401 } }, nameOf)).toEqual({ name: "Someone not signed in" });
  });
});

describe("refusals over live connections in the audit trail", () => {
  const nameOf = () => undefined;
  it("a viewer's dropped write reads as a refused edit; a change past the bounds names the limit", () => {
    expect(auditWords({ type: "access.denied", objectType: "page", objectId: "p", visibility: "internal", data: { status: 403, action: "item.edit", what: "Page", method: "websocket", path: "/collab/p" } }, nameOf)).toEqual({
      summary: "was refused: edit a page",
      outcome: "not allowed",
      detail: "websocket /collab/p",
    });
    expect(auditWords({ type: "access.out_of_bounds", objectType: "page", objectId: "p", visibility: "internal", data: { status: 413, bound: "size", method: "websocket", path: "/collab/p" } }, nameOf)).toMatchObject({
      summary: "was refused: a change to a page past its limits",
      outcome: "too large",
    });
    expect(auditWords({ type: "access.out_of_bounds", objectType: "page", objectId: "p", visibility: "internal", data: { status: 422, bound: "schema" } }, nameOf).outcome).toBe("too complex");
  });
});

describe("nestHeadings", () => {
  it("moves a page's headings below the heading it is shown under, keeping their level for styling", () => {
    expect(nestHeadings("<h1>Scope</h1><p>Text</p><h2>Goals</h2><h3>Deep</h3>", 4)).toBe(
      '<h5 data-level="1">Scope</h5><p>Text</p><h6 data-level="2">Goals</h6><h6 data-level="3">Deep</h6>',
    );
  });
  it("rewrites tags only, never text or attribute values that look like tags", () => {
    const html = '<p><a href="https://x.example/<h1 a=&quot;b&quot;>" rel="noopener">x&lt;h1&gt;"y"</a></p><h2>T</h2>';
    expect(nestHeadings(html, 4)).toBe('<p><a href="https://x.example/<h1 a=&quot;b&quot;>" rel="noopener">x&lt;h1&gt;"y"</a></p><h6 data-level="2">T</h6>');
  });
  it("leaves markup it cannot read as serializer output alone", () => {
    expect(nestHeadings("<h1>a<", 4)).toBe("<h1>a<");
  });
});
