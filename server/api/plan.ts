import express, { type Request, type Response } from "express";
import type { AppContext } from "../context.ts";
import { createPlanStep, listPlan, removePlanStep, reorderPlan, updatePlanStep } from "../sales/plan.ts";
import { getQualification, setQualificationAnswer } from "../sales/qualification.ts";
import { createStakeholder, listStakeholders, removeStakeholder, updateStakeholder } from "../sales/stakeholders.ts";
import { actorContext, param, route } from "./http.ts";

/**
 * The mutual action plan and the seller's internal deal planning (stakeholder map,
 * qualification checklist): our additions to docs/api.md. Mounted inside
 * /api/v1, after its JSON parser.
 */
export function planApi(app: AppContext) {
  const api = express.Router();
  const body = (req: Request) => (req.body === undefined ? {} : req.body);
  const ctx = (req: Request, res: Response) => actorContext(app, req, res);

  // Mutual action plan
  api.get("/rooms/:roomId/plan", route(async (req, res) => {
    res.json(await listPlan(ctx(req, res), param(req, "roomId")));
  }));
  api.post("/rooms/:roomId/plan", route(async (req, res) => {
    res.status(201).json(await createPlanStep(ctx(req, res), param(req, "roomId"), body(req)));
  }));
  api.post("/rooms/:roomId/plan/order", route(async (req, res) => {
    res.json(await reorderPlan(ctx(req, res), param(req, "roomId"), body(req)));
  }));
  api.patch("/plan-steps/:stepId", route(async (req, res) => {
    res.json(await updatePlanStep(ctx(req, res), param(req, "stepId"), body(req)));
  }));
  api.delete("/plan-steps/:stepId", route(async (req, res) => {
    await removePlanStep(ctx(req, res), param(req, "stepId"));
    res.status(204).end();
  }));

  // Stakeholder map (internal only)
  api.get("/rooms/:roomId/stakeholders", route(async (req, res) => {
    res.json(await listStakeholders(ctx(req, res), param(req, "roomId")));
  }));
  api.post("/rooms/:roomId/stakeholders", route(async (req, res) => {
    res.status(201).json(await createStakeholder(ctx(req, res), param(req, "roomId"), body(req)));
  }));
  api.patch("/stakeholders/:stakeholderId", route(async (req, res) => {
    res.json(await updateStakeholder(ctx(req, res), param(req, "stakeholderId"), body(req)));
  }));
  api.delete("/stakeholders/:stakeholderId", route(async (req, res) => {
    await removeStakeholder(ctx(req, res), param(req, "stakeholderId"));
    res.status(204).end();
  }));

  // Qualification checklist (internal only)
  api.get("/rooms/:roomId/qualification", route(async (req, res) => {
    res.json(await getQualification(ctx(req, res), param(req, "roomId")));
  }));
  api.put("/rooms/:roomId/qualification/:item", route(async (req, res) => {
    res.json(await setQualificationAnswer(ctx(req, res), param(req, "roomId"), param(req, "item"), body(req)));
  }));

  return api;
}
