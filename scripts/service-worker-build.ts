// Builds the service worker (app/offline/service-worker.ts) into <client build>/sw.js: one
// classic script with the Workbox modules it uses bundled in, at a fixed address (its scope is
// the whole site). Called from react-router.config.ts's buildEnd, before the precompression.
// docs/decisions/029-offline-editing.md.
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "vite";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

export async function buildServiceWorker(clientDir: string): Promise<void> {
  await build({
    configFile: false,
    root: ROOT,
    logLevel: "warn",
    // Workbox prints its debug logs unless told it runs in production.
    define: { "process.env.NODE_ENV": JSON.stringify("production") },
    build: {
      outDir: clientDir,
      emptyOutDir: false,
      copyPublicDir: false,
      minify: true,
      sourcemap: false,
      lib: { entry: path.join(ROOT, "app/offline/service-worker.ts"), formats: ["iife"], name: "dealroomServiceWorker", fileName: () => "sw.js" },
    },
  });
}
