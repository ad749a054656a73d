import { realpathSync } from "node:fs";
import http from "node:http";
import path from "node:path";
import { createRequestHandler } from "@react-router/express";
import express from "express";
import expressStaticGzip from "express-static-gzip";
import type { ServerBuild } from "react-router";
import { apiV1 } from "./api/v1.ts";
import { authOf } from "./api/http.ts";
import { attachCollab } from "./collab-hooks.ts";
import { compileTrust } from "./client-ip.ts";
import { recordRefusals } from "./access/refusals.ts";
import { authenticate, csrfGuard } from "./auth/middleware.ts";
import type { AppContext } from "./context.ts";
import { attachEarlyAnswers } from "./early-answers.ts";
import { displayUrl, rememberListenAddress } from "./links.ts";
import { cspNonceOf, securityHeaders } from "./security-headers.ts";
import { attachRealtime } from "./realtime/socket.ts";
import { flushBeats } from "./engagement/batch.ts";
import { COMPILED_BUILD_DIR, PROJECT_ROOT } from "./runtime.ts";
import { refuseUnclaimedUpgrades } from "./upgrades.ts";

const ROOT = PROJECT_ROOT;

export interface WebOptions {
  /** production: serve build/; development: Vite middleware with HMR; none: API, sockets and health only. */
  web: "production" | "development" | "none";
}

export interface RunningServer {
  server: http.Server;
  url: string;
  close(): Promise<void>;
}

/** One HTTP server: the React Router app, /api/v1, socket.io, /collab and /healthz. */
export async function createHttpServer(app: AppContext, options: WebOptions): Promise<Omit<RunningServer, "url">> {
  const web = express();
  const server = http.createServer(web);
  attachEarlyAnswers(server, web, app.config.maxUploadBytes);
  // Links are built from PUBLIC_URL or this address, never from a request (server/links.ts).
  server.on("listening", () => rememberListenAddress(app, server.address()));
  web.disable("x-powered-by");
  // Only the proxies TRUST_PROXY names may set the client's address (server/client-ip.ts).
  web.set("trust proxy", compileTrust(app.config.trustProxy));
  web.use(securityHeaders(app, options.web === "development"));

  web.get("/healthz", async (_req, res) => {
    try {
      await app.sql`select 1`;
      res.json({ ok: true, database: "up" });
    } catch {
      res.status(503).json({ ok: false, database: "down" });
    }
  });

  web.use(authenticate(app));
  web.use(recordRefusals(app));
  web.use(csrfGuard(app));
  web.use("/api/v1", apiV1(app));

  const realtime = attachRealtime(app, server);
  const collab = attachCollab(app, server);

  const stopRefusingUpgrades = refuseUnclaimedUpgrades(server, options.web === "development");

  let vite: { close(): Promise<void> } | undefined;
  if (options.web !== "none") {
    let build: ServerBuild | (() => Promise<ServerBuild>);
    if (options.web === "development") {
      const { createServer } = await import("vite");
      const devServer = await createServer({ root: ROOT, server: { middlewareMode: true, hmr: { server } } });
      vite = devServer;
      web.use(devServer.middlewares);
      build = () => devServer.ssrLoadModule("virtual:react-router/server-build") as Promise<ServerBuild>;
    } else {
      // The compiled server serves the build it is part of (builds/<id>/node/main.js); from the
      // sources, `build` is a link to the current build (scripts/build.ts). Either way this process
      // keeps the one it started with, even when a new build replaces the link meanwhile.
      const buildDir = COMPILED_BUILD_DIR ?? realpathSync(path.join(ROOT, "build"));
      // Assets are precompressed at build time (scripts/precompress.ts): brotli or gzip when the
      // client accepts it, with Vary: Accept-Encoding; hashed names are cached for good.
      const compressed = { enableBrotli: true, orderPreference: ["br", "gzip"], index: false };
      web.use("/assets", expressStaticGzip(path.join(buildDir, "client/assets"), { ...compressed, serveStatic: { immutable: true, maxAge: "1y", index: false } }));
      // The service worker (docs/decisions/029-offline-editing.md) is checked for a new version on every registration.
      const noCacheForWorker = (res: http.ServerResponse, file: string) => {
        if (path.basename(file) === "sw.js") res.setHeader("Cache-Control", "no-cache");
      };
      web.use(expressStaticGzip(path.join(buildDir, "client"), { ...compressed, serveStatic: { maxAge: "1h", index: false, setHeaders: noCacheForWorker } }));
      build = (await import(path.join(buildDir, "server/index.js"))) as ServerBuild;
    }
    web.use(
      createRequestHandler({
        build,
        mode: options.web,
        getLoadContext: (req, res) => ({ app, auth: authOf(res), ip: req.ip, cspNonce: cspNonceOf(res) }),
      }),
    );
  }

  return {
    server,
    async close() {
      await collab.close();
      await realtime.close();
      // Heartbeats still waiting for their batch are written before the database closes.
      await flushBeats(app.sql);
      await vite?.close();
      stopRefusingUpgrades();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export async function listen(server: http.Server, port: number, host: string): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as import("node:net").AddressInfo;
  return displayUrl(host, address.port);
}
