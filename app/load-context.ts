import type { RequestAuth } from "../server/auth/middleware.ts";
import type { AppContext } from "../server/context.ts";

// What server/http.ts's getLoadContext hands every loader and action: services come
// through here, never through module singletons (dev loads two copies of modules).
declare module "react-router" {
  interface AppLoadContext {
    app: AppContext;
    auth: RequestAuth;
    ip: string | undefined;
    /** This response's CSP nonce for inline scripts (server/security-headers.ts). */
    cspNonce: string | undefined;
  }
}

export {};
