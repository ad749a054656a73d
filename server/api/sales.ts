import express, { type Request } from "express";
import type { AppContext } from "../context.ts";
import { addToDeliveryTeam, listDeliveryTeam, removeFromDeliveryTeam } from "../sales/delivery-team.ts";
import { closeRoom, moveStage, reopenRoom } from "../sales/moves.ts";
import { pipeline, pipelineCsv } from "../sales/pipeline.ts";
import { getForecastSettings, getRoomForecast, setForecastSettings, setRoomForecast } from "../sales/forecast.ts";
import { listTargets, removeTarget, setTarget, teamCredit } from "../sales/targets.ts";
import { getDealTeam, setDealRole, setTeamCredit } from "../sales/deal-team.ts";
import { exportName, prepareRoomArchive, recordFor, recordMarkdown, writeRecordPdf } from "../sales/handoff-export.ts";
import { addStage, listOrgStages, removeStage, stageJson, updateStage } from "../sales/stages.ts";
import { stageTimeline } from "../sales/timeline.ts";
import { contentDisposition } from "../files/names.ts";
import { roomJson } from "../services/rooms.ts";
import { actorContext, param, route } from "./http.ts";

/**
 * The sales process: moving a room through its stages (POST /rooms/:roomId/stage is in
 * docs/api.md; the rest are our extensions), the stage timeline, the hand-off record and its exports, the room archive, and the organization's sales
 * cycle and delivery team for its admins. Mounted after v1.ts's JSON parser.
 */
