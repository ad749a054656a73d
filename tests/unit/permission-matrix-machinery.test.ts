// The permission matrix's own machinery (tests/support/matrix.ts): a table that is wrong must
// not parse, and the route walk must find everything a router serves.
import express from "express";
import { describe, expect, it } from "vitest";
import { listPagePaths, listRoutes, parseTable, patternRegExp, runLimited } from "../support/matrix.ts";

const HEADER = "owner inEd inView exEd exCom exView admin member other anon";

describe("parseTable", () => {
  it("reads rows of statuses and login redirects under the actor header", () => {
    const table = parseTable(`
      ${HEADER}
      internal 200 200 200 404 404 404 200 404 404 login
      shared   201 201 403 201 403 403 403 404 404 401`);
    expect([...table.keys()]).toEqual(["internal", "shared"]);
    expect(table.get("internal")).toMatchObject({ owner: 200, exEd: 404, anon: "login" });
    expect(table.get("shared")).toMatchObject({ exEd: 201, exCom: 403, anon: 401 });
  });

  it("refuses a header that misses, adds or reorders an actor", () => {
    expect(() => parseTable("owner inEd\nroom 200 200")).toThrow(/header/);
    expect(() => parseTable(`${HEADER} root\nroom 200 200 200 200 200 200 200 200 200 200 200`)).toThrow(/header/);
    expect(() => parseTable(`${HEADER.replace("exEd exCom", "exCom exEd")}\nroom 200 200 200 200 200 200 200 200 200 200`)).toThrow(/header/);
  });

  it("refuses short rows, repeated rows, unknown cells and empty tables", () => {
    expect(() => parseTable(`${HEADER}\nroom 200 200 200`)).toThrow(/needs 10 cells/);
    expect(() => parseTable(`${HEADER}\nroom 200 200 200 200 200 200 200 200 200 200\nroom 200 200 200 200 200 200 200 200 200 200`)).toThrow(/twice/);
    expect(() => parseTable(`${HEADER}\nroom 200 200 200 200 200 200 200 200 200 ok`)).toThrow(/neither/);
    expect(() => parseTable(`${HEADER}\nroom 200 200 200 200 200 200 200 200 200 2000`)).toThrow(/neither/);
    expect(() => parseTable(HEADER)).toThrow(/no rows/);
  });
});

describe("listRoutes", () => {
  it("lists routes of nested routers with their prefixes, and path-mounted middleware", () => {
    const inner = express.Router();
    inner.get("/pages/:pageId", (_req, res) => void res.end());
    inner.route("/files/:fileId").get((_req, res) => void res.end()).delete((_req, res) => void res.end());
    const outer = express.Router();
    outer.use(express.json());
    outer.use(inner);
    outer.use("/admin", inner);
    outer.use("/hooks", (_req, res) => void res.end());
    outer.post("/rooms", (_req, res) => void res.end());
    expect(listRoutes(outer as never).sort()).toEqual(
      [
        "GET /pages/:pageId",
        "GET /files/:fileId",
        "DELETE /files/:fileId",
        "GET /admin/pages/:pageId",
        "GET /admin/files/:fileId",
        "DELETE /admin/files/:fileId",
        "USE /hooks",
        "POST /rooms",
      ].sort(),
    );
  });
});

describe("listPagePaths and patternRegExp", () => {
  it("flattens nested, index and layout routes into URL patterns", () => {
    const paths = listPagePaths([
      { file: "home.tsx", index: true },
      { file: "room.tsx", path: "rooms/:roomId", children: [{ file: "room-index.tsx", index: true }, { file: "pages.tsx", path: "pages", children: [{ file: "page.tsx", path: ":pageId" }] }] },
    ]);
    expect(paths.sort()).toEqual(["/", "/rooms/:roomId", "/rooms/:roomId/pages", "/rooms/:roomId/pages/:pageId"].sort());
  });

  it("matches concrete paths of a pattern and nothing longer or shorter", () => {
    const re = patternRegExp("/pages/:pageId/versions/:number");
    expect(re.test("/pages/abc/versions/1")).toBe(true);
    expect(re.test("/pages/abc/versions")).toBe(false);
    expect(re.test("/pages/abc/versions/1/restore")).toBe(false);
    expect(re.test("/pages/a/b/versions/1")).toBe(false);
  });
});

describe("runLimited", () => {
  it("keeps order and never runs more than the limit at once", async () => {
    let running = 0;
    let most = 0;
    const tasks = Array.from({ length: 10 }, (_, i) => async () => {
      running++;
      most = Math.max(most, running);
      await new Promise((r) => setTimeout(r, 5));
      running--;
      return i;
    });
    expect(await runLimited(tasks, 3)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(most).toBe(3);
  });
});
