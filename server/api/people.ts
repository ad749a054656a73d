import express from "express";
import type { AppContext } from "../context.ts";
import { auditCsv, listAudit } from "../services/audit.ts";
import { deactivateMember, listMembers, reactivateMember } from "../services/members.ts";
import { transferOwnership } from "../services/ownership.ts";
import { changePassword } from "../services/passwords.ts";
import { listSessions, revokeOtherSessions, revokeSession } from "../services/sessions.ts";
import { clearedSessionCookie } from "../auth/cookies.ts";
import { isSecureRequest } from "../auth/middleware.ts";
import { roomJson } from "../services/rooms.ts";
import { consumeSignInLink, listOutbox, requestSignInLink } from "../services/sign-in-links.ts";
import { actorContext, authOf, param, requestMeta, route } from "./http.ts";

/** Continuity and accountability (our extensions to docs/api.md): ownership, members, passwords, sessions, audit. */
export function peopleRouter(app: AppContext) {
  const api = express.Router();

  api.post("/rooms/:roomId/owner", route(async (req, res) => {
    res.json(roomJson(await transferOwnership(actorContext(app, req, res), param(req, "roomId"), req.body ?? {})));
  }));

  api.get("/rooms/:roomId/audit", route(async (req, res) => {
    const entries = await listAudit(actorContext(app, req, res), param(req, "roomId"), req.query);
    if (req.query.format === "csv") {
      res.setHeader("Content-Type", "text/csv; charset=utf-8");
      res.setHeader("Content-Disposition", 'attachment; filename="audit.csv"');
      res.send(auditCsv(entries));
      return;
    }
    res.json({ items: entries });
  }));

  api.get("/organizations/:organizationId/members", route(async (req, res) => {
    res.json({ items: await listMembers(actorContext(app, req, res), param(req, "organizationId")) });
  }));
  api.post("/organizations/:organizationId/members/:userId/deactivate", route(async (req, res) => {
    await deactivateMember(actorContext(app, req, res), param(req, "organizationId"), param(req, "userId"));
    res.status(204).end();
  }));
  api.post("/organizations/:organizationId/members/:userId/reactivate", route(async (req, res) => {
    await reactivateMember(actorContext(app, req, res), param(req, "organizationId"), param(req, "userId"));
    res.status(204).end();
  }));

  api.get("/organizations/:organizationId/outbox", route(async (req, res) => {
    res.json({ items: await listOutbox(actorContext(app, req, res), param(req, "organizationId")) });
  }));

  // One-time sign-in links: the request answers 202 whether or not the address has an account.
  api.post("/sign-in-links", route(async (req, res) => {
    await requestSignInLink(app, req.body ?? {}, requestMeta(req));
    res.status(202).json({ ok: true });
  }));
  api.post("/sign-in-links/:token/consume", route(async (req, res) => {
    const result = await consumeSignInLink(app, param(req, "token"), "bearer", requestMeta(req));
    res.json({ token: result.token, user: result.user });
  }));

  api.post("/me/password", route(async (req, res) => {
    const result = await changePassword(actorContext(app, req, res), req.body ?? {}, "bearer", requestMeta(req));
    res.json({ token: result.token });
  }));

  // One's own sessions (docs/api.md "Sessions"): list them, end one, end all the others. Ended
  // sessions' live sockets close at once (services/sessions.ts).
  const currentSession = (res: express.Response) => authOf(res).session?.id ?? null;
  api.get("/me/sessions", route(async (req, res) => {
    res.json({ items: await listSessions(actorContext(app, req, res), currentSession(res)) });
  }));
  api.delete("/me/sessions", route(async (req, res) => {
    res.json({ ended: await revokeOtherSessions(actorContext(app, req, res), currentSession(res), req.query) });
  }));
  api.delete("/me/sessions/:sessionId", route(async (req, res) => {
    const { current } = await revokeSession(actorContext(app, req, res), currentSession(res), param(req, "sessionId"));
    // Ending the session this request came with is a logout: a browser's cookie goes too.
    if (current && authOf(res).via === "cookie") res.append("Set-Cookie", clearedSessionCookie(isSecureRequest(app, req)));
    res.status(204).end();
  }));

  return api;
}
