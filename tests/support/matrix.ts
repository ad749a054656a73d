// Machinery of the permission matrix (tests/integration/permission-matrix.test.ts): the actors,
// the expectation tables, the list of endpoints the server really registers, and a small pool
// that runs cells with limited concurrency. docs/access.md explains how it fits together.
import type { RouteConfigEntry } from "@react-router/dev/routes";

/** Everyone the matrix asks, in the column order every table uses (who is who: docs/access.md). */
export const ACTORS = ["owner", "inEd", "inView", "exEd", "exCom", "exView", "admin", "member", "other", "anon"] as const;
export type ActorName = (typeof ACTORS)[number];

/**
 * What a cell expects: an HTTP status, or for page routes "login" (a redirect to /login) and
 * "302" (any other redirect).
 */
export type Expected = number | "login";

/** One row of a table: the target (e.g. "internal", "shared", "room") and what each actor gets. */
export type Table = Map<string, Record<ActorName, Expected>>;

/**
 * Parses a table written as text:
 *
 *              owner inEd inView exEd exCom exView admin member other anon
 *     internal 200   200  200    404  404   404    200   404    404   401
 *
 * The header must name every actor in ACTORS order, so a table cannot silently miss a column.
 */
export function parseTable(text: string): Table {
  const lines = text
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean);
  const [header, ...rows] = lines;
  const columns = (header ?? "").split(/\s+/);
  if (columns.join(" ") !== ACTORS.join(" ")) {
    throw new Error(`table header must be "${ACTORS.join(" ")}", got "${header}"`);
  }
  if (rows.length === 0) throw new Error("table has no rows");
  const table: Table = new Map();
  for (const line of rows) {
    const [label, ...cells] = line.split(/\s+/);
    if (cells.length !== ACTORS.length) throw new Error(`row "${line}" needs ${ACTORS.length} cells, has ${cells.length}`);
    if (table.has(label!)) throw new Error(`row "${label}" appears twice`);
    const expected = {} as Record<ActorName, Expected>;
    ACTORS.forEach((actor, i) => {
      const cell = cells[i]!;
      if (cell === "login") expected[actor] = "login";
      else if (/^[1-5]\d\d$/.test(cell)) expected[actor] = Number(cell);
      else throw new Error(`cell "${cell}" in row "${label}" is neither a status nor "login"`);
    });
    table.set(label!, expected);
  }
  return table;
}

export const isSuccess = (expected: Expected) => typeof expected === "number" && expected >= 200 && expected < 300;

/** Minimal view of an Express 5 router's layers (router 2.x), enough to walk it. */
interface LayerLike {
  rawPath?: unknown;
  route?: { path: unknown; methods: Record<string, boolean> };
  handle?: { stack?: LayerLike[] };
  name?: string;
}

/**
 * Every endpoint an Express router serves, as "METHOD /path", nested routers included. A
 * middleware mounted on a path of its own (not a router) is listed as "USE /path": it is a
 * surface too, and must get an entry.
 */
export function listRoutes(router: { stack: LayerLike[] }, prefix = ""): string[] {
  const out: string[] = [];
  for (const layer of router.stack) {
    const own = typeof layer.rawPath === "string" && layer.rawPath !== "/" ? layer.rawPath : "";
    if (layer.route) {
      const path = `${prefix}${String(layer.route.path)}`;
      for (const [method, on] of Object.entries(layer.route.methods)) {
        if (on && method !== "_all") out.push(`${method.toUpperCase()} ${path}`);
      }
      if (layer.route.methods._all) out.push(`ALL ${path}`);
    } else if (layer.handle?.stack) {
      out.push(...listRoutes(layer.handle as { stack: LayerLike[] }, `${prefix}${own}`));
    } else if (own) {
      out.push(`USE ${prefix}${own}`);
    }
  }
  return out;
}

/** Every URL path of a React Router route config (layouts and index routes share their parent's). */
export function listPagePaths(routes: RouteConfigEntry[], parent = ""): string[] {
  const out = new Set<string>();
  for (const r of routes) {
    const path = r.path === undefined ? parent : `${parent.replace(/\/$/, "")}/${r.path}`.replace(/\/+/g, "/");
    out.add(path === "" ? "/" : path);
    if (r.children) for (const child of listPagePaths(r.children, path)) out.add(child);
  }
  return [...out];
}

/** A regular expression matching concrete paths of an endpoint pattern such as /pages/:pageId. */
export function patternRegExp(pattern: string): RegExp {
  const source = pattern
    .split("/")
    .map((part) => (part.startsWith(":") ? "[^/]+" : part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")))
    .join("/");
  return new RegExp(`^${source}$`);
}

/** Runs `tasks` with at most `limit` at once; resolves with every result, in order. */
export async function runLimited<T>(tasks: (() => Promise<T>)[], limit: number): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const i = next++;
      results[i] = await tasks[i]!();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  return results;
}

/** "Expected 404, got 200" lines for a failed cell, readable in a test failure. */
export function describeMismatch(endpoint: string, row: string, actor: ActorName, expected: Expected, got: string, note = ""): string {
  return `${endpoint}  [${row} × ${actor}]  expected ${expected}, got ${got}${note ? `  — ${note}` : ""}`;
}