export function salesApi(app: AppContext) {
  const api = express.Router();
  const body = (req: Request) => (req.body === undefined ? {} : req.body);

  api.post("/rooms/:roomId/stage", route(async (req, res) => {
    res.json(roomJson(await moveStage(actorContext(app, req, res), param(req, "roomId"), body(req))));
  }));
  api.post("/rooms/:roomId/close", route(async (req, res) => {
    res.json(roomJson(await closeRoom(actorContext(app, req, res), param(req, "roomId"), body(req))));
  }));
  api.post("/rooms/:roomId/reopen", route(async (req, res) => {
    res.json(roomJson(await reopenRoom(actorContext(app, req, res), param(req, "roomId"))));
  }));
  api.get("/rooms/:roomId/stages", route(async (req, res) => {
    res.json(await stageTimeline(actorContext(app, req, res), param(req, "roomId")));
  }));
  // The hand-off record (docs/api.md has its shape): JSON, or ?format=markdown|pdf as a download.
  api.get("/rooms/:roomId/handoff", route(async (req, res) => {
    const { format, record } = await recordFor(actorContext(app, req, res), param(req, "roomId"), req.query);
    res.setHeader("Cache-Control", "private, no-store");
    if (format === "json") return void res.json(record);
    if (format === "markdown") {
      res.setHeader("Content-Type", "text/markdown; charset=utf-8");
      res.setHeader("Content-Disposition", contentDisposition("attachment", exportName(record, "handoff.md")));
      return void res.send(recordMarkdown(record));
    }
    res.setHeader("Content-Type", "application/pdf");
    res.setHeader("Content-Disposition", contentDisposition("attachment", exportName(record, "handoff.pdf")));
    await writeRecordPdf(record, res, { compress: app.config.env !== "test" });
  }));
  // Our addition: the whole room as the reader may see it, as a zip (docs/api.md "Room archive").
  api.get("/rooms/:roomId/export", route(async (req, res) => {
    const archive = await prepareRoomArchive(actorContext(app, req, res), param(req, "roomId"));
    res.setHeader("Cache-Control", "private, no-store");
    res.setHeader("Content-Type", "application/zip");
    res.setHeader("Content-Disposition", contentDisposition("attachment", archive.filename));
    await archive.streamTo(res);
  }));

  // Pipeline insight for the organization (docs/api.md "Pipeline"); the CSV of each table behind its charts.
  api.get("/pipeline", route(async (req, res) => {
    res.setHeader("Cache-Control", "private, no-store");
    res.json(await pipeline(actorContext(app, req, res), req.query));
  }));
  api.get("/pipeline/export", route(async (req, res) => {
    const csv = await pipelineCsv(actorContext(app, req, res), req.query);
    res.setHeader("Cache-Control", "private, no-store");
    res.setHeader("Content-Type", "text/csv; charset=utf-8");
    res.setHeader("Content-Disposition", contentDisposition("attachment", csv.filename));
    res.send(csv.body);
  }));

  // The event-based forecast (decision 027): a room's statuses, and the organization's statuses and matrices.
  api.get("/rooms/:roomId/forecast", route(async (req, res) => {
    res.setHeader("Cache-Control", "private, no-store");
    res.json(await getRoomForecast(actorContext(app, req, res), param(req, "roomId")));
  }));
  api.put("/rooms/:roomId/forecast", route(async (req, res) => {
    res.json(await setRoomForecast(actorContext(app, req, res), param(req, "roomId"), body(req)));
  }));
  api.get("/organizations/:organizationId/forecast", route(async (req, res) => {
    res.setHeader("Cache-Control", "private, no-store");
    res.json(await getForecastSettings(actorContext(app, req, res), param(req, "organizationId")));
  }));
  api.put("/organizations/:organizationId/forecast", route(async (req, res) => {
    res.json(await setForecastSettings(actorContext(app, req, res), param(req, "organizationId"), body(req)));
  }));

  // Targets for the organization's members (admins; decision 021).
  api.get("/organizations/:organizationId/targets", route(async (req, res) => {
    const ctx = actorContext(app, req, res);
    const items = await listTargets(ctx, param(req, "organizationId"));
    res.json({ items, ...(await teamCredit(ctx, param(req, "organizationId"))) });
  }));
  // Team selling (decision 021): whether won rooms are credited to their deal team too, and the roles in a room.
  api.put("/organizations/:organizationId/team-credit", route(async (req, res) => {
    res.json(await setTeamCredit(actorContext(app, req, res), param(req, "organizationId"), body(req)));
  }));
  api.get("/rooms/:roomId/deal-team", route(async (req, res) => {
    res.setHeader("Cache-Control", "private, no-store");
    res.json(await getDealTeam(actorContext(app, req, res), param(req, "roomId")));
  }));
  api.put("/rooms/:roomId/deal-team/:userId", route(async (req, res) => {
    res.json(await setDealRole(actorContext(app, req, res), param(req, "roomId"), param(req, "userId"), body(req)));
  }));
  api.put("/organizations/:organizationId/targets", route(async (req, res) => {
    res.json(await setTarget(actorContext(app, req, res), param(req, "organizationId"), body(req)));
  }));
  api.delete("/organizations/:organizationId/targets/:targetId", route(async (req, res) => {
    await removeTarget(actorContext(app, req, res), param(req, "organizationId"), param(req, "targetId"));
    res.status(204).end();
  }));

  api.get("/organizations/:organizationId/stages", route(async (req, res) => {
    res.json({ items: (await listOrgStages(actorContext(app, req, res), param(req, "organizationId"))).map(stageJson) });
  }));
  api.post("/organizations/:organizationId/stages", route(async (req, res) => {
    res.status(201).json(stageJson(await addStage(actorContext(app, req, res), param(req, "organizationId"), body(req))));
  }));
  api.patch("/organizations/:organizationId/stages/:stageId", route(async (req, res) => {
    res.json(stageJson(await updateStage(actorContext(app, req, res), param(req, "organizationId"), param(req, "stageId"), body(req))));
  }));
  api.delete("/organizations/:organizationId/stages/:stageId", route(async (req, res) => {
    await removeStage(actorContext(app, req, res), param(req, "organizationId"), param(req, "stageId"));
    res.status(204).end();
  }));

  api.get("/organizations/:organizationId/delivery-team", route(async (req, res) => {
    res.json({ items: await listDeliveryTeam(actorContext(app, req, res), param(req, "organizationId")) });
  }));
  api.put("/organizations/:organizationId/delivery-team/:userId", route(async (req, res) => {
    res.json(await addToDeliveryTeam(actorContext(app, req, res), param(req, "organizationId"), param(req, "userId")));
  }));
  api.delete("/organizations/:organizationId/delivery-team/:userId", route(async (req, res) => {
    await removeFromDeliveryTeam(actorContext(app, req, res), param(req, "organizationId"), param(req, "userId"));
    res.status(204).end();
  }));

  return api;
}
