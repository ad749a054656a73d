/**
 * Websocket close codes of the /collab endpoint, shared by server and client (docs/api.md).
 *
 * y-websocket (3.1) treats 4400–4499 as final (it stops reconnecting) and everything else as
 * transient. RECONNECT sits in the 44xx range by contract, so `connectPage` (collab/client.ts)
 * reconnects on it explicitly; a stock provider needs the same `shouldReconnect`.
 */
export const CLOSE = {
  /** A message the server could not decode (garbage, truncated, unknown type) or too many before authorization. */
  BAD_MESSAGE: 4400,
  /** The page would grow past its size quota (docs/access.md, "Resource bounds"); the update was not applied. */
  TOO_LARGE: 4413,
  /**
   * The update (or awareness state) does not fit the page's schema and bounds: an element or
   * attribute value not allowed, nesting too deep, too many blocks, too much pending. Not applied.
   */
  OUT_OF_BOUNDS: 4422,
  /** Not authenticated: no or bad session, or a browser page of another origin. */
  UNAUTHENTICATED: 4401,
  /** No such page, or not visible to this user. */
  NOT_FOUND: 4404,
  /** Access changed; connect again and be decided afresh. */
  RECONNECT: 4409,
  /** The server is not serving collaboration right now (database unreachable, unsaved backlog too large); try later. */
  UNAVAILABLE: 4503,
  /** The page has as many live connections as the server allows; try later. */
  TOO_MANY: 4529,
  /** Standard 1012 "service restart": the server is shutting down after saving everything; reconnect. */
  RESTARTING: 1012,
} as const;

/** Codes after which a client should not reconnect on its own: the answer would be the same. */
export const isFinalClose = (code: number) => code >= 4400 && code < 4500 && code !== CLOSE.RECONNECT;
