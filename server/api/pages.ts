import express, { type NextFunction, type Request, type RequestHandler, type Response } from "express";
import type { AppContext } from "../context.ts";
import { AppError } from "../errors.ts";
import { createPage, getPage, listPages, pageJson, pageListItemJson, setPageArchived, updatePage } from "../wiki/pages.ts";
import { searchRoom } from "../search.ts";
import {
  createManualVersion,
  diffVersions,
  getVersion,
  listVersions,
  restoreVersion,
  type MadeVersion,
  type VersionSummary,
} from "../wiki/versions.ts";
import { actorContext, param, route } from "./http.ts";

/**
 * The Pages and Search sections of docs/api.md, plus history (restore, diff) and archive.
 * Mounted by v1.ts before its own JSON parser: page bodies carry up to 1 MB of markdown,
 * more than the API's general body limit.
 */
const PAGE_BODY_LIMIT = "2mb";
const parsePageJson = express.json({ limit: PAGE_BODY_LIMIT, strict: false });

const pageBody: RequestHandler = (req: Request, res: Response, next: NextFunction) => {
  parsePageJson(req, res, (error?: unknown) => {
    if ((error as { type?: string } | undefined)?.type === "entity.too.large") {
      next(new AppError(413, "payload_too_large", `The request body is larger than ${PAGE_BODY_LIMIT}.`));
    } else next(error);
  });
};
const body = (req: Request) => (req.body === undefined ? {} : req.body);

const versionJson = (v: VersionSummary) => ({
  number: v.number,
  reason: v.reason,
  createdAt: v.createdAt,
  authors: v.authors,
  label: v.label,
  title: v.title,
  createdBy: v.createdBy,
  restoredFrom: v.restoredFrom,
});
/** 201 when a version was made; 200 with the latest one when the content had not changed. */
const sendMade = (res: Response, made: MadeVersion) => res.status(made.created ? 201 : 200).json(versionJson(made.version));

export function pagesApi(app: AppContext) {
  const api = express.Router();

  api.post("/rooms/:roomId/pages", pageBody, route(async (req, res) => {
    res.status(201).json(pageJson(await createPage(actorContext(app, req, res), param(req, "roomId"), body(req))));
  }));
  api.get("/rooms/:roomId/pages", route(async (req, res) => {
    const includeArchived = req.query.archived === "true";
    const pages = await listPages(actorContext(app, req, res), param(req, "roomId"), { includeArchived });
    res.json({ items: pages.map(pageListItemJson) });
  }));
  api.get("/pages/:pageId", route(async (req, res) => {
    res.json(pageJson(await getPage(actorContext(app, req, res), param(req, "pageId"))));
  }));
  api.patch("/pages/:pageId", pageBody, route(async (req, res) => {
    res.json(pageJson(await updatePage(actorContext(app, req, res), param(req, "pageId"), body(req))));
  }));
  api.post("/pages/:pageId/archive", route(async (req, res) => {
    res.json(pageJson(await setPageArchived(actorContext(app, req, res), param(req, "pageId"), true)));
  }));
  api.post("/pages/:pageId/unarchive", route(async (req, res) => {
    res.json(pageJson(await setPageArchived(actorContext(app, req, res), param(req, "pageId"), false)));
  }));

  api.get("/pages/:pageId/versions", route(async (req, res) => {
    const versions = await listVersions(actorContext(app, req, res), param(req, "pageId"));
    res.json({ items: versions.map(versionJson) });
  }));
  api.post("/pages/:pageId/versions", pageBody, route(async (req, res) => {
    sendMade(res, await createManualVersion(actorContext(app, req, res), param(req, "pageId"), body(req)));
  }));
  api.get("/pages/:pageId/versions/:number", route(async (req, res) => {
    const v = await getVersion(actorContext(app, req, res), param(req, "pageId"), param(req, "number"));
    res.json({ ...versionJson(v), markdown: v.markdown, html: v.html });
  }));
  api.post("/pages/:pageId/versions/:number/restore", route(async (req, res) => {
    sendMade(res, await restoreVersion(actorContext(app, req, res), param(req, "pageId"), param(req, "number")));
  }));
  api.get("/pages/:pageId/versions/:from/diff/:to", route(async (req, res) => {
    res.json(await diffVersions(actorContext(app, req, res), param(req, "pageId"), param(req, "from"), param(req, "to")));
  }));

  api.get("/rooms/:roomId/search", route(async (req, res) => {
    const results = await searchRoom(actorContext(app, req, res), param(req, "roomId"), req.query.q);
    res.json({ items: results.map(({ type, id, title, visibility, snippet, highlights, threadId }) => ({ type, id, title, visibility, snippet, highlights, ...(threadId ? { threadId } : {}) })) });
  }));

  return api;
}
