/** Websocket close codes of the /collab endpoint, shared by server and client (API.md). */
export const CLOSE = {
  /** Not authenticated: no or bad session. */
  UNAUTHENTICATED: 4401,
  /** No such page, or not visible to this user. */
  NOT_FOUND: 4404,
  /** Access changed; connect again and be decided afresh. */
  RECONNECT: 4409,
  /** The server is not serving collaboration (yet). */
  UNAVAILABLE: 4503,
} as const;
