import path from "node:path";
import type { Config } from "@react-router/dev/config";
import { precompress } from "./scripts/precompress.ts";
import { buildServiceWorker } from "./scripts/service-worker-build.ts";

export default {
  appDirectory: "app",
  ssr: true,
  // scripts/build.ts builds into a directory of its own and then switches `build` to it atomically.
  buildDirectory: process.env.DEALROOM_BUILD_DIR ?? "build",
  // Brotli and gzip copies of the browser assets, served by server/http.ts.
  async buildEnd({ reactRouterConfig }) {
    const client = path.join(reactRouterConfig.buildDirectory, "client");
    // The service worker that keeps visited wiki pages for offline use (docs/decisions/029-offline-editing.md).
    await buildServiceWorker(client);
    const done = await precompress(client);
    const kb = (n: number) => `${Math.round(n / 1024)} KB`;
    console.log(`precompressed ${done.files} assets: ${kb(done.bytes)} → ${kb(done.brotliBytes)} brotli, ${kb(done.gzipBytes)} gzip`);
  },
} satisfies Config;
