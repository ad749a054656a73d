import express, { type Request, type Response } from "express";
import type { AppContext } from "../context.ts";
import { invalid } from "../errors.ts";
import { listActivity } from "../notifications/feed.ts";
import { listNotifications, markAllNotificationsRead, markNotificationRead } from "../notifications/inbox.ts";
import { getPreferences, setDigest, setRoomLevel } from "../notifications/preferences.ts";
import { mentionableUsers } from "../threads/access.ts";
import { deleteMessage, editMessage, listMessages, postMessage } from "../threads/messages.ts";
import { createComment, listPageComments } from "../threads/comments.ts";
import { createThread, getThread, listThreads, setResolved, updateThread } from "../threads/threads.ts";
import { markThreadRead, roomUnread } from "../threads/unread.ts";
import { actorContext, param, route } from "./http.ts";

/**
 * Threads, messages, unread counts, the activity feed and notifications (docs/api.md "Threads",
 * "Search, activity"; the rest are additions). Mounted inside /api/v1, after its JSON parser.
 */
export function threadsApi(app: AppContext) {
  const api = express.Router();
  const body = (req: Request) => (req.body === undefined ? {} : req.body);
  const ctx = (req: Request, res: Response) => actorContext(app, req, res);

  // Threads (contract)
  api.post("/rooms/:roomId/threads", route(async (req, res) => {
    res.status(201).json(await createThread(ctx(req, res), param(req, "roomId"), body(req)));
  }));
  api.get("/rooms/:roomId/threads", route(async (req, res) => {
    res.json({ items: await listThreads(ctx(req, res), param(req, "roomId")) });
  }));
  api.get("/threads/:threadId/messages", route(async (req, res) => {
    res.json({ items: await listMessages(ctx(req, res), param(req, "threadId")) });
  }));
  api.post("/threads/:threadId/messages", route(async (req, res) => {
    res.status(201).json(await postMessage(ctx(req, res), param(req, "threadId"), body(req)));
  }));

  // Threads (additions)
  api.get("/threads/:threadId", route(async (req, res) => {
    res.json(await getThread(ctx(req, res), param(req, "threadId")));
  }));
  api.patch("/threads/:threadId", route(async (req, res) => {
    res.json(await updateThread(ctx(req, res), param(req, "threadId"), body(req)));
  }));
  api.post("/threads/:threadId/resolve", route(async (req, res) => {
    res.json(await setResolved(ctx(req, res), param(req, "threadId"), true));
  }));
  api.post("/threads/:threadId/reopen", route(async (req, res) => {
    res.json(await setResolved(ctx(req, res), param(req, "threadId"), false));
  }));
  api.post("/threads/:threadId/read", route(async (req, res) => {
    res.json(await markThreadRead(ctx(req, res), param(req, "threadId")));
  }));
  api.patch("/messages/:messageId", route(async (req, res) => {
    res.json(await editMessage(ctx(req, res), param(req, "messageId"), body(req)));
  }));
  api.delete("/messages/:messageId", route(async (req, res) => {
    await deleteMessage(ctx(req, res), param(req, "messageId"));
    res.status(204).end();
  }));
  // Comments anchored to text (additions; docs/decisions/028-comments-anchored-to-text.md)
  api.post("/pages/:pageId/comments", route(async (req, res) => {
    res.status(201).json(await createComment(ctx(req, res), param(req, "pageId"), body(req)));
  }));
  api.get("/pages/:pageId/comments", route(async (req, res) => {
    res.json(await listPageComments(ctx(req, res), param(req, "pageId")));
  }));
  api.get("/rooms/:roomId/unread", route(async (req, res) => {
    res.json(await roomUnread(ctx(req, res), param(req, "roomId")));
  }));
  api.get("/rooms/:roomId/mentionable", route(async (req, res) => {
    const visibility = req.query.visibility;
    if (visibility !== "internal" && visibility !== "shared") {
      throw invalid("Please check visibility.", { visibility: 'must be "internal" or "shared"' });
    }
    res.json({ items: await mentionableUsers(ctx(req, res), param(req, "roomId"), visibility) });
  }));

  // Activity (contract)
  api.get("/rooms/:roomId/activity", route(async (req, res) => {
    res.json(await listActivity(ctx(req, res), param(req, "roomId"), req.query));
  }));

  // Notifications (additions)
  api.get("/notifications", route(async (req, res) => {
    res.json(await listNotifications(ctx(req, res), req.query));
  }));
  api.post("/notifications/read-all", route(async (req, res) => {
    res.json(await markAllNotificationsRead(ctx(req, res)));
  }));
  api.post("/notifications/:notificationId/read", route(async (req, res) => {
    res.json(await markNotificationRead(ctx(req, res), param(req, "notificationId")));
  }));
  api.get("/notifications/preferences", route(async (req, res) => {
    res.json(await getPreferences(ctx(req, res)));
  }));
  api.put("/notifications/digest", route(async (req, res) => {
    res.json(await setDigest(ctx(req, res), body(req)));
  }));
  api.put("/rooms/:roomId/notification-preference", route(async (req, res) => {
    res.json(await setRoomLevel(ctx(req, res), param(req, "roomId"), body(req)));
  }));

  return api;
}
