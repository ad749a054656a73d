import express, { type Request, type Response } from "express";
import { pipeline } from "node:stream/promises";
import type { AppContext } from "../context.ts";
import { AppError, errorBody } from "../errors.ts";
import { contentTypeHeader, isInlineSafe } from "../files/content-type.ts";
import { accessLog, archiveFile, getFile, getVersions, listFiles, openVersion, recordFileAccess, updateFile } from "../files/files.ts";
import { getFileCards } from "../files/file-cards.ts";
import { createFolder, deleteFolder, listFolders, updateFolder } from "../files/folders.ts";
import { contentDisposition } from "../files/names.ts";
import type { ByteRange } from "../files/storage.ts";
import { receiveUpload } from "../files/upload.ts";
import { actorContext, param, route } from "./http.ts";

/** Every file response: no sniffing, no scripts, no plugins, nothing from elsewhere. */
const FILE_CSP = "default-src 'none'; style-src 'unsafe-inline'; sandbox";

/**
 * The file library's API (docs/api.md "Files", plus folders, metadata, versions, preview and the
 * access log). Mounted inside /api/v1, after its JSON body parser (which leaves multipart alone).
 */
export function filesApi(app: AppContext) {
  const api = express.Router();
  const body = (req: Request) => (req.body === undefined ? {} : req.body);

  api.post("/rooms/:roomId/files", route(async (req, res) => {
    try {
      res.status(201).json(await receiveUpload(actorContext(app, req, res), param(req, "roomId"), req));
    } catch (error) {
      // Refused before the body was read (or while reading it): don't read the rest, close after answering.
      if (!req.complete) res.setHeader("Connection", "close");
      throw error;
    }
  }));
  api.get("/rooms/:roomId/files", route(async (req, res) => {
    res.json({ items: await listFiles(actorContext(app, req, res), param(req, "roomId")) });
  }));
  // What the file cards of a wiki page show this reader (?ids=a,b; at most 50).
  api.get("/rooms/:roomId/file-cards", route(async (req, res) => {
    res.setHeader("Cache-Control", "private, no-store");
    res.json({ items: await getFileCards(actorContext(app, req, res), param(req, "roomId"), req.query) });
  }));

  api.get("/rooms/:roomId/folders", route(async (req, res) => {
    res.json({ items: await listFolders(actorContext(app, req, res), param(req, "roomId")) });
  }));
  api.post("/rooms/:roomId/folders", route(async (req, res) => {
    res.status(201).json(await createFolder(actorContext(app, req, res), param(req, "roomId"), body(req)));
  }));
  api.patch("/folders/:folderId", route(async (req, res) => {
    res.json(await updateFolder(actorContext(app, req, res), param(req, "folderId"), body(req)));
  }));
  api.delete("/folders/:folderId", route(async (req, res) => {
    await deleteFolder(actorContext(app, req, res), param(req, "folderId"));
    res.status(204).end();
  }));

  api.get("/files/:fileId", route(async (req, res) => {
    res.json(await getFile(actorContext(app, req, res), param(req, "fileId")));
  }));
  api.patch("/files/:fileId", route(async (req, res) => {
    res.json(await updateFile(actorContext(app, req, res), param(req, "fileId"), body(req)));
  }));
  api.delete("/files/:fileId", route(async (req, res) => {
    await archiveFile(actorContext(app, req, res), param(req, "fileId"));
    res.status(204).end();
  }));
  api.get("/files/:fileId/versions", route(async (req, res) => {
    res.json({ items: await getVersions(actorContext(app, req, res), param(req, "fileId")) });
  }));
  api.get("/files/:fileId/access-log", route(async (req, res) => {
    res.json({ items: await accessLog(actorContext(app, req, res), param(req, "fileId")) });
  }));
  api.get("/files/:fileId/download", route((req, res) => serveFile(app, req, res, "downloaded")));
  api.get("/files/:fileId/preview", route((req, res) => serveFile(app, req, res, "opened")));

  return api;
}

/**
 * Streams a file version with Range support. Safe types (images but not SVG, PDF, plain
 * text) are inline, everything else an attachment; every answer is nosniff and sandboxed.
 * `opened` (preview) may be framed by our own pages; `downloaded` may not.
 */
async function serveFile(app: AppContext, req: Request, res: Response, action: "opened" | "downloaded") {
  const ctx = actorContext(app, req, res);
  const target = await openVersion(ctx, param(req, "fileId"), req.query.version);
  const { file, version } = target;
  const etag = `"${version.sha256}"`;
  const lastModified = new Date(version.createdAt).toUTCString();
  // An older version downloads under the name it was uploaded with.
  const name = req.query.version === undefined ? file.name : version.originalName;

  res.setHeader("X-Content-Type-Options", "nosniff");
  res.setHeader("Content-Security-Policy", `${FILE_CSP}; frame-ancestors ${action === "opened" ? "'self'" : "'none'"}`);
  res.setHeader("X-Frame-Options", action === "opened" ? "SAMEORIGIN" : "DENY");
  res.setHeader("Cross-Origin-Resource-Policy", "same-origin");
  res.setHeader("Cache-Control", "private, no-cache");
  res.setHeader("Accept-Ranges", "bytes");
  res.setHeader("ETag", etag);
  res.setHeader("Last-Modified", lastModified);

  if (req.headers["if-none-match"] === etag) {
    res.status(304).end();
    return;
  }

  let range: ByteRange | undefined;
  const ifRange = req.headers["if-range"];
  if (req.headers.range && (ifRange === undefined || ifRange === etag || ifRange === lastModified)) {
    const parsed = req.range(version.size, { combine: true });
    if (parsed === -1) {
      res.setHeader("Content-Range", `bytes */${version.size}`);
      res.status(416).json(errorBody(new AppError(416, "range_not_satisfiable", `The file has ${version.size} bytes.`)));
      return;
    }
    // Malformed ranges are ignored (a full answer); several ranges are answered with the whole file too.
    if (Array.isArray(parsed) && parsed.length === 1) range = { start: parsed[0]!.start, end: parsed[0]!.end };
  }

  res.setHeader("Content-Type", contentTypeHeader(version.contentType));
  res.setHeader("Content-Disposition", contentDisposition(isInlineSafe(version.contentType) ? "inline" : "attachment", name));
  if (range) res.setHeader("Content-Range", `bytes ${range.start}-${range.end}/${version.size}`);
  res.setHeader("Content-Length", String(range ? range.end - range.start + 1 : version.size));
  res.status(range ? 206 : 200);
  if (req.method === "HEAD") {
    res.end();
    return;
  }

  const bytes = await app.storage.get(version.sha256, range);
  // A viewer fetching later pieces of a file it already opened is not a new access.
  if (!range || range.start === 0) {
    await recordFileAccess(ctx, target, action).catch((error: unknown) => {
      bytes.destroy();
      throw error;
    });
  }
  try {
    await pipeline(bytes, res);
  } catch (error) {
    // The client went away mid-download: nothing to answer.
    if (!res.destroyed && !res.writableFinished) app.log.warn({ err: error, fileId: file.id }, "file download failed");
  }
}
