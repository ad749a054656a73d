import type http from "node:http";
import { describe, expect, it } from "vitest";
import { clientAddress, compileTrust } from "../../server/client-ip.ts";
import { parseTrustProxy, type TrustProxy } from "../../server/config.ts";

const req = (remoteAddress: string, forwarded?: string) =>
  ({ socket: { remoteAddress }, connection: { remoteAddress }, headers: forwarded ? { "x-forwarded-for": forwarded } : {} }) as unknown as http.IncomingMessage;
const trust = (value: string) => compileTrust(parseTrustProxy(value) as TrustProxy);

describe("clientAddress", () => {
  it("by default believes nobody: the TCP peer is the client, whatever X-Forwarded-For says", () => {
    for (const peer of ["127.0.0.1", "::1", "10.1.2.3", "fd00::1", "fe80::1", "203.0.113.9"]) {
      expect(clientAddress(req(peer, "198.51.100.7"), trust(""))).toBe(peer);
    }
  });

  it("believes only the named proxies, and stops at the first hop it does not trust", () => {
    const t = trust("10.0.0.5, 192.168.0.0/16");
    expect(clientAddress(req("10.0.0.5", "198.51.100.7"), t)).toBe("198.51.100.7");
    expect(clientAddress(req("192.168.3.4", "198.51.100.7, 10.0.0.5"), t)).toBe("198.51.100.7");
    // A client choosing its address through a trusted proxy only chooses what precedes the untrusted hop.
    expect(clientAddress(req("10.0.0.5", "1.1.1.1, 203.0.113.50"), t)).toBe("203.0.113.50");
    // Another local address is not a trusted proxy.
    expect(clientAddress(req("10.0.0.6", "198.51.100.7"), t)).toBe("10.0.0.6");
    expect(clientAddress(req("127.0.0.1", "198.51.100.7"), t)).toBe("127.0.0.1");
  });

  it("with a hop count, takes the address that many hops back", () => {
    expect(clientAddress(req("10.0.0.5", "1.1.1.1, 198.51.100.7"), trust("1"))).toBe("198.51.100.7");
    expect(clientAddress(req("10.0.0.5", "1.1.1.1, 198.51.100.7"), trust("2"))).toBe("1.1.1.1");
  });
});
