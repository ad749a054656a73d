import express, { type Request, type Response } from "express";
import type { AppContext } from "../context.ts";
import { notFound } from "../errors.ts";
import { invalidateSession } from "../auth/sessions.ts";
import { clearedSessionCookie } from "../auth/cookies.ts";
import { isSecureRequest } from "../auth/middleware.ts";
import { login, me, signup } from "../services/accounts.ts";
import { acceptInvitation, createInvitation, listInvitations, resendInvitation, revokeInvitation } from "../services/invitations.ts";
import { changeParticipantRole, listParticipants, removeParticipant } from "../services/participants.ts";
import { createRoom, getRoom, listRooms, roomJson, updateRoom, upsertRoomByExternalId } from "../services/rooms.ts";
import { createWebhook, deleteWebhook, listWebhooks } from "../webhooks/webhooks.ts";
import { engagementApi } from "./engagement.ts";
import { filesApi } from "./files.ts";
import { pagesApi } from "./pages.ts";
import { peopleRouter } from "./people.ts";
import { salesApi } from "./sales.ts";
import { planApi } from "./plan.ts";
import { roomTemplatesApi } from "./room-templates.ts";
import { threadsApi } from "./threads.ts";
import { actorContext, param, apiErrorHandler, authOf, jsonBody, requestMeta, requireActor, route } from "./http.ts";

/**
 * The public JSON API, exactly as docs/api.md writes it. Handlers stay thin:
 * parse, call a service, shape the answer.
 */
export function apiV1(app: AppContext) {
  const api = express.Router();
  // Before the shared JSON parser: page bodies may carry up to 1 MB of markdown (its own limit).
  api.use(pagesApi(app));
  api.use(jsonBody);
  const body = (req: Request) => (req.body === undefined ? {} : req.body);

  // Accounts
  api.post("/signup", route(async (req, res) => {
    const result = await signup(app, body(req), "bearer", requestMeta(req));
    res.status(201).json({ token: result.token, user: result.user, organization: result.organization });
  }));
  api.post("/login", route(async (req, res) => {
    const result = await login(app, body(req), "bearer", requestMeta(req));
    res.json({ token: result.token, user: result.user });
  }));
  api.post("/logout", route(async (req, res) => {
    requireActor(res);
    const sessionId = authOf(res).session!.id;
    await invalidateSession(app.sql, sessionId);
    app.bus.invalidate({ sessionIds: [sessionId] });
    if (authOf(res).via === "cookie") res.append("Set-Cookie", clearedSessionCookie(isSecureRequest(app, req)));
    res.status(204).end();
  }));
  api.get("/me", route(async (_req, res) => {
    res.json(await me(app.sql, requireActor(res)));
  }));

  // Webhooks (docs/api.md "Webhooks"): the organization is `?organizationId=`, else the caller's first where they are an admin.
  const orgOf = (req: Request) => (typeof req.query.organizationId === "string" ? req.query.organizationId : null);
  api.post("/webhooks", route(async (req, res) => {
    const { id, secret, webhook } = await createWebhook(actorContext(app, req, res), body(req), orgOf(req));
    res.status(201).json({ id, secret, webhook });
  }));
  api.get("/webhooks", route(async (req, res) => {
    res.json(await listWebhooks(actorContext(app, req, res), orgOf(req)));
  }));
  api.delete("/webhooks/:webhookId", route(async (req, res) => {
    await deleteWebhook(actorContext(app, req, res), param(req, "webhookId"), orgOf(req));
    res.status(204).end();
  }));

  // Rooms and participants
  api.post("/rooms", route(async (req, res) => {
    res.status(201).json(roomJson(await createRoom(actorContext(app, req, res), body(req))));
  }));
  api.get("/rooms", route(async (req, res) => {
    res.json({ items: await listRooms(actorContext(app, req, res)) });
  }));
  api.put("/rooms/by-external-id/:externalId", route(async (req, res) => {
    const org = typeof req.query.organizationId === "string" ? req.query.organizationId : undefined;
    const { created, room } = await upsertRoomByExternalId(actorContext(app, req, res), param(req, "externalId"), body(req), org);
    res.status(created ? 201 : 200).json(roomJson(room));
  }));
  api.get("/rooms/:roomId", route(async (req, res) => {
    res.json(roomJson(await getRoom(actorContext(app, req, res), param(req, "roomId"))));
  }));
  api.patch("/rooms/:roomId", route(async (req, res) => {
    res.json(roomJson(await updateRoom(actorContext(app, req, res), param(req, "roomId"), body(req))));
  }));
  api.post("/rooms/:roomId/invitations", route(async (req, res) => {
    // Exactly the contract's shape; a renewed invitation keeps its id (docs/api.md).
    const { id, token, url, expiresAt } = await createInvitation(actorContext(app, req, res), param(req, "roomId"), body(req));
    res.status(201).json({ id, token, url, expiresAt });
  }));
  // Our additions: the owner lists (pending ones with their link), re-sends and withdraws invitations.
  api.get("/rooms/:roomId/invitations", route(async (req, res) => {
    res.json({ items: await listInvitations(actorContext(app, req, res), param(req, "roomId"), true) });
  }));
  api.post("/rooms/:roomId/invitations/:invitationId/resend", route(async (req, res) => {
    const { id, token, url, expiresAt } = await resendInvitation(actorContext(app, req, res), param(req, "roomId"), param(req, "invitationId"));
    res.json({ id, token, url, expiresAt });
  }));
  api.delete("/rooms/:roomId/invitations/:invitationId", route(async (req, res) => {
    await revokeInvitation(actorContext(app, req, res), param(req, "roomId"), param(req, "invitationId"));
    res.status(204).end();
  }));
  api.post("/invitations/:token/accept", route(async (req, res) => {
    const actor = authOf(res).actor;
    const result = await acceptInvitation(app, param(req, "token"), actor, body(req), "bearer", requestMeta(req));
    // An existing user accepting with their bearer token keeps using that token.
    const token = result.token ?? bearerOf(req);
    res.json({ token, user: result.user, roomId: result.roomId });
  }));
  api.get("/rooms/:roomId/participants", route(async (req, res) => {
    res.json({ items: await listParticipants(actorContext(app, req, res), param(req, "roomId")) });
  }));
  api.patch("/rooms/:roomId/participants/:userId", route(async (req, res) => {
    res.json(await changeParticipantRole(actorContext(app, req, res), param(req, "roomId"), param(req, "userId"), body(req)));
  }));
  api.delete("/rooms/:roomId/participants/:userId", route(async (req, res) => {
    await removeParticipant(actorContext(app, req, res), param(req, "roomId"), param(req, "userId"));
    res.status(204).end();
  }));

  api.use(peopleRouter(app));

  api.use(filesApi(app));

  api.use(threadsApi(app));

  api.use(salesApi(app));

  api.use(planApi(app));

  api.use(engagementApi(app));
  api.use(roomTemplatesApi(app));

  api.use((_req: Request, _res: Response, next) => next(notFound("That endpoint")));
  api.use(apiErrorHandler(app));
  return api;
}

function bearerOf(req: Request): string | null {
  return req.headers.authorization?.replace(/^Bearer\s+/i, "") ?? null;
}
