import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/**
 * How this process runs its own code (docs/decisions/002-tsx-at-runtime.md): `npm start` runs the
 * server compiled by the build (builds/<id>/node/*.js, no TypeScript loader in the process);
 * `npm run dev`, the tests and the benchmarks' helpers run the TypeScript sources through tsx.
 * The compiled entry points sit side by side in one folder, as main.ts, cluster.ts and the worker
 * files do not, so a sibling is found by its file name alone (see `siblingEntry`).
 */
export const COMPILED = import.meta.url.endsWith(".js");

/** The build this compiled server belongs to (builds/<id>, the folder above node/); null from the sources. */
export const COMPILED_BUILD_DIR = COMPILED ? path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..") : null;

/** The checkout: the nearest folder above this file holding package.json (builds/<id>/node has none). */
export const PROJECT_ROOT = (() => {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, "package.json"))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error("no package.json above the server's code");
    dir = up;
  }
  return dir;
})();

/**
 * A process or worker entry point next to the caller (`name` without extension, e.g. "./markdown-worker"),
 * with the node flags it needs: tsx for a TypeScript source, nothing for the compiled one.
 */
export function siblingEntry(callerUrl: string, name: string): { url: URL; execArgv: string[] } {
  const ext = callerUrl.endsWith(".js") ? ".js" : ".ts";
  const file = ext === ".js" ? `./${path.basename(name)}${ext}` : `${name}${ext}`;
  return { url: new URL(file, callerUrl), execArgv: ext === ".ts" ? ["--import", "tsx"] : [] };
}
