import express from "express";
import type { AppContext } from "../context.ts";
import { recordBeat } from "../engagement/beats.ts";
import { myEngagement, roomEngagement } from "../engagement/report.ts";
import { getOrgEngagementSettings, setOrgEngagementSettings, setRoomTracking } from "../engagement/settings.ts";
import { actorContext, param, route } from "./http.ts";

/**
 * Engagement (our addition to docs/api.md, docs/decisions/025-engagement.md): the internal
 * team's view of who read what, each participant's own figures, and the heartbeat the browser
 * sends with `navigator.sendBeacon` when a tab is hidden (the live ones go over socket.io,
 * event `engagement:beat`; both end in recordBeat). Mounted inside /api/v1, after its JSON parser.
 */
export function engagementApi(app: AppContext) {
  const api = express.Router();
  api.get("/rooms/:roomId/engagement", route(async (req, res) => {
    res.json(await roomEngagement(actorContext(app, req, res), param(req, "roomId")));
  }));
  api.get("/rooms/:roomId/engagement/me", route(async (req, res) => {
    res.json(await myEngagement(actorContext(app, req, res), param(req, "roomId")));
  }));
  // The switches and the "gone quiet" threshold (server/engagement/settings.ts).
  api.put("/rooms/:roomId/engagement/settings", route(async (req, res) => {
    res.json(await setRoomTracking(actorContext(app, req, res), param(req, "roomId"), req.body === undefined ? {} : req.body));
  }));
  api.get("/organizations/:organizationId/engagement", route(async (req, res) => {
    res.setHeader("Cache-Control", "private, no-store");
    res.json(await getOrgEngagementSettings(actorContext(app, req, res), param(req, "organizationId")));
  }));
  api.put("/organizations/:organizationId/engagement", route(async (req, res) => {
    res.json(await setOrgEngagementSettings(actorContext(app, req, res), param(req, "organizationId"), req.body === undefined ? {} : req.body));
  }));
  api.post("/engagement/beats", route(async (req, res) => {
    res.json(await recordBeat(actorContext(app, req, res), req.body === undefined ? {} : req.body));
  }));
  return api;
}
