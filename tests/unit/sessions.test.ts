import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { SESSION_COOKIE, clearedSessionCookie, readCookie, sessionCookie } from "../../server/auth/cookies.ts";
import { bearerToken } from "../../server/auth/middleware.ts";
import { generateToken, hashToken } from "../../server/auth/sessions.ts";

const attributes = (cookie: string) => cookie.split("; ").slice(1);

describe("session tokens", () => {
  it("are 160 random bits in lower-case base32 (32 characters), never the same twice", () => {
    const tokens = new Set(Array.from({ length: 1000 }, generateToken));
    expect(tokens.size).toBe(1000);
    for (const token of tokens) expect(token).toMatch(/^[a-z2-7]{32}$/);
  });

  it("are stored as their SHA-256 in lower-case hex", () => {
    const token = generateToken();
    expect(hashToken(token)).toBe(createHash("sha256").update(token, "utf8").digest("hex"));
    expect(hashToken(token)).toMatch(/^[0-9a-f]{64}$/);
    expect(hashToken("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    expect(hashToken(token)).not.toBe(hashToken(generateToken()));
  });
});

describe("the session cookie", () => {
  const expires = new Date("2031-05-06T07:08:09Z");

  it("is HttpOnly, SameSite=Lax, for the whole site, with the session's expiry", () => {
    const cookie = sessionCookie("tok", expires, false);
    expect(cookie.startsWith(`${SESSION_COOKIE}=tok; `)).toBe(true);
    expect(attributes(cookie).sort()).toEqual(["Expires=Tue, 06 May 2031 07:08:09 GMT", "HttpOnly", "Path=/", "SameSite=Lax"]);
  });

  it("is Secure only over HTTPS", () => {
    expect(attributes(sessionCookie("tok", expires, true))).toContain("Secure");
    expect(attributes(sessionCookie("tok", expires, false))).not.toContain("Secure");
  });

  it("is cleared with the same attributes and Max-Age=0", () => {
    expect(attributes(clearedSessionCookie(true)).sort()).toEqual(["HttpOnly", "Max-Age=0", "Path=/", "SameSite=Lax", "Secure"]);
    expect(clearedSessionCookie(false).startsWith(`${SESSION_COOKIE}=; `)).toBe(true);
  });

  it("is read back from a Cookie header among others", () => {
    expect(readCookie(`theme=dark; ${SESSION_COOKIE}=abc; other=1`, SESSION_COOKIE)).toBe("abc");
    expect(readCookie(`x${SESSION_COOKIE}=abc`, SESSION_COOKIE)).toBeUndefined();
    expect(readCookie(undefined, SESSION_COOKIE)).toBeUndefined();
    expect(readCookie("", SESSION_COOKIE)).toBeUndefined();
  });
});

describe("bearer tokens", () => {
  it("are read from Authorization: Bearer, in any case of the scheme", () => {
    expect(bearerToken("Bearer abc")).toBe("abc");
    expect(bearerToken("bearer abc")).toBe("abc");
    expect(bearerToken("Basic abc")).toBeUndefined();
    expect(bearerToken("Bearer")).toBeUndefined();
    expect(bearerToken("Bearer a b")).toBeUndefined();
    expect(bearerToken(undefined)).toBeUndefined();
  });
});
