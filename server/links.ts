import type { AddressInfo } from "node:net";
import type { AppContext } from "./context.ts";

/** Where the server listens, once it does (the port may have been chosen by the system). */
export interface ListenAddress {
  url: string | undefined;
}

/**
 * The one address links in e-mail and API answers (sign-in, invitations, digests) are built
 * from: PUBLIC_URL, else the address printed at start. Never the request's Host or
 * X-Forwarded-Host, which the client chooses (docs/access.md, "Credentials").
 */
export function publicBaseUrl(app: Pick<AppContext, "config" | "listenAddress">): string {
  return app.config.publicUrl ?? app.listenAddress.url ?? displayUrl(app.config.host, app.config.port);
}

/** Called once the server listens (server/http.ts). */
export function rememberListenAddress(app: Pick<AppContext, "listenAddress">, address: AddressInfo | string | null): void {
  if (!address || typeof address === "string") return;
  app.listenAddress.url = displayUrl(address.address, address.port);
}

/** `http://host:port` as printed at start; the wildcard addresses read as localhost. */
export function displayUrl(host: string, port: number): string {
  const shown = host === "0.0.0.0" || host === "::" ? "localhost" : host.includes(":") ? `[${host}]` : host;
  return `http://${shown}:${port}`;
}
