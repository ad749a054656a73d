import type http from "node:http";
import { describe, expect, it } from "vitest";
import { upgradeOwner } from "../../server/upgrades.ts";

const req = (url: string, protocol?: string) =>
  ({ url, headers: protocol ? { "sec-websocket-protocol": protocol } : {} }) as unknown as http.IncomingMessage;

describe("upgradeOwner", () => {
  it("leaves socket.io, collab and (in development) Vite's HMR upgrades to their owners", () => {
    expect(upgradeOwner(req("/socket.io/?EIO=4&transport=websocket"), false)).toBe("socket.io");
    expect(upgradeOwner(req("/collab/abc?token=x"), false)).toBe("collab");
    expect(upgradeOwner(req("/collab"), false)).toBe("collab");
    expect(upgradeOwner(req("/?token=abc", "vite-hmr"), true)).toBe("vite");
    expect(upgradeOwner(req("/", "vite-ping"), true)).toBe("vite");
  });

  it("claims nothing else: unknown paths, look-alikes, and Vite's protocol outside development", () => {
    for (const url of ["/", "/ws", "/collabx", "/socket.io", "/api/v1/collab/x", "//collab/x"]) expect(upgradeOwner(req(url), true)).toBeNull();
    expect(upgradeOwner(req("/", "vite-hmr"), false)).toBeNull();
    expect(upgradeOwner(req("/", "chat"), true)).toBeNull();
  });
});
