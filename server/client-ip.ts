import type http from "node:http";
import proxyaddr from "proxy-addr";
import type { TrustProxy } from "./config.ts";

export type TrustFunction = (address: string, hop: number) => boolean;

/**
 * The one rule for "which proxies may name the client" (TRUST_PROXY), shared by Express'
 * `trust proxy` (req.ip, and with it every HTTP rate limit and audit row), the /collab upgrade
 * limit and socket.io. By default nobody is trusted: the TCP peer is the client
 * (docs/decisions/014-trust-proxy-and-per-organization-deactivation.md).
 */
export function compileTrust(trust: TrustProxy): TrustFunction {
  if (trust.kind === "none") return () => false;
  if (trust.kind === "hops") return (_address, hop) => hop < trust.hops;
  return proxyaddr.compile(trust.addresses);
}

/** The client's address as the trusted proxies report it (proxy-addr, as Express computes req.ip). */
export function clientAddress(req: http.IncomingMessage, trust: TrustFunction): string {
  if (!req.socket.remoteAddress) return "unknown";
  return proxyaddr(req, trust);
}
