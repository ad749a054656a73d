import express from "express";
import type { AppContext } from "../context.ts";
import { deleteRoomTemplate, getRoomTemplate, listRoomTemplates, saveRoomAsTemplate } from "../services/room-templates.ts";
import { actorContext, param, route } from "./http.ts";

/**
 * Room templates (our extension to docs/api.md, decision 020): what an organization's new rooms
 * may start with. `POST /rooms` takes a template's id as `templateId`.
 */
export function roomTemplatesApi(app: AppContext) {
  const api = express.Router();
  api.get("/organizations/:organizationId/room-templates", route(async (req, res) => {
    res.json({ items: await listRoomTemplates(actorContext(app, req, res), param(req, "organizationId")) });
  }));
  api.post("/organizations/:organizationId/room-templates", route(async (req, res) => {
    res.status(201).json(await saveRoomAsTemplate(actorContext(app, req, res), param(req, "organizationId"), req.body ?? {}));
  }));
  api.get("/organizations/:organizationId/room-templates/:templateId", route(async (req, res) => {
    res.json(await getRoomTemplate(actorContext(app, req, res), param(req, "organizationId"), param(req, "templateId")));
  }));
  api.delete("/organizations/:organizationId/room-templates/:templateId", route(async (req, res) => {
    await deleteRoomTemplate(actorContext(app, req, res), param(req, "organizationId"), param(req, "templateId"));
    res.status(204).end();
  }));
  return api;
}
