// The server's part of `npm run build` (docs/decisions/002-tsx-at-runtime.md): each process or
// worker entry point is bundled with esbuild into builds/<id>/node/<name>.js, packages left to
// node_modules, so `npm start` runs plain JavaScript with no TypeScript loader thread and no
// per-file transform at start. The type check stays `tsc --noEmit`; esbuild only strips types.
import path from "node:path";
import { build } from "esbuild";

/** Entry points, by the name their callers look for (server/runtime.ts `siblingEntry`). */
export const SERVER_ENTRIES = {
  main: "server/main.ts",
  cluster: "server/cluster.ts",
  "markdown-worker": "server/wiki/markdown-worker.ts",
} as const;

export async function compileServer(root: string, outDir: string): Promise<void> {
  await build({
    absWorkingDir: root,
    entryPoints: Object.entries(SERVER_ENTRIES).map(([out, source]) => ({ in: source, out })),
    outdir: outDir,
    bundle: true,
    // A dynamic import stays lazy: its chunk, and the packages it imports, load on first use
    // (the S3 client, the PDF and ZIP writers), not at start.
    splitting: true,
    // Chunks sit next to the entry points: server/runtime.ts finds siblings by file name (see there).
    chunkNames: "[name]-[hash]",
    packages: "external",
    platform: "node",
    format: "esm",
    target: "node20",
    // Readable stack traces without a source map cache in every process: names and layout are kept.
    minify: false,
    keepNames: true,
    logLevel: "warning",
    // A loader's `import.meta.url` is the bundle's own; server/runtime.ts reads it to tell compiled from source.
    banner: { js: "// Compiled by scripts/compile-server.ts from the TypeScript sources; do not edit." },
  });
}

export const compiledEntry = (buildDir: string, name: keyof typeof SERVER_ENTRIES) => path.join(buildDir, "node", `${name}.js`);
