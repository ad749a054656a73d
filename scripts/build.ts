// `npm run build`: builds the app once, into a directory of its own (builds/<id>), then points
// `build` at it with one rename of a symlink, which is atomic: a process starting at any moment
// sees the old build or the new one, never half of one. Running processes keep the build they
// started with (server/http.ts resolves the link once), so the last few builds are kept.
import { spawnSync } from "node:child_process";
import { lstat, mkdir, readdir, rename, rm, stat, symlink } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { compiledEntry, compileServer } from "./compile-server.ts";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const BUILDS = path.join(ROOT, "builds");
const LINK = path.join(ROOT, "build");
/** Builds kept (the newest first): running processes may still serve an older one's assets. */
const KEEP = 3;

export async function buildAtomically(): Promise<string> {
  await mkdir(BUILDS, { recursive: true });
  const id = `${new Date().toISOString().replace(/[-:.TZ]/g, "")}-${process.pid}`;
  const dir = path.join(BUILDS, id);
  const result = spawnSync(process.execPath, [path.join(ROOT, "node_modules/@react-router/dev/bin.js"), "build"], {
    cwd: ROOT,
    stdio: "inherit",
    env: { ...process.env, DEALROOM_BUILD_DIR: dir },
  });
  if (result.status !== 0) {
    await rm(dir, { recursive: true, force: true });
    throw new Error(`react-router build failed (status ${result.status})`);
  }
  // The server, compiled next to the app it serves: `npm start` runs builds/<id>/node/main.js.
  try {
    await compileServer(ROOT, path.join(dir, "node"));
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  // An older checkout has build/ as a plain directory: move it aside once (not atomic, that one time).
  const current = await lstat(LINK).catch(() => null);
  if (current?.isDirectory()) await rename(LINK, path.join(BUILDS, `legacy-${id}`));
  const tmp = path.join(ROOT, `.build-link-${id}`);
  await symlink(path.relative(ROOT, dir), tmp);
  await rename(tmp, LINK);
  await prune(id);
  return dir;
}

async function prune(keepId: string) {
  const entries = await readdir(BUILDS);
  const dated = await Promise.all(entries.map(async (name) => ({ name, mtime: (await stat(path.join(BUILDS, name))).mtimeMs })));
  dated.sort((a, b) => b.mtime - a.mtime);
  for (const { name } of dated.slice(KEEP)) if (name !== keepId) await rm(path.join(BUILDS, name), { recursive: true, force: true });
}

/** True when `build` points at a finished build (the app and the compiled server; an older build without the latter is rebuilt). */
export async function hasBuild(): Promise<boolean> {
  const present = async (file: string) => (await stat(file).catch(() => null)) !== null;
  return (await present(path.join(LINK, "server/index.js"))) && (await present(compiledEntry(LINK, "main")));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const onlyIfMissing = process.argv.includes("--if-missing");
  if (onlyIfMissing && (await hasBuild())) {
    console.log("using the existing build (npm run build makes a new one)");
  } else {
    const dir = await buildAtomically();
    console.log(`build ready: ${path.relative(ROOT, dir)} (build → it)`);
  }
}
