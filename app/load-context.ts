import type { RequestAuth } from "../server/auth/middleware.ts";
import type { AppContext } from "../server/context.ts";

// What server/http.ts's getLoadContext hands every loader and action. The domain comes
// through here (`context.app.services`, server/services/index.ts), never through an import:
// route modules import only types from server/ and db/, so the one copy server/main.ts
// loads is the only one that runs (docs/decisions/015-one-domain.md).
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
